#!/usr/bin/env node
// What the call graph and reachability cost: the same scans with and without them, alternating in
// one process, on the largest calibration pairs. Prints medians and the ratio.
import { parseArgs } from 'node:util';
import { analyzeTrees } from '../dist/index.js';
import { loadSource } from '../dist/source/index.js';
import { checkout } from './lib/pairs.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const PAIRS = [
  { repo: 'rust-lang/libc', old: '0.2.186', new: '0.2.187' },
  { repo: 'algesten/ureq', old: '3.1.4', new: '3.2.0' },
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('| pair | without graph (ms) | with graph (ms) | added |');
console.log('|---|---|---|---|');
for (const p of PAIRS) {
  const [a, b] = await Promise.all([loadSource(checkout(p.repo, p.old)), loadSource(checkout(p.repo, p.new))]);
  analyzeTrees(a, b); // warm up
  const off = [];
  const on = [];
  for (let i = 0; i < Number(values.runs); i++) {
    let t = performance.now();
    analyzeTrees(a, b, { reachability: false });
    off.push(performance.now() - t);
    t = performance.now();
    analyzeTrees(a, b, { reachability: true });
    on.push(performance.now() - t);
  }
  const x = median(off);
  const y = median(on);
  console.log(`| ${p.repo.split('/')[1]} ${p.old} → ${p.new} | ${x.toFixed(0)} | ${y.toFixed(0)} | ${(((y - x) / x) * 100).toFixed(0)}% |`);
}
