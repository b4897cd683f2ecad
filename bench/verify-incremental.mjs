#!/usr/bin/env node
// Checks that incremental parsing changes nothing: every release pair of bench/pairs.json and every
// corpus case is scanned with changed files parsed incrementally (the default) and from scratch, and
// the two reports must be identical apart from timings. Also reports the time of both ways.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadPairs, BENCH } from './lib/pairs.mjs';
import { analyzeTrees } from '../dist/index.js';
import { loadSource } from '../dist/source/index.js';
import { DEFAULT_PARSE_OPTIONS } from '../dist/parse/parser.js';

const corpus = path.join(BENCH, '..', 'corpus');
const cases = [
  ...loadPairs().map((p) => ({ name: `${p.repo} ${p.old} → ${p.new}`, oldDir: p.oldDir, newDir: p.newDir })),
  // Pairs only: first-release cases (no old/) have nothing to parse incrementally.
  ...readdirSync(corpus).filter((c) => existsSync(path.join(corpus, c, 'old'))).map((c) => ({ name: `corpus ${c}`, oldDir: path.join(corpus, c, 'old'), newDir: path.join(corpus, c, 'new') })),
];
const strip = (r) => JSON.stringify({ ...r, timings: undefined });
let bad = 0;
let msOn = 0;
let msOff = 0;
for (const c of cases) {
  const [a, b] = await Promise.all([loadSource(c.oldDir), loadSource(c.newDir)]);
  let t = performance.now();
  const on = analyzeTrees(a, b, { parse: { ...DEFAULT_PARSE_OPTIONS, incremental: true } }).report;
  msOn += performance.now() - t;
  t = performance.now();
  const off = analyzeTrees(a, b, { parse: { ...DEFAULT_PARSE_OPTIONS, incremental: false } }).report;
  msOff += performance.now() - t;
  if (strip(on) !== strip(off)) {
    bad++;
    console.log(`DIFFERENT: ${c.name}`);
  }
}
console.log(`${cases.length} comparisons, ${bad} different; total ${msOn.toFixed(0)} ms incremental vs ${msOff.toFixed(0)} ms from scratch`);
process.exitCode = bad > 0 ? 1 : 0;
