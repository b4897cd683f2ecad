import semver from 'semver';
import type { LockChange } from './types.js';
import type { LockPackage } from './parse.js';

/** One package that differs between two lockfiles, with the lockfile records of both sides. */
export interface DeltaEntry {
  name: string;
  change: LockChange;
  old: LockPackage | null;
  new: LockPackage | null;
  kind: 'registry' | 'git' | 'path' | 'other';
}

/** What a package's source is: a registry (crates.io or another), a git repository, or a path (no source key). */
export function sourceKind(source: string | null): DeltaEntry['kind'] {
  if (source === null) return 'path';
  if (source.startsWith('registry+') || source.startsWith('sparse+')) return 'registry';
  if (source.startsWith('git+')) return 'git';
  return 'other';
}

/** Packages that are "the same package" for pairing: one registry's crate, or all git (or path) copies of a name. */
function groupKey(p: LockPackage): string {
  const k = sourceKind(p.source);
  return `${p.name}\u0000${k === 'registry' || k === 'other' ? p.source : k}`;
}

/** Same caret range as Cargo's default requirement: same major, or same 0.minor, or same 0.0.patch. */
function compatible(a: semver.SemVer, b: semver.SemVer): boolean {
  if (a.major !== b.major) return false;
  if (a.major > 0) return true;
  if (a.minor !== b.minor) return false;
  return a.minor > 0 || a.patch === b.patch;
}

type Cost = [number, number, number, number, number];

function cost(o: LockPackage, n: LockPackage): Cost {
  const a = semver.parse(o.version);
  const b = semver.parse(n.version);
  if (!a || !b) return [1, Infinity, Infinity, Infinity, 0];
  return [compatible(a, b) ? 0 : 1, Math.abs(a.major - b.major), Math.abs(a.minor - b.minor), Math.abs(a.patch - b.patch), semver.lt(b, a) ? 1 : 0];
}

function less(x: Cost, y: Cost): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
}

/**
 * Pairs the versions of one name that are only in the old or only in the new lockfile. A lockfile
 * can hold several versions of a name (`syn` 1 and 2); each new version is paired with the closest
 * semver-compatible old one first (`1.0.3 → 1.0.5`, `2.0.1 → 2.0.9`), then what is left is paired
 * by closeness (`1.x → 3.x` when `1.x` left and `3.x` came), and the rest is added or removed.
 */
export function pairVersions(olds: LockPackage[], news: LockPackage[]): { pairs: Array<[LockPackage, LockPackage]>; added: LockPackage[]; removed: LockPackage[] } {
  const cands: Array<{ o: number; n: number; c: Cost }> = [];
  olds.forEach((o, i) => news.forEach((n, j) => cands.push({ o: i, n: j, c: cost(o, n) })));
  cands.sort((x, y) => (less(x.c, y.c) ? -1 : less(y.c, x.c) ? 1 : x.o - y.o || x.n - y.n));
  const usedO = new Set<number>();
  const usedN = new Set<number>();
  const pairs: Array<[LockPackage, LockPackage]> = [];
  for (const { o, n } of cands) {
    if (usedO.has(o) || usedN.has(n)) continue;
    usedO.add(o);
    usedN.add(n);
    pairs.push([olds[o], news[n]]);
  }
  return { pairs, added: news.filter((_, j) => !usedN.has(j)), removed: olds.filter((_, i) => !usedO.has(i)) };
}

/** Every package added, removed or changed between two lockfiles, sorted by name then version. */
export function lockDelta(oldPkgs: LockPackage[], newPkgs: LockPackage[]): DeltaEntry[] {
  const groups = new Map<string, { olds: LockPackage[]; news: LockPackage[] }>();
  const group = (p: LockPackage) => {
    const k = groupKey(p);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { olds: [], news: [] }));
    return g;
  };
  for (const p of oldPkgs) group(p).olds.push(p);
  for (const p of newPkgs) group(p).news.push(p);
  const out: DeltaEntry[] = [];
  for (const { olds, news } of groups.values()) {
    // The same version from the same source (for git: the same commit) is unchanged.
    const same = (a: LockPackage, b: LockPackage) => a.version === b.version && a.source === b.source;
    const o = olds.filter((a) => !news.some((b) => same(a, b)));
    const n = news.filter((b) => !olds.some((a) => same(a, b)));
    const { pairs, added, removed } = pairVersions(o, n);
    for (const [a, b] of pairs) out.push({ name: b.name, change: 'changed', old: a, new: b, kind: sourceKind(b.source) });
    for (const b of added) out.push({ name: b.name, change: 'added', old: null, new: b, kind: sourceKind(b.source) });
    for (const a of removed) out.push({ name: a.name, change: 'removed', old: a, new: null, kind: sourceKind(a.source) });
  }
  const ver = (e: DeltaEntry) => (e.new ?? e.old)!.version;
  const order = { changed: 0, added: 1, removed: 2 };
  const byVersion = (a: string, b: string) => (semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : byVersion(ver(a), ver(b)) || order[a.change] - order[b.change]));
}
