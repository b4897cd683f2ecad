import type { ItemRef, ReleaseView, RustFile } from '../diff/types.js';
import type { ForeignDecl } from './foreign.js';
import type { DeclaredCap, EntryKind } from './graph.js';

/**
 * Items by name (call-target candidates): a release's own lists over the other release's table, so a
 * graph derived from the other release's holds only the names its changed files define.
 */
export class NameTable {
  constructor(private readonly base?: NameTable, private readonly own = new Map<string, ItemRef[]>()) {}

  get(name: string): ItemRef[] | undefined {
    const l = this.own.get(name);
    if (l !== undefined) return l.length > 0 ? l : undefined;
    return this.base?.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every name with candidates and its list, this table's own over the base's (for a stored model). */
  *lists(): Generator<ItemRef[]> {
    for (const l of this.own.values()) if (l.length > 0) yield l;
    if (this.base) for (const l of this.base.lists()) if (!this.own.has(l[0].item.name)) yield l;
  }

  /** Replaces a name's list (empty: the name has no candidates). */
  set(name: string, refs: ItemRef[]): void {
    this.own.set(name, refs);
  }
}

/** The crate-wide tables of a built graph, which the next release's graph may start from. */
export interface GraphTables {
  view: ReleaseView;
  byName: NameTable;
  macros: NameTable;
  localModules: Set<string>;
  entries: Map<string, EntryKind>;
  foreign: Map<string, ForeignDecl[]>;
  declared: Map<string, DeclaredCap[]>;
}

/** The tables of a new release's graph derived from the old release's, and what changed in them. */
export interface DerivedTables {
  byName: NameTable;
  macros: NameTable;
  localModules: Set<string>;
  entries: Map<string, EntryKind>;
  /** True when the changed files declare the same foreign functions at the same lines (no `global_asm!` involved). */
  sameForeign: boolean;
  /** True when the changed files define the same method names. */
  sameMethods: boolean;
  /** False when a changed file gives other aliases, globs or `macro_rules!`: the re-export tables must then be compared. */
  sameLocalNamesInputs: boolean;
  /** Names whose meaning to call resolution changed (see reusableFiles). */
  names: Set<string>;
  /** Files with the same content, module path, role and item keys in both releases. */
  keep: RustFile[];
}

const lastSeg = (p: string): string => {
  const i = p.lastIndexOf('::');
  return i < 0 ? p : p.slice(i + 2);
};

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What a file gives the re-export tables (LocalNames): its aliases, globs and `macro_rules!` texts. */
function localNamesPart(file: RustFile): string {
  const macros = file.facts.items.filter((it) => it.kind === 'macro').map((it) => [it.name, file.text.slice(it.span.start, it.span.end)]);
  return JSON.stringify([file.facts.aliases, file.facts.globs, macros]);
}

/** What a file gives the foreign declarations (see foreignDeclarations); null when it holds `global_asm!`, whose labels they read. */
function foreignPart(file: RustFile, keys: readonly string[]): string | null {
  if (file.facts.sites.some((s) => s.kind === 'macro' && s.text.endsWith('global_asm'))) return null;
  const out: unknown[] = [];
  file.facts.items.forEach((it, i) => {
    if (it.foreign && (it.kind === 'fn' || it.kind === 'static')) out.push([keys[i], it.kind, it.name, it.attrs, it.span.line]);
  });
  return JSON.stringify(out);
}

const CANDIDATE_KINDS = new Set(['fn', 'static', 'const']);
/** Release item order: files by path, then items in file order (how buildRelease fills `items`). */
const itemOrder = (x: ItemRef, y: ItemRef): number => (x.file.path < y.file.path ? -1 : x.file.path > y.file.path ? 1 : x.item.id - y.item.id);

/**
 * The crate-wide tables of `now`'s graph from `before`'s, touching only the files that differ (content,
 * role or item keys): by-name candidate lists are rebuilt for the names those files define, in
 * release item order; local module names, entry points, foreign declarations and method names are
 * taken over when those files give the same. Undefined when the files, their order or module paths
 * differ, or when the local module names would (then the graph is built in full).
 */
export function deriveTables(a: ReleaseView, before: GraphTables, entryKind: (ref: ItemRef) => EntryKind | undefined): DerivedTables | undefined {
  const b = before.view;
  if (a.rust.size !== b.rust.size) return undefined;
  const keep: RustFile[] = [];
  let sameLocalNamesInputs = true;
  const pairs: Array<{ now: RustFile; was: RustFile; kNow: readonly string[]; kWas: readonly string[] }> = [];
  const others = b.rust.values();
  for (const fa of a.rust.values()) {
    const fb = others.next().value as RustFile | undefined;
    if (!fb || fb.path !== fa.path || fb.module !== fa.module) return undefined;
    const ka = a.keyOf.get(fa.path);
    const kb = b.keyOf.get(fb.path);
    if (!ka || !kb) return undefined;
    const sameContent = fa.facts.hash === fb.facts.hash;
    if (sameContent && fa.role === fb.role && sameList(ka, kb)) {
      keep.push(fa);
      continue;
    }
    if (!sameContent && sameLocalNamesInputs && localNamesPart(fa) !== localNamesPart(fb)) sameLocalNamesInputs = false;
    const mods = (f: RustFile) => f.facts.items.filter((it) => it.kind === 'mod').map((it) => it.name).join('\n');
    if (!sameContent && mods(fa) !== mods(fb)) return undefined;
    pairs.push({ now: fa, was: fb, kNow: ka, kWas: kb });
  }
  const differing = new Set(pairs.map((p) => p.now.path));
  const names = new Set<string>();
  const oldKinds = new Map<string, string>();
  const newKinds = new Map<string, string>();
  // The differing files' candidates by name, on the new side.
  const fresh = new Map<string, ItemRef[]>();
  const freshMacros = new Map<string, ItemRef[]>();
  // Per side, for each name those files define: what resolution reads of its items there, in order.
  const sigs = [new Map<string, string>(), new Map<string, string>()];
  let sameEntries = true;
  const newEntries: Array<{ path: string; flat: string[] }> = [];
  let sameForeign = true;
  let sameMethods = true;
  for (const p of pairs) {
    const entries: string[][] = [[], []];
    const methods: string[][] = [[], []];
    for (const [side, file, keys, kinds] of [[0, p.now, p.kNow, newKinds], [1, p.was, p.kWas, oldKinds]] as const) {
      const items = file.facts.items;
      const view = side === 0 ? a : b;
      for (let i = 0; i < items.length; i++) {
        const it = items[i];
        kinds.set(keys[i], it.kind);
        if (CANDIDATE_KINDS.has(it.kind) || it.kind === 'macro') {
          const sig = sigs[side];
          sig.set(it.name, `${sig.get(it.name) ?? ''}${file.path}\0${keys[i]}\0${it.kind}\0${it.selfType ?? ''}\n`);
          if (side === 0) push(it.kind === 'macro' ? freshMacros : fresh, it.name, view.items.get(keys[i])!);
        }
        if (it.kind === 'fn' && it.selfType !== undefined) methods[side].push(it.name);
        if (it.kind === 'fn' || it.kind === 'static') {
          const e = entryKind(view.items.get(keys[i])!);
          if (e) entries[side].push(keys[i], e);
        }
      }
    }
    if (!sameList(entries[0], entries[1])) sameEntries = false;
    newEntries.push({ path: p.now.path, flat: entries[0] });
    if (!sameList(methods[0].sort(), methods[1].sort())) sameMethods = false;
    if (sameForeign) {
      const f = foreignPart(p.now, p.kNow);
      if (f === null || f !== foreignPart(p.was, p.kWas)) sameForeign = false;
    }
  }
  // Keys of one side only (or of another kind): an exact path look-up may now find another item.
  for (const [k, kind] of newKinds) if (oldKinds.get(k) !== kind) names.add(lastSeg(k));
  for (const [k, kind] of oldKinds) if (newKinds.get(k) !== kind) names.add(lastSeg(k));
  const byName = new NameTable(before.byName);
  const macros = new NameTable(before.macros);
  const rebuild = (base: ItemRef[] | undefined, own: ItemRef[] | undefined): ItemRef[] => {
    const out = (base ?? []).filter((r) => !differing.has(r.file.path));
    if (own) out.push(...own);
    return out.sort(itemOrder);
  };
  // A name whose items in those files are the same on both sides (keys, kinds, self types, in order)
  // has the same candidate list, in the same order, as before: the old release's list serves (its
  // items of those files are the old release's objects, equal in all that resolution reads).
  for (const n of new Set([...sigs[0].keys(), ...sigs[1].keys()])) {
    if (sigs[0].get(n) === sigs[1].get(n)) continue;
    byName.set(n, rebuild(before.byName.get(n), fresh.get(n)));
    macros.set(n, rebuild(before.macros.get(n), freshMacros.get(n)));
    names.add(n);
  }
  const entries = sameEntries ? before.entries : spliceEntries(before.entries, b, newEntries, differing);
  return { byName, macros, localModules: before.localModules, entries, sameForeign, sameMethods, sameLocalNamesInputs, names, keep };
}

/**
 * The entry points of the new release from the old release's (`was`, of view `b`): the differing
 * files' entries replaced by their new ones, at the place of their path in release item order.
 */
function spliceEntries(was: Map<string, EntryKind>, b: ReleaseView, fresh: Array<{ path: string; flat: string[] }>, differing: Set<string>): Map<string, EntryKind> {
  const pending = fresh.sort((x, y) => (x.path < y.path ? -1 : 1));
  const out = new Map<string, EntryKind>();
  let p = 0;
  const flush = (flat: string[]) => {
    for (let i = 0; i < flat.length; i += 2) out.set(flat[i], flat[i + 1] as EntryKind);
  };
  for (const [key, kind] of was) {
    const path = b.items.get(key)!.file.path;
    while (p < pending.length && pending[p].path < path) flush(pending[p++].flat);
    if (!differing.has(path)) out.set(key, kind);
  }
  while (p < pending.length) flush(pending[p++].flat);
  return out;
}

/**
 * The files of the new release whose site index (edges, capability uses, unknown calls, callers,
 * self-calls) is the same as in the old release's graph, so it can be copied instead of resolved
 * again: files kept by deriveTables none of whose sites names (by its written or resolved last
 * segment) a name whose meaning changed — an item key added, removed or of another kind, a by-name
 * candidate list that differs, a foreign declaration that differs. Call-target resolution finds items
 * only by those names (exact keys end in the site's last segment), so a site naming none of them
 * resolves the same.
 */
export function reusableFiles(d: DerivedTables, foreignNow: Map<string, ForeignDecl[]>, foreignBefore: Map<string, ForeignDecl[]>, fullPath: (file: RustFile, index: number) => string): Set<string> {
  const out = new Set<string>();
  // Whether a crate declares any foreign function decides whether each call is checked against them.
  if ((foreignNow.size > 0) !== (foreignBefore.size > 0)) return out;
  const names = new Set(d.names);
  if (foreignNow !== foreignBefore) {
    for (const n of new Set([...foreignNow.keys(), ...foreignBefore.keys()])) {
      if (JSON.stringify(foreignNow.get(n)) !== JSON.stringify(foreignBefore.get(n))) names.add(n);
    }
  }
  for (const file of d.keep) if (names.size === 0 || !namesAny(file, names, fullPath)) out.add(file.path);
  return out;
}

/** True when a site of `file` that indexing resolves names one of `names`, as written or resolved. */
function namesAny(file: RustFile, names: Set<string>, fullPath: (file: RustFile, index: number) => string): boolean {
  const sites = file.facts.sites;
  for (let i = 0; i < sites.length; i++) {
    const s = sites[i];
    if (s.item < 0) continue;
    const k = s.kind;
    if (k !== 'call' && k !== 'path' && k !== 'ident' && k !== 'method' && k !== 'macro') continue;
    if (names.has(s.text) || names.has(lastSeg(s.text))) return true;
    if (k !== 'method' && names.has(lastSeg(fullPath(file, i)))) return true;
  }
  return false;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
