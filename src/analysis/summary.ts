/**
 * Capability summaries of crates, computed from their code: for each public item (function, method,
 * exported macro, re-export) the capabilities it reaches inside the crate, with one example path, and
 * the dependency items it calls on the way. A summary is *local*: calls into the crate's own
 * dependencies are kept as paths (`hyper::client::conn::handshake`), not followed, so a summary can be
 * computed from one crate's code alone, in any order, and cached forever by `name@version`. What a
 * dependency's item reaches through *its* dependencies is composed when it is looked up (see deps.ts).
 */
import type { ReleaseView } from '../diff/types.js';
import type { CallGraph } from './graph.js';
import { isSecretEnvName, literalArg } from './secrets.js';

/** Bump when the meaning of a stored summary changes: summaries of another format are recomputed. */
export const SUMMARY_FORMAT = 1;

/** What one public item reaches: capabilities with an example path, and calls into dependencies. */
export interface SummaryEntry {
  /** [capability, example path from the item to the platform call, with its file and line]. */
  caps?: Array<[string, string]>;
  /** Indexes into `CrateSummary.ext`: dependency paths (`tokio::spawn`), `name!` macros, `.name` methods. */
  calls?: number[];
}

export interface SummaryDep {
  /** The name code uses (`Cargo.toml` key, `-` as `_`). */
  name: string;
  /** The package fetched (`package = …`, else the key). */
  package: string;
  /** The version requirement as written, if any. */
  req?: string;
  /** A `[build-dependencies]` entry: reached from the build script only. */
  build?: true;
  /** Fetched from git, a path or another registry: its code is not the registry crate of that name. */
  nonRegistry?: true;
}

/** A crate's capability summary. Plain JSON: stored in caches, the batch store and the shipped index. */
export interface CrateSummary {
  format: number;
  name: string;
  version: string;
  /** The code that computed it (cratefence version and catalogue digest). */
  tool: string;
  deps: SummaryDep[];
  /** Dependency paths, macros and method names the crate's items call, referenced by index. */
  ext: string[];
  /** Public paths relative to the crate root (`Expression::run`, `cmd!`); a string value is an alias of another key. */
  items: Record<string, SummaryEntry | string>;
  /** Public methods by name, when exactly one public type of the crate has a method of that name. */
  methods: Record<string, SummaryEntry>;
  /** `pub use dep::module::*` re-exports: module key (`''` for the root) → external modules. */
  globs?: Record<string, string[]>;
  /** What the build script reaches: it runs on every machine that builds a dependent. */
  build?: SummaryEntry;
  /** What the proc-macro entry points reach: they run inside every dependent's compiler. */
  procMacro?: SummaryEntry;
  /** Files that were not fully analysed (parse errors, budgets): the summary may miss what they do. */
  partial?: string[];
}

/** Method names so common that a call by that name says nothing about which crate's method runs. */
const COMMON_METHODS = new Set([
  'new', 'from', 'into', 'len', 'is_empty', 'get', 'get_mut', 'iter', 'iter_mut', 'into_iter', 'next', 'clone', 'fmt', 'as_ref', 'as_mut',
  'default', 'to_string', 'to_owned', 'unwrap', 'expect', 'map', 'map_err', 'and_then', 'ok', 'err', 'push', 'pop', 'insert', 'remove',
  'read', 'write', 'flush', 'with_capacity', 'as_str', 'as_bytes', 'parse', 'collect', 'eq', 'ne', 'cmp', 'partial_cmp', 'hash', 'drop',
  'deref', 'deref_mut', 'build', 'borrow', 'borrow_mut', 'lock', 'send', 'recv', 'call', 'poll', 'run', 'start', 'stop', 'close', 'open',
  'set', 'add', 'sub', 'contains', 'extend', 'clear', 'take', 'replace', 'filter', 'find', 'position', 'any', 'all', 'count', 'sum',
  'min', 'max', 'len_utf8', 'chars', 'bytes', 'lines', 'split', 'trim', 'join', 'format', 'write_all', 'read_to_end', 'read_to_string',
  'to_vec', 'to_le_bytes', 'to_be_bytes', 'try_into', 'try_from', 'unwrap_or', 'unwrap_or_default', 'unwrap_or_else', 'is_some', 'is_none',
  'is_ok', 'is_err', 'as_ptr', 'as_mut_ptr', 'spawn', 'wait', 'output', 'status', 'arg', 'args', 'env', 'current_dir', 'display', 'with',
  'value', 'key', 'name', 'id', 'kind', 'data', 'finish', 'init', 'update', 'reset', 'create', 'load', 'save', 'process', 'handle', 'apply',
  'execute', 'exec', 'connect', 'bind', 'listen', 'accept', 'request', 'response', 'body', 'header', 'headers', 'query', 'path', 'url',
]);

const STD_ROOTS = new Set(['std', 'core', 'alloc', 'proc_macro', 'crate', 'self', 'super', '$crate']);

/**
 * Capabilities a summary carries: effects on the machine and trigger sources. A dependency's own
 * `unsafe` blocks, transmutes, decoding helpers, FFI declarations and threads are how it does its job,
 * not powers it hands to the code that calls it, so they stay out of summaries.
 */
const EFFECTS = ['network', 'process', 'fs', 'env.read-all', 'env.secret', 'env.home', 'host', 'ffi.dlopen', 'ffi.mprotect', 'syscall', 'time', 'random', 'hook', 'registry', 'persistence', 'inject'];

/** True when a capability is one that summaries carry to callers. */
export function isEffect(cap: string): boolean {
  return EFFECTS.some((p) => cap === p || cap.startsWith(`${p}.`));
}

/** How many dependency paths one item may carry; past it the summary says it was cut (rare: huge dispatch functions). */
const MAX_CALLS_PER_ITEM = 256;
/**
 * A method call matched by name to this many of the crate's own methods or fewer is followed into all
 * of them (`self.0.start(ctx)` in a process library reaches every `start` it has). More candidates
 * say nothing: a name shared that widely (`spawn` in an async runtime) would make summaries claim
 * what the code does not do.
 */
const MAX_METHOD_CANDIDATES = 4;
/** Longest example path kept, in hops. */
const MAX_VIA_HOPS = 6;

interface Node {
  caps: Map<string, string>;
  calls: Set<number>;
}

function strip(key: string): string {
  return key === 'crate' ? '' : key.startsWith('crate::') ? key.slice(7) : key;
}

function shortName(key: string): string {
  return strip(key) || 'crate';
}

/**
 * The summary of one release, from its call graph. `graph` must be built without dependency
 * summaries (capabilities that come from dependencies are kept as calls, composed at look-up).
 */
export function summarizeView(view: ReleaseView, graph: CallGraph, tool: string): CrateSummary {
  const name = (view.name ?? view.tree.topFolder ?? 'unknown').replace(/-/g, '_');
  const deps: SummaryDep[] = [];
  const depRoots = new Set<string>();
  for (const d of view.manifest?.deps ?? []) {
    if (d.section === 'dev') continue;
    const dep: SummaryDep = { name: d.name.replace(/-/g, '_'), package: d.package };
    if (d.version) dep.req = d.version;
    if (d.section === 'build') dep.build = true;
    if (d.source !== 'registry') dep.nonRegistry = true;
    if (!deps.some((x) => x.name === dep.name && x.build === dep.build)) deps.push(dep);
    depRoots.add(dep.name);
  }
  const ext: string[] = [];
  const extId = new Map<string, number>();
  const idOf = (p: string) => {
    let i = extId.get(p);
    if (i === undefined) {
      extId.set(p, (i = ext.length));
      ext.push(p);
    }
    return i;
  };

  // Each item's own capabilities and dependency calls.
  const nodes = new Map<string, Node>();
  const node = (key: string) => {
    let n = nodes.get(key);
    if (!n) nodes.set(key, (n = { caps: new Map(), calls: new Set() }));
    return n;
  };
  const resolver = graph.resolver;
  for (const file of view.rust.values()) {
    if (file.role === 'test' || file.role === 'bench' || file.role === 'example' || file.role === 'other') continue;
    const keys = view.keyOf.get(file.path) ?? [];
    const sites = file.facts.sites;
    for (let i = 0; i < sites.length; i++) {
      const s = sites[i];
      if (s.item < 0 || file.facts.items[s.item]?.test) continue;
      const key = keys[s.item];
      if (s.kind === 'call' || s.kind === 'path' || s.kind === 'macro') {
        if (resolver.catalogueCapOf(file, i) !== undefined) continue;
        const full = resolver.resolvePath(file, s.text);
        const root = full.slice(0, Math.max(0, full.indexOf('::')));
        if (!root || STD_ROOTS.has(root) || !depRoots.has(root)) continue;
        const n = node(key);
        if (n.calls.size < MAX_CALLS_PER_ITEM) n.calls.add(idOf(s.kind === 'macro' ? `${full}!` : full));
      } else if (s.kind === 'method') {
        if (resolver.catalogueCapOf(file, i) !== undefined || COMMON_METHODS.has(s.text) || depRoots.size === 0) continue;
        const n = node(key);
        if (n.calls.size < MAX_CALLS_PER_ITEM) n.calls.add(idOf(`.${s.text}`));
      }
    }
  }
  for (const [key, uses] of graph.caps) {
    const ref = view.items.get(key);
    if (!ref || ref.item.test) continue;
    const n = node(key);
    for (const u of uses) {
      if (u.fromDependency) continue;
      if (u.cap === 'env.read' && u.site >= 0) {
        const arg = literalArg(view.rust.get(u.file)?.facts.sites[u.site]?.args);
        if (arg !== null && isSecretEnvName(arg) && !n.caps.has('env.secret')) n.caps.set('env.secret', `${u.resolved}("${arg}") (${u.file}:${u.line})`);
      }
      if (!isEffect(u.cap)) continue;
      const site = u.site >= 0 ? view.rust.get(u.file)?.facts.sites[u.site] : undefined;
      // A process start keeps its program when it is a literal (`Command::new("curl")`): a reviewer and
      // the dependency rules tell a compiler probe from a downloader by it.
      const lit = u.cap.startsWith('process') ? literalArg(site?.args) : null;
      const via = `${u.resolved}${lit !== null ? `("${lit.slice(0, 60)}")` : ''} (${u.file}:${u.line})`;
      if (!n.caps.has(u.cap)) n.caps.set(u.cap, via);
    }
  }

  const closed = propagate(graph, nodes);

  const summary: CrateSummary = { format: SUMMARY_FORMAT, name, version: view.version ?? '0.0.0', tool, deps, ext, items: {}, methods: {} };
  const entryOf = (n: Node | undefined): SummaryEntry | null => {
    if (!n || (n.caps.size === 0 && n.calls.size === 0)) return null;
    const e: SummaryEntry = {};
    if (n.caps.size > 0) e.caps = [...n.caps].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (n.calls.size > 0) e.calls = [...n.calls].sort((a, b) => a - b);
    return e;
  };

  // Public items by path; public methods by name when the name is unique to one type.
  const methodCount = new Map<string, number>();
  for (const [key, ref] of view.items) {
    const it = ref.item;
    if (it.test || (ref.file.role !== 'lib' && ref.file.role !== 'proc-macro')) continue;
    if (it.kind === 'macro') {
      const e = entryOf(closed.get(key));
      if (!e) continue;
      summary.items[`${strip(key)}!`] = e;
      if (it.attrs.some((a) => /^macro_export\b/.test(a))) summary.items[`${it.name}!`] = e;
      continue;
    }
    if (it.kind !== 'fn' || !it.isPub) continue;
    if (it.selfType !== undefined) methodCount.set(it.name, (methodCount.get(it.name) ?? 0) + 1);
    const e = entryOf(closed.get(key));
    if (e) summary.items[strip(key)] = e;
  }
  for (const [key, ref] of view.items) {
    const it = ref.item;
    if (it.kind !== 'fn' || !it.isPub || it.selfType === undefined || methodCount.get(it.name) !== 1 || COMMON_METHODS.has(it.name)) continue;
    const e = summary.items[strip(key)];
    if (e && typeof e !== 'string') summary.methods[it.name] = e;
  }
  addReexports(view, graph, summary, depRoots, idOf);

  for (const [key, kind] of graph.entries) {
    if (kind !== 'build' && kind !== 'proc-macro') continue;
    const e = entryOf(closed.get(key));
    if (!e) continue;
    const slot = kind === 'build' ? 'build' : 'procMacro';
    summary[slot] = mergeEntries(summary[slot], e);
  }
  const partial = [...view.rust.values()].filter((f) => f.facts.partial || f.facts.unparsed).map((f) => f.path);
  if (partial.length > 0) summary.partial = partial.slice(0, 50);
  return summary;
}

function mergeEntries(a: SummaryEntry | undefined, b: SummaryEntry): SummaryEntry {
  if (!a) return b;
  const caps = new Map(a.caps ?? []);
  for (const [c, v] of b.caps ?? []) if (!caps.has(c)) caps.set(c, v);
  const calls = new Set([...(a.calls ?? []), ...(b.calls ?? [])]);
  const out: SummaryEntry = {};
  if (caps.size > 0) out.caps = [...caps].sort((x, y) => (x[0] < y[0] ? -1 : 1));
  if (calls.size > 0) out.calls = [...calls].sort((x, y) => x - y);
  return out;
}

/**
 * `use` re-exports of the crate's modules (`pub use self::imp::Command;`, `pub use duct::cmd;`) and
 * glob re-exports, as aliases of the keys they stand for. Private `use` items are included too: a
 * dependent can only write paths that compile, so an alias nobody may name is never looked up.
 */
function addReexports(view: ReleaseView, graph: CallGraph, summary: CrateSummary, depRoots: Set<string>, idOf: (p: string) => number): void {
  const resolver = graph.resolver;
  const keyed = Object.keys(summary.items);
  for (const file of view.rust.values()) {
    if (file.role !== 'lib' && file.role !== 'proc-macro') continue;
    const mod = file.module === 'main' ? 'crate' : file.module;
    const modKey = strip(mod);
    const absolute = (full: string) => (full.startsWith('crate::') || resolver.isExternal(full) ? full : `${mod}::${full}`);
    for (const alias of Object.keys(file.facts.aliases)) {
      const full = absolute(resolver.resolvePath(file, file.facts.aliases[alias]));
      const at = modKey ? `${modKey}::${alias}` : alias;
      if (summary.items[at] !== undefined) continue;
      if (full.startsWith('crate::')) {
        const target = strip(full);
        if (target !== at && (summary.items[target] !== undefined || summary.items[`${target}!`] !== undefined)) summary.items[at] = target;
        continue;
      }
      const root = full.slice(0, Math.max(0, full.indexOf('::')));
      if (depRoots.has(root)) summary.items[at] = { calls: [idOf(full)] };
    }
    for (const g of file.facts.globs) {
      const full = absolute(resolver.resolvePath(file, g));
      if (full.startsWith('crate::')) {
        const prefix = `${strip(full)}::`;
        for (const k of keyed) {
          if (!k.startsWith(prefix)) continue;
          const rest = k.slice(prefix.length);
          if (rest.includes('::')) continue;
          const at = modKey ? `${modKey}::${rest}` : rest;
          if (summary.items[at] === undefined) summary.items[at] = k;
        }
      } else if (depRoots.has(full.split('::')[0])) {
        (summary.globs ??= {})[modKey] ??= [];
        summary.globs[modKey].push(full);
      }
    }
  }
  void graph;
}

/**
 * Closes each item's capabilities and calls over the crate's call graph: an item reaches what its
 * callees reach. Strongly connected components (mutual recursion) share one result; each component is
 * merged once, after every component it calls (Tarjan's order), so the cost is linear in the graph.
 * Edges the graph is sure of are followed, and method calls matched by name to a few candidates (see
 * MAX_METHOD_CANDIDATES): a summary that over-approximates would give every dependent capabilities
 * it does not have.
 */
function propagate(graph: CallGraph, own: Map<string, Node>): Map<string, Node> {
  const succ = new Map<string, string[]>();
  for (const [from, list] of graph.edges) {
    const perSite = new Map<number, number>();
    for (const e of list) perSite.set(e.site, (perSite.get(e.site) ?? 0) + 1);
    const out: string[] = [];
    for (const e of list) {
      if (e.approx && !(e.kind === 'method' && (perSite.get(e.site) ?? 0) <= MAX_METHOD_CANDIDATES)) continue;
      if (!out.includes(e.to)) out.push(e.to);
    }
    if (out.length > 0) succ.set(from, out);
  }
  const result = new Map<string, Node>();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  let counter = 0;
  const keys = new Set<string>([...own.keys(), ...succ.keys()]);
  for (const start of keys) {
    if (index.has(start)) continue;
    // Iterative Tarjan: frames of (node, next successor position).
    const frames: Array<[string, number]> = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (frames.length > 0) {
      const top = frames[frames.length - 1];
      const [v, pos] = top;
      const next = succ.get(v) ?? [];
      if (pos < next.length) {
        top[1]++;
        const w = next[pos];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          frames.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) !== index.get(v)) continue;
      // v roots a component: pop it, merge its members' own results with their callees' (all done).
      const members: string[] = [];
      for (;;) {
        const w = stack.pop()!;
        onStack.delete(w);
        members.push(w);
        if (w === v) break;
      }
      const merged: Node = { caps: new Map(), calls: new Set() };
      const inComponent = new Set(members);
      for (const m of members) {
        const o = own.get(m);
        if (o) {
          for (const [c, via] of o.caps) if (!merged.caps.has(c)) merged.caps.set(c, via);
          for (const x of o.calls) if (merged.calls.size < MAX_CALLS_PER_ITEM) merged.calls.add(x);
        }
      }
      for (const m of members) {
        for (const w of succ.get(m) ?? []) {
          if (inComponent.has(w)) continue;
          const r = result.get(w);
          if (!r) continue;
          for (const [c, via] of r.caps) if (!merged.caps.has(c)) merged.caps.set(c, hop(w, via));
          for (const x of r.calls) if (merged.calls.size < MAX_CALLS_PER_ITEM) merged.calls.add(x);
        }
      }
      for (const m of members) result.set(m, merged);
    }
  }
  return result;
}

function hop(key: string, via: string): string {
  const hops = via.split(' → ').length;
  return hops >= MAX_VIA_HOPS ? via : `${shortName(key)} → ${via}`;
}
