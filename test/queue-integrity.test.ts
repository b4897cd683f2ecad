/**
 * The distributed mode against someone who can reach Redis, with a real redis-server: a completed
 * job planted under the job's key, a job changed in Redis before a worker takes it, a rogue worker
 * process answering every job with a made-up `pass` (without and with the secret), and malformed,
 * 100 000-deep and 65 MiB answers. None of them may become a verdict of record or stop a run.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VERSION } from '../src/index.js';
import { parseJobsFile, resolveJobs, rulesDigest } from '../src/batch/jobs.js';
import type { ResolvedJob } from '../src/runner/jobs.js';
import { QueueExecutor } from '../src/queue/coordinator.js';
import { loadQueueSecret } from '../src/queue/secret.js';
import { redisAvailable, startRedis, type RedisServer } from './helpers/redis.js';
import { CORPUS, exitWithin, plainConnection, plantCompleted, secretFile, start, startRogue, storedJobs, until, type Proc } from './helpers/queue-cli.js';
import { suiteDir } from './helpers/serve.js';

const haveRedis = redisAvailable();
const MALICIOUS = readdirSync(CORPUS).filter((c) => /^m\d/.test(c)).sort().slice(0, 13);
const keys = { toolVersion: VERSION, rulesDigest: rulesDigest() };
const pair = (c: string) => `${path.join(CORPUS, c, 'old')} ${path.join(CORPUS, c, 'new')}`;
const expected = (c: string) => (JSON.parse(readFileSync(path.join(CORPUS, c, 'expect.json'), 'utf8')) as { verdict: string }).verdict;

describe.runIf(haveRedis)('queue integrity: only a worker holding the secret makes a verdict, bound to its job (real redis-server)', () => {
  const tmp = suiteDir('cf-queue-integrity-');
  const secret = secretFile(tmp.dir);
  let redis: RedisServer;
  let procs: Proc[] = [];
  let n = 0;
  const jobsFile = (cases: string[]) => {
    const f = path.join(tmp.dir, `jobs-${++n}.txt`);
    writeFileSync(f, `${cases.map(pair).join('\n')}\n`);
    return f;
  };
  const run = (args: string[]) => {
    const p = start(args);
    procs.push(p);
    return p;
  };
  const worker = () => run(['worker', '--queue', redis.url, '--jobs', '1', '--queue-secret-file', secret.file, '--root', CORPUS]);
  const batch = (file: string, db: string) => run(['batch', file, '--queue', redis.url, '--db', db, '--queue-secret-file', secret.file, '--quiet']);
  const rogue = async (mode: string, withSecret = false) => {
    const p = await startRogue(redis.url, mode, withSecret ? secret.value : undefined);
    procs.push(p);
    return p;
  };
  const resolve = async (cases: string[]) => resolveJobs(parseJobsFile(jobsFile(cases)), keys);

  beforeEach(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    procs = [];
    await redis.stop(true);
  });
  afterAll(() => tmp.remove());

  it('a completed `pass` planted under the job key before the coordinator enqueues is never read: the payload is recorded `block`', async () => {
    const c = 'm05-far-jump-payload-in-new-module';
    const [job] = await resolve([c]);
    const fake = { schemaVersion: 1, tool: { name: 'cratefence', version: VERSION }, crate: { name: 'x', old: '1', new: '2' }, verdict: 'pass', score: 0, verdictReason: 'planted', summary: {}, capabilities: { before: [], after: [], added: [] }, findings: [], scoreBreakdown: [], timings: {} };
    await plantCompleted(redis.url, job.key, { key: job.key }, { ok: true, report: fake, ms: 1, worker: 'planted', attempt: 1 });
    const db = path.join(tmp.dir, 'planted.sqlite');
    worker();
    const coord = batch(jobsFile([c]), db);
    expect(await exitWithin(coord, 120_000, 'the coordinator'), coord.err).toBe(0);
    const [row] = storedJobs(db);
    expect(row).toMatchObject({ job_key: job.key, state: 'done', verdict: 'block' });
    // Left where it was planted, unread.
    const r = new Redis(plainConnection(redis.url));
    expect(await r.hget(`cratefence:scans:${job.key}`, 'returnvalue')).toContain('"planted"');
    r.disconnect();
  }, 180_000);

  it('a job changed in Redis before a worker takes it (other inputs, `settings.limits: {}`) is refused unscanned and recorded as failed', async () => {
    const cases = ['m05-far-jump-payload-in-new-module', 'm01-ci-gated-download-exec'];
    const jobs = await resolve(cases);
    const db = path.join(tmp.dir, 'tampered.sqlite');
    const coord = batch(jobsFile(cases), db);
    const r = new Redis(plainConnection(redis.url));
    const hashes: string[] = [];
    await until('both jobs in Redis', async () => {
      hashes.length = 0;
      for (const j of jobs) hashes.push(...(await r.keys(`cratefence:scans:${j.key}-*`)));
      return hashes.length === 2;
    }, 60_000);
    const harmless = path.join(CORPUS, 'h08-docs-and-readme');
    for (const [i, h] of hashes.entries()) {
      const data = JSON.parse((await r.hget(h, 'data'))!) as Record<string, unknown>;
      // One keeps the signed shape with other inputs; the other also turns the limits off.
      data.old = { path: path.join(harmless, 'old') };
      data.new = { path: path.join(harmless, 'new') };
      if (i === 1) data.settings = { limits: {} };
      await r.hset(h, 'data', JSON.stringify(data));
    }
    r.disconnect();
    const w = worker();
    expect(await exitWithin(coord, 120_000, 'the coordinator'), coord.err).toBe(0);
    const rows = storedJobs(db);
    expect(rows.map((x) => x.state)).toEqual(['failed', 'failed']);
    for (const x of rows) {
      expect(x.verdict).toBeNull();
      expect(x.error).toMatch(/^refused: job .* (is not signed with this queue's secret|is not a signed cratefence 2 job)/);
    }
    expect(w.err).not.toMatch(/start /);
  }, 180_000);

  it('a rogue worker without the secret answering every job `pass`: none of 13 malicious pairs is recorded `pass`, and a rerun scans them', async () => {
    const file = jobsFile(MALICIOUS);
    const db = path.join(tmp.dir, 'rogue.sqlite');
    const r = await rogue('pass');
    worker();
    const coord = batch(file, db);
    expect(await exitWithin(coord, 240_000, 'the coordinator'), coord.err).toBe(0);
    let rows = storedJobs(db);
    expect(rows).toHaveLength(13);
    expect(rows.filter((x) => x.verdict === 'pass')).toEqual([]);
    const refused = rows.filter((x) => x.state === 'error');
    expect(refused.length).toBeGreaterThan(0);
    for (const x of refused) expect(x.error).toMatch(/^result refused: the result is not signed with this queue's secret \(claimed worker rogue-pass\)/);
    console.log(`rogue worker: ${refused.length} of 13 answers refused, ${rows.length - refused.length} scanned by the honest worker, 0 pass`);
    // The refused ones are errors, which a rerun does again (without the rogue).
    r.child.kill('SIGKILL');
    await r.exited;
    const again = batch(file, db);
    expect(await exitWithin(again, 240_000, 'the rerun'), again.err).toBe(0);
    rows = storedJobs(db);
    expect(rows.map((x) => x.state)).toEqual(rows.map(() => 'done'));
    const got = Object.fromEntries(rows.map((x) => [x.new_input!.split('/').at(-2)!, x.verdict]));
    expect(got).toEqual(Object.fromEntries(MALICIOUS.map((c) => [c, expected(c)])));
  }, 600_000);

  it('malformed and 100 000-deep answers are each one job\u2019s error: the run ends normally and the next one scans the jobs', async () => {
    const cases = ['h01-network-client-new-endpoint', 'h02-simd-unsafe-with-safety'];
    const file = jobsFile(cases);
    const db = path.join(tmp.dir, 'deep.sqlite');
    const r = await rogue('deep');
    const coord = batch(file, db);
    expect(await exitWithin(coord, 120_000, 'the coordinator'), coord.err).toBe(0);
    expect(coord.err).toBe('');
    let rows = storedJobs(db);
    expect(rows.map((x) => [x.state, x.error])).toEqual(cases.map(() => ['error', 'result refused: the result is nested deeper than 4 levels']));
    r.child.kill('SIGKILL');
    await r.exited;
    worker();
    const again = batch(file, db);
    expect(await exitWithin(again, 120_000, 'the rerun'), again.err).toBe(0);
    rows = storedJobs(db);
    expect(rows.map((x) => x.state)).toEqual(['done', 'done']);
  }, 300_000);

  describe('answers checked in process (QueueExecutor with a real queue)', () => {
    const outcome = async (mode: string, withSecret: boolean, job: ResolvedJob) => {
      const rg = await rogue(mode, withSecret);
      const exec = await QueueExecutor.connect(redis.url, { keys, secret: loadQueueSecret({ file: secret.file }), pollMs: 100 });
      try {
        return await exec.execute(job, new AbortController().signal);
      } finally {
        await exec.close();
        rg.child.kill('SIGKILL');
        await rg.exited;
      }
    };
    let job: ResolvedJob;
    beforeAll(async () => {
      [job] = await resolve(['m05-far-jump-payload-in-new-module']);
    });

    it.each([
      ['malformed', false, /^result refused: the result is not a cratefence 2 answer \(v: /],
      ['huge', false, /^result refused: the result is \d+ bytes, over the 67108864 byte limit$/],
      ['other-inputs', true, /^result refused: the report is of other inputs than the job's/],
      ['other-run', true, /^result refused: the result answers another job or run/],
      ['old-tool', true, /^result refused: the report was made by cratefence 0\.0\.1/],
      ['pass', false, /^result refused: the result is not signed with this queue's secret/],
    ])('rogue answer %s (with the secret: %s) is refused with its reason', async (mode, withSecret, reason) => {
      const out = await outcome(mode, withSecret, job);
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.failure).toBe('refused');
        expect(out.error).toMatch(reason);
      }
    }, 120_000);

    it('a worker holding the secret is a trusted party: its consistent lie is taken, under its own worker name (docs/batch.md)', async () => {
      const out = await outcome('pass', true, job);
      expect(out).toMatchObject({ ok: true, worker: 'rogue-pass' });
    }, 120_000);
  });
});
