#!/usr/bin/env node
// The ecosystem-sized batch (issue 20): `cratefence batch` over every crate source Debian packages
// (librust-*-dev, each scanned as a first release, dependency summaries off, no facts cache), on this
// machine: crates, wall time, jobs per second, peak RSS, and every error with its reason. Run twice:
// with two worker threads (throughput) and with one (the peak memory one worker needs; the workers of a
// batch are threads of one process, so their memory is not separable otherwise).
//
//   node bench/debian-batch.mjs [--work DIR] [--limit N] [--jobs 2]
//
// Sources are downloaded and unpacked into --work on first use (see lib/debian.mjs); without apt the
// run prints why it is skipped and exits 0, so `npm run bench` still prints its other tables.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH } from './lib/pairs.mjs';
import { debianCrates } from './lib/debian.mjs';

const { values } = parseArgs({ options: { work: { type: 'string', default: path.join(BENCH, '.cache', 'summaries') }, limit: { type: 'string' }, jobs: { type: 'string', default: '2' } } });
let crates;
let jobsFile;
try {
  ({ crates, jobsFile } = debianCrates({ work: path.resolve(values.work), limit: values.limit, log: () => {} }));
} catch (e) {
  console.log(`Debian batch: skipped, Debian's crate sources cannot be listed or downloaded here (${e.message.split('\n')[0]})`);
  process.exit(0);
}
if (crates.length === 0) {
  console.log('Debian batch: skipped, no librust-*-dev package could be downloaded (apt-get update?)');
  process.exit(0);
}
const cli = path.join(BENCH, '..', 'bin', 'cratefence.js');
const maxrss = path.join(BENCH, 'lib', 'maxrss.mjs');

/** One batch over the jobs in a fresh store: wall ms, peak RSS (MB), the summary line, error lines. */
function run(jobs) {
  const dir = path.join(BENCH, '.cache', `debian-batch-${jobs}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'store.sqlite');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', maxrss, cli, 'batch', jobsFile, '--db', db, '--deps', 'off', '--no-cache', '--jobs', String(jobs), '--quiet'], { encoding: 'utf8', maxBuffer: 256 << 20, cwd: dir });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`batch --jobs ${jobs} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const kb = Number(/cratefence-bench maxrss-kb (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  // `results --errors`: a line of totals, the count of jobs without a report, then a table of them.
  const lines = spawnSync(process.execPath, [cli, 'results', '--db', db, '--errors'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout.trim().split('\n');
  const failed = Number(/^(\d+) jobs without a report/.exec(lines.find((l) => /jobs without a report/.test(l)) ?? '')?.[1] ?? NaN);
  return { jobs, ms, mb: kb / 1024, summary: lines[0] ?? '(no results)', failed, errors: lines.slice(lines.findIndex((l) => /jobs without a report/.test(l)) + 1).join('\n') };
}

/**
 * The same jobs split between two one-worker processes run at once (alternate lines of the jobs file):
 * the most two workers could get from this machine, to compare a two-worker batch with.
 */
async function twoProcesses() {
  const lines = readFileSync(jobsFile, 'utf8').split('\n').filter(Boolean);
  const t0 = performance.now();
  await Promise.all([0, 1].map((half) => {
    const dir = path.join(BENCH, '.cache', `debian-batch-half${half}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const jobs = path.join(dir, 'jobs.txt');
    writeFileSync(jobs, `${lines.filter((_, i) => i % 2 === half).join('\n')}\n`);
    return new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [cli, 'batch', jobs, '--db', path.join(dir, 'store.sqlite'), '--deps', 'off', '--no-cache', '--jobs', '1', '--quiet'], { stdio: 'ignore', cwd: dir });
      c.on('error', reject);
      c.on('exit', (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`one-worker batch exited ${code}`))));
    });
  }));
  return performance.now() - t0;
}

const results = [run(Number(values.jobs)), ...(values.jobs === '1' ? [] : [run(1)])];
const halves = values.jobs === '2' ? await twoProcesses() : undefined;
console.log('');
console.log(`Debian batch: ${crates.length} crate sources (librust-*-dev), each a first release, --deps off --no-cache, whole process`);
console.log('');
console.log('| workers | wall s | jobs / s | peak RSS of the process MB | outcome |');
console.log('|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.jobs} | ${(r.ms / 1000).toFixed(1)} | ${(crates.length / (r.ms / 1000)).toFixed(1)} | ${r.mb.toFixed(0)} | ${r.summary} |`);
if (halves !== undefined) console.log(`\nTwo workers in one process against two one-worker processes on alternate jobs, run at once (${(halves / 1000).toFixed(1)} s): **${(halves / results[0].ms).toFixed(2)}** of their throughput (goal ≥ 0.95)`);
console.log('');
const first = results[0];
console.log(first.failed === 0 ? 'Jobs without a report: none' : `Jobs without a report (${first.jobs} workers): ${Number.isNaN(first.failed) ? 'could not be read' : first.failed}\n${first.errors}`);
