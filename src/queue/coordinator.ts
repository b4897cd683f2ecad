/**
 * The coordinator's side of distributed mode: a BullMQ `Queue` to add scan jobs (job id = job key,
 * so adding the same batch twice adds nothing) and `QueueEvents` to learn when each finishes. The
 * return value (the report) comes back through Redis and the batch process writes it to its own
 * store: it stays the only writer. A job that used up its attempts is in BullMQ's failed set (the
 * dead letters) and is recorded as `failed`.
 */
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { ExecOutcome, JobExecutor } from '../batch/run.js';
import type { KeyContext, ResolvedJob } from '../batch/jobs.js';
import type { ScanSettings } from '../batch/local.js';
import { jobLabel } from '../batch/progress.js';
import { connectionFor, PREFIX, QUEUE_NAME, QueueError } from './connection.js';
import type { QueuedResult, QueuedScan } from './types.js';

export interface QueueExecutorOptions {
  keys: KeyContext;
  settings: ScanSettings;
  /** Attempts per job before it is a dead letter (default 3). */
  attempts?: number;
  /** First retry delay; doubled at each attempt (default 2000 ms). */
  backoffMs?: number;
  /** Replace finished jobs left in the queue rather than collect their results. */
  rescan?: boolean;
  /** Jobs kept queued at once (default 1000). */
  slots?: number;
}

/** Runs batch jobs through workers behind a BullMQ queue. */
export class QueueExecutor implements JobExecutor {
  readonly slots: number;

  private constructor(
    private readonly queue: Queue<QueuedScan, QueuedResult>,
    private readonly events: QueueEvents,
    private readonly o: QueueExecutorOptions,
    readonly redacted: string,
  ) {
    this.slots = o.slots ?? 1000;
  }

  /** Connects to the queue at `url` (fails fast with a QueueError when Redis cannot be reached). */
  static async connect(url: string, o: QueueExecutorOptions): Promise<QueueExecutor> {
    const { connection, redacted } = connectionFor(url);
    const queue = new Queue<QueuedScan, QueuedResult>(QUEUE_NAME, { connection, prefix: PREFIX });
    const events = new QueueEvents(QUEUE_NAME, { connection, prefix: PREFIX });
    const ready = Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new QueueError(`${redacted}: Redis did not answer within 10 s`)), 10_000).unref());
    try {
      await Promise.race([ready, timeout]);
    } catch (e) {
      await Promise.allSettled([queue.close(), events.close()]);
      throw e instanceof QueueError ? e : new QueueError(`${redacted}: ${(e as Error).message}`);
    }
    return new QueueExecutor(queue, events, o, redacted);
  }

  /** The BullMQ job for `job`: the one already queued under its key, or a new one. */
  private async enqueue(job: ResolvedJob): Promise<Job<QueuedScan, QueuedResult>> {
    const existing = await this.queue.getJob(job.key);
    if (existing) {
      const state = await existing.getState();
      // A dead letter of an earlier run, or a finished job a rescan wants again: start it afresh.
      const stale = state === 'failed' || (this.o.rescan === true && state === 'completed');
      if (!stale) return existing;
      await existing.remove();
    }
    const data: QueuedScan = {
      key: job.key, label: jobLabel(job), old: job.old, new: job.new, ...this.o.keys,
      settings: { limits: this.o.settings.limits, parse: this.o.settings.parse },
    };
    return this.queue.add('scan', data, {
      jobId: job.key,
      attempts: this.o.attempts ?? 3,
      backoff: { type: 'exponential', delay: this.o.backoffMs ?? 2000 },
      // Kept until the coordinator has recorded it (see `settled`); the failed set is the dead-letter list.
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  async execute(job: ResolvedJob, cancel: AbortSignal): Promise<ExecOutcome> {
    const t0 = performance.now();
    const qjob = await this.enqueue(job);
    const cancelled = new Promise<ExecOutcome>((resolve) => {
      const done = () => resolve({ ok: false, failure: 'cancelled', error: 'cancelled (still queued: a rerun collects it)', ms: Math.round(performance.now() - t0) });
      if (cancel.aborted) done();
      else cancel.addEventListener('abort', done, { once: true });
    });
    const finished = qjob.waitUntilFinished(this.events).then(
      (r: QueuedResult): ExecOutcome => (r.ok ? { ok: true, report: r.report, ms: r.ms, attempts: r.attempt, worker: r.worker } : { ok: false, failure: r.failure, error: r.error, ms: r.ms, attempts: r.attempt, worker: r.worker }),
      async (e: Error): Promise<ExecOutcome> => {
        const again = await this.queue.getJob(job.key);
        return { ok: false, failure: 'failed', error: again?.failedReason ?? e.message, ms: Math.round(performance.now() - t0), attempts: again?.attemptsStarted ?? again?.attemptsMade ?? 1 };
      },
    );
    return Promise.race([finished, cancelled]);
  }

  /** The coordinator recorded the job: a completed one leaves Redis; a dead letter stays in the failed set. */
  async settled(job: ResolvedJob, state: string): Promise<void> {
    if (state !== 'done' && state !== 'error') return;
    const j = await this.queue.getJob(job.key);
    if (j && (await j.getState()) === 'completed') await j.remove();
  }

  /** The dead letters: jobs in the failed set with their last error. */
  async deadLetters(): Promise<Array<{ id: string; label: string; error: string; attempts: number }>> {
    const failed = await this.queue.getFailed(0, -1);
    return failed.map((j) => ({ id: j.id ?? '', label: j.data.label, error: j.failedReason, attempts: j.attemptsStarted }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
