import { capMatches } from '../../analysis/catalogue.js';
import type { ItemChange, ItemRef } from '../../diff/types.js';
import type { Reached, ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Severity, TraceHop } from '../../contract/finding.js';
import { short } from './util.js';

const PAYLOAD = ['network', 'process', 'fs.write', 'fs.delete', 'fs.permissions', 'ffi', 'decode', 'env', 'mem', 'unsafe'];
const STRONG = ['network', 'process', 'ffi.dlopen', 'ffi.mprotect', 'fs.delete', 'env.read-all', 'registry.write'];
const MIDDLING = ['fs.write', 'fs.permissions', 'decode', 'env.read', 'ffi.extern', 'ffi.mmap'];

/**
 * C library and system symbols that a `#[no_mangle]` export takes over in every binary that links the
 * crate (symbol interposition): the loader resolves them to the first definition it finds.
 */
const INTERPOSED = new Set([
  'getenv', 'setenv', 'unsetenv', 'putenv', 'malloc', 'free', 'calloc', 'realloc', 'posix_memalign', 'open', 'open64', 'openat', 'creat', 'read', 'write',
  'close', 'connect', 'socket', 'bind', 'accept', 'send', 'sendto', 'sendmsg', 'recv', 'recvfrom', 'execve', 'execv', 'execvp', 'system', 'popen', 'fork',
  'dlopen', 'dlsym', 'fopen', 'fopen64', 'fwrite', 'fread', 'fclose', 'printf', 'fprintf', 'puts', 'strlen', 'strcmp', 'strncmp', 'strcpy', 'getpid',
  'getuid', 'geteuid', 'getpwnam', 'getpwuid', 'readdir', 'readdir64', 'opendir', 'stat', 'lstat', 'fstat', 'access', 'unlink', 'rename', 'exit', '_exit',
  'atexit', 'pthread_create', 'getaddrinfo', 'gethostbyname', 'SSL_read', 'SSL_write', 'SSL_connect', 'pam_authenticate', 'pam_get_item', 'crypt',
  '__libc_start_main', 'syscall', 'ptrace', 'isatty', 'time', 'gettimeofday', 'clock_gettime', 'rand', 'srand', 'getrandom', 'ioctl', 'mmap', 'mprotect',
]);

function isUnder(cap: string, list: string[]): boolean {
  return list.some((p) => capMatches(cap, p));
}

/** The payload an entry reaches that this release adds or changes, nearest and most dangerous first. */
function freshPayload(ctx: ScanContext, keys: string[], entryNew: boolean): Reached[] {
  const out: Reached[] = [];
  for (const k of keys) {
    for (const r of ctx.reachedCaps(k, PAYLOAD)) {
      const hc = ctx.delta.itemByKey.get(r.holder);
      if (entryNew || hc?.status === 'added' || ctx.isNew(r.cap.file, r.cap.site)) out.push(r);
    }
  }
  const rank = (r: Reached) => (isUnder(r.cap.cap, STRONG) ? 0 : isUnder(r.cap.cap, MIDDLING) ? 1 : 2);
  return out.sort((a, b) => rank(a) - rank(b) || a.trace.length - b.trace.length);
}

function severityFor(best: Reached | undefined, none: Severity | null): Severity | null {
  if (!best) return none;
  if (isUnder(best.cap.cap, STRONG)) return 'critical';
  if (isUnder(best.cap.cap, MIDDLING)) return 'high';
  return none;
}

function entryMatch(ref: ItemRef, key: string, what: string, best: Reached | undefined, severity: Severity, via: TraceHop[] = []): Match {
  const line = ref.item.span.line;
  return {
    file: ref.file.path, line, column: 1, endLine: line, role: ref.file.role, item: key, text: what,
    data: { entry: what, reaches: best ? ` and reaches ${best.cap.cap} (\`${short(best.cap.resolved, 50)}\`)` : '' },
    severity,
    trace: best ? [...via, ...best.trace] : via.length > 0 ? via : undefined,
  };
}

/** Changed or added items of shipped code in the new release. */
function fresh(ctx: ScanContext): ItemChange[] {
  return ctx.delta.items.filter((c) => c.newRef && (c.status === 'added' || c.status === 'changed') && ctx.isProduct(c.newRef.file, c.newRef.item.id));
}

/** `#[global_allocator]` statics: the allocator's methods run on every allocation of every binary that links the crate. */
function globalAllocator(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const ref of ctx.delta.new.items.values()) {
    const it = ref.item;
    if (it.kind !== 'static' || !it.attrs.some((a) => /^global_allocator\b/.test(a)) || !ctx.isProduct(ref.file, it.id)) continue;
    const text = ref.file.text.slice(it.span.start, Math.min(it.span.end, it.span.start + 400));
    const ty = /static\s+(?:mut\s+)?\w+\s*:\s*(?:[\w]+::)*(\w+)/.exec(text)?.[1];
    if (!ty) continue;
    const methods = [...ctx.delta.new.items.values()].filter((m) => m.item.kind === 'fn' && m.item.selfType === ty && m.item.trait?.split('::').pop() === 'GlobalAlloc');
    const key = ref.key;
    const ch = ctx.delta.itemByKey.get(key);
    const methodNew = methods.some((m) => ['added', 'changed'].includes(ctx.delta.itemByKey.get(m.key)?.status ?? ''));
    if (ch?.status !== 'added' && ch?.status !== 'changed' && !methodNew) continue;
    const reached = freshPayload(ctx, methods.map((m) => m.key), ch?.status === 'added');
    const best = reached[0];
    const severity = severityFor(best, ch?.status === 'added' ? 'low' : null);
    if (!severity) continue;
    // The trace starts at the static; the allocator method is the first hop of the reached path.
    const via: TraceHop[] = [{ item: key, file: ref.file.path, line: it.span.line }];
    out.push(entryMatch(ref, key, `#[global_allocator] ${it.name}: ${ty}, whose GlobalAlloc methods run on every allocation of every program that links the crate`, best, severity, via));
  }
  return out;
}

/** The symbol name an item exports under, when it is `#[no_mangle]` or `#[export_name = "…"]`. */
function exportedName(ref: ItemRef): string | undefined {
  for (const a of ref.item.attrs) {
    const e = /(?:^|[(,]\s*)export_name\s*=\s*"([^"]+)"/.exec(a);
    if (e) return e[1];
    if (/(?:^|[(,]\s*)no_mangle\b/.test(a)) return ref.item.name;
  }
  return undefined;
}

/** `#[no_mangle]` / `#[export_name]` functions named like C library symbols: they replace the real ones process-wide. */
function interposition(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const ch of fresh(ctx)) {
    const ref = ch.newRef!;
    if (ref.item.kind !== 'fn' || ref.item.foreign) continue;
    const name = exportedName(ref);
    if (!name || !INTERPOSED.has(name)) continue;
    const had = ch.oldRef ? exportedName(ch.oldRef) === name : false;
    const reached = freshPayload(ctx, [ch.key], ch.status === 'added' || !had);
    if (had && reached.length === 0) continue;
    const best = reached[0];
    const severity = severityFor(best, 'medium')!;
    out.push(entryMatch(ref, ch.key, `an export named \`${name}\`, which takes the place of the C library's \`${name}\` in every program that links the crate`, best, severity));
  }
  return out;
}

/** `#[panic_handler]` functions: they run on every panic, with no call naming them. */
function panicHandler(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const ch of fresh(ctx)) {
    const ref = ch.newRef!;
    if (ref.item.kind !== 'fn' || !ref.item.attrs.some((a) => /^panic_handler\b/.test(a))) continue;
    const best = freshPayload(ctx, [ch.key], ch.status === 'added')[0];
    const severity = severityFor(best, null);
    if (!severity) continue;
    out.push(entryMatch(ref, ch.key, `#[panic_handler] ${ref.item.name}, which runs on every panic`, best, severity));
  }
  return out;
}

const KINDS: Record<string, (ctx: ScanContext) => Match[]> = {
  'global-allocator': globalAllocator,
  interpose: interposition,
  'panic-handler': panicHandler,
};

/**
 * Entries that run with no visible call — a global allocator, an export that interposes a C library
 * symbol, a panic handler — as far-jump entries: the finding carries the trace from the entry to the
 * capability it reaches, and its weight follows what it reaches.
 */
export function hiddenEntryAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const kind = String(rule.spec.match.params?.kind ?? '');
  const f = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (!f) throw new Error(`rule ${rule.spec.id}: unknown hidden-entry kind "${kind}"`);
  return f(ctx);
}
