import { nativeOf, type NativeSources } from '../../analysis/native.js';
import { platformCapability, SYSCALL_INSN, type CFacts } from '../../parse/c.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Severity } from '../../contract/finding.js';
import { SECRET_ENV } from './flow.js';
import { short } from './util.js';

/** What a native-code finding is about; one rule file per kind. */
type Kind = 'constructor' | 'process' | 'network' | 'dlopen' | 'secret-env' | 'syscall' | 'whole-archive' | 'unanalysed';

interface Hit {
  kind: Kind;
  file: string;
  line: number;
  severity: Severity;
  data: Record<string, string>;
  extra?: string;
}

/** A capability a function reaches, with the first place that gives it. */
interface Reach {
  cap: string;
  file: string;
  line: number;
  what: string;
}

const SECRET_NAME = /^[A-Z][A-Z0-9_]{2,63}$/;
/** A command line that downloads something, or pipes it into a shell. */
const DOWNLOADS = /\b(curl|wget|fetch|iwr|invoke-webrequest|certutil|bitsadmin)\b|https?:\/\/|\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/i;
/** Link directives that keep every object of an archive (and so every constructor in it). */
const WHOLE_ARCHIVE = /\bcargo::?(?:rustc-link-lib=[^\s"]*\+whole-archive|rustc-link-arg[\w-]*=[^\s"]*(?:--whole-archive|-force_load|\/WHOLEARCHIVE))/;
/** System-call numbers and names that start programs (x86-64 and generic). */
const SPAWN_SYSCALL = /\b(SYS_|__NR_)(execve|execveat|fork|vfork|clone3?)\b|\(\s*(59|57|58|322)\s*[,)]|"a"\s*\(\s*(59|57|58|322)\s*\)|\bmov[lq]?\s+\$(59|57|58|322|0x3b|0x39)\s*,\s*%%?[er]?ax\b|\bmov\s+[xw]8\s*,\s*#(221|220|0xdd)\b/;

/** Where the functions of one release's parsed native sources are defined, and what they do. */
class NativeGraph {
  readonly defined = new Map<string, string>();
  private calls = new Map<string, Set<string>>();
  private macros = new Map<string, string[]>();
  private direct = new Map<string, Reach[]>();
  private reachMemo = new Map<string, Reach[]>();

  constructor(readonly scan: NativeSources) {
    for (const [file, f] of scan.facts) {
      for (const fn of f.functions) if (!this.defined.has(fn.name)) this.defined.set(fn.name, file);
      for (const [fn, names] of Object.entries(f.calls)) {
        let s = this.calls.get(fn);
        if (!s) this.calls.set(fn, (s = new Set()));
        for (const n of names) s.add(n);
      }
      for (const [m, names] of Object.entries(f.macros)) if (!this.macros.has(m)) this.macros.set(m, names);
      for (const r of f.refs) this.add(r.fn ?? '', { cap: refCap(r.name, r.args), file, line: r.line, what: `${r.name}${short(r.args ?? '', 60)}` });
      for (const a of f.asm) this.add(a.fn ?? '', { cap: SPAWN_SYSCALL.test(a.text) ? 'syscall.spawn' : 'syscall.raw', file, line: a.line, what: short(a.text, 80) });
      const getenv = f.refs.some((r) => platformCapability(r.name) === 'env.read');
      for (const s of f.strings) {
        if (getenv && SECRET_NAME.test(s.text) && SECRET_ENV.test(s.text)) this.add(s.fn ?? '', { cap: 'env.secret', file, line: s.line, what: `"${s.text}"` });
        if (DOWNLOADS.test(s.text) && /\b(curl|wget|sh|bash|powershell|cmd)\b/i.test(s.text)) this.add(s.fn ?? '', { cap: 'process.download', file, line: s.line, what: `"${short(s.text, 60)}"` });
      }
    }
  }

  /** Functions the loader runs (constructors and destructors). */
  ctorNames(): string[] {
    const out: string[] = [];
    for (const f of this.scan.facts.values()) for (const c of f.ctors) if (c.name) out.push(c.name);
    return out;
  }

  private add(fn: string, r: Reach): void {
    const l = this.direct.get(fn);
    if (l) l.push(r);
    else this.direct.set(fn, [r]);
  }

  /** Names a function calls, with macros expanded to what their bodies call. */
  private callees(fn: string): string[] {
    const out: string[] = [];
    for (const n of this.calls.get(fn) ?? []) {
      out.push(n);
      for (const m of this.macros.get(n) ?? []) out.push(m);
    }
    return out;
  }

  /** Capabilities `fn` reaches through the functions it calls (bounded), nearest first. */
  reach(fn: string): Reach[] {
    const hit = this.reachMemo.get(fn);
    if (hit) return hit;
    const out: Reach[] = [];
    const seen = new Set<string>([fn]);
    const queue = [fn];
    for (let i = 0; i < queue.length && i < 5000; i++) {
      for (const r of this.direct.get(queue[i]) ?? []) out.push(r);
      for (const c of this.callees(queue[i])) {
        if (!seen.has(c) && (this.defined.has(c) || this.macros.has(c) || this.direct.has(c))) {
          seen.add(c);
          queue.push(c);
        }
      }
    }
    this.reachMemo.set(fn, out);
    return out;
  }
}

/** The capability of a platform call, with `syscall(SYS_execve, …)` counted as starting a program. */
function refCap(name: string, args?: string): string {
  const cap = platformCapability(name) ?? 'unknown';
  if (cap === 'syscall.raw' && SPAWN_SYSCALL.test(args ?? '')) return 'syscall.spawn';
  if (cap === 'env.read') {
    const lit = /^\(\s*(?:L|u8)?"([^"]*)"/.exec(args ?? '')?.[1];
    if (lit && SECRET_ENV.test(lit) && SECRET_NAME.test(lit)) return 'env.secret';
  }
  return cap;
}

/** Capabilities whose presence in a constructor makes it run a payload at load. */
const STRONG = /^(process|network|ffi\.dlopen|syscall|env\.secret|env\.read-all)/;

const memo = new WeakMap<ScanContext, Hit[]>();

/**
 * Native code a build script compiles into the crate (`cc`, `cmake`), and how the build links it.
 * `params.kind` picks one kind of finding; all kinds are worked out together once per scan.
 */
export function nativeCodeAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const kind = String(rule.spec.match.params?.kind ?? '') as Kind;
  let hits = memo.get(ctx);
  if (!hits) memo.set(ctx, (hits = findHits(ctx)));
  return hits.filter((h) => h.kind === kind).map((h) => ({
    file: h.file, line: h.line, column: 1, endLine: h.line, role: 'lib' as const, item: null, text: h.data.what ?? h.file, data: h.data, severity: h.severity, extra: h.extra,
  }));
}

/** Capabilities the previous release's compiled native sources used, from their text (calls, assembly, constructors). */
function oldNativeCaps(ctx: ScanContext): Set<string> {
  const out = new Set<string>();
  let budget = 64 * 1024 * 1024;
  for (const p of nativeOf(ctx.delta.old).compiled.keys()) {
    const bytes = ctx.delta.old.tree.files.get(p);
    if (!bytes || (budget -= bytes.length) < 0) break;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    for (const m of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
      const cap = platformCapability(m[1]);
      if (cap) out.add(cap);
    }
    if (SYSCALL_INSN.test(text) && /\b(asm|__asm__|__asm)\b|\.(s|S|asm)$/.test(/\.(s|S|asm)$/.test(p) ? p : text)) out.add('syscall.raw');
    if (/\b(__)?(constructor|destructor)(__)?\b|\.init_array\b|\.ctors\b/.test(text)) out.add('constructor');
  }
  return out;
}

function findHits(ctx: ScanContext): Hit[] {
  const scan = nativeOf(ctx.delta.new);
  const hits: Hit[] = [];
  wholeArchive(ctx, scan, hits);
  if (scan.facts.size === 0) return hits;
  const oldScan = nativeOf(ctx.delta.old);
  const g = new NativeGraph(scan);
  const og = new NativeGraph(oldScan);
  const oldCaps = oldNativeCaps(ctx);
  // The previous release already did it: in its compiled native code, or in its Rust code at run time
  // (a build script's own tool runs do not count).
  const had = (cap: string, rust: string[]) => oldCaps.has(cap) || rust.some((r) => ctx.hadAtRuntime(r));
  // Multisets of what the old release's parsed sources already held: only what is beyond them is new.
  const before = new Map<string, number>();
  const count = (fp: string) => before.set(fp, (before.get(fp) ?? 0) + 1);
  const isNew = (fp: string) => {
    const n = before.get(fp) ?? 0;
    if (n > 0) {
      before.set(fp, n - 1);
      return false;
    }
    return true;
  };
  for (const [, f] of oldScan.facts) {
    for (const r of f.refs) count(`ref|${r.name}|${r.fn}|${normArgs(r.args)}`);
    for (const a of f.asm) count(`asm|${a.fn}|${a.text}`);
    for (const c of f.ctors) count(ctorFp(og, c.name, c.how));
    for (const s of f.strings) count(`str|${s.fn}|${s.text}`);
  }
  for (const [file, f] of [...scan.facts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    unanalysed(file, f, hits);
    for (const c of f.ctors) {
      if (!isNew(ctorFp(g, c.name, c.how))) continue;
      const reached = c.name ? g.reach(c.name) : [];
      const strong = reached.filter((r) => STRONG.test(r.cap));
      const when = /destructor|fini|dtors/.test(c.how) ? 'when the program exits or the library unloads' : 'before main';
      const fn = c.name ?? '(an unnamed entry)';
      let severity: Severity = 'low';
      let reaches = '';
      if (strong.length > 0) {
        severity = 'critical';
        const s = strong[0];
        reaches = `; it reaches ${describe(s.cap)}: \`${s.what}\` at ${s.file}:${s.line}`;
      } else if (!c.name) {
        severity = 'medium';
        reaches = '; the scan cannot tell which function the entry runs';
      } else if (reached.length > 0) reaches = `; it reaches ${describe(reached[0].cap)} (\`${reached[0].what}\`)`;
      hits.push({ kind: 'constructor', file, line: c.line, severity, data: { fn, how: c.how, when, reaches, what: fn } });
    }
    for (const r of f.refs) {
      const fp = `ref|${r.name}|${r.fn}|${normArgs(r.args)}`;
      const cap = refCap(r.name, r.args);
      if (!isNew(fp)) continue;
      const call = `${r.name}${short(r.args ?? '', 80)}`;
      const where = r.fn ? `in \`${r.fn}\`` : 'at file level';
      if (cap === 'process.spawn') {
        const downloads = DOWNLOADS.test(r.args ?? '') && /\b(curl|wget|sh|bash|powershell|cmd)\b/i.test(r.args ?? '');
        const severity: Severity = downloads ? 'critical' : had('process.spawn', ['process.spawn']) ? 'low' : 'high';
        hits.push({ kind: 'process', file, line: r.line, severity, data: { call, where, what: call, download: downloads ? 'yes' : 'no' }, extra: downloads ? 'the command downloads something or pipes it into a shell' : severity === 'low' ? 'the previous release\'s native code already started programs' : undefined });
      } else if (cap === 'network.connect') {
        const severity: Severity = had('network.connect', ['network.connect', 'network.http', 'network.dns', 'network.tls-insecure']) ? 'low' : 'medium';
        hits.push({ kind: 'network', file, line: r.line, severity, data: { call, where, what: call }, extra: severity === 'low' ? 'the previous release already used the network' : undefined });
      } else if (cap === 'ffi.dlopen') {
        const severity: Severity = had('ffi.dlopen', ['ffi.dlopen']) ? 'low' : 'medium';
        hits.push({ kind: 'dlopen', file, line: r.line, severity, data: { call, where, what: call } });
      } else if (cap === 'env.secret' || cap === 'env.read-all') {
        secretHit(g, file, r.line, r.fn, cap === 'env.secret' ? `the secret environment variable read by \`${call}\`` : `the whole environment (\`${r.name}\`)`, hits);
      } else if (cap.startsWith('syscall')) {
        const severity: Severity = cap === 'syscall.spawn' ? 'high' : had('syscall.raw', ['syscall.raw']) ? 'low' : 'high';
        hits.push({ kind: 'syscall', file, line: r.line, severity, data: { what: call, where, how: cap === 'syscall.spawn' ? 'a system call that starts a program' : 'a raw system call' } });
      }
    }
    for (const a of f.asm) {
      if (!isNew(`asm|${a.fn}|${a.text}`)) continue;
      const spawn = SPAWN_SYSCALL.test(a.text);
      const severity: Severity = spawn ? 'high' : had('syscall.raw', ['syscall.raw']) ? 'low' : 'high';
      hits.push({ kind: 'syscall', file, line: a.line, severity, data: { what: short(a.text, 80), where: a.fn ? `in \`${a.fn}\`` : 'at file level', how: spawn ? 'a system call that starts a program' : 'a raw system call' } });
    }
    const getenv = f.refs.some((r) => platformCapability(r.name) === 'env.read' && !/^\(\s*(?:L|u8)?"/.test(r.args ?? ''));
    for (const s of f.strings) {
      if (!isNew(`str|${s.fn}|${s.text}`)) continue;
      if (getenv && SECRET_NAME.test(s.text) && SECRET_ENV.test(s.text)) secretHit(g, file, s.line, s.fn, `the secret variable name "${s.text}" looked up with getenv`, hits);
    }
  }
  return hits;
}

/** A secret read: high, critical when code that reaches it also reaches the network or starts programs. */
function secretHit(g: NativeGraph, file: string, line: number, fn: string | null, what: string, hits: Hit[]): void {
  const holder = fn ?? '';
  let sink: Reach | undefined;
  // The function that reads it, and the constructors (which run without being called).
  for (const name of [holder, ...g.ctorNames()]) {
    const r = g.reach(name);
    if (name !== holder && !r.some((x) => x.file === file && x.line === line)) continue;
    sink = r.find((x) => /^(network|process|syscall\.spawn)/.test(x.cap));
    if (sink) break;
  }
  const sinkText = sink ? `; the same code reaches ${describe(sink.cap)}: \`${sink.what}\` at ${sink.file}:${sink.line}` : '';
  hits.push({ kind: 'secret-env', file, line, severity: sink ? 'critical' : 'high', data: { what, where: fn ? `in \`${fn}\`` : 'at file level', sink: sinkText } });
}

function describe(cap: string): string {
  if (cap.startsWith('process')) return 'a program start';
  if (cap.startsWith('network')) return 'the network';
  if (cap === 'ffi.dlopen') return 'dynamic library loading';
  if (cap === 'syscall.spawn') return 'a system call that starts a program';
  if (cap.startsWith('syscall')) return 'a raw system call';
  if (cap === 'env.secret') return 'a secret environment variable';
  if (cap === 'env.read-all') return 'the whole environment';
  if (cap.startsWith('env')) return 'the environment';
  return cap;
}

function normArgs(a: string | undefined): string {
  return (a ?? '').replace(/\s+/g, '');
}

function ctorFp(g: NativeGraph, name: string | null, how: string): string {
  const caps = name ? [...new Set(g.reach(name).map((r) => r.cap))].sort().join(',') : '';
  return `ctor|${name}|${how}|${caps}`;
}

/** A compiled source the scan could read only in part, or not at all. */
function unanalysed(file: string, f: CFacts, hits: Hit[]): void {
  if (!f.partial) return;
  const reason = f.partialReason ?? 'partly analysed';
  // A source pushed out by the scan's budget could hold anything; a grammar error leaves the rest read.
  const severity: Severity = f.unparsed ? (/budget/.test(reason) ? 'high' : 'medium') : 'low';
  hits.push({ kind: 'unanalysed', file, line: 1, severity, data: { reason, what: reason } });
}

/** New `+whole-archive` link directives: every object of the archive is linked, constructors included. */
function wholeArchive(ctx: ScanContext, scan: NativeSources, hits: Hit[]): void {
  const ctors = [...scan.facts.values()].some((f) => f.ctors.length > 0);
  for (const ns of ctx.newSitesOfKind('string')) {
    if (ns.file.role !== 'build') continue;
    const m = WHOLE_ARCHIVE.exec(ns.site.text);
    if (!m) continue;
    hits.push({
      kind: 'whole-archive', file: ns.file.path, line: ns.site.line, severity: ctors ? 'high' : 'medium',
      data: { directive: short(m[0], 80), what: m[0], ctors: ctors ? '; the native code it compiles has constructors, which now run in every program built with the crate' : '' },
    });
  }
}
