#!/usr/bin/env node
// Scans every release pair of bench/pairs.json and every corpus case and stores the reports (without
// timings) in one file, or compares them with a stored file: a refactor or a speed-up must leave every
// report as it was. `node bench/snapshot-reports.mjs --write FILE` then, after the change,
// `node bench/snapshot-reports.mjs --check FILE`. `--cache DIR` scans through a facts cache in DIR
// (run it twice: the second run reads every file's facts from the cache).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadPairs, BENCH } from './lib/pairs.mjs';
import { analyzeTrees, DiskFactsStore } from '../dist/index.js';
import { loadSource } from '../dist/source/index.js';

const { values } = parseArgs({ options: { write: { type: 'string' }, check: { type: 'string' }, cache: { type: 'string' } } });
const factsStore = values.cache ? new DiskFactsStore(values.cache) : undefined;
if (!values.write === !values.check) {
  console.error('usage: snapshot-reports.mjs --write FILE | --check FILE');
  process.exit(2);
}
const corpus = path.join(BENCH, '..', 'corpus');
const cases = [
  ...loadPairs().map((p) => ({ name: `${p.repo} ${p.old} → ${p.new}`, oldDir: p.oldDir, newDir: p.newDir })),
  ...readdirSync(corpus).filter((c) => existsSync(path.join(corpus, c, 'new')) && existsSync(path.join(corpus, c, 'old'))).map((c) => ({ name: `corpus ${c}`, oldDir: path.join(corpus, c, 'old'), newDir: path.join(corpus, c, 'new') })),
];
const reports = {};
let ms = 0;
for (const c of cases) {
  const [a, b] = await Promise.all([loadSource(c.oldDir), loadSource(c.newDir)]);
  const t = performance.now();
  const { report } = analyzeTrees(a, b, { factsStore });
  ms += performance.now() - t;
  reports[c.name] = JSON.stringify({ ...report, timings: undefined, tool: { ...report.tool, version: undefined } });
}
if (values.write) {
  writeFileSync(values.write, JSON.stringify(reports));
  console.log(`${cases.length} reports written to ${values.write} (${ms.toFixed(0)} ms of analysis)`);
} else {
  const before = JSON.parse(readFileSync(values.check, 'utf8'));
  let bad = 0;
  for (const [name, r] of Object.entries(reports)) {
    if (before[name] === undefined) console.log(`NEW: ${name}`);
    else if (before[name] !== r) {
      bad++;
      console.log(`DIFFERENT: ${name}`);
    }
  }
  for (const name of Object.keys(before)) if (!(name in reports)) console.log(`MISSING: ${name}`);
  console.log(`${cases.length} reports compared, ${bad} different (${ms.toFixed(0)} ms of analysis)`);
  process.exitCode = bad > 0 ? 1 : 0;
}
if (factsStore) console.log(`facts cache: ${factsStore.hits} hits, ${factsStore.misses} misses, ${factsStore.writes} written`);
