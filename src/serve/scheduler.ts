import type { ScanJob, ScanOutcome } from '../runner/index.js';
import type { BlobStore } from './blobs.js';
import type { ReleaseService } from './releases.js';
import { checkOutcome, type ScanBase } from './bases.js';
import { UnfetchableError } from './errors.js';

/** Runs before a scan: makes sure the tarballs it reads are in the blob store (the mirror fetches them from upstream). */
export type PrepareScan = (id: number, inputs: { crate: string; version: string; blob: string; base: ScanBase | null }) => Promise<void>;

/** How long a scan whose tarball could not be fetched waits before it is tried again (doubling, at most an hour). */
const DEFER_MS = [30_000, 60_000, 120_000, 300_000, 900_000, 3_600_000];

/** Where scans run: the in-process worker pool, or queue workers reading the same blob folder. */
export interface ScanExecutor {
  /** Scans that may run at once. */
  readonly slots: number;
  run(job: ScanJob): Promise<ScanOutcome>;
}

/**
 * Runs queued scans on the worker pool, never in a request. The queue is the `serve_scan_queue`
 * table: a release leaves it only in the transaction that records its result, so a restart (even
 * after kill -9) finds every unfinished scan there and runs it again.
 */
export class ScanScheduler {
  private readonly inFlight = new Set<number>();
  /** Scans put off because their tarball could not be fetched, and how often. */
  private readonly deferrals = new Map<number, number>();
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly service: ReleaseService,
    private readonly blobs: BlobStore,
    private readonly executor: ScanExecutor,
    private readonly options: { maxAttempts?: number; onError?: (e: Error) => void; timeoutMs?: number; prepare?: PrepareScan; defer?: (id: number, until: Date, reason: string) => void; now?: () => Date } = {},
  ) {}

  /** Starts scans for queued releases while workers are free. */
  kick(): void {
    if (this.closed) return;
    for (const q of this.service.queued()) {
      if (this.inFlight.size >= this.executor.slots) break;
      if (this.inFlight.has(q.releaseId)) continue;
      this.inFlight.add(q.releaseId);
      void this.scan(q.releaseId).finally(() => {
        this.inFlight.delete(q.releaseId);
        this.kick();
        if (this.inFlight.size === 0 && this.service.queued().length === 0) this.flushWaiters();
      });
    }
    if (this.inFlight.size === 0 && this.service.queued().length === 0) this.flushWaiters();
  }

  private flushWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async scan(id: number): Promise<void> {
    try {
      const inp = this.service.scanInputs(id);
      if (this.options.prepare && !(await this.prepared(id, inp))) return;
      const run = this.executor.run({
        id: String(id),
        old: inp.base ? { path: this.blobs.pathOf(inp.base.blob) } : null,
        new: { path: this.blobs.pathOf(inp.blob) },
        withHunks: true,
      });
      // Whatever runs the scan (the local pool, queue workers), its answer is checked against the job.
      const outcome = checkOutcome(await this.bounded(run, id), inp, inp.base);
      if (this.closed) return; // shutting down: the queue row stays, the scan runs again at start
      if (!outcome.ok && outcome.failure !== 'input') {
        const attempts = this.service.scanAttempt(id);
        if (attempts < (this.options.maxAttempts ?? 3)) return; // kick() retries it
      }
      // False when the base was revoked during the scan: the row stays queued and kick() runs it again.
      this.service.scanned(id, outcome, inp.base);
    } catch (e) {
      // Never a tight loop: an unexpected failure counts as an attempt like a crashed worker.
      this.options.onError?.(e as Error);
      if (this.closed) return;
      if (this.service.scanAttempt(id) >= (this.options.maxAttempts ?? 3)) {
        this.service.scanned(id, { id: String(id), ok: false, failure: 'crash', error: (e as Error).message, ms: 0 }, null);
      }
    }
  }

  /**
   * Fetches what the scan reads. A tarball that does not match the upstream index (or is not the
   * release it claims) rejects the release at once; an upstream that cannot be reached puts the
   * scan off, uncounted, for a while (the release stays not usable meanwhile).
   */
  private async prepared(id: number, inp: Parameters<PrepareScan>[1]): Promise<boolean> {
    try {
      await this.options.prepare!(id, inp);
      this.deferrals.delete(id);
      return true;
    } catch (e) {
      if (!(e instanceof UnfetchableError) || this.closed) throw e;
      if (e.permanent) {
        this.service.scanned(id, { id: String(id), ok: false, failure: 'input', error: e.message, ms: 0 }, inp.base);
        return false;
      }
      const n = this.deferrals.get(id) ?? 0;
      this.deferrals.set(id, n + 1);
      const now = this.options.now?.() ?? new Date();
      this.options.defer?.(id, new Date(now.getTime() + DEFER_MS[Math.min(n, DEFER_MS.length - 1)]), e.message);
      this.options.onError?.(e);
      return false;
    }
  }

  /** A scan that never answers (a lost queue job, a stuck worker) becomes a timed-out attempt instead of a slot held forever. */
  private bounded(run: Promise<ScanOutcome>, id: number): Promise<ScanOutcome> {
    const ms = this.options.timeoutMs;
    if (!ms) return run;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ScanOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ id: String(id), ok: false, failure: 'timeout', error: `no scan result within ${Math.round(ms / 1000)} s`, ms }), ms);
      timer.unref();
    });
    return Promise.race([run, late]).finally(() => clearTimeout(timer));
  }

  /** Resolves when no scan is queued or running (tests, benchmarks, orderly shutdown). */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.service.queued().length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.flushWaiters();
  }
}
