#!/usr/bin/env node
// Compares `cratefence diff` with the parsing floor (tree-sitter parsing every .rs file of both
// sides), as whole processes run side by side and alternating, and prints the median ratio.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadSource } from '../dist/source/index.js';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH, CACHE, checkout } from './lib/pairs.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const CASES = [
  { size: 'small', repo: 'dtolnay/itoa', old: '1.0.14', new: '1.0.15' },
  { size: 'medium', repo: 'algesten/ureq', old: '3.1.4', new: '3.2.0' },
  { size: 'large', repo: 'rust-lang/libc', old: '0.2.186', new: '0.2.187' },
];
const cli = path.join(BENCH, '..', 'bin', 'cratefence.js');
const floor = path.join(BENCH, 'floor-parse.mjs');

function time(args) {
  const t0 = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (e) {
    if (e.status !== 1) throw e; // exit 1 is a verdict at --fail-on, not a failure
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`| crate | size | .rs files (both sides) | floor ms (median of ${runs}) | cratefence ms | ratio |`);
console.log('|---|---|---|---|---|---|');
for (const c of CASES) {
  const a = checkout(c.repo, c.old);
  const b = checkout(c.repo, c.new);
  // The floor parses exactly the .rs files cratefence analyses (what cargo would publish), both sides.
  const list = [];
  for (const dir of [a, b]) {
    const tree = await loadSource(dir);
    for (const p of tree.files.keys()) if (p.endsWith('.rs')) list.push(path.join(dir, p));
  }
  mkdirSync(CACHE, { recursive: true });
  const listFile = path.join(CACHE, `floor-${c.size}.txt`);
  writeFileSync(listFile, list.join('\n'));
  const f = [];
  const s = [];
  for (let i = 0; i < runs; i++) {
    f.push(time([floor, listFile]));
    s.push(time([cli, 'diff', a, b, '--format', 'json', '--no-progress', '--fail-on', 'never']));
  }
  const fm = median(f);
  const sm = median(s);
  console.log(`| ${c.repo.split('/')[1]} ${c.old} → ${c.new} | ${c.size} | ${list.length} | ${fm.toFixed(0)} | ${sm.toFixed(0)} | ${(sm / fm).toFixed(2)} |`);
}
