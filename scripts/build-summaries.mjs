#!/usr/bin/env node
// Rebuilds the shipped summary index (rules/data/summaries.bin) from Debian's packaged crate sources:
// downloads every librust-NAME-dev package with apt-get (nothing is installed; needs `apt-get update`
// once), unpacks them with dpkg -x into bench/.cache/summaries, scans each crate as a first release with
// `cratefence batch --summaries` (the same worker pool and store as any batch), and exports the
// summaries the store holds with `cratefence results --export-summaries`. Nothing it downloads is
// committed; only the index it derives is.
//
//   npm run build:summaries                 # every librust-*-dev package
//   npm run build:summaries -- --limit 50   # the first 50 (a quick check)
//   npm run build:summaries -- --jobs 2 --out /tmp/summaries.bin
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { debianCrates } from '../bench/lib/debian.mjs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    limit: { type: 'string' },
    jobs: { type: 'string' },
    out: { type: 'string', default: path.join(root, 'rules', 'data', 'summaries.bin') },
    work: { type: 'string', default: path.join(root, 'bench', '.cache', 'summaries') },
  },
});
const work = path.resolve(values.work);
const t0 = performance.now();
const { crates, jobsFile, downloadMs, unpackMs } = debianCrates({ work, limit: values.limit });
console.log(`${crates.length} crate sources; downloads ${(downloadMs / 1000).toFixed(0)} s, unpacking ${(unpackMs / 1000).toFixed(0)} s`);
const t2 = performance.now();

const bin = path.join(root, 'bin', 'cratefence.js');
const db = path.join(work, 'summaries.sqlite');
const batchArgs = [bin, 'batch', jobsFile, '--db', db, '--summaries', '--deps', 'off', '--no-cache', '--quiet', '--debug'];
if (values.jobs) batchArgs.push('--jobs', values.jobs);
const b = spawnSync(process.execPath, batchArgs, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
process.stdout.write(b.stdout);
const t3 = performance.now();
if (b.status !== 0 && b.status !== 1) {
  console.error(`batch exited ${b.status}`);
  process.exit(2);
}
const os = readFileSync('/etc/os-release', 'utf8');
const debian = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(os)?.[1] ?? 'Debian';
const e = spawnSync(process.execPath, [bin, 'results', '--db', db, '--export-summaries', path.resolve(values.out), '--source', `${debian}: librust-*-dev packages (${crates.length} crate sources)`], { stdio: 'inherit' });
if (e.status !== 0) process.exit(2);
console.log(`batch ${((t3 - t2) / 1000).toFixed(0)} s; total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
