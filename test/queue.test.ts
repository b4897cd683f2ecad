import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { BatchStore } from '../src/store/batch.js';
import { parseJobsFile, resolveJobs } from '../src/batch/jobs.js';
import { QueueExecutor } from '../src/queue/coordinator.js';
import { loadQueueSecret } from '../src/queue/secret.js';
import { PREFIX, QUEUE_NAME } from '../src/queue/connection.js';
import { redisAvailable, startRedis, type RedisServer } from './helpers/redis.js';
import { plainConnection, secretFile } from './helpers/queue-cli.js';
import { writeSlowPair } from './helpers/slow-crate.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');
const CORPUS = path.join(ROOT, 'corpus');
const CASES = readdirSync(CORPUS).filter((c) => !c.endsWith('.json')).sort().slice(0, 8);
const haveRedis = redisAvailable();

interface Proc {
  child: ChildProcess;
  err: string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  const p: Proc = { child, err: '', exited: new Promise((r) => child.once('exit', (code) => r(code))) };
  child.stderr!.on('data', (d: Buffer) => (p.err += d.toString()));
  child.stdout!.on('data', () => undefined);
  return p;
}

async function until(what: string, cond: () => boolean, ms = 120_000): Promise<void> {
  const t = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > t) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(haveRedis)('distributed batch on BullMQ with a real redis-server', () => {
  let redis: RedisServer;
  const tmp = mkdtempSync(path.join(tmpdir(), 'cf-queue-'));
  const secret = secretFile(tmp);
  const procs: Proc[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('enqueues idempotently: the same job added twice is one queued job', async () => {
    const f = path.join(tmp, 'one.txt');
    writeFileSync(f, `${path.join(CORPUS, CASES[0], 'old')} ${path.join(CORPUS, CASES[0], 'new')}\n`);
    const keys = { toolVersion: 't', rulesDigest: 'r' };
    const [job] = await resolveJobs(parseJobsFile(f), keys);
    const exec = await QueueExecutor.connect(redis.url, { keys, secret: loadQueueSecret({ file: secret.file }) });
    const cancel = new AbortController();
    const runs = [exec.execute(job, cancel.signal), exec.execute(job, cancel.signal)];
    const q = new Queue(QUEUE_NAME, { connection: plainConnection(redis.url), prefix: PREFIX });
    let waiting = 0;
    for (let i = 0; i < 100 && waiting === 0; i++) {
      waiting = (await q.getJobCounts('wait')).wait ?? 0;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await q.getJobCounts('wait')).wait).toBe(1);
    cancel.abort();
    expect((await Promise.all(runs)).map((o) => (o.ok ? 'ok' : o.failure))).toEqual(['cancelled', 'cancelled']);
    await q.obliterate({ force: true });
    await q.close();
    await exec.close();
  });

  it('two workers, one killed with SIGKILL mid-job: every job completes once, the killed job is retried, a poison job lands in the failed list', async () => {
    const medium = writeSlowPair(path.join(tmp, 'medium'), 20, 100, 'mediumgen');
    const poison = writeSlowPair(path.join(tmp, 'poison'), 400, 400, 'poisongen');
    const jobsFile = path.join(tmp, 'jobs.txt');
    writeFileSync(jobsFile, [`${medium.old} ${medium.new}`, ...CASES.map((c) => `${path.join(CORPUS, c, 'old')} ${path.join(CORPUS, c, 'new')}`), `${poison.old} ${poison.new}`].join('\n'));
    const total = CASES.length + 2;
    const db = path.join(tmp, 'queue.sqlite');
    // The secret from the environment here (test/queue-integrity*.test.ts use the file).
    const env = { CRATEFENCE_QUEUE_SECRET: secret.value };
    const worker = () => start(['worker', '--queue', redis.url, '--jobs', '1', '--lock-ms', '4000', '--timeout-ms', '10000', '--root', CORPUS, '--root', tmp], env);
    const coord = start(['batch', jobsFile, '--queue', redis.url, '--db', db, '--attempts', '2'], env);
    procs.push(coord);
    const a = worker();
    const b = worker();
    procs.push(a, b);
    // Kill whichever worker starts the medium job, while it scans it.
    let victim: Proc | undefined;
    await until('a worker to start the medium job', () => {
      victim = [a, b].find((w) => /start mediumgen 0\.1\.0 → 0\.1\.1 \(attempt 1\)/.test(w.err));
      return victim !== undefined;
    });
    victim!.child.kill('SIGKILL');
    await victim!.exited;
    const survivor = victim === a ? b : a;
    const code = await coord.exited;
    expect(code, coord.err).toBe(0);

    const store = new BatchStore(openStore(db));
    const jobs = store.allJobs();
    store.db.close();
    expect(jobs).toHaveLength(total);
    expect(new Set(jobs.map((j) => j.job_key)).size).toBe(total);
    const med = jobs.find((j) => j.crate === 'mediumgen')!;
    expect(med.state, `${med.error}`).toBe('done');
    expect(med.attempts).toBeGreaterThanOrEqual(2);
    const pois = jobs.find((j) => j.new_input === poison.new)!;
    expect(pois).toMatchObject({ state: 'failed', attempts: 2 });
    expect(pois.error).toMatch(/timeout/);
    expect(jobs.filter((j) => j.state === 'done')).toHaveLength(total - 1);
    // Completed exactly once across both workers: one successful end line per job.
    const ends = [...a.err.matchAll(/end (.+?): (pass|review|block) /g), ...b.err.matchAll(/end (.+?): (pass|review|block) /g)].map((m) => m[1]);
    expect(ends).toHaveLength(total - 1);
    expect(new Set(ends).size).toBe(total - 1);
    expect(victim!.err).not.toMatch(/end mediumgen/);
    // The dead letter stays in BullMQ's failed set and shows in `results --errors`.
    const q = new Queue(QUEUE_NAME, { connection: plainConnection(redis.url), prefix: PREFIX });
    const failed = await q.getFailed();
    expect(failed.map((j) => (j.data as { key: string }).key)).toEqual([pois.job_key]);
    expect((await q.getJobCounts('completed')).completed).toBe(0);
    await q.close();
    const errs = spawnSync(process.execPath, [BIN, 'results', '--db', db, '--errors', '--format', 'json'], { encoding: 'utf8' });
    expect(JSON.parse(errs.stdout).rows).toMatchObject([{ state: 'failed', attempts: 2 }]);
    expect(coord.err).toMatch(new RegExp(`${total} jobs, 0 already done, ${total} to run`));

    // SIGTERM: the survivor stops cleanly.
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
    expect(survivor.err).toMatch(/stopped/);
    console.log(`queue crash test: ${total} jobs, ${jobs.filter((j) => j.state !== 'done').length} failed, retries: medium ${med.attempts - 1}, poison ${pois.attempts - 1}`);
  }, 300_000);
});
