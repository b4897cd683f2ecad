// Debian's packaged crate sources (every librust-NAME-dev package), downloaded with apt-get (nothing is
// installed; needs `apt-get update` once) and unpacked with dpkg -x into a work folder that is never
// committed. Used by scripts/build-summaries.mjs (the shipped summary index) and bench/debian-batch.mjs
// (the ecosystem-sized batch).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Downloads and unpacks what is not in `work` yet; returns the crate source folders (sorted), the jobs
 * file listing them (one per line, for `cratefence batch`), and how long downloading and unpacking took.
 * Throws when apt-cache cannot list the packages (no Debian, no `apt-get update`).
 */
export function debianCrates({ work, limit, log = console.log }) {
  const debs = path.join(work, 'debs');
  const unpacked = path.join(work, 'x');
  mkdirSync(debs, { recursive: true });
  mkdirSync(unpacked, { recursive: true });
  const t0 = performance.now();
  const list = execFileSync('apt-cache', ['search', '--names-only', '^librust-.*-dev$'], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n').map((l) => l.split(' ')[0]).filter((n) => n && !n.includes('+')).sort();
  const names = limit ? list.slice(0, Number(limit)) : list;
  log(`${names.length} librust-*-dev packages (of ${list.length})`);
  // Download what is not here yet, a hundred packages per apt-get call.
  const have = new Set(readdirSync(debs).filter((f) => f.endsWith('.deb')).map((f) => f.split('_')[0]));
  const missing = names.filter((n) => !have.has(n));
  for (let i = 0; i < missing.length; i += 100) {
    const r = spawnSync('apt-get', ['download', ...missing.slice(i, i + 100)], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) log(`apt-get download: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
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
  const crates = existsSync(registry) ? readdirSync(registry, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(registry, d.name)).sort() : [];
  const jobsFile = path.join(work, 'jobs.txt');
  writeFileSync(jobsFile, `${crates.join('\n')}\n`);
  return { crates, jobsFile, downloadMs: t1 - t0, unpackMs: t2 - t1 };
}
