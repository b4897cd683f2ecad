/**
 * The distributed mode's edges with a real redis-server: workers obey no limits or paths from job
 * data, a job deleted from Redis or a FLUSHALL ends the wait, an unreachable Redis ends coordinator
 * and worker with exit 2 and one line, a refused login never shows the password, TLS works, and
 * queue mode refuses to run without the shared secret.
 */
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/index.js';
import { parseJobsFile, resolveJobs, rulesDigest } from '../src/batch/jobs.js';
import type { ResolvedJob } from '../src/runner/jobs.js';
import { QueueExecutor } from '../src/queue/coordinator.js';
import { loadQueueSecret } from '../src/queue/secret.js';
import { redisAvailable, startRedis, tlsSupport, type RedisServer } from './helpers/redis.js';
import { startRegistryServer } from './helpers/registry-server.js';
import { CORPUS, exitWithin, plainConnection, secretFile, start, storedJobs, until, type Proc } from './helpers/queue-cli.js';
import { suiteDir } from './helpers/serve.js';

const haveRedis = redisAvailable();
const keys = { toolVersion: VERSION, rulesDigest: rulesDigest() };
const PASSWORD = 'Right-Horse-Battery-7731';
const WRONG = 'Wrong-Staple-Sekrit-0042';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.runIf(haveRedis)('queue edges: paths, limits, vanished jobs, outages, passwords, TLS (real redis-server)', () => {
  const tmp = suiteDir('cf-queue-ops-');
  const secret = secretFile(tmp.dir);
  const withSecret = ['--queue-secret-file', secret.file];
  let procs: Proc[] = [];
  const servers: RedisServer[] = [];
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const p = start(args, env);
    procs.push(p);
    return p;
  };
  const redis = async (o: Parameters<typeof startRedis>[0] = {}) => {
    const r = await startRedis(o);
    servers.push(r);
    return r;
  };
  const jobsFile = (name: string, lines: string[]) => {
    const f = path.join(tmp.dir, name);
    writeFileSync(f, `${lines.join('\n')}\n`);
    return f;
  };
  const h01 = `${path.join(CORPUS, 'h01-network-client-new-endpoint', 'old')} ${path.join(CORPUS, 'h01-network-client-new-endpoint', 'new')}`;
  const stackLines = (s: string) => s.split('\n').filter((l) => /^\s+at /.test(l));

  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    procs = [];
    await Promise.all(servers.splice(0).map((s) => s.stop(true)));
  });
  afterAll(() => tmp.remove());

  describe('workers read only under their --root folders, with their own limits', () => {
    const allowed = path.join(tmp.dir, 'allowed');
    const priv = path.join(tmp.dir, 'private');
    let job: (o: { old?: string | null; new: string }) => ResolvedJob;
    beforeAll(() => {
      mkdirSync(path.join(allowed, 'big', 'src'), { recursive: true });
      writeFileSync(path.join(allowed, 'big', 'Cargo.toml'), '[package]\nname = "big"\nversion = "0.1.0"\n');
      writeFileSync(path.join(allowed, 'big', 'src', 'lib.rs'), 'pub fn f() {}\n');
      writeFileSync(path.join(allowed, 'big', 'blob.bin'), Buffer.alloc(40 * 1024 * 1024, 7));
      mkdirSync(path.join(priv, 'src'), { recursive: true });
      writeFileSync(path.join(priv, 'Cargo.toml'), '[package]\nname = "private"\nversion = "0.1.0"\n');
      writeFileSync(path.join(priv, 'src', 'lib.rs'), 'pub fn f() { let _ = "https://db.internal.example/SECRET_TOKEN_abc123"; }\n');
      symlinkSync(priv, path.join(allowed, 'escape'));
      cpSync(path.join(CORPUS, 'h01-network-client-new-endpoint'), path.join(allowed, 'h01'), { recursive: true });
      let i = 0;
      job = (o) => {
        const key = (++i).toString(16).padStart(64, '0');
        return { key, crate: null, oldVersion: null, newVersion: null, oldInput: o.old ?? null, newInput: o.new, oldDigest: o.old ? 'a'.repeat(64) : null, newDigest: 'b'.repeat(64), old: o.old ? { path: o.old } : null, new: { path: o.new }, publishedAt: null };
      };
    });

    it('refuses `.`, paths outside the roots, `..` and links out of them, and applies its own limits; an honest job inside runs', async () => {
      const r = await redis();
      run(['worker', '--queue', r.url, '--jobs', '1', ...withSecret, '--root', allowed]);
      const exec = await QueueExecutor.connect(r.url, { keys, secret: loadQueueSecret({ file: secret.file }), pollMs: 100 });
      const [honest] = await resolveJobs(parseJobsFile(jobsFile('allowed.txt', [`${path.join(allowed, 'h01', 'old')} ${path.join(allowed, 'h01', 'new')}`])), keys);
      const cases: Array<[string, ResolvedJob, RegExp]> = [
        ['.', job({ new: '.' }), /^\.: not an absolute path$/],
        ['outside', job({ new: priv }), /outside this worker's --root folders$/],
        ['dot-dot', job({ new: path.join(allowed, '..', 'private') }), /outside this worker's --root folders$/],
        ['link out', job({ new: path.join(allowed, 'escape') }), /outside this worker's --root folders$/],
        ['over its limits', job({ new: path.join(allowed, 'big') }), /blob\.bin is 41943040 bytes, over the 33554432 byte per-file limit/],
      ];
      const outs = await Promise.all([...cases.map(([, j]) => exec.execute(j, new AbortController().signal)), exec.execute(honest, new AbortController().signal)]);
      await exec.close();
      cases.forEach(([what, , reason], i) => {
        const o = outs[i];
        expect(o.ok, what).toBe(false);
        if (!o.ok) {
          expect(o.failure, what).toBe('input');
          expect(o.error, what).toMatch(reason);
        }
      });
      expect(JSON.stringify(outs)).not.toContain('SECRET_TOKEN');
      expect(outs[cases.length]).toMatchObject({ ok: true, report: { verdict: 'pass' } });
    }, 180_000);

    it('a worker started without --root refuses every path job', async () => {
      const r = await redis();
      run(['worker', '--queue', r.url, '--jobs', '1', ...withSecret]);
      const exec = await QueueExecutor.connect(r.url, { keys, secret: loadQueueSecret({ file: secret.file }), pollMs: 100 });
      const out = await exec.execute(job({ new: path.join(allowed, 'h01', 'new') }), new AbortController().signal);
      await exec.close();
      expect(out).toMatchObject({ ok: false, failure: 'input', error: expect.stringMatching(/this worker reads no paths \(start it with --root DIR/) });
    }, 120_000);
  });

  it('a worker without --root still runs registry jobs, fetched through its own client and checked against the job\u2019s checksum', async () => {
    const r = await redis();
    const registry = await startRegistryServer();
    try {
      const m05 = path.join(CORPUS, 'm05-far-jump-payload-in-new-module');
      await registry.publishDir('rust_decimal_fast', '1.30.0', path.join(m05, 'old'));
      await registry.publishDir('rust_decimal_fast', '1.30.1', path.join(m05, 'new'));
      await registry.publish('tiny', '0.1.0', 'pub fn f() -> u8 { 1 }\n');
      const db = path.join(tmp.dir, 'registry.sqlite');
      run(['worker', '--queue', r.url, ...withSecret, '--registry', registry.indexUrl]);
      const c = run(['batch', jobsFile('registry.txt', ['rust_decimal_fast 1.30.0 1.30.1', 'tiny@0.1.0']), '--queue', r.url, '--db', db, ...withSecret, '--registry', registry.indexUrl, '--quiet']);
      expect(await exitWithin(c, 120_000, 'the coordinator'), c.err).toBe(0);
      // Jobs are stored as they finish, in whichever order the worker ends them.
      const stored = storedJobs(db);
      expect(stored.map((j) => [j.crate, j.new_version, j.state, j.verdict]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))), JSON.stringify(stored.map((j) => [j.crate, j.error]))).toEqual([
        ['rust_decimal_fast', '1.30.1', 'done', 'block'],
        ['tiny', '0.1.0', 'done', 'pass'],
      ]);
    } finally {
      await registry.stop();
    }
  }, 180_000);

  it.each(['deleted', 'flushall'])('a queued job %s while the coordinator waits ends as that job\u2019s error within seconds', async (how) => {
    const r = await redis();
    const [j] = await resolveJobs(parseJobsFile(jobsFile(`${how}.txt`, [h01])), keys);
    const db = path.join(tmp.dir, `${how}.sqlite`);
    const coord = run(['batch', jobsFile(`${how}.txt`, [h01]), '--queue', r.url, '--db', db, ...withSecret, '--quiet']);
    const cli = new Redis(plainConnection(r.url));
    let hash = '';
    await until('the job in Redis', async () => ((hash = (await cli.keys(`cratefence:scans:${j.key}-*`))[0] ?? ''), hash !== ''), 60_000);
    const t0 = Date.now();
    if (how === 'deleted') {
      await cli.del(hash);
      await cli.lrem('cratefence:scans:wait', 0, hash.split(':').pop()!);
    } else await cli.flushall();
    cli.disconnect();
    expect(await exitWithin(coord, 20_000, 'the coordinator'), coord.err).toBe(0);
    console.log(`job ${how}: coordinator ended ${Date.now() - t0} ms later`);
    expect(storedJobs(db)).toMatchObject([{ state: 'error', failure: 'vanished', error: expect.stringMatching(/vanished from Redis/) }]);
  }, 120_000);

  it('an unreachable Redis at start ends worker and coordinator with exit 2 and one line, no stack trace', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const w = run(['worker', '--queue', url, ...withSecret, '--redis-timeout-ms', '2000']);
    const c = run(['batch', jobsFile('down.txt', [h01]), '--queue', url, '--db', path.join(tmp.dir, 'down.sqlite'), ...withSecret, '--redis-timeout-ms', '2000']);
    for (const [p, prefix] of [[w, 'cratefence worker: '], [c, 'cratefence: ']] as const) {
      expect(await exitWithin(p, 20_000, prefix), p.err).toBe(2);
      const lines = p.err.trim().split('\n');
      expect(lines, p.err).toEqual([
        expect.stringMatching(new RegExp(`^${prefix}Redis at ${url} unreachable \\(connect ECONNREFUSED .*\\); retrying for up to 2 s$`)),
        expect.stringMatching(new RegExp(`^cratefence: Redis at ${url} unreachable for [23] s \\(connect ECONNREFUSED .*\\)$`)),
      ]);
    }
  }, 60_000);

  it('Redis lost while coordinator and worker wait: both end with exit 2 after the retry budget, one line per outage', async () => {
    const r = await redis();
    const db = path.join(tmp.dir, 'lost.sqlite');
    const c = run(['batch', jobsFile('lost.txt', [h01]), '--queue', r.url, '--db', db, ...withSecret, '--redis-timeout-ms', '3000', '--quiet']);
    // On another database of the same server: connected, but not taking the coordinator's job.
    const w = run(['worker', '--queue', `${r.url}/1`, ...withSecret, '--redis-timeout-ms', '3000']);
    const cli = new Redis(plainConnection(r.url));
    await until('the worker ready and the job queued', async () => w.err.includes('waiting for jobs') && (await cli.keys('cratefence:scans:*-*')).length > 0, 30_000);
    cli.disconnect();
    await new Promise((res) => setTimeout(res, 1500));
    await r.stop(true);
    const t0 = Date.now();
    for (const [p, what] of [[c, 'coordinator'], [w, 'worker']] as const) {
      expect(await exitWithin(p, 20_000, what), p.err).toBe(2);
      expect(stackLines(p.err), p.err).toEqual([]);
      expect(p.err).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+(\/1)? unreachable \(.*\); retrying for up to 3 s\n/);
      expect(p.err.trim().split('\n').at(-1)).toMatch(/^cratefence: Redis at redis:\/\/127\.0\.0\.1:\d+(\/1)? unreachable for [34] s \(/);
      expect(p.err.match(/retrying for up to/g), p.err).toHaveLength(1);
    }
    console.log(`Redis lost: both ended ${Date.now() - t0} ms later`);
  }, 90_000);

  it('a refused login ends both with exit 2 naming the refusal, never the password; a bad URL is not quoted', async () => {
    const r = await redis({ password: PASSWORD });
    const url = `redis://:${WRONG}@127.0.0.1:${r.port}`;
    const w = run(['worker', '--queue', url, ...withSecret]);
    const c = run(['batch', jobsFile('auth.txt', [h01]), '--queue', `redis://127.0.0.1:${r.port}`, '--db', path.join(tmp.dir, 'auth.sqlite'), ...withSecret], { CRATEFENCE_REDIS_PASSWORD: WRONG });
    const bad = run(['worker', '--queue', `redis://:${WRONG}@127.0.0.1:notaport`, ...withSecret]);
    for (const p of [w, c]) {
      expect(await exitWithin(p, 15_000, 'a refused login'), p.err).toBe(2);
      expect(p.err).toMatch(new RegExp(`cratefence: Redis at redis://127\\.0\\.0\\.1:${r.port} refused the login: WRONGPASS`));
      expect(p.err).not.toContain(WRONG);
      expect(stackLines(p.err)).toEqual([]);
    }
    expect(await exitWithin(bad, 15_000, 'a bad URL')).toBe(2);
    expect(bad.err).toBe('cratefence: --queue: the value is not a URL (expected redis://HOST:PORT or rediss://HOST:PORT)\n');
  }, 60_000);

  it('the password from the environment (worker) and from a file (coordinator) logs in', async () => {
    const r = await redis({ password: PASSWORD });
    const pwFile = path.join(tmp.dir, 'redis.password');
    writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    const db = path.join(tmp.dir, 'pw.sqlite');
    run(['worker', '--queue', r.url, ...withSecret, '--root', CORPUS], { CRATEFENCE_REDIS_PASSWORD: PASSWORD });
    const c = run(['batch', jobsFile('pw.txt', [h01]), '--queue', r.url, '--db', db, ...withSecret, '--redis-password-file', pwFile, '--quiet']);
    expect(await exitWithin(c, 90_000, 'the coordinator'), c.err).toBe(0);
    expect(storedJobs(db)).toMatchObject([{ state: 'done', verdict: 'pass' }]);
  }, 120_000);

  const tls = tlsSupport();
  if (!tls.ok) console.warn(`skipping the TLS queue test: ${tls.reason}`);
  it.runIf(tls.ok)('rediss:// works against a TLS-only redis-server; without its CA both refuse the certificate and exit 2', async () => {
    const r = await redis({ tls: true });
    const db = path.join(tmp.dir, 'tls.sqlite');
    const file = jobsFile('tls.txt', [h01]);
    const noCa = run(['batch', file, '--queue', r.url, '--db', db, ...withSecret, '--redis-timeout-ms', '2000']);
    expect(await exitWithin(noCa, 20_000, 'a coordinator without the CA'), noCa.err).toBe(2);
    expect(noCa.err.trim().split('\n').at(-1)).toMatch(/^cratefence: Redis at rediss:\/\/127\.0\.0\.1:\d+ unreachable for \d s \(.*(certificate|self.signed)/i);
    const env = { NODE_EXTRA_CA_CERTS: r.caFile! };
    run(['worker', '--queue', r.url, ...withSecret, '--root', CORPUS], env);
    const c = run(['batch', file, '--queue', r.url, '--db', db, ...withSecret, '--quiet'], env);
    expect(await exitWithin(c, 90_000, 'the coordinator'), c.err).toBe(0);
    expect(storedJobs(db)).toMatchObject([{ state: 'done', verdict: 'pass' }]);
  }, 120_000);

  it('queue mode refuses to run without the shared secret, or with a short one', async () => {
    const short = path.join(tmp.dir, 'short.secret');
    writeFileSync(short, 'too-short\n');
    const f = jobsFile('nosecret.txt', [h01]);
    const env = { CRATEFENCE_QUEUE_SECRET: '' };
    const cases: Array<[string[], RegExp]> = [
      [['batch', f, '--queue', 'redis://127.0.0.1:1'], /^cratefence: queue mode needs the secret shared by the coordinator and its workers: --queue-secret-file FILE or CRATEFENCE_QUEUE_SECRET/],
      [['worker', '--queue', 'redis://127.0.0.1:1'], /^cratefence: queue mode needs the secret/],
      [['worker', '--queue', 'redis://127.0.0.1:1', '--queue-secret-file', short], /^cratefence: --queue-secret-file .*short\.secret: the queue secret has 9 characters, fewer than 32\n$/],
      [['worker', '--queue', 'redis://127.0.0.1:1', '--queue-secret-file', '/dev/zero'], /^cratefence: --queue-secret-file: \/dev\/zero: the queue secret file is a device; only regular files are read\n$/],
    ];
    for (const [args, message] of cases) {
      const p = run(args, env);
      expect(await exitWithin(p, 15_000, args.join(' ')), p.err).toBe(2);
      expect(p.err).toMatch(message);
    }
  }, 60_000);
});
