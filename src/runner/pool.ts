import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { packageRoot } from '../root.js';
import type { ScanFailure, ScanJob, ScanOutcome } from './types.js';
import type { WorkerResult } from './worker.js';

export interface PoolOptions {
  /** Worker threads (default: the cores this process may use). */
  threads?: number;
  /** Wall-clock limit per job; over it the worker is stopped and replaced (default 10 minutes). */
  timeoutMs?: number;
  /** Old-generation heap cap per worker in MB; over it the worker dies and is replaced (default 4096). */
  memoryMb?: number;
  /** Facts cache folder shared by every worker (see `DiskFactsStore`); none by default. */
  cacheDir?: string;
}

/** Cores available to this process. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The worker's compiled file: the pool always runs the built code (dist/), also under tests. */
function workerFile(): string {
  return pathToFileURL(path.join(packageRoot(), 'dist', 'runner', 'worker.js')).href;
}

function classify(err: unknown): { failure: ScanFailure; error: string } {
  const e = err as Error & { code?: string };
  const msg = e?.message ?? String(err);
  if (e?.name === 'AbortError' || /aborted/i.test(msg)) return { failure: 'timeout', error: msg };
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|heap limit/i.test(msg)) return { failure: 'memory', error: `worker ran out of memory (${msg})` };
  return { failure: 'crash', error: msg };
}

/**
 * The one pool of scan workers, shared by `lock`, `batch`, `worker` and `serve`. Each worker thread
 * keeps its parser, compiled queries and an in-memory facts store across jobs. A job that times out,
 * runs out of memory or crashes its worker becomes a failed outcome; the worker is replaced and the
 * other jobs go on.
 */
export class ScanPool {
  private readonly pool: Piscina;
  private readonly timeoutMs: number;
  readonly threads: number;

  constructor(options: PoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableCores());
    this.timeoutMs = options.timeoutMs ?? 600_000;
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: this.threads,
      maxThreads: this.threads,
      // One job at a time per thread: a scan is synchronous CPU work.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb ?? 4096 },
      workerData: { cacheDir: options.cacheDir },
    });
  }

  /** Runs one job; never rejects. `signal` cancels it (a running job's worker is stopped). */
  async run(job: ScanJob, signal?: AbortSignal): Promise<ScanOutcome> {
    const t0 = performance.now();
    const timer = AbortSignal.timeout(this.timeoutMs);
    const both = signal ? AbortSignal.any([signal, timer]) : timer;
    try {
      const r = (await this.pool.run(job, { signal: both })) as WorkerResult;
      const ms = Math.round(performance.now() - t0);
      if (r.ok) return { id: job.id, ok: true, report: r.report, ms, ...(r.hunks ? { hunks: r.hunks } : {}), ...(r.summary ? { summary: r.summary } : {}) };
      return { id: job.id, ok: false, failure: 'input', error: r.inputError, ms };
    } catch (err) {
      const ms = Math.round(performance.now() - t0);
      if (signal?.aborted) return { id: job.id, ok: false, failure: 'cancelled', error: 'cancelled', ms };
      const c = classify(err);
      if (timer.aborted) return { id: job.id, ok: false, failure: 'timeout', error: `over the ${this.timeoutMs} ms time limit`, ms };
      return { id: job.id, ok: false, ...c, ms };
    }
  }

  /** Jobs waiting for a free worker. */
  get queued(): number {
    return this.pool.queueSize;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
