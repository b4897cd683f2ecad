/**
 * A batch run: skips the jobs the store already has done under the same key, keeps a bounded number
 * of jobs in flight on an executor (the local worker pool, or the queue), and records each finished
 * job in one transaction as soon as it ends. Whatever stops the run (Ctrl-C, a crash, kill -9), every
 * recorded job stays recorded and a rerun picks up the rest.
 */
import type { BatchStore, JobState } from '../store/batch.js';
import type { Report } from '../index.js';
import type { ExecOutcome, JobExecutor, KeyContext, ResolvedJob } from '../runner/jobs.js';
import { ChainScheduler } from './schedule.js';

/** What the progress display and the logs are told. */
export type BatchEvent =
  /** `listed`: jobs as listed (duplicates included); they are resolved while the first ones run. */
  | { type: 'start'; listed: number }
  /** A job the store already has done under the same key (not run again). */
  | { type: 'skip'; job: ResolvedJob }
  /** Every listed job is resolved: how many distinct jobs, how many skipped, how many to run. */
  | { type: 'resolved'; total: number; skipped: number; toRun: number }
  | { type: 'begin'; job: ResolvedJob; at: number }
  | { type: 'end'; job: ResolvedJob; state: JobState | 'cancelled'; outcome: ExecOutcome; report?: Report }
  | { type: 'stopping'; inFlight: number };

export interface BatchRunOptions {
  store: BatchStore;
  /** The jobs in listing order; an async iterable is read while the first jobs already run. */
  jobs: Iterable<ResolvedJob> | AsyncIterable<ResolvedJob>;
  /** How many jobs are listed (for the display while they are still being resolved). */
  listed?: number;
  executor: JobExecutor;
  keys: KeyContext;
  /** What the jobs came from and how they run, recorded on the run. */
  source: string;
  mode: string;
  /** Run every job even when the store has it done. */
  rescan?: boolean;
  /** Jobs keep the new release's capability summary: a done job without one is run again. */
  summaries?: boolean;
  /** Aborted: start no new job; the ones in flight finish and are recorded (first Ctrl-C). */
  stop?: AbortSignal;
  /** Aborted: abandon the jobs in flight too, recording none of them (second Ctrl-C). */
  cancel?: AbortSignal;
  now?: () => Date;
  onEvent?: (e: BatchEvent) => void;
}

export interface BatchSummary {
  runId: number;
  total: number;
  skipped: number;
  done: number;
  errors: number;
  failed: number;
  /** Attempts beyond the first, over all recorded jobs (queue retries). */
  retries: number;
  /** Jobs not run because the run was stopped; a rerun does them. */
  notRun: number;
  interrupted: boolean;
  verdicts: Record<string, number>;
}

/** Runs a batch to the end or to a stop; see the module comment. */
export async function runBatch(o: BatchRunOptions): Promise<BatchSummary> {
  const now = o.now ?? (() => new Date());
  const emit = o.onEvent ?? (() => undefined);
  const cancel = o.cancel ?? new AbortController().signal;
  const listed = o.listed ?? (Array.isArray(o.jobs) ? o.jobs.length : 0);
  const runId = o.store.startRun({ ...o.keys, source: o.source, mode: o.mode, jobsTotal: listed, jobsSkipped: 0, now: now() });
  const s: BatchSummary = { runId, total: 0, skipped: 0, done: 0, errors: 0, failed: 0, retries: 0, notRun: 0, interrupted: false, verdicts: {} };
  emit({ type: 'start', listed });

  const record = (job: ResolvedJob, started: Date, out: ExecOutcome): JobState | undefined => {
    if (!out.ok && out.failure === 'cancelled') {
      emit({ type: 'end', job, state: 'cancelled', outcome: out });
      return undefined;
    }
    const state: JobState = out.ok ? 'done' : out.failure === 'failed' ? 'failed' : 'error';
    const report = out.ok ? out.report : undefined;
    const attempts = out.attempts ?? 1;
    o.store.recordJob({
      key: job.key, runId, crate: job.crate ?? report?.crate.name ?? null,
      oldVersion: job.oldVersion ?? report?.crate.old ?? null, newVersion: job.newVersion ?? report?.crate.new ?? null,
      oldInput: job.oldInput, newInput: job.newInput, oldDigest: job.oldDigest, newDigest: job.newDigest, ...o.keys,
      state, failure: out.ok ? undefined : out.failure, error: out.ok ? undefined : out.error, attempts, report,
      publishedAt: job.publishedAt, startedAt: started.toISOString(), finishedAt: now().toISOString(), ms: out.ms, worker: out.worker,
      summary: out.ok ? out.summary : undefined,
    });
    s.retries += Math.max(0, attempts - 1);
    if (state === 'done') {
      s.done++;
      s.verdicts[report!.verdict] = (s.verdicts[report!.verdict] ?? 0) + 1;
    } else if (state === 'failed') s.failed++;
    else s.errors++;
    emit({ type: 'end', job, state, outcome: out, report });
    return state;
  };

  const schedule = new ChainScheduler();
  // The same pair listed twice is one job.
  const seen = new Set<string>();
  let inFlight = 0;
  let resolving = true;
  let complete = false;
  // Set by the first failure of the run itself (an executor or the store throwing, a listing that
  // throws): no new job starts, the ones in flight end, then the run rejects with it.
  let failure: { error: unknown } | undefined;
  const stopped = () => o.stop?.aborted === true || cancel.aborted;
  // Resolves on a stop, a cancel or a failure: the listing is then abandoned at once, even while a
  // slow input is being read.
  let wake: () => void = () => undefined;
  const halted = new Promise<'halt'>((r) => (wake = () => r('halt')));
  cancel.addEventListener('abort', () => wake(), { once: true });
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      failure ??= { error };
      wake();
      pump();
    };
    const launch = (job: ResolvedJob) => {
      inFlight++;
      const started = now();
      let outcome: Promise<ExecOutcome>;
      try {
        emit({ type: 'begin', job, at: performance.now() });
        outcome = job.inputError
          ? Promise.resolve({ ok: false, failure: 'input', error: job.inputError, ms: 0 })
          : o.executor.execute(job, cancel);
      } catch (e) {
        outcome = Promise.reject(e);
      }
      Promise.resolve(outcome)
        .then((out) => record(job, started, out))
        .then((state) => (state && o.executor.settled ? o.executor.settled(job, state).catch(() => undefined) : undefined))
        .then(
          () => {
            inFlight--;
            schedule.finished(job);
            pump();
          },
          (e: unknown) => {
            inFlight--;
            schedule.finished(job);
            fail(e);
          },
        );
    };
    const pump = () => {
      if (settled) return;
      const halt = stopped() || failure !== undefined;
      while (!halt && inFlight < o.executor.slots) {
        const job = schedule.take();
        if (!job) break;
        launch(job);
      }
      // Done when nothing runs and nothing more will: every job resolved and run, or a halt.
      if (inFlight === 0 && !resolving && (halt || schedule.waiting === 0)) {
        settled = true;
        if (failure) reject(failure.error);
        else resolve();
      }
    };
    o.stop?.addEventListener('abort', () => {
      wake();
      emit({ type: 'stopping', inFlight });
      pump();
    }, { once: true });
    // Jobs are resolved (their inputs read and hashed) one by one while the first ones already run.
    void (async () => {
      const jobs = o.jobs;
      const it: Iterator<ResolvedJob> | AsyncIterator<ResolvedJob> = Symbol.asyncIterator in jobs
        ? (jobs as AsyncIterable<ResolvedJob>)[Symbol.asyncIterator]()
        : (jobs as Iterable<ResolvedJob>)[Symbol.iterator]();
      try {
        for (;;) {
          if (stopped() || failure) break;
          const next = await Promise.race([Promise.resolve(it.next()), halted]);
          if (next === 'halt') break;
          if (next.done) {
            complete = true;
            emit({ type: 'resolved', total: s.total, skipped: s.skipped, toRun: s.total - s.skipped });
            break;
          }
          const job = next.value;
          if (seen.has(job.key)) continue;
          seen.add(job.key);
          s.total++;
          if (!o.rescan && o.store.doneKeys([job.key], o.summaries === true).has(job.key)) {
            s.skipped++;
            emit({ type: 'skip', job });
            continue;
          }
          schedule.add(job);
          pump();
        }
      } catch (e) {
        failure ??= { error: e };
      } finally {
        resolving = false;
        // An abandoned listing is closed (an async generator finishes its current step first).
        if (!complete) void Promise.resolve(it.return?.()).catch(() => undefined);
        pump();
      }
    })();
  }).catch((e: unknown) => {
    // The run ends without its listing: what was recorded stays, a rerun does the rest.
    o.store.finishRun(runId, 'interrupted', now(), { jobsTotal: s.total, jobsSkipped: s.skipped });
    throw e;
  });
  const recorded = s.done + s.errors + s.failed;
  // Jobs a stop left unresolved count as not run too (as listed: duplicates among them are unknown).
  s.notRun = Math.max(0, (complete ? s.total : Math.max(s.total, listed)) - s.skipped - recorded);
  s.interrupted = s.notRun > 0 || !complete;
  o.store.finishRun(runId, s.interrupted ? 'interrupted' : 'done', now(), { jobsTotal: s.total, jobsSkipped: s.skipped });
  return s;
}
