/**
 * A queue worker: a BullMQ `Worker` that takes scan jobs from Redis and runs them on the same
 * `ScanPool` a local batch uses, as many at once as the pool has threads. Nothing in a job is
 * obeyed before its signature is checked: a job the coordinator did not sign (planted or changed in
 * Redis) fails at once, unscanned. Limits and budgets are the worker's own, paths are read only under
 * its `--root` folders, and its answer is signed over the job, the run, the digests of what it read,
 * its tool, rules and settings and the report. A job whose worker dies (kill -9, lost machine) keeps
 * its lock only until `lockMs` passes; the stalled-job check of any other worker then puts it back to
 * wait, so it is retried, never dropped.
 */
import os from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { DEFAULT_LIMITS } from '../index.js';
import { ScanPool, type PoolOptions, type ReleaseInput } from '../runner/index.js';
import type { RegistryClientApi } from '../registry/types.js';
import { PREFIX, QUEUE_NAME, QueueError, redisTarget } from './connection.js';
import { RedisMonitor } from './monitor.js';
import { readJobInput, RefusedInput } from './inputs.js';
import { sign, verify, type QueueSecret } from './secret.js';
import { FORMAT, jobFields, queuedScanSchema, resultFields, settingsDigest, sha256, type QueuedResult, type QueuedScan } from './types.js';

export interface QueueWorkerOptions extends PoolOptions {
  /** This worker's tool version and rules digest; jobs made for others are refused. */
  toolVersion: string;
  rulesDigest: string;
  rulesDir?: string;
  registry?: RegistryClientApi;
  /** The secret shared with the coordinators (see secret.ts). */
  secret: QueueSecret;
  /** Real paths of the folders path inputs may be read from (see inputs.ts); none: path jobs refused. */
  roots: readonly string[];
  /** The Redis password, when not in the URL (from a file or the environment). */
  password?: string;
  /** How long Redis may stay unreachable before the worker gives up (default 30 s). */
  redisBudgetMs?: number;
  /** How long a job's lock lasts without renewal: a dead worker's job is taken back after this (default 30 s). */
  lockMs?: number;
  /** Called for each job as it starts and ends (logs). */
  onJob?: (e: { phase: 'start' | 'end'; id: string; label: string; attempt: number; outcome?: string }) => void;
  /** Where connection lines go (Redis lost, back again). */
  log?: (line: string) => void;
}

/** A running queue worker; `close()` finishes the jobs in flight first (graceful), `close(true)` does not. */
export interface QueueWorker {
  readonly name: string;
  /** Settles when Redis stayed unreachable past the budget or refused the login (the worker should then stop). */
  readonly lost: Promise<QueueError>;
  close(force?: boolean): Promise<void>;
}

// Labels and errors are printed: no control characters (terminal escapes) from job data.
const plain = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 300);

/** Starts a worker on the queue at `url`; rejects with a QueueError when Redis cannot be reached or refuses the login. */
export async function startQueueWorker(url: string, o: QueueWorkerOptions): Promise<QueueWorker> {
  const target = redisTarget(url, { password: o.password });
  const log = o.log ?? ((line: string) => process.stderr.write(`cratefence worker: ${line}\n`));
  const monitor = new RedisMonitor(target, { budgetMs: o.redisBudgetMs, log });
  try {
    await monitor.start();
  } catch (e) {
    await monitor.close();
    throw e;
  }
  const pool = new ScanPool(o);
  const name = `${os.hostname()}:${process.pid}`;
  const lockMs = o.lockMs ?? 30_000;
  // The worker's own settings: a job carries only their digest, to be refused when they differ.
  const limits = DEFAULT_LIMITS;
  const mine = { toolVersion: o.toolVersion, rulesDigest: o.rulesDigest, settingsDigest: settingsDigest(limits) };

  const processor = async (job: Job<unknown>): Promise<QueuedResult> => {
    const attempt = job.attemptsStarted;
    const shaped = queuedScanSchema.safeParse(job.data);
    if (!shaped.success) throw new UnrecoverableError(`refused: job ${plain(String(job.id))} is not a signed cratefence ${FORMAT} job`);
    const d = shaped.data as QueuedScan;
    if (!verify(o.secret.job, jobFields(d), d.sig) || job.id !== `${d.key}-${d.run}`) {
      throw new UnrecoverableError(`refused: job ${plain(String(job.id))} is not signed with this queue's secret (made or changed outside a coordinator)`);
    }
    const label = plain(d.label);
    o.onJob?.({ phase: 'start', id: d.key, label, attempt });
    const t0 = performance.now();
    const answer = (a: Pick<QueuedResult, 'outcome' | 'oldDigest' | 'newDigest'> & { error?: string; report?: string; ms?: number; shown?: string }): QueuedResult => {
      const body = {
        v: FORMAT, key: d.key, run: d.run, worker: name, attempt, ms: a.ms ?? Math.round(performance.now() - t0),
        oldDigest: a.oldDigest, newDigest: a.newDigest, ...mine, outcome: a.outcome,
        error: a.error ?? null, report: a.report ?? null, reportDigest: a.report === undefined ? null : sha256(a.report),
      } as const;
      const r: QueuedResult = { ...body, sig: sign(o.secret.result, resultFields(body)) };
      o.onJob?.({ phase: 'end', id: d.key, label, attempt, outcome: a.shown ?? `${a.outcome}: ${plain(a.error ?? '')}` });
      return r;
    };
    if (d.toolVersion !== mine.toolVersion || d.rulesDigest !== mine.rulesDigest || d.settingsDigest !== mine.settingsDigest) {
      const what = d.settingsDigest !== mine.settingsDigest && d.toolVersion === mine.toolVersion ? 'other scan settings (limits, budgets)' : `cratefence ${plain(d.toolVersion)} with rules ${plain(d.rulesDigest)}`;
      return answer({ outcome: 'mismatch', oldDigest: null, newDigest: null, ms: 0, error: `worker ${name} runs cratefence ${o.toolVersion} with rules ${o.rulesDigest}; the job was made for ${what}` });
    }
    let oldIn: { release: ReleaseInput; digest: string } | null;
    let newIn: { release: ReleaseInput; digest: string };
    try {
      [oldIn, newIn] = await Promise.all([d.old ? readJobInput(d.old, { roots: o.roots, limits, registry: o.registry }) : Promise.resolve(null), readJobInput(d.new, { roots: o.roots, limits, registry: o.registry })]);
    } catch (e) {
      return answer({ outcome: 'input', oldDigest: null, newDigest: null, error: e instanceof RefusedInput ? e.message : (e as Error).message });
    }
    const digests = { oldDigest: oldIn?.digest ?? null, newDigest: newIn.digest };
    if (digests.oldDigest !== d.oldDigest || digests.newDigest !== d.newDigest) {
      return answer({ outcome: 'input', ...digests, error: 'the input on this worker differs from what the coordinator read (changed since, or another file at the same path)' });
    }
    const out = await pool.run({ id: d.key, old: oldIn?.release ?? null, new: newIn.release, rulesDir: o.rulesDir, limits });
    if (out.ok) return answer({ outcome: 'ok', ...digests, report: JSON.stringify(out.report), ms: out.ms, shown: `${out.report.verdict} ${out.report.score}` });
    if (out.failure === 'input') return answer({ outcome: 'input', ...digests, error: out.error, ms: out.ms });
    o.onJob?.({ phase: 'end', id: d.key, label, attempt, outcome: `${out.failure}: ${out.error} (will be retried while attempts remain)` });
    // Thrown: BullMQ retries it with backoff, then keeps it in the failed set.
    throw new Error(`${out.failure}: ${out.error} (worker ${name})`);
  };
  const worker = new Worker<unknown, QueuedResult>(QUEUE_NAME, processor, {
    connection: target.connection,
    prefix: PREFIX,
    concurrency: pool.threads,
    name,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    // A job whose worker died twice is more likely to kill the next one: a dead letter after that.
    maxStalledCount: 2,
  });
  // Connection errors are the monitor's to report (one line per outage); never a crash.
  worker.on('error', (e) => monitor.noteError(e));
  const ready = worker.waitUntilReady();
  // Read by the race below; a late rejection (Redis lost meanwhile) must not surface unhandled.
  ready.catch(() => undefined);
  const lost = await Promise.race([ready.then(() => undefined), monitor.lost]);
  const stop = async (force: boolean) => {
    // Bounded: with Redis gone, a graceful close could wait for ever.
    await Promise.race([worker.close(force || monitor.error !== undefined), new Promise((r) => setTimeout(r, force ? 2000 : 600_000).unref())]);
    await Promise.allSettled([pool.close(), monitor.close()]);
  };
  if (lost) {
    await stop(true);
    throw lost;
  }
  return { name, lost: monitor.lost, close: stop };
}
