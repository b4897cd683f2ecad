#!/usr/bin/env node
// Compares `cratefence diff` with the parsing floor (tree-sitter parsing every .rs file of both
// sides), as whole processes run side by side and alternating, and prints the median ratio.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadSource } from '../dist/source/index.js';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH, CACHE, checkout } from './lib/pairs.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, vs: { type: 'string' } } });
const runs = Number(values.runs);
// `--vs DIR`: another built checkout (the main branch's, a release's) scanned in the same rounds, so
// that before/after ratios come from one run on one machine state.
const other = values.vs ? path.join(path.resolve(values.vs), 'bin', 'cratefence.js') : null;
// A typical release (few files changed) and a heavy one (many files changed) of a medium and a large crate.
const CASES = [
  { size: 'small', repo: 'dtolnay/itoa', old: '1.0.14', new: '1.0.15' },
  { size: 'medium, typical', repo: 'algesten/ureq', old: '3.1.0', new: '3.1.1' },
  { size: 'medium, heavy', repo: 'algesten/ureq', old: '3.1.4', new: '3.2.0' },
  { size: 'large, typical', repo: 'rust-lang/libc', old: '0.2.185', new: '0.2.186' },
  { size: 'large, heavy', repo: 'rust-lang/libc', old: '0.2.186', new: '0.2.187' },
];
const cli = path.join(BENCH, '..', 'bin', 'cratefence.js');
const floor = path.join(BENCH, 'floor-parse.mjs');
const lower = path.join(BENCH, 'floor-lower.mjs');

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

console.log(`Medians of ${runs} runs, whole processes, alternating. Floor: tree-sitter (the binding) parsing every .rs file of both sides; addon floor: the same with cratefence's addon; changed floor: the binding parsing only the changed files (both versions); warm: cratefence with --cache holding the facts of an earlier scan of the same pair; least: what any scan must do (bench/floor-lower.mjs: Node.js start, read every file of both sides, parse each distinct .rs content once with the addon; least warm: read both sides and hash the changed files, no parsing).`);
console.log('');
const vsCols = other ? ' other ms | other / floor | other warm ms | other warm / changed floor |' : '';
console.log(`| crate | size | .rs files (both sides) | changed .rs | floor ms | addon floor ms | cratefence ms | ratio to floor | ratio to addon floor | changed floor ms | warm cache ms | warm / changed floor | least ms | least / floor | least warm ms | least warm / changed floor |${vsCols}`);
console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|${other ? '---|---|---|---|' : ''}`);
const rows = [];
for (const c of CASES) {
  const a = checkout(c.repo, c.old);
  const b = checkout(c.repo, c.new);
  // The floor parses exactly the .rs files cratefence analyses (what cargo would publish), both sides.
  const list = [];
  const trees = [];
  for (const dir of [a, b]) {
    const tree = await loadSource(dir);
    trees.push(tree);
    for (const p of tree.files.keys()) if (p.endsWith('.rs')) list.push(path.join(dir, p));
  }
  const changedPaths = [...trees[1].files.keys()].filter((p) => p.endsWith('.rs') && (!trees[0].files.has(p) || Buffer.compare(Buffer.from(trees[0].files.get(p)), Buffer.from(trees[1].files.get(p))) !== 0));
  const changed = changedPaths.length;
  // The least any scanner must do (bench/floor-lower.mjs): read both sides, parse distinct contents.
  const lowerFile = path.join(CACHE, `floor-lower-${c.size.replace(/\W+/g, '-')}.txt`);
  writeFileSync(lowerFile, [a, b, ...new Set([...trees[0].files.keys(), ...trees[1].files.keys()])].join('\n'));
  mkdirSync(CACHE, { recursive: true });
  const listFile = path.join(CACHE, `floor-${c.size.replace(/\W+/g, '-')}.txt`);
  writeFileSync(listFile, list.join('\n'));
  const changedFile = path.join(CACHE, `floor-changed-${c.size.replace(/\W+/g, '-')}.txt`);
  writeFileSync(changedFile, changedPaths.flatMap((p) => [...(trees[0].files.has(p) ? [path.join(a, p)] : []), path.join(b, p)]).join('\n'));
  const factsDir = path.join(CACHE, `facts-${c.size.replace(/\W+/g, '-')}`);
  rmSync(factsDir, { recursive: true, force: true });
  const scan = ['diff', a, b, '--format', 'json', '--no-progress', '--fail-on', 'never'];
  time([cli, ...scan, '--cache', factsDir]);
  if (other) time([other, ...scan, '--cache', factsDir]); // its own fingerprint: its own entries
  const f = [];
  const nf = [];
  const s = [];
  const cf = [];
  const w = [];
  const os = [];
  const ow = [];
  const lo = [];
  const wlo = [];
  for (let i = 0; i < runs; i++) {
    f.push(time([floor, listFile]));
    lo.push(time([lower, lowerFile]));
    wlo.push(time([lower, lowerFile, '--warm']));
    nf.push(time([floor, listFile, '--native']));
    s.push(time([cli, ...scan]));
    if (other) os.push(time([other, ...scan]));
    cf.push(time([floor, changedFile]));
    w.push(time([cli, ...scan, '--cache', factsDir]));
    if (other) ow.push(time([other, ...scan, '--cache', factsDir]));
  }
  const fm = median(f);
  const nm = median(nf);
  const sm = median(s);
  const cm = median(cf);
  const wm = median(w);
  rows.push({ c, a, b, scan: sm / fm, warm: wm / cm, lower: median(lo) / fm, warmLower: median(wlo) / cm, otherScan: other ? median(os) / fm : undefined, otherWarm: other ? median(ow) / cm : undefined });
  const vs = other ? ` ${median(os).toFixed(0)} | ${(median(os) / fm).toFixed(2)} | ${median(ow).toFixed(0)} | ${(median(ow) / cm).toFixed(2)} |` : '';
  console.log(`| ${c.repo.split('/')[1]} ${c.old} → ${c.new} | ${c.size} | ${list.length} | ${changed} | ${fm.toFixed(0)} | ${nm.toFixed(0)} | ${sm.toFixed(0)} | ${(sm / fm).toFixed(2)} | ${(sm / nm).toFixed(2)} | ${cm.toFixed(0)} | ${wm.toFixed(0)} | ${(wm / cm).toFixed(2)} | ${median(lo).toFixed(0)} | ${(median(lo) / fm).toFixed(2)} | ${median(wlo).toFixed(0)} | ${(median(wlo) / cm).toFixed(2)} |${vs}`);
}

/** Peak RSS (MB) of one cold scan of a pair by a checkout's CLI, read by bench/lib/maxrss.mjs as it exits. */
function peakMb(bin, a, b) {
  const r = spawnSync(process.execPath, ['--import', path.join(BENCH, 'lib', 'maxrss.mjs'), bin, 'diff', a, b, '--format', 'json', '--no-progress', '--fail-on', 'never'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  return Number(/cratefence-bench maxrss-kb (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
}

// The goals of issue 20, from the rows above.
const goals = (label, scan, warm, bin) => {
  const ratios = rows.map((r) => scan(r));
  const worst = rows.reduce((w, r) => (scan(r) > scan(w) ? r : w));
  const typical = rows.find((r) => r.c.size === 'large, typical');
  const heavy = rows.find((r) => r.c.size === 'large, heavy');
  console.log(`- ${label}: median scan / floor **${median(ratios).toFixed(2)}** (goal ≤ 0.8), highest **${scan(worst).toFixed(2)}** (${worst.c.repo.split('/')[1]} ${worst.c.old} → ${worst.c.new}; goal ≤ 1.2); warm / changed floor on ${typical.c.repo.split('/')[1]} ${typical.c.old} → ${typical.c.new} **${warm(typical).toFixed(2)}** (goal ≤ 1.5); peak RSS of a cold scan of ${heavy.c.repo.split('/')[1]} ${heavy.c.old} → ${heavy.c.new} **${peakMb(bin, heavy.a, heavy.b).toFixed(0)} MB** (goal ≤ 400)`);
};
console.log('');
// What the goals allow at best: bench/floor-lower.mjs does only what any scan must (start, read both
// sides, parse each distinct content once with the addon; warm: read and hash, no parse).
console.log(`- least possible (no facts, no analysis): median least / floor **${median(rows.map((r) => r.lower)).toFixed(2)}**, highest ${Math.max(...rows.map((r) => r.lower)).toFixed(2)}; least warm / changed floor on the large typical pair **${rows.find((r) => r.c.size === 'large, typical').warmLower.toFixed(2)}**`);
goals('this checkout', (r) => r.scan, (r) => r.warm, cli);
if (other) goals(`other (${values.vs})`, (r) => r.otherScan, (r) => r.otherWarm, other);
