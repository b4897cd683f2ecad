/**
 * Where a function writes: file writes (std::fs, tokio, the `OpenOptions`/`File::options()` builders
 * in write mode), registry writes (winreg, the Win32 registry functions) and program starts, each
 * with the argument ranges that name the destination; and the helpers that evaluate them per call chain.
 */
import type { Edge } from '../../analysis/graph.js';
import { sitesByItem } from '../../diff/index.js';
import type { ItemRef, RustFile } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
import { PARAM_RE, PathEval, argsAt, offsetOf, parenAfter, type Evidence, type Lookup } from './persistence-paths.js';

/** A place in a function where it writes a file, a registry key, or starts a program that does. */
export interface WriteSite {
  index: number;
  kind: 'file' | 'registry' | 'process';
  call: string;
  /** Where the destination is written: argument ranges of the function's file. */
  dests: Array<[number, number]>;
}

const WRITE_MODE = /\.\s*(write|append|create|create_new|truncate)\s*\(\s*true\s*\)/;
const SECOND_ARG = /(^|::)(copy|rename|hard_link|symlink|symlink_file|symlink_dir|soft_link)$/;
const NO_CONTENT = /(^|::)(create_dir|create_dir_all|DirBuilder)(::|$)/;
const REG_WRITE = /^(set_value|set_raw_value|create_subkey|create_subkey_with_flags|create_subkey_transacted)$|(^|::)Reg(SetValueEx|SetKeyValue|CreateKeyEx|CreateKey)[AW]?$/;
const REG_ARG0 = /^(create_subkey|create_subkey_with_flags|create_subkey_transacted|open_subkey|open_subkey_with_flags)$/;
const REG_ARG1 = /(^|::)Reg(CreateKeyEx|CreateKey|OpenKeyEx|OpenKey|SetKeyValue)[AW]?$/;
const memo = new WeakMap<ScanContext, Map<string, WriteSite[]>>();

/** The argument ranges of the call at site `index` of a file. */
export function siteArgs(ref: ItemRef, index: number, ev: PathEval): Array<[number, number]> {
  const s = ref.file.facts.sites[index];
  const text = ev.shape.text;
  let at = offsetOf(ev.shape, s.line, s.column);
  const name = s.text.split('::').pop() ?? s.text;
  const k = text.indexOf(name, at);
  if (k >= 0 && k - at < 400) at = k + name.length;
  const open = parenAfter(text, at, Math.min(text.length, at + 400));
  return open < 0 ? [] : argsAt(text, open, Math.min(text.length, open + 20_000)).args;
}

/** Every write of a function (memoized per scan). */
export function writesOf(ctx: ScanContext, ref: ItemRef, ev: () => PathEval): WriteSite[] {
  let byItem = memo.get(ctx);
  if (!byItem) memo.set(ctx, (byItem = new Map()));
  const hit = byItem.get(ref.key);
  if (hit) return hit;
  const out: WriteSite[] = [];
  const sites = ref.file.facts.sites;
  const ids = sitesByItem(sites).get(ref.item.id) ?? [];
  const resolver = ctx.newGraph.resolver;
  let regWrite: number | undefined;
  const regDests: Array<[number, number]> = [];
  for (let n = 0; n < ids.length; n++) {
    const i = ids[n];
    const s = sites[i];
    if (s.kind !== 'call' && s.kind !== 'method') continue;
    const name = s.text.split('::').pop() ?? '';
    if (REG_WRITE.test(s.kind === 'method' ? name : s.text)) regWrite ??= i;
    if (s.kind === 'method' && REG_ARG0.test(name)) regDests.push(...siteArgs(ref, i, ev()).slice(0, 1));
    if (s.kind === 'call' && REG_ARG1.test(s.text)) regDests.push(...siteArgs(ref, i, ev()).slice(1, 2));
    // git2's `RepoBuilder::clone(url, path)` writes a whole tree of files where it is told.
    if (s.kind === 'method' && s.text === 'clone' && ref.file.text.includes('RepoBuilder') && /\bRepoBuilder\b/.test(ctx.itemText(ref.key))) {
      const args = siteArgs(ref, i, ev());
      if (args.length === 2) out.push({ index: i, kind: 'file', call: 'git2::build::RepoBuilder::clone', dests: args.slice(1) });
    }
    if (s.kind !== 'call') continue;
    const cap = resolver.capOf(ref.file, i);
    const full = cap?.resolved ?? resolver.fullPath(ref.file, i);
    // `File::options()` is recognised here until the platform model gives it fs.write itself.
    const builder = /(^|::)(OpenOptions|File::options)(::|$)/.test(full) && /^(std|tokio|async_std)::/.test(full);
    if (/^git2::Repository::clone(_recurse)?$/.test(full)) {
      out.push({ index: i, kind: 'file', call: full, dests: siteArgs(ref, i, ev()).slice(1, 2) });
      continue;
    }
    if (builder || cap?.cap === 'fs.write') {
      if (NO_CONTENT.test(full)) continue;
      if (builder) {
        if (!WRITE_MODE.test(ctx.itemText(ref.key))) continue;
        const open = ids.slice(n + 1).find((j) => sites[j].kind === 'method' && sites[j].text === 'open');
        if (open !== undefined) out.push({ index: i, kind: 'file', call: full, dests: siteArgs(ref, open, ev()).slice(0, 1) });
        continue;
      }
      const args = siteArgs(ref, i, ev());
      out.push({ index: i, kind: 'file', call: full, dests: SECOND_ARG.test(full) ? args.slice(1, 2) : args.slice(0, 1) });
    } else if (cap?.cap === 'process.spawn' && /Command::new$/.test(full)) {
      const dests = siteArgs(ref, i, ev()).slice(0, 1);
      for (const j of ids.slice(n + 1)) {
        const t = sites[j];
        if (t.kind === 'call' && /Command::new$/.test(t.text)) break;
        if (t.kind === 'method' && (t.text === 'arg' || t.text === 'args')) dests.push(...siteArgs(ref, j, ev()));
      }
      out.push({ index: i, kind: 'process', call: full, dests });
    }
  }
  if (regWrite !== undefined && regDests.length > 0) out.push({ index: regWrite, kind: 'registry', call: sites[regWrite].text, dests: regDests });
  byItem.set(ref.key, out);
  return out;
}

const argMemo = new WeakMap<ScanContext, Map<string, { sketch: string; evidence: Evidence[] }>>();

/** The sketch of parameter `param` of the function an edge calls, as the call's argument gives it (memoized per call site). */
function argSketch(ctx: ScanContext, e: Edge & { from: string }, param: number, lookup: Lookup): { sketch: string; evidence: Evidence[] } {
  let m = argMemo.get(ctx);
  if (!m) argMemo.set(ctx, (m = new Map()));
  const key = `${e.from}|${e.site}|${e.to}|${param}`;
  let hit = m.get(key);
  if (hit) return hit;
  const caller = ctx.delta.new.items.get(e.from)!;
  const callee = ctx.delta.new.items.get(e.to)!;
  const ev = new PathEval(caller, lookup);
  const shift = e.kind === 'call' && new PathEval(callee, lookup).paramList().self ? 1 : 0;
  const r = siteArgs(caller, e.site, ev)[param + shift];
  hit = { sketch: r ? `/${ev.expr(r[0], r[1])}/` : '/?/', evidence: ev.evidence };
  m.set(key, hit);
  return hit;
}

/** Fills in the parameters of the sketch's function with the arguments of the calls on `chain`, nearest caller first. */
export function fillParams(ctx: ScanContext, sketch: string, chain: Array<Edge & { from: string }>, evidence: Evidence[], lookup: Lookup): string {
  let out = sketch;
  for (let k = chain.length - 1, guard = 0; k >= 0 && guard < 4 && out.includes('\u0002'); k--, guard++) {
    const e = chain[k];
    if (!ctx.delta.new.items.has(e.from) || !ctx.delta.new.items.has(e.to) || e.kind === 'value' || e.kind === 'macro') break;
    out = out.replace(PARAM_RE, (_m, i: string) => {
      const a = argSketch(ctx, e, Number(i), lookup);
      evidence.push(...a.evidence);
      return a.sketch;
    });
  }
  return out;
}

/** Calls that may write without a catalogued capability: the write-mode builders and registry functions. */
const MAYBE_WRITE = /(^|::)(options|File::options)$|^(set_value|set_raw_value|create_subkey\w*)$|(^|::)Reg(SetValueEx|SetKeyValue|CreateKeyEx|CreateKey)[AW]?$|(^|::)Repository::clone(_recurse)?$/;
const writers = new WeakMap<ScanContext, Set<string>>();

/** Functions of the new release that may write (file writes, program starts, builders, registry calls), found once per scan. */
export function writerItems(ctx: ScanContext): Set<string> {
  let out = writers.get(ctx);
  if (out) return out;
  out = new Set();
  for (const [holder, uses] of ctx.newGraph.caps) if (uses.some((u) => u.cap === 'fs.write' || u.cap === 'process.spawn')) out.add(holder);
  for (const file of ctx.delta.new.rust.values()) {
    const keys = ctx.delta.new.keyOf.get(file.path) ?? [];
    for (const item of maybeWriters(file)) out.add(keys[item]);
  }
  writers.set(ctx, out);
  return out;
}

/** Per file content: the items (in site order, repeats kept) holding a call that may write. */
const maybeWriterMemo = new WeakMap<object, number[]>();

/**
 * The items of a file whose calls may write by their name alone. A function of the file's content
 * (its facts and text), so it is worked out once per content: most files are the same in both
 * releases and in the scans of a batch.
 */
function maybeWriters(file: RustFile): number[] {
  let items = maybeWriterMemo.get(file.facts);
  if (items) return items;
  items = [];
  const repoBuilder = file.text.includes('RepoBuilder');
  for (const s of file.facts.sites) {
    if (s.item < 0 || (s.kind !== 'call' && s.kind !== 'method')) continue;
    if (MAYBE_WRITE.test(s.text) || (repoBuilder && s.kind === 'method' && s.text === 'clone')) items.push(s.item);
  }
  maybeWriterMemo.set(file.facts, items);
  return items;
}

/** The crate's own words about its job: name, description, keywords, categories. */
export function crateWords(ctx: ScanContext): string {
  const pkg = (ctx.delta.new.manifest?.raw.package ?? {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(' ') : typeof v === 'string' ? v : '');
  return [list(pkg.name), list(pkg.description), list(pkg.keywords), list(pkg.categories)].join('\n');
}

/**
 * Orders candidate traces, lowest first: one that starts at an entry point (what a reviewer follows),
 * the longest of those (a `pub fn` in a private module is an entry too, but the caller outside shows
 * how users get there); otherwise the shortest from a change.
 */
export function traceRank(ctx: ScanContext, start: string, length: number): number {
  const kind = ctx.newGraph.entries.get(start);
  return kind && kind !== 'test' ? -length : 1000 + length;
}

const entryReach = new WeakMap<ScanContext, Set<string>>();

/** Items the new release's entry points (public API, main, build script, constructors…) reach. */
export function reachedFromEntries(ctx: ScanContext): Set<string> {
  let seen = entryReach.get(ctx);
  if (seen) return seen;
  const g = ctx.newGraph;
  seen = new Set();
  const queue: string[] = [];
  for (const [key, kind] of g.entries) if (kind !== 'test') (seen.add(key), queue.push(key));
  for (let i = 0; i < queue.length; i++) {
    for (const e of g.edges.get(queue[i]) ?? []) if (!seen.has(e.to)) (seen.add(e.to), queue.push(e.to));
  }
  entryReach.set(ctx, seen);
  return seen;
}

const lookupMemo = new WeakMap<ScanContext, Lookup>();
/** Characters one scan's path evaluations may read in all (see `Lookup.budget`): far above any real crate's needs. */
export const PATH_BUDGET = 200_000_000;

/** Reports once per scan that path evaluation stopped early: what it did not read may hold a write to a target. */
export function noteBudget(ctx: ScanContext): void {
  const l = lookupOf(ctx);
  if (l.budget.left >= 0 || reported.has(ctx)) return;
  reported.add(ctx);
  ctx.gaps.push({ file: l.budget.file ?? 'Cargo.toml', reason: `path evaluation ran out of its ${PATH_BUDGET / 1e6}M-character budget: writes after it were not checked against sensitive targets` });
}

const reported = new WeakSet<ScanContext>();

/** Constants, statics and functions of the new release by name; a name several items share is not followed (unless one is in the asking file). */
export function lookupOf(ctx: ScanContext): Lookup {
  let l = lookupMemo.get(ctx);
  if (l) return l;
  // Built on first use: most scans never evaluate a path.
  let values: Map<string, ItemRef | null> | undefined;
  let fns: Map<string, ItemRef[]> | undefined;
  const index = () => {
    values = new Map();
    fns = new Map();
    for (const ref of ctx.delta.new.items.values()) {
      const k = ref.item.kind;
      if (k === 'const' || k === 'static') values.set(ref.item.name, values.has(ref.item.name) ? null : ref);
      else if (k === 'fn' && !ref.item.foreign && !ref.item.test) {
        const list = fns.get(ref.item.name);
        if (list) list.push(ref);
        else fns.set(ref.item.name, [ref]);
      }
    }
    return { values, fns };
  };
  l = {
    budget: { left: PATH_BUDGET },
    returns: new Map(),
    defs: new Map(),
    values: new Map(),
    constant: (n) => (values ?? index().values).get(n) ?? undefined,
    fn: (n, file) => {
      const list = (fns ?? index().fns).get(n) ?? [];
      const here = list.filter((r) => r.file === file);
      return here.length === 1 ? here[0] : list.length === 1 ? list[0] : undefined;
    },
  };
  lookupMemo.set(ctx, l);
  return l;
}
