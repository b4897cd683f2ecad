import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { VERSION } from '../src/index.js';
import { rulesDigest } from '../src/batch/jobs.js';
import { jobKey } from '../src/runner/jobs.js';
import { redisAvailable, startRedis, type RedisServer } from './helpers/redis.js';
import { corpusCrate, suiteDir } from './helpers/serve.js';
import { plantCompleted, secretFile } from './helpers/queue-cli.js';

const BIN = path.join(__dirname, '..', 'bin', 'cratefence.js');
const haveRedis = redisAvailable();

describe.runIf(haveRedis)('serve --queue: scans on the batch mode\u2019s BullMQ workers (real redis-server)', () => {
  let redis: RedisServer;
  const tmp = suiteDir('cf-serve-queue-');
  const procs: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await redis?.stop();
    tmp.remove();
  });

  it('a published release is scanned by a `cratefence worker` process and gets its state; a `pass` planted in Redis first is never its verdict', async () => {
    const db = path.join(tmp.dir, 'store.sqlite');
    const data = path.join(tmp.dir, 'cratefence-blobs');
    mkdirSync(data, { recursive: true });
    const secret = secretFile(tmp.dir);
    const pub = execFileSync(process.execPath, [BIN, 'serve', 'token', '--name', 'pub', '--role', 'publisher', '--db', db], { encoding: 'utf8' }).trim();
    const oldCrate = await corpusCrate('m05-far-jump-payload-in-new-module', 'old');
    const newCrate = await corpusCrate('m05-far-jump-payload-in-new-module', 'new');
    // The publisher plants a completed `pass` under the scan's job key before publishing the payload.
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const keys = { toolVersion: VERSION, rulesDigest: rulesDigest() };
    const fake = { schemaVersion: 1, tool: { name: 'cratefence', version: VERSION }, crate: { name: newCrate.name, old: oldCrate.version, new: newCrate.version }, verdict: 'pass', score: 0, verdictReason: 'planted', summary: {}, capabilities: { before: [], after: [], added: [] }, findings: [], scoreBreakdown: [], timings: {} };
    // Under both keys the scan may have: diffed against the earlier release, or as a first release.
    for (const key of [jobKey(sha(oldCrate.bytes), sha(newCrate.bytes), keys), jobKey(null, sha(newCrate.bytes), keys)]) {
      await plantCompleted(redis.url, key, { key }, { ok: true, report: fake, ms: 1, worker: 'planted', attempt: 1 });
    }
    const worker = spawn(process.execPath, [BIN, 'worker', '--queue', redis.url, '--jobs', '1', '--quiet', '--queue-secret-file', secret.file, '--root', data], { stdio: 'ignore' });
    procs.push(worker);
    // No cool-off, so the first version is released (a trusted base) at the next sweep.
    const config = path.join(tmp.dir, 'cratefence.toml');
    writeFileSync(config, '[serve]\ncool-off-hours = 0\n');
    const serve = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--queue', redis.url, '--config', config, '--queue-secret-file', secret.file], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(serve);
    let err = '';
    serve.stderr!.on('data', (d) => (err += d));
    const base = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
      createInterface({ input: serve.stdout! }).on('line', (l) => {
        const m = /listening on (\S+)/.exec(l);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    const post = async (c: { name: string; version: string; bytes: Buffer }) => {
      const res = await fetch(`${base}/v1/releases?name=${c.name}&version=${c.version}`, { method: 'POST', headers: { authorization: `Bearer ${pub}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(c.bytes) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: number }).id;
    };
    const state = async (id: number) => {
      const res = await fetch(`${base}/v1/releases/${id}`, { headers: { authorization: `Bearer ${pub}` } });
      return ((await res.json()) as { release: { state: string; verdict: string | null } }).release;
    };
    const settle = async (id: number, until_: string[] = ['scanning']) => {
      const until = Date.now() + 90_000;
      for (;;) {
        const r = await state(id);
        if (!until_.includes(r.state)) return r;
        if (Date.now() > until) throw new Error(`release ${id} still scanning: ${err}`);
        await new Promise((r2) => setTimeout(r2, 200));
      }
    };
    expect((await settle(await post(oldCrate), ['scanning', 'cooling-off'])).state).toBe('released');
    const r = await settle(await post(newCrate));
    expect(r).toMatchObject({ state: 'rejected', verdict: 'block' });
  }, 150_000);
});
