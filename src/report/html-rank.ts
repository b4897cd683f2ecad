import { byDanger, type FileHunks, type Finding, type Verdict } from '../index.js';
import type { Section } from './input.js';

/** What the page knows of one changed file, to order, open and index it. */
export interface FileRisk {
  /** Index of the file in the release diff (stable: anchors use it). */
  index: number;
  fh: FileHunks;
  /** The file's most telling finding the default filter shows (above `info`, not suppressed). */
  worst?: Finding;
  /** Findings in the file, and those of them above `info`. */
  count: number;
  loud: number;
  points: number;
}

/**
 * Where a file without findings stands among its kind: code that runs for every user (the library,
 * the build script, the manifest) before tests, examples and benches, before everything else
 * (documentation, CI files, data).
 */
function quietRank(p: string): number {
  if (p === 'Cargo.toml' || p === 'build.rs' || (/^src\//.test(p) && /\.rs$/.test(p))) return 0;
  if (/\.rs$/.test(p)) return 1;
  return 2;
}

/**
 * The release diff's files, most dangerous first: by their most telling finding above `info`, then
 * by the points their findings scored, then files with `info` findings only, then the rest (library
 * and build code before tests, before documentation and data); ties keep the diff's (path) order.
 */
export function filesByDanger(hunks: readonly FileHunks[], findings: readonly Finding[]): FileRisk[] {
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  const risks = hunks.map((fh, index): FileRisk => {
    const mine = byFile.get(fh.path) ?? [];
    const loud = mine.filter((f) => f.severity !== 'info' && !f.suppressed);
    return { index, fh, worst: [...loud].sort(byDanger)[0], count: mine.length, loud: loud.length, points: mine.reduce((n, f) => n + (f.suppressed ? 0 : (f.points ?? 0)), 0) };
  });
  const tier = (r: FileRisk) => (r.worst ? 0 : r.count > 0 ? 1 : 2);
  return risks.sort((a, b) => tier(a) - tier(b) || (a.worst && b.worst ? byDanger(a.worst, b.worst) : 0) || b.points - a.points || quietRank(a.fh.path) - quietRank(b.fh.path) || a.index - b.index);
}

const VERDICT_ORDER: Record<Verdict, number> = { block: 0, review: 1, pass: 3 };

/**
 * A lock report's crates in the order a reader needs them: `block`, then `review`, then those that
 * were not scanned (git, path, removed), then `pass`; worse scores first within a verdict, then by
 * name. Returns each section with its index in the report (anchors use it).
 */
export function sectionsByDanger(secs: readonly Section[]): Array<{ s: Section; k: number }> {
  const rank = (s: Section) => (s.verdict ? VERDICT_ORDER[s.verdict] : 2);
  return secs
    .map((s, k) => ({ s, k }))
    .sort((a, b) => rank(a.s) - rank(b.s) || (b.s.report?.score ?? -1) - (a.s.report?.score ?? -1) || (a.s.name < b.s.name ? -1 : a.s.name > b.s.name ? 1 : a.k - b.k));
}
