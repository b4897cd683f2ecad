// Seeded one-file mutations of corpus cases, for the reviews that compare derived or stored graphs
// with full builds (graph-reuse-review, graph-model-review): the same seed gives the same pairs.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadSource, type CrateTree } from '../../src/source/index.js';

const CORPUS = path.join(import.meta.dirname, '..', '..', 'corpus');

/** A seeded pseudo-random sequence in [0, 1] and a pick over it. */
export function seeded(seed: number): { rnd: () => number; pick: <T>(a: T[]) => T } {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return { rnd, pick: <T>(a: T[]): T => a[Math.floor(rnd() * a.length)] };
}

/** The corpus cases that have a newer release, in name order. */
export function corpusCases(): string[] {
  return readdirSync(CORPUS).filter((c) => existsSync(path.join(CORPUS, c, 'new'))).sort();
}

/**
 * A case's newer release as a base to mutate: its `.rs` paths, their text, and the names its code
 * calls or invokes (what a mutation names its snippets after). Null when it has fewer than two `.rs`
 * files or calls nothing.
 */
export async function mutationBase(c: string): Promise<{ tree: CrateTree; rs: string[]; text: (p: string) => string; names: string[] } | null> {
  const tree = await loadSource(path.join(CORPUS, c, 'new'));
  const rs = [...tree.files.keys()].filter((p) => p.endsWith('.rs'));
  if (rs.length < 2) return null;
  const text = (p: string) => Buffer.from(tree.files.get(p)!).toString('utf8');
  const names = [...new Set(rs.flatMap((p) => [...text(p).matchAll(/\b([A-Za-z_]\w*)\s*[(!]/g)].map((m) => m[1])))];
  return names.length === 0 ? null : { tree, rs, text, names };
}
