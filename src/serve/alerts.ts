import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../store/index.js';
import { isOwnRelease } from './policy.js';
import { crateKey } from './manifest.js';
import { postWebhook, type TargetPolicy } from './webhooks.js';

export type EventKind = 'quarantined' | 'released' | 'rejected' | 'revoked' | 'cooling-off';

/** Signature header value for a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function signBody(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Checks a signature header as a receiver would: right MAC and a timestamp inside the replay window. */
export function verifySignature(secret: string, body: string, header: string, nowSeconds: number, windowSeconds = 300): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowSeconds - t) > windowSeconds) return false;
  return signBody(secret, body, t) === header;
}

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/**
 * Records an alert and one outbox row per matching subscription, inside the caller's transaction:
 * the state change, the feed entry and the pending deliveries are committed together or not at all.
 */
export function recordEvent(db: Db, release: { id: number; crate: string; crate_key: string; version: string }, kind: EventKind, detail: Record<string, unknown>, now: Date): number {
  const body = JSON.stringify({ event: kind, crate: release.crate, version: release.version, release: release.id, at: now.toISOString(), ...detail });
  const id = Number(db.prepare('INSERT INTO serve_events (release_id, kind, body_json, created_at) VALUES (?, ?, ?, ?)').run(release.id, kind, body, now.toISOString()).lastInsertRowid);
  const subs = db.prepare('SELECT id FROM serve_subscriptions WHERE crate IS NULL OR crate = ?').all(release.crate_key) as Array<{ id: number }>;
  const ins = db.prepare('INSERT OR IGNORE INTO serve_outbox (event_id, subscription_id, next_attempt_at) VALUES (?, ?, ?)');
  for (const s of subs) ins.run(id, s.id, now.toISOString());
  return id;
}

export interface DelivererOptions {
  maxAttempts: number;
  baseDelayMs: number;
  now: () => Date;
  timeoutMs?: number;
  onError?: (e: Error) => void;
  /** Which targets a delivery may connect to (checked on the address each delivery resolves). */
  targets: TargetPolicy;
}

/**
 * The body a subscriber receives: who was drawn to review a release is for admins and for the
 * release's publisher and owners only; anyone else's catch-all subscription gets the event without it.
 */
export function bodyFor(db: Db, body: string, subscriber: { id: number; role: string }, release: { crate_key: string; publisher_id: number }): string {
  if (subscriber.role === 'admin' || isOwnRelease(db, { crateKey: release.crate_key, publisherId: release.publisher_id }, subscriber.id)) return body;
  return withoutReviewers(body);
}

/** An event body without the names of the reviewers drawn for the release. */
function withoutReviewers(body: string): string {
  const o = JSON.parse(body) as Record<string, unknown>;
  if (!('reviewers' in o)) return body;
  delete o.reviewers;
  return JSON.stringify(o);
}

/**
 * Delivers the outbox: each pending delivery is POSTed with its signature; a failure is retried with
 * exponential backoff (capped at an hour) until `maxAttempts`. The outbox is a table, so a restart
 * loses nothing: whatever was not delivered is picked up again.
 */
export class Deliverer {
  private current: Promise<number> | null = null;

  constructor(private readonly db: Db, private readonly options: DelivererOptions) {}

  /** One pass over the deliveries that are due (after the pass in progress, if any); returns how many were delivered. */
  async runOnce(): Promise<number> {
    while (this.current) await this.current.catch(() => 0);
    this.current = this.pass();
    try {
      return await this.current;
    } finally {
      this.current = null;
    }
  }

  private async pass(): Promise<number> {
    {
      const now = this.options.now();
      const due = this.db
        .prepare(
          `SELECT o.id, o.attempts, e.body_json, s.url, s.secret, u.id AS user_id, u.role, r.crate_key, r.publisher_id FROM serve_outbox o
           JOIN serve_events e ON e.id = o.event_id JOIN serve_subscriptions s ON s.id = o.subscription_id
           JOIN serve_users u ON u.id = s.user_id JOIN serve_releases r ON r.id = e.release_id
           WHERE o.delivered_at IS NULL AND o.attempts < ? AND o.next_attempt_at <= ? ORDER BY o.id LIMIT 100`,
        )
        .all(this.options.maxAttempts, now.toISOString()) as Array<{ id: number; attempts: number; body_json: string; url: string; secret: string; user_id: number; role: string; crate_key: string; publisher_id: number }>;
      let delivered = 0;
      for (const d of due) {
        const t = Math.floor(this.options.now().getTime() / 1000);
        let error: string | null = null;
        try {
          const body = bodyFor(this.db, d.body_json, { id: d.user_id, role: d.role }, d);
          const status = await postWebhook(d.url, { 'content-type': 'application/json', 'x-cratefence-signature': signBody(d.secret, body, t), 'user-agent': 'cratefence-webhooks' }, body, {
            ...this.options.targets,
            timeoutMs: this.options.timeoutMs ?? 10_000,
          });
          if (status < 200 || status >= 300) error = `HTTP ${status}`;
        } catch (e) {
          error = (e as Error).message;
        }
        const at = this.options.now();
        if (error === null) {
          this.db.prepare('UPDATE serve_outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?').run(at.toISOString(), d.id);
          delivered++;
        } else {
          const delay = Math.min(3_600_000, this.options.baseDelayMs * 2 ** d.attempts);
          this.db.prepare('UPDATE serve_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?').run(error, new Date(at.getTime() + delay).toISOString(), d.id);
        }
      }
      return delivered;
    }
  }
}

/**
 * The alerts as a JSON Feed 1.1 (newest first), optionally for one crate (any spelling of its name).
 * Links start with `baseUrl`, the configured public URL, or are relative when there is none: never
 * the request's Host header. The feed is public, so it never names the reviewers drawn.
 */
export function jsonFeed(db: Db, baseUrl: string, crate?: string, limit = 100): Record<string, unknown> {
  const rows = (crate
    ? db.prepare('SELECT id, kind, body_json, created_at FROM serve_events WHERE release_id IN (SELECT id FROM serve_releases WHERE crate_key = ?) ORDER BY id DESC LIMIT ?').all(crateKey(crate), limit)
    : db.prepare('SELECT id, kind, body_json, created_at FROM serve_events ORDER BY id DESC LIMIT ?').all(limit)) as Array<{ id: number; kind: string; body_json: string; created_at: string }>;
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: crate ? `cratefence alerts for ${crate}` : 'cratefence alerts',
    home_page_url: `${baseUrl}/`,
    feed_url: `${baseUrl}/v1/alerts${crate ? `?crate=${encodeURIComponent(crate)}` : ''}`,
    items: rows.map((r) => {
      const b = JSON.parse(r.body_json) as { crate: string; version: string; release: number; reason?: string };
      return {
        id: `cratefence-event-${r.id}`,
        url: `${baseUrl}/v1/releases/${b.release}`,
        title: `${b.crate} ${b.version}: ${r.kind}`,
        content_text: `${b.crate} ${b.version} is ${r.kind}${b.reason ? `: ${b.reason}` : ''}`,
        date_published: r.created_at,
        tags: [r.kind, b.crate],
        _cratefence: JSON.parse(withoutReviewers(r.body_json)) as unknown,
      };
    }),
  };
}
