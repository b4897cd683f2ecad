import { buildRelease, diffReleases } from '../../src/diff/index.js';
import { ParseCache, DEFAULT_PARSE_OPTIONS } from '../../src/parse/parser.js';
import { CallGraph } from '../../src/analysis/graph.js';
import type { DependencyCaps } from '../../src/analysis/deps.js';
import type { Catalogue } from '../../src/analysis/catalogue.js';
import type { CrateTree } from '../../src/source/index.js';

/** Everything a graph holds that rules and summaries read, in map order (traces and findings follow it). */
export function dumpGraph(g: CallGraph): string {
  return JSON.stringify({
    edges: [...g.edges],
    caps: [...g.caps],
    unknown: [...g.unknown],
    callers: [...g.callers],
    selfCalls: [...g.selfCalls],
    entries: [...g.entries],
    declared: [...g.declared],
    unresolved: g.unresolved,
  });
}

/**
 * Everything of a graph that a later graph or a rule reads: `dumpGraph` plus the by-name tables (as
 * name → keys, in list order), local module names, foreign declarations and per-file site indexes.
 */
export function dumpGraphState(g: CallGraph): string {
  const s = g.state();
  const names = (t: typeof s.byName) => [...t.lists()].map((l) => [l[0].item.name, l.map((r) => r.key)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return JSON.stringify({ graph: dumpGraph(g), byName: names(s.byName), macros: names(s.macros), localModules: [...s.localModules].sort(), foreign: [...s.foreign], indexes: [...s.indexes] });
}

/** The newer release's graph built from the older one's (`derived`) and in full (`full`), as a scan builds them. */
export function derivedAndFull(oldTree: CrateTree, newTree: CrateTree, catalogue: Catalogue, options: { deps?: DependencyCaps; withEdges?: boolean } = {}) {
  const withEdges = options.withEdges ?? true;
  const cache = new ParseCache(DEFAULT_PARSE_OPTIONS);
  const oldV = buildRelease(oldTree, cache, undefined, undefined, newTree);
  const newV = buildRelease(newTree, cache, undefined, oldTree);
  const delta = diffReleases(oldV, newV);
  const oldGraph = new CallGraph(delta.old, catalogue, withEdges, undefined, options.deps);
  const derived = new CallGraph(delta.new, catalogue, withEdges, oldGraph, options.deps);
  const full = new CallGraph(delta.new, catalogue, withEdges, undefined, options.deps);
  return { derived, full, delta, files: newV.rust.size };
}
