#!/usr/bin/env node
// npm run bench:serve — publishes real releases (the calibration crates' tags, from the git mirrors)
// to a real `cratefence serve` on 127.0.0.1 and measures the publish hook and the scan queue.
// Loopback only, bounded: it publishes RELEASES releases once and stops.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { BENCH, checkout, mirrorOf } from './lib/pairs.mjs';
import { mirrorBench } from './lib/mirror-bench.mjs';

const WANT = Number(process.env.RELEASES ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const BIN = path.join(BENCH, '..', 'bin', 'cratefence.js');
const spec = JSON.parse(readFileSync(path.join(BENCH, 'pairs.json'), 'utf8'));

// Releases: every tag listed for each crate, plus earlier release tags from its mirror, oldest first.
// Tags as the calibration list spells them: `1.2.3`, `v1.2.3` or `name-v1.2.3` (one prefix per crate).
const prefixOf = (t) => /^(.*?)v?\d+\.\d+\.\d+$/.exec(t)?.[1] ?? null;
const cmp = (a, b) => {
  const pa = /(\d+)\.(\d+)\.(\d+)$/.exec(a).slice(1).map(Number);
  const pb = /(\d+)\.(\d+)\.(\d+)$/.exec(b).slice(1).map(Number);
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
};
const plan = [];
for (const c of spec.crates) {
  const prefix = prefixOf(c.tags[0]);
  const same = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${/v\d/.test(c.tags[0].slice(prefix.length)) ? 'v' : ''}\\d+\\.\\d+\\.\\d+$`);
  const all = execFileSync('git', ['-C', mirrorOf(c.repo), 'tag', '--list'], { encoding: 'utf8' }).split('\n').filter((t) => same.test(t)).sort(cmp);
  const first = all.indexOf(c.tags[0]);
  const extra = first > 0 ? all.slice(Math.max(0, first - 3), first) : [];
  plan.push({ c, tags: [...extra, ...c.tags] });
}
let total = plan.reduce((s, p) => s + p.tags.length, 0);
while (total > WANT) {
  const p = plan.find((x) => x.tags.length > 2 && x.tags.length === Math.max(...plan.map((y) => y.tags.length)));
  if (!p) break;
  p.tags.shift();
  total--;
}

/** A .crate made the way the bench reads a release: every file of the extracted tag under name-version/. */
function crateOf(dir, name, version) {
  const files = execFileSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n').filter(Boolean);
  const tar = execFileSync('tar', ['-c', '--transform', `s,^\\.,${name}-${version},`, '-C', dir, ...files], { maxBuffer: 1 << 30 });
  return gzipSync(tar);
}

process.stderr.write(`bench:serve: preparing ${total} releases of ${plan.length} crates…\n`);
const releases = [];
for (const { c, tags } of plan) {
  for (const tag of tags) {
    let dir;
    try {
      dir = checkout(c.repo, tag, c.path);
    } catch (e) {
      process.stderr.write(`  skipped ${c.repo} ${tag}: ${e.message.split('\n')[0]}\n`);
      continue;
    }
    const toml = readFileSync(path.join(dir, 'Cargo.toml'), 'utf8');
    const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? c.repo.split('/')[1];
    const version = /(\d+\.\d+\.\d+)$/.exec(tag)[1];
    releases.push({ name, version, bytes: crateOf(dir, name, version) });
  }
}

// SKIP_PUBLISH=1 measures only the registry face (the mirror), below.
if (process.env.SKIP_PUBLISH === '1') {
  await mirrorPhase(0);
  process.exit(process.exitCode ?? 0);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cf-bench-serve-'));
const db = path.join(tmp, 'store.sqlite');
const token = execFileSync(process.execPath, [BIN, 'serve', 'token', '--name', 'bench', '--role', 'publisher', '--db', db], { encoding: 'utf8' }).trim();
const admin = execFileSync(process.execPath, [BIN, 'serve', 'token', '--name', 'root', '--role', 'admin', '--db', db], { encoding: 'utf8' }).trim();
const cfg = path.join(tmp, 'cratefence.toml');
execFileSync('sh', ['-c', `printf '[serve]\\nrate-limit-per-minute = 100000\\n' > ${cfg}`]);
const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  child.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  createInterface({ input: child.stdout }).on('line', (l) => {
    const m = /listening on (\S+)/.exec(l);
    if (m) resolve(m[1]);
  });
});

const latencies = [];
const ids = [];
let refused = 0;
const t0 = performance.now();
// Releases of one crate go in version order (each is compared with the one before); crates in parallel.
const byCrate = new Map();
for (const r of releases) byCrate.set(r.name, [...(byCrate.get(r.name) ?? []), r]);
const lanes = [...byCrate.values()];
async function lane() {
  for (;;) {
    const rs = lanes.shift();
    if (!rs) return;
    for (const r of rs) {
      const s = performance.now();
      const res = await fetch(`${base}/v1/releases?name=${r.name}&version=${r.version}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: r.bytes });
      latencies.push(performance.now() - s);
      if (res.status === 202) ids.push((await res.json()).id);
      else {
        refused++;
        process.stderr.write(`  ${r.name} ${r.version}: HTTP ${res.status} ${await res.text()}\n`);
      }
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, lane));
const tPublished = performance.now();
let pending = ids.length;
while (pending > 0) {
  await new Promise((r) => setTimeout(r, 500));
  const res = await fetch(`${base}/v1/releases?state=scanning`, { headers: { authorization: `Bearer ${admin}` } });
  pending = (await res.json()).releases.length;
}
const tDone = performance.now();
const states = {};
const rejected = [];
for (const id of ids) {
  const res = await fetch(`${base}/v1/releases/${id}`, { headers: { authorization: `Bearer ${admin}` } });
  const r = (await res.json()).release;
  states[r.state] = (states[r.state] ?? 0) + 1;
  if (r.state === 'rejected') rejected.push(`${r.crate} ${r.baseVersion ?? '(first)'} -> ${r.version}: ${r.scanError ?? `${r.verdict} ${r.score}, ${r.topFindings.map((f) => f.ruleId).join(', ')}`}`);
}
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(tmp, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const accounted = Object.values(states).reduce((s, n) => s + n, 0);
console.log(`releases published: ${ids.length} of ${releases.length} (${refused} refused) from ${byCrate.size} crates`);
console.log(`POST /v1/releases: ${(ids.length / ((tPublished - t0) / 1000)).toFixed(1)} req/s with the scan queue running; latency p50 ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`);
console.log(`scans: ${ids.length} in ${((tDone - t0) / 1000).toFixed(1)} s = ${(ids.length / ((tDone - t0) / 1000)).toFixed(2)} releases/s on ${os.availableParallelism()} cores`);
console.log(`states: ${Object.entries(states).map(([k, v]) => `${k} ${v}`).join(', ')}`);
for (const r of rejected) console.log(`  rejected: ${r}`);
console.log(`lost: ${ids.length - accounted}`);
process.exitCode = ids.length - accounted === 0 && refused === 0 ? 0 : 1;
await mirrorPhase(process.exitCode);

/** Index and download requests through the mirror (`/index/`, `/dl/`), over the same releases. */
async function mirrorPhase(code) {
  const m = await mirrorBench(BIN, releases, { concurrency: CONCURRENCY * 2 });
  console.log(`\nregistry mirror: ${m.crates} crates, ${m.versions} versions from a local upstream, ${m.concurrency} clients at a time`);
  let lost = 0;
  for (const r of m.results) {
    lost += r.lost;
    const extra = r.upstream304 !== undefined ? `; upstream answered ${r.upstream304} × 304` : r.upstreamRequests !== undefined ? `; upstream requests ${r.upstreamRequests}` : '';
    console.log(`  ${r.label}: ${r.n} requests, ${r.rps.toFixed(1)} req/s; p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, max ${r.max.toFixed(1)} ms; lost ${r.lost}${extra}`);
  }
  console.log(`  mirror lost: ${lost}`);
  process.exitCode = code === 0 && lost === 0 ? 0 : 1;
}
