#!/usr/bin/env node
// For every release pair of bench/pairs.json and every corpus case: the newer release's call graph
// built from the older one's (copying unchanged files' site indexes) must equal a full build, map
// order included (edges, capability uses, unknown calls, callers, self-calls, entries, declarations).
// Prints how many files were copied. Needs a build (dist/).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadPairs, BENCH } from './lib/pairs.mjs';
import { rulesFor } from '../dist/index.js';
import { loadSource } from '../dist/source/index.js';
import { buildRelease, diffReleases } from '../dist/diff/index.js';
import { ParseCache, DEFAULT_PARSE_OPTIONS } from '../dist/parse/parser.js';
import { CallGraph } from '../dist/analysis/graph.js';
import { DependencyCaps } from '../dist/analysis/deps.js';
import { shippedIndex } from '../dist/analysis/summary-index.js';

const rules = rulesFor();
const deps = new DependencyCaps(shippedIndex(rules.dir), rules.catalogue);
const dump = (g) => JSON.stringify([[...g.edges], [...g.caps], [...g.unknown], [...g.callers], [...g.selfCalls], [...g.entries], [...g.declared], g.unresolved]);
const corpus = path.join(BENCH, '..', 'corpus');
const cases = [
  ...loadPairs().map((p) => ({ name: `${p.repo} ${p.old} → ${p.new}`, oldDir: p.oldDir, newDir: p.newDir })),
  ...readdirSync(corpus).filter((c) => existsSync(path.join(corpus, c, 'new')) && existsSync(path.join(corpus, c, 'old'))).map((c) => ({ name: `corpus ${c}`, oldDir: path.join(corpus, c, 'old'), newDir: path.join(corpus, c, 'new') })),
];
let bad = 0;
let copied = 0;
let files = 0;
let derivedPairs = 0;
for (const c of cases) {
  const [a, b] = await Promise.all([loadSource(c.oldDir), loadSource(c.newDir)]);
  const cache = new ParseCache(DEFAULT_PARSE_OPTIONS);
  const oldV = buildRelease(a, cache, undefined, undefined, b);
  const newV = buildRelease(b, cache, undefined, a);
  const delta = diffReleases(oldV, newV);
  const old = new CallGraph(delta.old, rules.catalogue, true, undefined, deps);
  const derived = new CallGraph(delta.new, rules.catalogue, true, old, deps);
  const full = new CallGraph(delta.new, rules.catalogue, true, undefined, deps);
  if (dump(derived) !== dump(full)) {
    bad++;
    console.log(`DIFFERENT: ${c.name}`);
  }
  if (!derived.shared) {
    files += newV.rust.size;
    copied += derived.copiedFiles;
    if (derived.copiedFiles > 0) derivedPairs++;
  }
}
console.log(`${cases.length} graphs compared, ${bad} different; ${derivedPairs} built from the older graph, ${copied} of ${files} files copied in graphs not shared whole`);
process.exitCode = bad > 0 ? 1 : 0;
