import type { ItemRef, ReleaseView, RustFile } from '../diff/types.js';
import type { Site } from '../parse/types.js';
import type { Catalogue } from './catalogue.js';
import { definesFn, foreignDeclarations, type ForeignDecl } from './foreign.js';
import { refineHit } from './platform.js';
import { Resolver, type CapHit } from './resolve.js';
import type { DependencyCaps } from './deps.js';
import { deriveTables, NameTable, reusableFiles, type GraphTables } from './graph-reuse.js';
import type { GraphState } from './graph-model.js';

export type EdgeKind = 'call' | 'method' | 'value' | 'macro';

/** A resolved call (or function used as a value) from one item to another. */
export interface Edge {
  to: string;
  kind: EdgeKind;
  file: string;
  line: number;
  /** Several candidates matched by name only: the edge may not exist at run time. */
  approx: boolean;
  site: number;
}

/** A capability used at a site: `site` always indexes the facts of `file` (the sites of a new-side file for the new graph). */
export interface CapUse extends CapHit {
  file: string;
  line: number;
  site: number;
  /** The capability is reached inside a dependency (see `viaDependency`), not by this crate's own call. */
  fromDependency?: true;
  /** For a dependency capability: the path through the dependencies to the platform call. */
  via?: string;
  /** Set when the site calls a foreign function the crate declares itself: the declaration's item key. */
  foreign?: string;
}

/** The capability a crate's own foreign declaration (`extern { fn system(); }`) gives; it has no site of its own. */
export interface DeclaredCap extends CapHit {
  file: string;
  line: number;
}

export type EntryKind = 'public' | 'build' | 'proc-macro' | 'ctor' | 'bin' | 'implicit' | 'test';

/** Traits whose methods the compiler or std call without a visible call site. */
const IMPLICIT_TRAITS = new Set([
  'Drop', 'Default', 'Deref', 'DerefMut', 'Display', 'Debug', 'Clone', 'From', 'TryFrom', 'Iterator', 'FromStr', 'Hash',
  'PartialEq', 'Eq', 'PartialOrd', 'Ord', 'AsRef', 'AsMut', 'Borrow', 'Index', 'IndexMut', 'Add', 'Sub', 'Mul', 'Div',
  'Neg', 'Not', 'Future', 'Read', 'Write', 'Serialize', 'Deserialize', 'Visitor', 'Fn', 'FnMut', 'FnOnce', 'Error',
]);

/** Names of methods so common in std that a by-name match to a crate method says little. */
const UBIQUITOUS = new Set(['new', 'from', 'into', 'len', 'is_empty', 'get', 'iter', 'next', 'clone', 'fmt', 'as_ref', 'default', 'to_string', 'unwrap', 'map', 'push', 'insert', 'read', 'write', 'with_capacity', 'as_str', 'parse', 'collect', 'eq', 'cmp', 'hash', 'drop', 'deref', 'build']);

const MAX_CANDIDATES = 6;

/**
 * Where indexing one file's sites wrote in a graph: the item keys (all of that file) in the order it
 * first gave each an edge, a capability use, an unknown call or a self-call, the target of each edge,
 * and its unresolved calls. The lists under those keys are the file's alone, so the next release's
 * graph can copy them in the same order.
 */
export interface FileIndex {
  edges: string[];
  caps: string[];
  unknown: string[];
  selfCalls: string[];
  targets: string[];
  unresolved: number;
}

/** The call graph of one release: items as nodes, resolved calls and function values as edges. */
export class CallGraph {
  readonly resolver: Resolver;
  readonly edges = new Map<string, Edge[]>();
  readonly unknown = new Map<string, number>();
  readonly caps = new Map<string, CapUse[]>();
  /** Foreign declarations by item key, with the capability of the C function they declare. */
  readonly declared: Map<string, DeclaredCap[]> = new Map();
  readonly entries: Map<string, EntryKind> = new Map();
  readonly callers = new Map<string, number>();
  /** Items that call themselves directly, with the site of the call. */
  readonly selfCalls = new Map<string, number[]>();
  /** Calls whose target could not be resolved, in total (kept as unknown edges, not dropped). */
  unresolved = 0;
  private byName = new NameTable();
  private reversed: Map<string, Array<Edge & { from: string }>> | undefined;
  private macros = new NameTable();
  /** Names of the crate's own modules, inline or file-based. */
  private localModules = new Set<string>();
  /** True when this graph is the other release's, shared because the Rust code is the same. */
  readonly shared: boolean = false;
  /** Each file's site index, by path. */
  private indexes = new Map<string, FileIndex>();
  /** False when a site's item had no key (then lists under a key may mix files and are never copied). */
  private perFile = true;
  /** How many files' site indexes were copied from the other release's graph instead of resolved again. */
  readonly copiedFiles: number = 0;

  /**
   * With `edges` false only capability uses are indexed: no call resolution, no reachability.
   * `shareWith` is the other release's graph: capability look-ups are shared file by file, and when
   * this release's Rust code and everything its resolution depends on are the same as there (a
   * release that changes no Rust file), the whole graph is shared instead of built again. Otherwise
   * the site index of each file whose resolution reads nothing that changed is copied from it (see
   * `reusableFiles`); the maps come out in the order a full build gives, since they are assembled
   * file by file in the same order either way. `restored` is the state of a full build of this same
   * release under the same resolver signature (a stored model, checked by its key): taken as it is.
   */
  constructor(readonly view: ReleaseView, private readonly cat: Catalogue, readonly withEdges = true, shareWith?: CallGraph, deps?: DependencyCaps, restored?: GraphState) {
    this.resolver = new Resolver(view, cat, deps);
    if (restored) {
      ({ edges: this.edges, unknown: this.unknown, caps: this.caps, declared: this.declared, entries: this.entries, callers: this.callers, selfCalls: this.selfCalls } = restored);
      ({ unresolved: this.unresolved, byName: this.byName, macros: this.macros, localModules: this.localModules, foreign: this.foreign, indexes: this.indexes, perFile: this.perFile } = restored);
      return;
    }
    if (shareWith && shareWith.withEdges === withEdges && this.resolver.signature === shareWith.resolver.signature && sameRust(view, shareWith.view)) {
      this.edges = shareWith.edges;
      this.unknown = shareWith.unknown;
      this.caps = shareWith.caps;
      this.declared = shareWith.declared;
      this.entries = shareWith.entries;
      this.callers = shareWith.callers;
      this.selfCalls = shareWith.selfCalls;
      this.unresolved = shareWith.unresolved;
      this.byName = shareWith.byName;
      this.macros = shareWith.macros;
      this.localModules = shareWith.localModules;
      this.indexes = shareWith.indexes;
      this.perFile = shareWith.perFile;
      this.shared = true;
      return;
    }
    let derived = shareWith && shareWith.perFile && shareWith.withEdges === withEdges && this.resolver.signature === shareWith.resolver.signature ? deriveTables(view, shareWith.tables(), (r) => this.entryKind(r)) : undefined;
    // A changed `use` matters to other files only through the re-export tables: compare those.
    if (derived && !derived.sameLocalNamesInputs && !this.resolver.sameLocalNames(shareWith!.resolver)) derived = undefined;
    if (derived) {
      this.byName = derived.byName;
      this.macros = derived.macros;
      this.localModules = derived.localModules;
      this.entries = derived.entries;
    } else {
      const byName = new Map<string, ItemRef[]>();
      const macros = new Map<string, ItemRef[]>();
      for (const f of view.rust.values()) this.localModules.add(f.module.split('::').pop()!);
      for (const ref of view.items.values()) {
        const it = ref.item;
        if (it.kind === 'mod') this.localModules.add(it.name);
        if (it.kind === 'fn' || it.kind === 'static' || it.kind === 'const') push(byName, it.name, ref);
        if (it.kind === 'macro') push(macros, it.name, ref);
        const e = this.entryKind(ref);
        if (e) this.entries.set(ref.key, e);
      }
      this.byName = new NameTable(undefined, byName);
      this.macros = new NameTable(undefined, macros);
    }
    if (derived?.sameForeign) {
      this.foreign = shareWith!.foreign;
      this.declared = shareWith!.declared;
    } else this.foreign = foreignDeclarations(view, cat, this.declared);
    const reuse = derived ? reusableFiles(derived, this.foreign, shareWith!.foreign, (f, i) => this.resolver.fullPath(f, i)) : undefined;
    if (derived) {
      // Same re-export tables (and method names): built once for both releases.
      if (derived.sameLocalNamesInputs) this.resolver.shareLocalNames(shareWith!.resolver);
      if (derived.sameMethods) this.resolver.shareOwnMethods(shareWith!.resolver);
    }
    let copied = 0;
    for (const file of view.rust.values()) {
      let fi = reuse?.has(file.path) ? shareWith!.indexes.get(file.path) : undefined;
      if (fi) {
        this.copy(fi, shareWith!);
        copied++;
      } else fi = this.indexFile(file);
      this.indexes.set(file.path, fi);
    }
    this.copiedFiles = copied;
  }

  /** What a stored model keeps of this graph (see graph-model.ts). */
  state(): GraphState {
    const { edges, unknown, caps, declared, entries, callers, selfCalls, unresolved, byName, macros, localModules, foreign, indexes, perFile } = this;
    return { edges, unknown, caps, declared, entries, callers, selfCalls, unresolved, byName, macros, localModules, foreign, indexes, perFile };
  }

  private tables(): GraphTables {
    return { view: this.view, byName: this.byName, macros: this.macros, localModules: this.localModules, entries: this.entries, foreign: this.foreign, declared: this.declared };
  }


  /**
   * Adds a file's index from `other`'s maps, in the order that indexing the file writes it (its keys
   * are new to the maps, each after the previous files' keys; callers are counted edge by edge).
   */
  private copy(fi: FileIndex, other: CallGraph): void {
    for (const k of fi.edges) this.edges.set(k, other.edges.get(k)!);
    for (const k of fi.caps) this.caps.set(k, other.caps.get(k)!);
    for (const k of fi.unknown) this.unknown.set(k, other.unknown.get(k)!);
    for (const k of fi.selfCalls) this.selfCalls.set(k, other.selfCalls.get(k)!);
    for (const t of fi.targets) this.callers.set(t, (this.callers.get(t) ?? 0) + 1);
    this.unresolved += fi.unresolved;
  }

  /** The crate's own foreign functions and statics that have a capability, by Rust name. */
  private foreign = new Map<string, ForeignDecl[]>();

  /**
   * A call of (or reference to) a foreign function the crate declares itself is a use of the C
   * function at that site, read with its arguments as a `libc::` call would be (`open` with write
   * flags, `dlsym` of a literal name, `syscall` with a number).
   */
  private foreignUse(out: FileIndex, file: RustFile, from: string, s: Site, index: number): void {
    const name = s.text.slice(s.text.lastIndexOf('::') + 1).replace(/^:/, '');
    const decls = this.foreign.get(name);
    if (!decls || (s.text.includes('::') && this.resolver.isExternal(this.resolver.fullPath(file, index)))) return;
    // In macro bodies the token lexer reads `fn clone(&self)` as a call: a definition, not a use.
    if (s.inMacro && definesFn(file, s)) return;
    for (const d of decls) {
      const hit = d.asm ? { cap: d.asm.cap, resolved: `extern fn ${d.cName} → ${d.asm.resolved}` } : refineHit(this.cat, file, index, { cap: d.cap, resolved: `extern fn ${d.cName}` });
      if (hit && push(this.caps, from, { ...hit, file: file.path, line: s.line, site: index, foreign: d.key })) out.caps.push(from);
    }
  }

  private entryKind(ref: ItemRef): EntryKind | undefined {
    const { item, file } = ref;
    if (item.kind !== 'fn' && item.kind !== 'static') return undefined;
    const a = item.attrs;
    if (a.some((x) => /(?:^|[(,]\s*)(ctor|dtor|ctor::ctor)\b/.test(x) || /link_section\s*=\s*"(\.init_array|\.ctors|\.CRT\$XC|__DATA,__mod_init_func)/.test(x))) return 'ctor';
    if (item.test || file.role === 'test' || file.role === 'bench' || file.role === 'example') return 'test';
    if (file.role === 'build' && item.name === 'main' && item.parent < 0) return 'build';
    if (a.some((x) => /^proc_macro(_derive|_attribute)?\b/.test(x))) return 'proc-macro';
    if (file.role === 'bin' && item.name === 'main' && item.parent < 0) return 'bin';
    if (item.trait && IMPLICIT_TRAITS.has(item.trait.split('::').pop()!)) return 'implicit';
    if (item.isPub && (file.role === 'lib' || file.role === 'proc-macro') && item.kind === 'fn') return 'public';
    return undefined;
  }

  private indexFile(file: RustFile): FileIndex {
    const out: FileIndex = { edges: [], caps: [], unknown: [], selfCalls: [], targets: [], unresolved: 0 };
    const keys = this.view.keyOf.get(file.path) ?? [];
    const sites = file.facts.sites;
    for (let i = 0; i < sites.length; i++) {
      const s = sites[i];
      if (s.item < 0) continue;
      const from = keys[s.item];
      if (from === undefined) this.perFile = false;
      if (s.kind === 'unsafe' || s.kind === 'extern') {
        if (push(this.caps, from, { cap: s.kind === 'unsafe' ? 'unsafe.block' : 'ffi.extern', resolved: s.kind, file: file.path, line: s.line, site: i })) out.caps.push(from);
        continue;
      }
      if (s.kind === 'call' || s.kind === 'path' || s.kind === 'ident' || s.kind === 'method') {
        const hit = this.resolver.capOf(file, i);
        if (hit) {
          this.pushHit(out, from, hit, file.path, s.line, i);
          continue;
        }
        if (this.foreign.size > 0 && s.kind !== 'method') this.foreignUse(out, file, from, s, i);
      } else if (s.kind === 'macro') {
        // A local macro that builds a capability's path from its arguments, or a dependency's macro
        // whose summary reaches one: the use is at the call.
        const hit = this.resolver.capOf(file, i);
        if (hit) this.pushHit(out, from, hit, file.path, s.line, i);
      }
      if (this.withEdges && (s.kind === 'call' || s.kind === 'method' || s.kind === 'macro' || s.kind === 'ident' || s.kind === 'path')) {
        const targets = this.targets(file, from, s, i);
        if (targets === null) {
          if (s.kind === 'call' || s.kind === 'method') {
            const n = this.unknown.get(from);
            if (n === undefined) out.unknown.push(from);
            this.unknown.set(from, (n ?? 0) + 1);
            this.unresolved++;
            out.unresolved++;
          }
          continue;
        }
        const approx = targets.length > 1 || s.kind === 'method';
        const kind: EdgeKind = s.kind === 'ident' || s.kind === 'path' ? 'value' : s.kind === 'macro' ? 'macro' : s.kind;
        for (const t of targets) {
          if (t.key === from) {
            // Only a direct call is recursion; a function naming itself as a value (a local that shadows it) is not.
            if (!approx && s.kind === 'call' && push(this.selfCalls, from, i)) out.selfCalls.push(from);
            continue;
          }
          if (push(this.edges, from, { to: t.key, kind, file: file.path, line: s.line, approx, site: i })) out.edges.push(from);
          out.targets.push(t.key);
          this.callers.set(t.key, (this.callers.get(t.key) ?? 0) + 1);
        }
      }
    }
    return out;
  }

  /** A site's capability use; a dependency item gives one use per capability it reaches. */
  private pushHit(out: FileIndex, from: string, hit: CapHit, file: string, line: number, site: number): void {
    if (!hit.viaDependency) {
      if (push(this.caps, from, { ...hit, file, line, site })) out.caps.push(from);
      return;
    }
    for (const d of hit.viaDependency) if (push(this.caps, from, { cap: d.cap, resolved: hit.resolved, viaDependency: hit.viaDependency, file, line, site, fromDependency: true, via: d.via })) out.caps.push(from);
  }

  private params = new Map<string, Set<string>>();
  private methodTargets = new Map<string, ItemRef[] | null>();
  private memos = new Map<string, ItemRef[]>();

  private memo(key: string, compute: () => ItemRef[]): ItemRef[] {
    let v = this.memos.get(key);
    if (!v) this.memos.set(key, (v = compute()));
    return v;
  }

  /** Names of an item's parameters (`mut x: T` gives `x`), read once per item. */
  private paramNames(key: string): Set<string> {
    let p = this.params.get(key);
    if (!p) {
      p = new Set();
      for (const m of (this.view.items.get(key)?.item.params ?? '').matchAll(/(?:^|[(,\s])(?:mut\s+)?([\p{L}_][\p{L}\p{N}_]*)\s*:/gu)) p.add(m[1]);
      this.params.set(key, p);
    }
    return p;
  }

  /** Crate items a site may refer to; null when it names nothing in the crate. */
  private targets(file: RustFile, from: string, s: Site, index: number): ItemRef[] | null {
    const items = this.view.items;
    if (s.kind === 'macro') {
      const m = this.macros.get(s.text.split('::').pop()!);
      return m && m.length <= MAX_CANDIDATES ? m : null;
    }
    if (s.kind === 'method') {
      // Methods resolve by name alone, so each name is looked up once.
      let c = this.methodTargets.get(s.text);
      if (c === undefined) {
        const all = (this.byName.get(s.text) ?? []).filter((r) => r.item.selfType !== undefined);
        c = all.length === 0 || all.length > MAX_CANDIDATES || (UBIQUITOUS.has(s.text) && all.length > 1) ? null : all;
        this.methodTargets.set(s.text, c);
      }
      return c;
    }
    // Most bare names are local variables and most paths lead into std or a dependency: rule them
    // out before resolving anything.
    if (s.kind === 'ident' && !this.byName.has(s.text)) return null;
    // A parameter of the same name shadows the function: `fn f(delim: char) { g(delim) }` names no item.
    if (s.kind === 'ident' && this.paramNames(from).has(s.text)) return null;
    const full = this.resolver.fullPath(file, index);
    // Local modules shadow crates of the same name in expression paths (`mod serde; serde::go()`).
    if (this.resolver.isExternal(full) && !this.localModules.has(full.slice(0, full.indexOf('::')))) return null;
    const exact = items.get(full) ?? items.get(`${file.module}::${full}`) ?? items.get(`${from}::${full}`);
    if (exact) return okTarget(exact, s) ? [exact] : null;
    const segs = full.split('::');
    const name = segs[segs.length - 1];
    if (segs[0] === 'crate' || segs[0] === file.module.split('::')[0]) {
      // A path into the crate that did not match a key exactly: re-exports or `#[path]` modules. Match by tail.
      const tail = segs.slice(1).join('::');
      const c = this.memo(`t|${s.kind}|${tail}`, () => (this.byName.get(name) ?? []).filter((r) => r.key.endsWith(`::${tail}`) && okTarget(r, s)));
      if (c.length > 0 && c.length <= MAX_CANDIDATES) return c;
    }
    if (segs.length >= 2) {
      // `Type::f`: the same owner and name resolve the same way from anywhere (once per pair).
      const owner = segs[segs.length - 2];
      const c = this.memo(`o|${s.kind}|${owner}|${name}`, () => (this.byName.get(name) ?? []).filter((r) => (r.item.selfType === owner || r.key.endsWith(`::${owner}::${name}`)) && okTarget(r, s)));
      if (c.length > 0 && c.length <= MAX_CANDIDATES) return c;
      return null;
    }
    if (s.kind === 'ident' && !(this.byName.has(name))) return null;
    const c = (this.byName.get(name) ?? []).filter((r) => r.item.selfType === undefined && okTarget(r, s));
    if (c.length === 0 || c.length > MAX_CANDIDATES) return null;
    // By path: candidates of unchanged files may be the other release's items (see deriveTables).
    const same = c.filter((r) => r.file.path === file.path);
    return same.length > 0 ? same : c;
  }

  /** Edges by target, built on first use. */
  reverse(): Map<string, Array<Edge & { from: string }>> {
    if (!this.reversed) {
      this.reversed = new Map();
      // Object literals with the edge's own properties in its order: a spread copies through a slow generic path.
      for (const [from, list] of this.edges) for (const e of list) push(this.reversed, e.to, { to: e.to, kind: e.kind, file: e.file, line: e.line, approx: e.approx, site: e.site, from });
    }
    return this.reversed;
  }

  /**
   * Breadth-first search from `start` over edges (depth-bounded). Returns, for each reached item, the
   * edge that first reached it, so that traces are shortest paths.
   */
  reach(start: string, maxDepth = 12, maxNodes = 20_000): Map<string, Edge | null> {
    const seen = new Map<string, Edge | null>([[start, null]]);
    let frontier = [start];
    for (let d = 0; d < maxDepth && frontier.length > 0 && seen.size < maxNodes; d++) {
      const next: string[] = [];
      for (const k of frontier) {
        for (const e of this.edges.get(k) ?? []) {
          if (seen.has(e.to)) continue;
          seen.set(e.to, { to: e.to, kind: e.kind, file: e.file, line: e.line, approx: e.approx, site: e.site, from: k } as Edge & { from: string });
          next.push(e.to);
        }
      }
      frontier = next;
    }
    return seen;
  }

  /** The path of edges from the search start to `target`, using the map `reach` returned. */
  static path(reached: Map<string, Edge | null>, target: string): Array<Edge & { from: string }> {
    const out: Array<Edge & { from: string }> = [];
    let k = target;
    for (let guard = 0; guard < 1000; guard++) {
      const e = reached.get(k) as (Edge & { from: string }) | null | undefined;
      if (!e) break;
      out.unshift(e);
      k = e.from;
    }
    return out;
  }
}

/** Same Rust files with the same content, module path and role: the call graphs are the same. */
function sameRust(a: ReleaseView, b: ReleaseView): boolean {
  if (a.rust.size !== b.rust.size || a.items.size !== b.items.size) return false;
  for (const [path, fa] of a.rust) {
    const fb = b.rust.get(path);
    if (!fb || fb.facts.hash !== fa.facts.hash || fb.module !== fa.module || fb.role !== fa.role) return false;
  }
  return true;
}

function okTarget(r: ItemRef, s: Site): boolean {
  const k = r.item.kind;
  if (s.kind === 'ident' || s.kind === 'path') return k === 'fn' || k === 'static' || k === 'const';
  return k === 'fn';
}

/** Appends to a key's list; true when the key is new to the map. */
function push<K, V>(m: Map<K, V[]>, k: K, v: V): boolean {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
  return l === undefined;
}
