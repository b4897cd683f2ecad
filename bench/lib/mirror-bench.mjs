// The registry face of `cratefence serve` under load (part of npm run bench:serve): a local upstream
// registry serves the bench's real releases (every version old enough to be the crates' baseline),
// `cratefence serve` mirrors it, and index and download requests go through the mirror — first
// sight, revalidation with the upstream (TTL 0, a 304 from upstream), cached, cargo's own 304, and
// downloads first fetched from upstream (checksum-verified, stored) and then from the blob store.
// Every answer is checked: an index must list every upstream version, a download must hash to the
// index's checksum. Loopback only, bounded.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const indexPath = (name) => {
  const n = name.toLowerCase();
  return n.length === 1 ? `1/${n}` : n.length === 2 ? `2/${n}` : n.length === 3 ? `3/${n[0]}/${n}` : `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
};

/** A sparse registry of `releases` on 127.0.0.1, with ETags; counts the requests it answers. */
async function startUpstream(releases) {
  const byName = new Map();
  for (const r of releases) byName.set(r.name.toLowerCase(), [...(byName.get(r.name.toLowerCase()) ?? []), r]);
  const files = new Map();
  const blobs = new Map();
  for (const [key, list] of byName) {
    const body = list.map((r) => JSON.stringify({ name: r.name, vers: r.version, deps: [], cksum: sha256(r.bytes), features: {}, yanked: false, pubtime: '2026-01-01T00:00:00Z' })).join('\n') + '\n';
    files.set(`/index/${indexPath(key)}`, { body, etag: `"${sha256(body).slice(0, 32)}"` });
    for (const r of list) blobs.set(`/dl/${r.name}/${r.version}/download`, r.bytes);
  }
  const counts = { index: 0, notModified: 0, download: 0 };
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    if (p === '/index/config.json') return res.end(JSON.stringify({ dl: `http://127.0.0.1:${server.address().port}/dl` }));
    const f = files.get(p);
    if (f) {
      counts.index++;
      if (req.headers['if-none-match'] === f.etag) {
        counts.notModified++;
        res.writeHead(304, { etag: f.etag });
        return res.end();
      }
      res.writeHead(200, { etag: f.etag, 'content-type': 'text/plain' });
      return res.end(f.body);
    }
    const b = blobs.get(p);
    if (b) {
      counts.download++;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(b);
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/index/`, byName, counts, close: () => new Promise((r) => server.close(r)) };
}

async function startServe(BIN, upstreamUrl, ttl) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cf-bench-mirror-'));
  const db = path.join(tmp, 'store.sqlite');
  const cfg = path.join(tmp, 'cratefence.toml');
  writeFileSync(cfg, `[serve]\nrate-limit-per-minute = 100000\nrate-limit-per-address-per-minute = 1000000\n\n[serve.mirror]\nupstream = "${upstreamUrl}"\nindex-ttl-seconds = ${ttl}\nbaseline-scans = 0\n`);
  execFileSync(process.execPath, [BIN, 'serve', 'token', '--name', 'root', '--role', 'admin', '--db', db]);
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--config', cfg, '--jobs', '1'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CARGO_HOME: path.join(tmp, 'no-cargo-home'), XDG_CACHE_HOME: path.join(tmp, 'cache') } });
  const base = await new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
    createInterface({ input: child.stdout }).on('line', (l) => {
      const m = /listening on (\S+)/.exec(l);
      if (m) resolve(m[1]);
    });
  });
  return {
    base,
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Runs `jobs` (functions returning true when the answer was right) `concurrency` at a time; latencies and losses. */
async function measure(label, jobs, concurrency) {
  const lat = [];
  let lost = 0;
  const queue = jobs.slice();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const s = performance.now();
        let ok = false;
        try {
          ok = await job();
        } catch {
          ok = false;
        }
        lat.push(performance.now() - s);
        if (!ok) lost++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { label, n: jobs.length, rps: jobs.length / secs, p50: q(0.5), p95: q(0.95), max: lat.at(-1), lost };
}

/** The mirror's measurements over the given releases (`{ name, version, bytes }`). */
export async function mirrorBench(BIN, releases, { concurrency = 8, repeat = 2000 } = {}) {
  const up = await startUpstream(releases);
  const names = [...up.byName.keys()];
  const versions = releases.map((r) => ({ name: r.name, version: r.version, sha: sha256(r.bytes) }));
  const pick = (list, i) => list[i % list.length];
  const results = [];
  const index = (base, name, expect = 200, headers = {}) => async () => {
    const res = await fetch(`${base}/index/${indexPath(name)}`, { headers });
    if (res.status !== expect) return false;
    if (expect === 304) return true;
    const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return lines.length === up.byName.get(name).length && lines.every((l) => l.yanked === false);
  };
  const download = (base, v) => async () => {
    const res = await fetch(`${base}/dl/${v.name}/${v.version}/download`);
    return res.status === 200 && sha256(Buffer.from(await res.arrayBuffer())) === v.sha;
  };

  // A mirror that asks upstream on every index request (TTL 0): first sight, then revalidation.
  const a = await startServe(BIN, up.url, 0);
  try {
    results.push(await measure('index, first sight (upstream fetch, versions registered)', names.map((n) => index(a.base, n)), concurrency));
    const before = up.counts.notModified;
    results.push(await measure('index, revalidated (TTL 0: a conditional request, upstream 304)', Array.from({ length: repeat }, (_, i) => index(a.base, pick(names, i))), concurrency));
    results.at(-1).upstream304 = up.counts.notModified - before;
    results.push(await measure('download, uncached (fetched from upstream, verified, stored)', versions.map((v) => download(a.base, v)), concurrency));
    results.push(await measure('download, cached (blob store)', Array.from({ length: repeat }, (_, i) => download(a.base, pick(versions, i * 7))), concurrency));
  } finally {
    await a.close();
  }
  // A mirror within its TTL: answered from its store.
  const b = await startServe(BIN, up.url, 3600);
  try {
    await measure('warm-up', names.map((n) => index(b.base, n)), concurrency);
    let asked = up.counts.index;
    results.push(await measure('index, cached (within the TTL, no upstream request)', Array.from({ length: repeat }, (_, i) => index(b.base, pick(names, i))), concurrency));
    results.at(-1).upstreamRequests = up.counts.index - asked;
    const etags = new Map();
    for (const n of names) etags.set(n, (await fetch(`${b.base}/index/${indexPath(n)}`)).headers.get('etag'));
    asked = up.counts.index;
    results.push(await measure("index, cargo's If-None-Match (304)", Array.from({ length: repeat }, (_, i) => index(b.base, pick(names, i), 304, { 'if-none-match': etags.get(pick(names, i)) })), concurrency));
    results.at(-1).upstreamRequests = up.counts.index - asked;
  } finally {
    await b.close();
  }
  await up.close();
  return { crates: names.length, versions: versions.length, concurrency, results };
}
