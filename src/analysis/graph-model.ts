/**
 * A release's call graph kept across scans (its "model"): the release scanned as the newer side of
 * one scan is the older side of the next, and a warm scan takes its graph from the stored model
 * instead of resolving every site of it again.
 *
 * The key is everything the graph is a function of: the model format and the code that builds graphs
 * (`modelFingerprint`), the capability catalogue (every table of it, see tablesDigest), reachability
 * on or off, the resolver's signature
 * (dependency roots, renames, which summary each dependency resolves to), the manifest's dependencies
 * and Cargo.toml's bytes, and for each Rust file of the view in order its path, module path, role,
 * content hash and whether its facts are complete. A model whose key, checksum or shape does not
 * match is not used (the graph is built as without one): a model never makes a report differ.
 */
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { ItemRef, ReleaseView } from '../diff/types.js';
import type { Catalogue } from './catalogue.js';
import type { DependencyCaps } from './deps.js';
import { CallGraph, type CapUse, type DeclaredCap, type Edge, type EntryKind, type FileIndex } from './graph.js';
import type { ForeignDecl } from './foreign.js';
import { Resolver } from './resolve.js';
import { NameTable } from './graph-reuse.js';

/** Everything a built graph holds besides its view and resolver: what a stored model gives back. */
export interface GraphState {
  edges: Map<string, Edge[]>;
  unknown: Map<string, number>;
  caps: Map<string, CapUse[]>;
  declared: Map<string, DeclaredCap[]>;
  entries: Map<string, EntryKind>;
  callers: Map<string, number>;
  selfCalls: Map<string, number[]>;
  unresolved: number;
  byName: NameTable;
  macros: NameTable;
  localModules: Set<string>;
  foreign: Map<string, ForeignDecl[]>;
  indexes: Map<string, FileIndex>;
  perFile: boolean;
}

/** Bumped whenever the stored form changes. */
const MODEL_FORMAT = 1;

/** Where models are kept and read back (the facts store's folder, see DiskFactsStore). */
export interface ModelStore {
  /** True when a model is stored under this key (it is not written again: keys name their content). */
  hasModel(key: string): boolean;
  /** The stored bytes for this key (64 hex digits), or undefined; never throws. */
  getModel(key: string): Uint8Array | undefined;
  /** Stores bytes under a key; never throws (a model that cannot be written only costs speed). */
  putModel(key: string, bytes: Uint8Array): void;
}

const tableDigests = new WeakMap<Catalogue, string>();

/**
 * The catalogue's tables besides its paths and methods (which the caller's `catalogue` digest names):
 * C symbols, file openers, wrapper-crate names and system call tables, which foreign declarations,
 * `dlsym` look-ups, open flags and system calls are read with. A rules folder that differs only there
 * gives other graphs; worked out once per catalogue object.
 */
function tablesDigest(cat: Catalogue): string {
  let d = tableDigests.get(cat);
  if (d === undefined) {
    const sorted = <V>(m: Map<string, V>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const tables = [
      sorted(cat.symbols), [...cat.opens].sort(), sorted(cat.wrapperNames).map(([k, v]) => [k, sorted(v)]),
      sorted(cat.syscalls.names), sorted(cat.syscalls.arches).map(([k, v]) => [k, [...v].sort((a, b) => a[0] - b[0])]),
    ];
    tableDigests.set(cat, (d = createHash('sha256').update(JSON.stringify(tables)).digest('hex')));
  }
  return d;
}

/** The catalogue part of a model key: the caller's digest of paths and methods, and the other tables. */
function catalogueKey(catalogue: string, cat: Catalogue): string {
  return `${catalogue}/${tablesDigest(cat)}`;
}

/** What the graph of `view` depends on, as a 64-hex-digit key (see the module comment). */
export function modelKey(view: ReleaseView, fingerprint: string, catalogue: string, withEdges: boolean, signature: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([MODEL_FORMAT, fingerprint, catalogue, withEdges, signature, view.buildPath ?? null, view.procMacro, view.manifest?.deps ?? null]));
  const toml = view.tree.files.get('Cargo.toml');
  h.update(toml ? createHash('sha256').update(toml).digest('hex') : 'none').update('\n');
  for (const f of view.rust.values()) h.update(`${f.path}\0${f.module}\0${f.role}\0${f.facts.hash}\0${f.facts.partial}\0${f.facts.unparsed === true}\n`);
  return h.digest('hex');
}

interface Stored {
  format: number;
  key: string;
  state: Omit<GraphState, 'byName' | 'macros'>;
  byName: PackedLists;
  macros: PackedLists;
  entries: Int32Array;
  entryKinds: EntryKind[];
}

const KINDS: EntryKind[] = ['public', 'build', 'proc-macro', 'ctor', 'bin', 'implicit', 'test'];

/**
 * Candidate lists by name: where each list starts in `flat`, the item positions (in the view's item
 * order), and an open-addressing hash table of list numbers by name (-1: empty slot). A list's name is
 * its first item's, so no name is stored; neither sorting nor a map of every name is needed.
 */
interface PackedLists {
  starts: Int32Array;
  flat: Int32Array;
  table: Int32Array;
}

/** FNV-1a over the length and at most the first and last 8 UTF-16 code units (enough to spread names). */
function hashName(s: string): number {
  let h = Math.imul(0x811c9dc5 ^ s.length, 0x01000193);
  const n = s.length;
  if (n <= 16) for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  else {
    for (let i = 0; i < 8; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    for (let i = n - 8; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/**
 * Positions of items in the view's item order (files by path, items in file order: how buildRelease
 * fills `items`), worked out from the file and the item's number; checked against the key, with a map
 * of every key only as a fallback. A derived graph's lists hold the other release's refs of unchanged
 * files: same path, same number, same key.
 */
function positions(view: ReleaseView, items: ItemRef[]): (r: ItemRef) => number | undefined {
  const first = new Map<string, number>();
  let n = 0;
  for (const f of [...view.rust.values()].sort((x, y) => (x.path < y.path ? -1 : 1))) {
    first.set(f.path, n);
    n += f.facts.items.length;
  }
  let at: Map<string, number> | undefined;
  return (r) => {
    const guess = (first.get(r.file.path) ?? -1) + r.item.id;
    if (items[guess]?.key === r.key) return guess;
    if (!at) {
      at = new Map();
      for (const k of view.items.keys()) at.set(k, at.size);
    }
    return at.get(r.key);
  };
}

/** The lists packed, or undefined when an item is not this view's item of that name (see encodeModel). */
function packLists(lists: Iterable<ItemRef[]>, posOf: (r: ItemRef) => number | undefined, items: ItemRef[]): PackedLists | undefined {
  const all = [...lists];
  const starts = new Int32Array(all.length + 1);
  let n = 0;
  for (let i = 0; i < all.length; i++) {
    starts[i] = n;
    n += all[i].length;
  }
  starts[all.length] = n;
  const flat = new Int32Array(n);
  let size = 8;
  while (size < all.length * 2) size *= 2;
  const table = new Int32Array(size).fill(-1);
  let j = 0;
  for (let i = 0; i < all.length; i++) {
    const name = all[i][0].item.name;
    for (const r of all[i]) {
      const pos = posOf(r);
      // A derived graph's lists may hold the other release's refs: they must name this view's item of that name.
      if (pos === undefined || items[pos].item.name !== name) return undefined;
      flat[j++] = pos;
    }
    let h = hashName(name) & (size - 1);
    while (table[h] !== -1) h = (h + 1) & (size - 1);
    table[h] = i;
  }
  return { starts, flat, table };
}

/**
 * A stored by-name table, answered through its hash table: a warm scan asks the older release's table
 * only for the names its changed files use, so no map of every name is built.
 */
class PackedNames extends NameTable {
  private readonly memo = new Map<string, ItemRef[] | undefined>();

  constructor(private readonly p: PackedLists, private readonly items: ItemRef[]) {
    super();
  }

  override get(name: string): ItemRef[] | undefined {
    if (this.memo.has(name)) return this.memo.get(name);
    const { table, flat, starts } = this.p;
    const mask = table.length - 1;
    let found: ItemRef[] | undefined;
    // A table always has an empty slot (checked on reading); the bound is for certainty.
    for (let h = hashName(name) & mask, k = 0; k < table.length && table[h] !== -1; h = (h + 1) & mask, k++) {
      if (this.items[flat[starts[table[h]]]].item.name === name) {
        found = this.list(table[h]);
        break;
      }
    }
    this.memo.set(name, found);
    return found;
  }

  private list(i: number): ItemRef[] {
    const out: ItemRef[] = [];
    for (let j = this.p.starts[i]; j < this.p.starts[i + 1]; j++) out.push(this.items[this.p.flat[j]]);
    return out;
  }

  override *lists(): Generator<ItemRef[]> {
    for (let i = 0; i < this.p.starts.length - 1; i++) yield this.list(i);
  }
}

/**
 * The packed lists when they fit the view: each list non-empty, of items of this view, each listed
 * once in a table of a power-of-two size at least twice the lists. (That each item bears its list's
 * name is what the checksum and the key vouch for: checking it touched every candidate and cost as
 * much as the rest of reading the model.)
 */
function checkLists(p: unknown, items: ItemRef[]): PackedLists | undefined {
  if (!isObject(p) || !(p.starts instanceof Int32Array) || !(p.flat instanceof Int32Array) || !(p.table instanceof Int32Array)) return undefined;
  const { starts, flat, table } = p as unknown as PackedLists;
  const count = starts.length - 1;
  if (count < 0 || starts[0] !== 0 || starts[count] !== flat.length) return undefined;
  if (table.length < 8 || (table.length & (table.length - 1)) !== 0 || table.length < count * 2) return undefined;
  for (let i = 0; i < count; i++) if (starts[i + 1] <= starts[i]) return undefined;
  for (let j = 0; j < flat.length; j++) if (!(flat[j] >= 0 && flat[j] < items.length)) return undefined;
  const seen = new Uint8Array(count);
  let filled = 0;
  for (let h = 0; h < table.length; h++) {
    const i = table[h];
    if (i === -1) continue;
    if (!(i >= 0 && i < count) || seen[i]) return undefined;
    seen[i] = 1;
    filled++;
  }
  return filled === count ? { starts, flat, table } : undefined;
}

/** The stored bytes of a built graph (undefined when it cannot be stored faithfully). */
export function encodeModel(g: CallGraph, key: string): Uint8Array | undefined {
  const s = g.state();
  // A site whose item had no key leaves lists that mix files; such graphs are built every time.
  if (!s.perFile) return undefined;
  const items = [...g.view.items.values()];
  const posOf = positions(g.view, items);
  const byName = packLists(s.byName.lists(), posOf, items);
  const macros = packLists(s.macros.lists(), posOf, items);
  if (!byName || !macros) return undefined;
  const entries = new Int32Array(s.entries.size * 2);
  let i = 0;
  for (const [k, kind] of s.entries) {
    const pos = posOf(g.view.items.get(k)!);
    if (pos === undefined) return undefined;
    entries[i++] = pos;
    entries[i++] = KINDS.indexOf(kind);
  }
  const rest: Omit<GraphState, 'byName' | 'macros'> = { ...s, entries: new Map() };
  delete (rest as Partial<GraphState>).byName;
  delete (rest as Partial<GraphState>).macros;
  const stored: Stored = { format: MODEL_FORMAT, key, state: rest, byName, macros, entries, entryKinds: KINDS };
  const body = serialize(stored);
  return Buffer.concat([createHash('sha256').update(body).digest(), body]);
}

/**
 * The graph a stored model gives for `view`, or undefined when the bytes are not a model of this
 * key (cut, damaged, another format or release) or do not fit the view.
 */
export function decodeModel(bytes: Uint8Array, key: string, view: ReleaseView, cat: Catalogue, withEdges: boolean, deps?: DependencyCaps): CallGraph | undefined {
  if (bytes.length < 32) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = buf.subarray(32);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(0, 32))) return undefined;
  let v: Stored;
  try {
    v = deserialize(body) as Stored;
  } catch {
    return undefined;
  }
  if (!isObject(v) || v.format !== MODEL_FORMAT || v.key !== key || !isObject(v.state)) return undefined;
  const items = [...view.items.values()];
  const byName = checkLists(v.byName, items);
  const macros = checkLists(v.macros, items);
  const entries = unpackEntries(v.entries, v.entryKinds, items);
  if (!byName || !macros || !entries) return undefined;
  const state = { ...v.state, byName: new PackedNames(byName, items), macros: new PackedNames(macros, items), entries } as GraphState;
  if (!fits(state, view)) return undefined;
  return new CallGraph(view, cat, withEdges, undefined, deps, state);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function unpackEntries(a: unknown, kinds: unknown, items: ItemRef[]): Map<string, EntryKind> | undefined {
  if (!(a instanceof Int32Array) || a.length % 2 !== 0 || !Array.isArray(kinds) || kinds.join() !== KINDS.join()) return undefined;
  const out = new Map<string, EntryKind>();
  for (let i = 0; i < a.length; i += 2) {
    const r = items[a[i]];
    const kind = KINDS[a[i + 1]];
    if (!r || !kind) return undefined;
    out.set(r.key, kind);
  }
  return out;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isStr = (x: unknown): x is string => typeof x === 'string';

/** A located use or edge: in a file of the view, at one of its sites (or -1, a use without a site). */
function located(view: ReleaseView, x: unknown): boolean {
  if (!isObject(x) || !isStr(x.file) || !isNum(x.line) || typeof x.site !== 'number') return false;
  const f = view.rust.get(x.file);
  return f !== undefined && Number.isInteger(x.site) && x.site >= -1 && x.site < f.facts.sites.length;
}

function keyedMap(m: unknown, view: ReleaseView, ok: (v: unknown) => boolean): boolean {
  if (!(m instanceof Map)) return false;
  for (const [k, v] of m) if (!isStr(k) || !view.items.has(k) || !ok(v)) return false;
  return true;
}

const listOf = (ok: (x: unknown) => boolean) => (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every(ok);
const isCap = (x: unknown): boolean => isObject(x) && isStr(x.cap) && isStr(x.resolved) && (x.viaDependency === undefined || (Array.isArray(x.viaDependency) && x.viaDependency.every((d) => isObject(d) && isStr(d.cap) && isStr(d.via) && isStr(d.origin))));

/** True when the restored state has the shape a build gives and names only this view's items, files and sites. */
function fits(s: GraphState, view: ReleaseView): boolean {
  const edge = (e: unknown): boolean => located(view, e) && isObject(e) && isStr(e.to) && view.items.has(e.to) && isStr(e.kind) && typeof e.approx === 'boolean';
  const use = (u: unknown): boolean => located(view, u) && isCap(u) && isObject(u) && (u.foreign === undefined || isStr(u.foreign)) && (u.via === undefined || isStr(u.via));
  const decl = (d: unknown): boolean => isCap(d) && isObject(d) && isStr(d.file) && view.rust.has(d.file) && isNum(d.line);
  const keysIn = (m: Map<string, unknown>) => (l: unknown): boolean => Array.isArray(l) && l.every((k) => m.has(k as string));
  if (!keyedMap(s.edges, view, listOf(edge)) || !keyedMap(s.caps, view, listOf(use)) || !keyedMap(s.declared, view, listOf(decl))) return false;
  if (!keyedMap(s.unknown, view, isNum) || !keyedMap(s.callers, view, isNum) || !keyedMap(s.selfCalls, view, listOf(isNum))) return false;
  if (!isNum(s.unresolved) || s.perFile !== true || !(s.localModules instanceof Set) || ![...s.localModules].every(isStr)) return false;
  if (!(s.foreign instanceof Map) || ![...s.foreign].every(([n, l]) => isStr(n) && listOf((d) => isObject(d) && isStr(d.key) && view.items.has(d.key) && isStr(d.cName) && isStr(d.cap))(l))) return false;
  if (!(s.indexes instanceof Map)) return false;
  for (const [path, fi] of s.indexes as Map<unknown, FileIndex>) {
    if (!isStr(path) || !view.rust.has(path) || !isObject(fi) || !isNum(fi.unresolved)) return false;
    if (!keysIn(s.edges)(fi.edges) || !keysIn(s.caps)(fi.caps) || !keysIn(s.unknown)(fi.unknown) || !keysIn(s.selfCalls)(fi.selfCalls) || !Array.isArray(fi.targets) || !fi.targets.every((t) => view.items.has(t))) return false;
  }
  return s.indexes.size === view.rust.size;
}

/**
 * The older release's graph from `store` when a model of it is there and fits, else undefined
 * (the caller builds it). `fingerprint` names the code that builds graphs.
 */
export function loadGraph(store: ModelStore, fingerprint: string, catalogue: string, view: ReleaseView, cat: Catalogue, withEdges: boolean, deps?: DependencyCaps): { graph?: CallGraph; key: string } {
  // The resolver's signature is part of the key: a probe graph is not built, only its resolver's signature read.
  const signature = new Resolver(view, cat, deps).signature;
  const key = modelKey(view, fingerprint, catalogueKey(catalogue, cat), withEdges, signature);
  const bytes = store.getModel(key);
  let graph: CallGraph | undefined;
  try {
    graph = bytes ? decodeModel(bytes, key, view, cat, withEdges, deps) : undefined;
  } catch {
    // Whatever a model holds, a scan never fails on it: the graph is built instead.
    graph = undefined;
  }
  return { graph, key };
}

/**
 * Stores a built graph's model under its key (see loadGraph); nothing when it cannot be stored
 * faithfully, or when `fresh` and a model is there already (a damaged one is replaced by passing false).
 */
export function saveGraph(store: ModelStore, fingerprint: string, catalogue: string, g: CallGraph, fresh = true): void {
  const key = modelKey(g.view, fingerprint, catalogueKey(catalogue, g.resolver.cat), g.withEdges, g.resolver.signature);
  if (fresh && store.hasModel(key)) return;
  let bytes: Uint8Array | undefined;
  try {
    bytes = encodeModel(g, key);
  } catch {
    return; // a graph that cannot be stored is built again next time
  }
  if (bytes) store.putModel(key, bytes);
}
