/**
 * Watches one Redis server for a coordinator or a worker: a connection of its own that pings, so an
 * outage is noticed whatever BullMQ is doing. It prints one line when an outage starts and one when
 * it ends (never a stack trace), and gives up — `lost` settles with a QueueError — when the server
 * stays unreachable past the budget or refuses the login. The caller then closes its queue objects
 * and ends with exit 2. The errors BullMQ's own connections emit are handed to `noteError`, which
 * only remembers them (their reconnection is ioredis's business, bounded by this monitor).
 */
import { Redis } from 'ioredis';
import { QueueError, redact, type RedisTarget } from './connection.js';

export interface MonitorOptions {
  /** How long Redis may stay unreachable (at start or later) before giving up (default 30 s). */
  budgetMs?: number;
  /** How often the connection is pinged while up (default 5 s; a ping unanswered that long is an outage). */
  pingMs?: number;
  /** Where the outage lines go (one line each, without a newline). */
  log: (line: string) => void;
}

const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH failed|NOPERM/i;

/** See the module comment. */
export class RedisMonitor {
  /** A Redis client for short commands (pings, reading job fields). */
  readonly client: Redis;
  /** Settles when the monitor gives up; never rejects. */
  readonly lost: Promise<QueueError>;
  private giveUp!: (e: QueueError) => void;
  private downSince: number | undefined;
  private lastError: string | undefined;
  private announced = false;
  private failed: QueueError | undefined;
  private readonly timer: NodeJS.Timeout;
  private lastPing = 0;
  private pinging = false;
  private readonly budgetMs: number;
  private readonly pingMs: number;

  constructor(private readonly target: RedisTarget, private readonly o: MonitorOptions) {
    this.budgetMs = o.budgetMs ?? 30_000;
    this.pingMs = o.pingMs ?? 5000;
    this.lost = new Promise((resolve) => (this.giveUp = resolve));
    this.client = new Redis({ ...target.connection, lazyConnect: true, enableReadyCheck: true });
    this.client.on('error', (e: Error) => this.noteError(e));
    this.client.on('close', () => this.down());
    this.client.on('ready', () => this.up());
    this.timer = setInterval(() => this.tick(), 250);
    this.timer.unref();
  }

  /** The error that made the monitor give up, if it did. */
  get error(): QueueError | undefined {
    return this.failed;
  }

  /** Connects; resolves once Redis answers, rejects with a QueueError when it does not within the budget. */
  async start(): Promise<void> {
    this.down();
    // Its rejection says only "Connection is closed."; the error events say why.
    this.client.connect().catch(() => undefined);
    const ready = new Promise<void>((resolve) => this.client.once('ready', () => resolve()));
    const r = await Promise.race([ready.then(() => undefined), this.lost]);
    if (r) throw r;
  }

  /** Remembers an error of any connection to this server; a refused login ends at once. */
  noteError(e: unknown): void {
    const msg = redact(String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300), this.target.secrets);
    // A closed connection's pending commands say only that: keep the reason it closed.
    if (/^Connection is closed\.?$/.test(msg) && this.lastError !== undefined) return;
    this.lastError = msg;
    if (AUTH_REFUSED.test(msg)) this.fail(`Redis at ${this.target.redacted} refused the login: ${msg}`);
  }

  private down(): void {
    if (this.failed || this.downSince !== undefined) return;
    this.downSince = Date.now();
  }

  private up(): void {
    if (this.failed) return;
    if (this.announced && this.downSince !== undefined) {
      this.o.log(`Redis at ${this.target.redacted} reachable again after ${((Date.now() - this.downSince) / 1000).toFixed(1)} s`);
    }
    this.downSince = undefined;
    this.announced = false;
  }

  private tick(): void {
    if (this.failed) return;
    const now = Date.now();
    if (this.downSince !== undefined) {
      // Announced once per outage, after a first failed attempt has said why.
      if (!this.announced && (this.lastError !== undefined || now - this.downSince > 1000) && this.client.status !== 'ready') {
        this.announced = true;
        this.o.log(`Redis at ${this.target.redacted} unreachable (${this.lastError ?? 'no answer'}); retrying for up to ${Math.round(this.budgetMs / 1000)} s`);
      }
      if (now - this.downSince > this.budgetMs) {
        this.fail(`Redis at ${this.target.redacted} unreachable for ${Math.round((now - this.downSince) / 1000)} s (${this.lastError ?? 'no answer'})`);
      }
      return;
    }
    if (this.pinging || now - this.lastPing < this.pingMs) return;
    this.pinging = true;
    this.lastPing = now;
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.pingMs).unref());
    void Promise.race([this.client.ping(), timeout])
      .then((r) => {
        if (r === 'timeout') {
          this.lastError = `no answer to a ping within ${this.pingMs} ms`;
          this.down();
          // A connection that stopped answering without closing: start over.
          this.client.disconnect(true);
        }
      }, (e: unknown) => this.noteError(e))
      .finally(() => (this.pinging = false));
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = new QueueError(message);
    clearInterval(this.timer);
    this.giveUp(this.failed);
  }

  /** Stops watching and closes the connection. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.client.disconnect(false);
  }
}
