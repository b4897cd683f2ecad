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
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const debs = path.join(work, 'debs');
const unpacked = path.join(work, 'x');
mkdirSync(debs, { recursive: true });
mkdirSync(unpacked, { recursive: true });

const t0 = performance.now();
const list = execFileSync('apt-cache', ['search', '--names-only', '^librust-.*-dev$'], { encoding: 'utf8', maxBuffer: 64 << 20 })
  .split('\n').map((l) => l.split(' ')[0]).filter((n) => n && !n.includes('+')).sort();
const names = values.limit ? list.slice(0, Number(values.limit)) : list;
console.log(`${names.length} librust-*-dev packages (of ${list.length})`);

// Download what is not here yet, a hundred packages per apt-get call.
const have = new Set(readdirSync(debs).filter((f) => f.endsWith('.deb')).map((f) => f.split('_')[0]));
const missing = names.filter((n) => !have.has(n));
for (let i = 0; i < missing.length; i += 100) {
  const r = spawnSync('apt-get', ['download', ...missing.slice(i, i + 100)], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) console.log(`apt-get download: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
}
const t1 = performance.now();

// Unpack each package once (a marker file per package).
const marks = path.join(work, 'unpacked');
mkdirSync(marks, { recursive: true });
const wanted = new Set(names);
for (const f of readdirSync(debs).filter((x) => x.endsWith('.deb')).sort()) {
  const pkg = f.split('_')[0];
  if (!wanted.has(pkg) || existsSync(path.join(marks, pkg))) continue;
  execFileSync('dpkg', ['-x', path.join(debs, f), unpacked]);
  writeFileSync(path.join(marks, pkg), '');
}
const t2 = performance.now();

const registry = path.join(unpacked, 'usr', 'share', 'cargo', 'registry');
const crates = readdirSync(registry, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const jobsFile = path.join(work, 'jobs.txt');
writeFileSync(jobsFile, `${crates.map((c) => path.join(registry, c)).join('\n')}\n`);
console.log(`${crates.length} crate sources; downloads ${((t1 - t0) / 1000).toFixed(0)} s, unpacking ${((t2 - t1) / 1000).toFixed(0)} s`);

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
