/**
 * A queue worker: a BullMQ `Worker` that takes scan jobs from Redis and runs them on the same
 * `ScanPool` a local batch uses, as many at once as the pool has threads. Its return value goes back
 * to the coordinator through the queue; it never writes a store. A job whose worker dies (kill -9,
 * lost machine) keeps its lock only until `lockMs` passes; the stalled-job check of any other worker
 * then puts it back to wait, so it is retried, never dropped.
 */
import os from 'node:os';
import { Worker, type Job } from 'bullmq';
import { ScanPool, type PoolOptions } from '../runner/index.js';
import type { RegistryClientApi } from '../registry/types.js';
import { scanJobFor } from '../batch/local.js';
import { connectionFor, PREFIX, QUEUE_NAME } from './connection.js';
import type { QueuedResult, QueuedScan } from './types.js';

export interface QueueWorkerOptions extends PoolOptions {
  /** This worker's tool version and rules digest; jobs made for others are refused. */
  toolVersion: string;
  rulesDigest: string;
  rulesDir?: string;
  registry?: RegistryClientApi;
  /** How long a job's lock lasts without renewal: a dead worker's job is taken back after this (default 30 s). */
  lockMs?: number;
  /** Called for each job as it starts and ends (logs). */
  onJob?: (e: { phase: 'start' | 'end'; id: string; label: string; attempt: number; outcome?: string }) => void;
}

/** A running queue worker; `close()` finishes the jobs in flight first (graceful), `close(true)` does not. */
export interface QueueWorker {
  readonly name: string;
  close(force?: boolean): Promise<void>;
}

/** Starts a worker on the queue at `url`. */
export async function startQueueWorker(url: string, o: QueueWorkerOptions): Promise<QueueWorker> {
  const { connection } = connectionFor(url);
  const pool = new ScanPool(o);
  const name = `${os.hostname()}:${process.pid}`;
  const lockMs = o.lockMs ?? 30_000;
  const processor = async (job: Job<QueuedScan>): Promise<QueuedResult> => {
    const d = job.data;
    const attempt = job.attemptsStarted;
    o.onJob?.({ phase: 'start', id: d.key, label: d.label, attempt });
    const t0 = performance.now();
    const end = (r: QueuedResult) => {
      o.onJob?.({ phase: 'end', id: d.key, label: d.label, attempt, outcome: r.ok ? `${r.report.verdict} ${r.report.score}` : `${r.failure}: ${r.error}` });
      return r;
    };
    if (d.toolVersion !== o.toolVersion || d.rulesDigest !== o.rulesDigest) {
      return end({
        ok: false, failure: 'mismatch', ms: 0, worker: name, attempt,
        error: `worker ${name} runs cratefence ${o.toolVersion} with rules ${o.rulesDigest}, the job was made for ${d.toolVersion} with rules ${d.rulesDigest}`,
      });
    }
    let scan;
    try {
      scan = await scanJobFor(d, { ...d.settings, rulesDir: o.rulesDir }, o.registry);
    } catch (e) {
      return end({ ok: false, failure: 'input', error: (e as Error).message, ms: Math.round(performance.now() - t0), worker: name, attempt });
    }
    const out = await pool.run(scan);
    if (out.ok) return end({ ok: true, report: out.report, ms: out.ms, worker: name, attempt });
    if (out.failure === 'input') return end({ ok: false, failure: 'input', error: out.error, ms: out.ms, worker: name, attempt });
    o.onJob?.({ phase: 'end', id: d.key, label: d.label, attempt, outcome: `${out.failure}: ${out.error} (will be retried while attempts remain)` });
    // Thrown: BullMQ retries it with backoff, then keeps it in the failed set.
    throw new Error(`${out.failure}: ${out.error} (worker ${name})`);
  };
  const worker = new Worker<QueuedScan, QueuedResult>(QUEUE_NAME, processor, {
    connection,
    prefix: PREFIX,
    concurrency: pool.threads,
    name,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    // A job whose worker died twice is more likely to kill the next one: a dead letter after that.
    maxStalledCount: 2,
  });
  // Errors of the connection are retried by the client; print them rather than crash.
  worker.on('error', (e) => process.stderr.write(`cratefence worker: ${e.message}\n`));
  await worker.waitUntilReady();
  return {
    name,
    async close(force = false) {
      await worker.close(force);
      await pool.close();
    },
  };
}
