/**
 * The coordinator's side of distributed mode: a BullMQ `Queue` to add scan jobs, each signed with
 * the secret shared with the workers and carrying this run's nonce (its BullMQ id is the job key
 * and the nonce, so nothing planted or left under the key before this run is ever read). The
 * answers are read back from Redis and checked (verify.ts) before the batch writes them to its own
 * store: it stays the only writer. Every wait is bounded: a job that vanishes from Redis (deleted,
 * FLUSHALL) ends as that job's error at the next poll, and a Redis that stays unreachable or refuses
 * the login ends every wait with a QueueError (the run then stops with exit 2). A job that used up
 * its attempts is in BullMQ's failed set (the dead letters) and is recorded as `failed`.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { jobLabel, type ExecOutcome, type JobExecutor, type KeyContext, type ResolvedJob } from '../runner/jobs.js';
import { PREFIX, QUEUE_NAME, QueueError, redisTarget } from './connection.js';
import { RedisMonitor } from './monitor.js';
import { sign, type QueueSecret } from './secret.js';
import { FORMAT, MAX_RESULT_BYTES, jobFields, settingsDigest, type QueuedScan } from './types.js';
import { checkResult, type Expected } from './verify.js';

export interface QueueExecutorOptions {
  keys: KeyContext;
  /** The secret shared with the workers (see secret.ts). */
  secret: QueueSecret;
  /** The Redis password, when not in the URL (from a file or the environment). */
  password?: string;
  /** Attempts per job before it is a dead letter (default 3). */
  attempts?: number;
  /** First retry delay; doubled at each attempt (default 2000 ms). */
  backoffMs?: number;
  /** Jobs kept queued at once (default 1000). */
  slots?: number;
  /** How often the jobs waited for are looked up in Redis (default 1000 ms). */
  pollMs?: number;
  /** How long Redis may stay unreachable before every wait ends (default 30 s). */
  redisBudgetMs?: number;
  /** Where connection lines go (Redis lost, back again); default stderr. */
  log?: (line: string) => void;
}

interface Waiter {
  job: ResolvedJob;
  expect: Expected;
  t0: number;
  done: (o: ExecOutcome) => void;
  fail: (e: Error) => void;
}

/** Runs batch jobs through workers behind a BullMQ queue. */
export class QueueExecutor implements JobExecutor {
  readonly slots: number;
  /** This run's nonce: the answers of other runs are never taken. */
  readonly run = randomBytes(16).toString('hex');
  private readonly waiters = new Map<string, Waiter[]>();
  /** Ids whose outcome was handed out: running the same job again in this run (a service's retry) starts it afresh. */
  private readonly collected = new Set<string>();
  private readonly cancelHooks = new WeakMap<AbortSignal, Set<() => void>>();
  private readonly timer: NodeJS.Timeout;
  private polling = false;
  private readonly settings: string;

  private constructor(
    private readonly queue: Queue,
    private readonly monitor: RedisMonitor,
    private readonly o: QueueExecutorOptions,
    readonly redacted: string,
  ) {
    this.slots = o.slots ?? 1000;
    this.settings = settingsDigest();
    this.timer = setInterval(() => void this.poll(), o.pollMs ?? 1000);
    this.timer.unref();
    // Redis lost for good: every job still waited for ends with the reason, and so does the run.
    void monitor.lost.then((e) => this.abandon(e));
  }

  /** Connects to the queue at `url`; rejects with a QueueError when Redis cannot be reached within the budget or refuses the login. */
  static async connect(url: string, o: QueueExecutorOptions): Promise<QueueExecutor> {
    const target = redisTarget(url, { password: o.password });
    const monitor = new RedisMonitor(target, { budgetMs: o.redisBudgetMs, log: o.log ?? ((l) => process.stderr.write(`cratefence: ${l}\n`)) });
    try {
      await monitor.start();
    } catch (e) {
      await monitor.close();
      throw e;
    }
    const queue = new Queue(QUEUE_NAME, { connection: target.connection, prefix: PREFIX });
    queue.on('error', (e) => monitor.noteError(e));
    const ready = queue.waitUntilReady();
    ready.catch(() => undefined);
    const lost = await Promise.race([ready.then(() => undefined), monitor.lost]);
    if (lost) {
      await Promise.allSettled([queue.disconnect(), monitor.close()]);
      throw lost;
    }
    return new QueueExecutor(queue, monitor, o, target.redacted);
  }

  /** Settles when Redis stayed unreachable past the budget or refused the login (every wait has then ended). */
  get lost(): Promise<QueueError> {
    return this.monitor.lost;
  }

  private id(key: string): string {
    return `${key}-${this.run}`;
  }

  async execute(job: ResolvedJob, cancel: AbortSignal): Promise<ExecOutcome> {
    const t0 = performance.now();
    if (this.monitor.error) throw this.monitor.error;
    const id = this.id(job.key);
    // Before anyone waits on the id again, so that the earlier outcome cannot be read for this one.
    if (this.collected.delete(id)) await this.queue.remove(id).catch((e: unknown) => Promise.reject(this.monitor.error ?? e));
    const body: Omit<QueuedScan, 'sig'> = {
      v: FORMAT, key: job.key, run: this.run, label: jobLabel(job), old: job.old, new: job.new,
      oldDigest: job.oldDigest, newDigest: job.newDigest, ...this.o.keys, settingsDigest: this.settings,
    };
    const data: QueuedScan = { ...body, sig: sign(this.o.secret.job, jobFields(body)) };
    const expect: Expected = { key: job.key, run: this.run, oldDigest: job.oldDigest, newDigest: job.newDigest, ...this.o.keys, settingsDigest: this.settings };
    let unhook: (() => void) | undefined;
    let waiter: Waiter | undefined;
    const outcome = new Promise<ExecOutcome>((resolve, reject) => {
      const w: Waiter = (waiter = { job, expect, t0, done: resolve, fail: reject });
      const list = this.waiters.get(id) ?? [];
      list.push(w);
      this.waiters.set(id, list);
      unhook = this.onCancel(cancel, () => {
        this.drop(id, w);
        resolve({ ok: false, failure: 'cancelled', error: 'cancelled (the queued job is left to age out of Redis)', ms: Math.round(performance.now() - t0) });
      });
    });
    // Redis may be lost while the job is still being added: the rejection is read below, not unhandled.
    outcome.catch(() => undefined);
    try {
      // Adding the same id again (the same job twice in one run) adds nothing. With Redis lost, the
      // queue is disconnected (see abandon), which rejects a pending add.
      await this.queue.add('scan', data, {
        jobId: id,
        attempts: this.o.attempts ?? 3,
        backoff: { type: 'exponential', delay: this.o.backoffMs ?? 2000 },
        // Removed by the coordinator once recorded (`settled`); what a dead coordinator leaves ages out.
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      }).catch((e: unknown) => {
        this.drop(id, waiter!);
        throw e;
      });
      return await outcome;
    } catch (e) {
      throw this.monitor.error ?? e;
    } finally {
      unhook?.();
    }
  }

  /** One listener per signal however many jobs wait on it (a thousand listeners would warn of a leak). */
  private onCancel(signal: AbortSignal, fn: () => void): () => void {
    if (signal.aborted) {
      fn();
      return () => undefined;
    }
    let hooks = this.cancelHooks.get(signal);
    if (!hooks) {
      const set = new Set<() => void>();
      hooks = set;
      this.cancelHooks.set(signal, set);
      signal.addEventListener('abort', () => set.forEach((f) => f()), { once: true });
    }
    hooks.add(fn);
    return () => hooks.delete(fn);
  }

  private drop(id: string, w: Waiter): void {
    const list = (this.waiters.get(id) ?? []).filter((x) => x !== w);
    if (list.length) this.waiters.set(id, list);
    else this.waiters.delete(id);
  }

  private finish(id: string, outcome: (w: Waiter) => ExecOutcome): void {
    const list = this.waiters.get(id) ?? [];
    this.waiters.delete(id);
    this.collected.add(id);
    for (const w of list) w.done(outcome(w));
  }

  /**
   * Looks up every job waited for in one round trip: a job whose hash is gone vanished from Redis
   * (its error, at once); a finished one is read and checked. Polling rather than the events stream:
   * nothing a stranger writes to the stream is parsed, and a lost event cannot strand a job.
   */
  private async poll(): Promise<void> {
    if (this.polling || this.waiters.size === 0 || this.monitor.error || this.monitor.client.status !== 'ready') return;
    this.polling = true;
    try {
      const ids = [...this.waiters.keys()];
      const pipe = this.monitor.client.pipeline();
      for (const id of ids) pipe.hmget(this.queue.toKey(id), 'timestamp', 'finishedOn');
      const rows = (await pipe.exec()) ?? [];
      await Promise.all(ids.map(async (id, i) => {
        const [err, fields] = rows[i] ?? [];
        if (err || !Array.isArray(fields)) return;
        const [timestamp, finishedOn] = fields as Array<string | null>;
        if (timestamp === null) {
          this.finish(id, (w) => ({ ok: false, failure: 'vanished', error: 'the queued job vanished from Redis (deleted, or Redis emptied or restarted without persistence)', ms: Math.round(performance.now() - w.t0) }));
        } else if (finishedOn !== null) await this.collect(id);
      }));
    } catch {
      // A failed lookup is retried at the next poll; an outage is the monitor's to bound.
    } finally {
      this.polling = false;
    }
  }

  /** Reads a finished job's outcome: the checked answer, or the dead letter's reason. */
  private async collect(id: string): Promise<void> {
    const key = this.queue.toKey(id);
    const state = await this.queue.getJobState(id);
    const c = this.monitor.client;
    if (state === 'completed') {
      const size = await c.hstrlen(key, 'returnvalue');
      const raw = size > 0 && size <= MAX_RESULT_BYTES ? await c.hget(key, 'returnvalue') : null;
      this.finish(id, (w) => {
        const ms = Math.round(performance.now() - w.t0);
        const r = checkResult(raw, size, w.expect, this.o.secret);
        if (r.kind === 'report') return { ok: true, report: r.report, ms: r.ms, attempts: r.attempt, worker: r.worker };
        if (r.kind === 'failure') return { ok: false, failure: r.failure, error: r.error, ms: r.ms, attempts: r.attempt, worker: r.worker };
        return { ok: false, failure: 'refused', error: `result refused: ${r.reason}`, ms, worker: r.worker };
      });
    } else if (state === 'failed') {
      const [reason, ats] = await c.hmget(key, 'failedReason', 'ats');
      const error = (reason ?? 'failed').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 1000);
      this.finish(id, (w) => ({ ok: false, failure: 'failed', error, ms: Math.round(performance.now() - w.t0), attempts: Math.max(1, Math.min(1e6, Number(ats) || 1)) }));
    }
  }

  /** Redis is lost for good: every wait ends with the reason, and the queue stops reconnecting. */
  private abandon(e: QueueError): void {
    clearInterval(this.timer);
    const all = [...this.waiters.values()].flat();
    this.waiters.clear();
    for (const w of all) w.fail(e);
    void this.queue.disconnect().catch(() => undefined);
  }

  /** The coordinator recorded the job: its BullMQ job leaves Redis unless it is a dead letter (kept in the failed set). */
  async settled(job: ResolvedJob, state: string): Promise<void> {
    if (state !== 'done' && state !== 'error') return;
    if (this.monitor.error) return;
    const id = this.id(job.key);
    this.collected.delete(id);
    if ((await this.queue.getJobState(id)) === 'completed') await this.queue.remove(id);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 2000).unref())]);
    await Promise.allSettled([bounded(this.monitor.error ? this.queue.disconnect() : this.queue.close()), this.monitor.close()]);
  }
}
