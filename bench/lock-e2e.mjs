#!/usr/bin/env node
// `cratefence lock` end to end on real crate sources: builds a local sparse registry from release
// tags of the git mirrors in bench/pairs.json (`git archive`, packed as .crate files), writes a
// Cargo.lock pair in which those crates are bumped (plus an added, a removed, a git and a path
// package), serves the registry on 127.0.0.1, runs the CLI against it with empty caches and prints
// each verdict and the throughput. Not part of `npm test` (needs the mirrors and a few minutes).
//   npm run build && node bench/lock-e2e.mjs [--jobs N] [--limit N] [--min-publish-age "7 days" --now ISO]
// It runs the lock twice: cold (every release downloaded and verified) and warm (from cratefence's cache).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parse as parseToml } from 'smol-toml';
import tar from 'tar-stream';
import { BENCH, checkout, mirrorOf } from './lib/pairs.mjs';

const { values } = parseArgs({ options: { jobs: { type: 'string' }, limit: { type: 'string', default: '24' }, 'min-publish-age': { type: 'string' }, now: { type: 'string' } } });
const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';
const work = mkdtempSync(path.join(os.tmpdir(), 'cratefence-lock-e2e-'));

async function pack(dir, top) {
  const p = tar.pack();
  const chunks = [];
  p.on('data', (c) => chunks.push(c));
  const done = new Promise((r) => p.on('end', r));
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.isFile()) p.entry({ name: `${top}/${r}`, mtime: new Date(0) }, readFileSync(path.join(d, e.name)));
    }
  };
  walk(dir, '');
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

function indexPath(name) {
  const n = name.toLowerCase();
  return n.length === 1 ? `1/${n}` : n.length === 2 ? `2/${n}` : n.length === 3 ? `3/${n[0]}/${n}` : `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
}

// 1. Real releases: the last two tags of each crate in pairs.json.
const spec = JSON.parse(readFileSync(path.join(BENCH, 'pairs.json'), 'utf8'));
const releases = new Map(); // name -> [{vers, bytes, cksum, pubtime}]
const bumps = [];
let t = performance.now();
const skipped = [];
for (const c of spec.crates.slice(0, Number(values.limit))) {
  const pair = [];
  // A crate whose mirror (or one of its tags) is missing is left out with a line, not the whole run.
  let dirs;
  try {
    dirs = c.tags.slice(-2).map((tag) => ({ tag, dir: checkout(c.repo, tag, c.path), pubtime: execFileSync('git', ['-C', mirrorOf(c.repo), 'log', '-1', '--format=%cI', tag], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim() }));
  } catch (e) {
    const why = String(e.message ?? e).split('\n')[0];
    skipped.push(c.repo);
    console.log(`skipped ${c.repo}: ${why}`);
    continue;
  }
  for (const { tag, dir, pubtime } of dirs) {
    const manifest = parseToml(readFileSync(path.join(dir, 'Cargo.toml'), 'utf8'));
    const name = manifest.package?.name;
    let vers = manifest.package?.version;
    if (typeof vers !== 'string') vers = tag.replace(/^.*?v?(\d+\.\d+\.\d+)$/, '$1');
    const bytes = await pack(dir, `${name}-${vers}`);
    const r = { vers, bytes, cksum: createHash('sha256').update(bytes).digest('hex'), pubtime: new Date(pubtime).toISOString().replace(/\.\d+Z$/, 'Z') };
    if (!releases.has(name)) releases.set(name, []);
    releases.get(name).push(r);
    pair.push({ name, ...r });
  }
  bumps.push(pair);
}
console.log(`registry built from ${bumps.length} crates (${[...releases.values()].flat().length} releases) in ${((performance.now() - t) / 1000).toFixed(1)} s${skipped.length ? `; ${skipped.length} skipped (no mirror)` : ''}`);
if (bumps.length < 2) {
  console.log(`not enough crates with mirrors to build a lockfile delta (${bumps.length}); set CRATEFENCE_MIRRORS or CRATEFENCE_GIT_BASE (see bench/README.md)`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

// 2. A sparse registry served from memory, as crates.io lays it out.
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const send = (code, body, type = 'application/json') => {
    res.writeHead(code, { 'content-type': type });
    res.end(body);
  };
  if (u.pathname === '/index/config.json') return send(200, JSON.stringify({ dl: `http://127.0.0.1:${server.address().port}/crates/{crate}/{crate}-{version}.crate`, api: `http://127.0.0.1:${server.address().port}` }));
  if (u.pathname.startsWith('/index/')) {
    const name = u.pathname.split('/').pop();
    const list = releases.get(name);
    if (!list || u.pathname !== `/index/${indexPath(name)}`) return send(404, 'not found', 'text/plain');
    return send(200, list.map((r) => JSON.stringify({ name, vers: r.vers, deps: [], cksum: r.cksum, features: {}, yanked: false, pubtime: r.pubtime })).join('\n') + '\n', 'text/plain');
  }
  const m = /^\/crates\/([^/]+)\/([^/]+)\.crate$/.exec(u.pathname);
  const rel = m && releases.get(m[1])?.find((r) => `${m[1]}-${r.vers}` === m[2]);
  if (rel) return send(200, rel.bytes, 'application/octet-stream');
  send(404, 'not found', 'text/plain');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const indexUrl = `http://127.0.0.1:${server.address().port}/index/`;

// 3. A Cargo.lock pair: every crate bumped but the last two, of which one is added and one removed.
const pkg = (name, vers, source, checksum) => `[[package]]\nname = "${name}"\nversion = "${vers}"\n${source ? `source = "${source}"\n` : ''}${checksum ? `checksum = "${checksum}"\n` : ''}`;
const oldPkgs = [pkg('myapp', '0.4.0'), pkg('vendored', '0.1.0', 'git+https://github.com/example/vendored?rev=1111111#1111111')];
const newPkgs = [pkg('myapp', '0.5.0'), pkg('vendored', '0.1.0', 'git+https://github.com/example/vendored?rev=2222222#2222222')];
bumps.forEach(([a, b], i) => {
  if (i === bumps.length - 1) oldPkgs.push(pkg(a.name, a.vers, CRATES_IO, a.cksum));
  else if (i === bumps.length - 2) newPkgs.push(pkg(b.name, b.vers, CRATES_IO, b.cksum));
  else {
    oldPkgs.push(pkg(a.name, a.vers, CRATES_IO, a.cksum));
    newPkgs.push(pkg(b.name, b.vers, CRATES_IO, b.cksum));
  }
});
const head = '# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\n';
writeFileSync(path.join(work, 'old.lock'), `${head}version = 3\n\n${oldPkgs.join('\n')}`);
writeFileSync(path.join(work, 'Cargo.lock'), `${head}version = 4\n\n${newPkgs.join('\n')}`);

// 4. The CLI, end to end, with empty caches (every release downloaded and verified).
const args = ['lock', path.join(work, 'old.lock'), path.join(work, 'Cargo.lock'), '--registry', indexUrl, '--format', 'json', '--fail-on', 'never', '--quiet'];
if (values.jobs) args.push('--jobs', values.jobs);
if (values['min-publish-age']) args.push('--min-publish-age', values['min-publish-age']);
mkdirSync(path.join(work, 'home'));
let downloads = 0;
server.on('request', (req) => {
  if (req.url.startsWith('/crates/')) downloads++;
});
const env = { ...process.env, XDG_CACHE_HOME: path.join(work, 'cache'), CARGO_HOME: path.join(work, 'home'), ...(values.now ? { CRATEFENCE_NOW: values.now } : {}) };
async function runLock() {
  const t0 = performance.now();
  const res = await new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(BENCH, '..', 'bin', 'cratefence.js'), ...args], { env });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
  return { ...res, secs: (performance.now() - t0) / 1000 };
}
const r = await runLock();
const coldDownloads = downloads;
const warm = await runLock();
const secs = r.secs;
server.close();
if (r.code === 2 && !r.out) {
  console.error(r.err);
  process.exit(2);
}
const rep = JSON.parse(r.out);
for (const e of rep.entries) {
  const v = e.error ? 'ERROR' : (e.verdict ?? '-').toUpperCase();
  const what = e.change === 'changed' ? `${e.old} -> ${e.new}` : `${e.new ?? e.old} (${e.change})`;
  const extra = e.report ? `score ${e.report.score}, ${e.report.findings.filter((f) => f.severity !== 'info').length} findings, ${e.report.summary.filesChanged} files changed` : (e.error ?? e.note ?? '');
  console.log(`${v.padEnd(6)} ${e.name.padEnd(14)} ${what.padEnd(26)} ${extra}`);
  for (const n of e.report?.policy?.notes ?? []) console.log(`       ${n.kind}: ${n.message}`);
}
const s = rep.summary;
console.log(`\noverall ${rep.verdict}; ${s.changed} changed, ${s.added} added, ${s.removed} removed; ${s.scanned} scanned, ${s.errors} errors (exit ${r.code})`);
const workers = values.jobs ?? os.availableParallelism();
console.log(`cold: ${s.scanned} releases scanned in ${secs.toFixed(1)} s wall (${coldDownloads} .crate downloads, each verified; ${workers} workers): ${(s.scanned / secs).toFixed(2)} crates/s`);
const w = JSON.parse(warm.out);
console.log(`warm: ${w.summary.scanned} releases in ${warm.secs.toFixed(1)} s (${downloads - coldDownloads} downloads, releases from cratefence's cache): ${(w.summary.scanned / warm.secs).toFixed(2)} crates/s; same verdicts: ${JSON.stringify(w.entries.map((e) => e.verdict)) === JSON.stringify(rep.entries.map((e) => e.verdict))}`);
rmSync(work, { recursive: true, force: true });
