import semver from 'semver';
import type { LockChange } from '../index.js';
import type { LockPackage } from './parse.js';

/** One package that differs between two lockfiles, with the lockfile records of both sides. */
export interface DeltaEntry {
  name: string;
  change: LockChange;
  old: LockPackage | null;
  new: LockPackage | null;
  kind: 'registry' | 'git' | 'path' | 'other';
  /** A changed package whose source is another one than before (registry, git repository, path). */
  sourceChanged?: true;
  /** Same name, version and source, but another checksum: a release's contents cannot change. */
  checksumChanged?: true;
}

/** What a package's source is: a registry (crates.io or another), a git repository, or a path (no source key). */
export function sourceKind(source: string | null): DeltaEntry['kind'] {
  if (source === null) return 'path';
  if (source.startsWith('registry+') || source.startsWith('sparse+')) return 'registry';
  if (source.startsWith('git+')) return 'git';
  return 'other';
}

// Both spellings cargo writes for crates.io: one source, whichever the lockfile uses.
export const CRATES_IO_SOURCES = new Set(['registry+https://github.com/rust-lang/crates.io-index', 'sparse+https://index.crates.io/']);

/**
 * Where a package comes from, for telling a source change from a version change: crates.io (either
 * spelling), a registry's URL, a git repository without its branch, tag or commit (those are
 * revisions of one source), or `path`.
 */
export function sourceIdentity(source: string | null): string {
  if (source === null) return 'path';
  if (CRATES_IO_SOURCES.has(source)) return 'crates.io';
  if (source.startsWith('git+')) return source.replace(/[?#].*$/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  return source;
}

/** Same caret range as Cargo's default requirement: same major, or same 0.minor, or same 0.0.patch. */
function compatClass(v: semver.SemVer): string {
  return v.major > 0 ? `${v.major}` : v.minor > 0 ? `0.${v.minor}` : `0.0.${v.patch}`;
}

type Cost = [number, number, number, number];

function cost(o: semver.SemVer, n: semver.SemVer): Cost {
  return [Math.abs(o.major - n.major), Math.abs(o.minor - n.minor), Math.abs(o.patch - n.patch), semver.lt(n, o) ? 1 : 0];
}

interface Item {
  side: 0 | 1;
  /** Index in its side's list (olds or news): the tie-break, as input order. */
  i: number;
  v: semver.SemVer;
}

interface Cand {
  c: Cost;
  a: number;
  b: number;
  o: number;
  n: number;
}

function candLess(x: Cand, y: Cand): boolean {
  for (let k = 0; k < 4; k++) if (x.c[k] !== y.c[k]) return x.c[k] < y.c[k];
  return x.o - y.o < 0 || (x.o === y.o && x.n < y.n);
}

/** A binary min-heap of candidate pairs. */
class Heap {
  private readonly a: Cand[] = [];
  get size(): number {
    return this.a.length;
  }
  push(x: Cand): void {
    const a = this.a;
    a.push(x);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!candLess(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): Cand {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && candLess(a[l], a[m])) m = l;
        if (r < a.length && candLess(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Greedy closest-first matching of old and new versions on the version line, in O(k log k): sorted
 * by version, only neighbouring old/new pairs (nothing between them) are candidates, kept in a heap
 * by cost; a matched pair leaves the list and its two neighbours become candidates.
 */
function matchNeighbours(items: Item[], pairs: Array<[number, number]>): void {
  items.sort((x, y) => semver.compare(x.v, y.v) || x.side - y.side || x.i - y.i);
  const k = items.length;
  const prev = Array.from({ length: k }, (_, j) => j - 1);
  const next = Array.from({ length: k }, (_, j) => (j + 1 < k ? j + 1 : -1));
  const alive = new Array<boolean>(k).fill(true);
  const heap = new Heap();
  const offer = (a: number, b: number) => {
    if (a < 0 || b < 0 || items[a].side === items[b].side) return;
    const [o, n] = items[a].side === 0 ? [items[a], items[b]] : [items[b], items[a]];
    heap.push({ c: cost(o.v, n.v), a, b, o: o.i, n: n.i });
  };
  for (let j = 0; j + 1 < k; j++) offer(j, j + 1);
  while (heap.size > 0) {
    const { a, b, o, n } = heap.pop();
    if (!alive[a] || !alive[b] || next[a] !== b) continue;
    alive[a] = alive[b] = false;
    pairs.push([o, n]);
    const p = prev[a];
    const q = next[b];
    if (p >= 0) next[p] = q;
    if (q >= 0) prev[q] = p;
    offer(p, q);
  }
}

/**
 * Pairs the versions of one name that are only in the old or only in the new lockfile. A lockfile
 * can hold several versions of a name (`syn` 1 and 2); each new version is paired with the closest
 * semver-compatible old one first (`1.0.3 → 1.0.5`, `2.0.1 → 2.0.9`), then what is left is paired
 * by closeness (`1.x → 3.x` when `1.x` left and `3.x` came), and the rest is added or removed.
 * O(k log k) in the number of versions (a lockfile may list thousands of versions of one name).
 */
export function pairVersions(olds: LockPackage[], news: LockPackage[]): { pairs: Array<[LockPackage, LockPackage]>; added: LockPackage[]; removed: LockPackage[] } {
  const idx: Array<[number, number]> = [];
  const classes = new Map<string, Item[]>();
  const odd: [number[], number[]] = [[], []];
  const put = (side: 0 | 1, p: LockPackage, i: number) => {
    const v = semver.parse(p.version);
    if (!v) return odd[side].push(i);
    const key = compatClass(v);
    let list = classes.get(key);
    if (!list) classes.set(key, (list = []));
    list.push({ side, i, v });
  };
  olds.forEach((p, i) => put(0, p, i));
  news.forEach((p, i) => put(1, p, i));
  // Compatible versions first, within each caret class; then every version that is left.
  for (const list of classes.values()) matchNeighbours(list, idx);
  const usedO = new Set(idx.map(([o]) => o));
  const usedN = new Set(idx.map(([, n]) => n));
  const rest: Item[] = [];
  for (const list of classes.values()) for (const it of list) if (!(it.side === 0 ? usedO : usedN).has(it.i)) rest.push(it);
  const before = idx.length;
  matchNeighbours(rest, idx);
  for (const [o, n] of idx.slice(before)) (usedO.add(o), usedN.add(n));
  // Versions semver cannot read (parseLockfile refuses them; kept for other callers) pair last, in input order.
  if (odd[0].length + odd[1].length > 0) {
    const leftO = [...olds.keys()].filter((i) => !usedO.has(i));
    const leftN = [...news.keys()].filter((j) => !usedN.has(j));
    for (let k = 0; k < Math.min(leftO.length, leftN.length); k++) {
      idx.push([leftO[k], leftN[k]]);
      usedO.add(leftO[k]);
      usedN.add(leftN[k]);
    }
  }
  return { pairs: idx.map(([o, n]) => [olds[o], news[n]]), added: news.filter((_, j) => !usedN.has(j)), removed: olds.filter((_, i) => !usedO.has(i)) };
}

/** Key of "the same package" within one source: the version, and for git the exact revision too. */
function sameKey(p: LockPackage): string {
  return sourceKind(p.source) === 'git' ? `${p.version}\u0000${p.source}` : p.version;
}

/**
 * Every package added, removed or changed between two lockfiles, sorted by name then version.
 * Versions are paired within one source first; a name whose versions left one source and came
 * from another (crates.io → a git fork, a path or another registry) is paired across sources and
 * marked `sourceChanged`; an unchanged version whose checksum changed is marked `checksumChanged`.
 * O(n log n) in the number of packages.
 */
export function lockDelta(oldPkgs: LockPackage[], newPkgs: LockPackage[]): DeltaEntry[] {
  const groups = new Map<string, { name: string; olds: LockPackage[]; news: LockPackage[] }>();
  const group = (p: LockPackage) => {
    const k = `${p.name}\u0000${sourceIdentity(p.source)}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { name: p.name, olds: [], news: [] }));
    return g;
  };
  for (const p of oldPkgs) group(p).olds.push(p);
  for (const p of newPkgs) group(p).news.push(p);
  const out: DeltaEntry[] = [];
  const entry = (change: LockChange, a: LockPackage | null, b: LockPackage | null, extra: Partial<DeltaEntry> = {}): DeltaEntry => ({ name: (b ?? a)!.name, change, old: a, new: b, kind: sourceKind((b ?? a)!.source), ...extra });
  // What is left of each name once every source has been paired on its own.
  const left = new Map<string, { olds: LockPackage[]; news: LockPackage[] }>();
  for (const g of groups.values()) {
    const byKey = new Map<string, LockPackage[]>();
    for (const a of g.olds) {
      const k = sameKey(a);
      const l = byKey.get(k);
      if (l) l.push(a);
      else byKey.set(k, [a]);
    }
    const n: LockPackage[] = [];
    for (const b of g.news) {
      const a = byKey.get(sameKey(b))?.shift();
      if (!a) n.push(b);
      // The same release pinned to other contents: either the registry changed it or the lockfile was edited.
      else if (a.checksum !== null && a.checksum !== b.checksum) out.push(entry('changed', a, b, { checksumChanged: true }));
    }
    const o = [...byKey.values()].flat();
    const { pairs, added, removed } = pairVersions(o, n);
    for (const [a, b] of pairs) out.push(entry('changed', a, b));
    let l = left.get(g.name);
    if (!l) left.set(g.name, (l = { olds: [], news: [] }));
    l.olds.push(...removed);
    l.news.push(...added);
  }
  for (const { olds, news } of left.values()) {
    // Within a name, anything still unpaired on both sides moved from one source to another.
    const { pairs, added, removed } = olds.length > 0 && news.length > 0 ? pairVersions(olds, news) : { pairs: [], added: news, removed: olds };
    for (const [a, b] of pairs) out.push(entry('changed', a, b, { sourceChanged: true }));
    for (const b of added) out.push(entry('added', null, b));
    for (const a of removed) out.push(entry('removed', a, null));
  }
  const order = { changed: 0, added: 1, removed: 2 };
  const keyed = out.map((e) => ({ e, v: semver.parse((e.new ?? e.old)!.version) }));
  const byVersion = (a: semver.SemVer | null, b: semver.SemVer | null, x: string, y: string) => (a && b ? semver.compare(a, b) : x < y ? -1 : x > y ? 1 : 0);
  keyed.sort(
    (a, b) =>
      (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : 0) ||
      byVersion(a.v, b.v, (a.e.new ?? a.e.old)!.version, (b.e.new ?? b.e.old)!.version) ||
      order[a.e.change] - order[b.e.change],
  );
  return keyed.map((k) => k.e);
}
