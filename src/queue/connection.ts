/**
 * The Redis connection that BullMQ uses, from a `redis://[user:password@]HOST:PORT[/DB]` URL, and
 * the queue's names. Every queue of cratefence lives under one BullMQ prefix so that it can share a
 * Redis server with other applications.
 */
import type { ConnectionOptions } from 'bullmq';

/** A queue that cannot be reached or used (bad URL, Redis down, version mismatch). */
export class QueueError extends Error {
  override name = 'QueueError';
}

/** The BullMQ queue holding scan jobs. */
export const QUEUE_NAME = 'scans';
/** The BullMQ key prefix for every cratefence queue. */
export const PREFIX = 'cratefence';

/** Parses a redis:// URL into BullMQ connection options; `redacted` is the URL without its password. */
export function connectionFor(url: string): { connection: ConnectionOptions; redacted: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`--queue: "${url}" is not a URL (expected redis://HOST:PORT)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueError(`--queue: "${u.protocol}" is not redis: or rediss:`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueError(`--queue: "${u.pathname}" is not a database number`);
  const redacted = `${u.protocol}//${u.hostname}:${u.port || 6379}${db ? `/${db}` : ''}`;
  return {
    connection: {
      host: u.hostname || '127.0.0.1',
      port: Number(u.port || 6379),
      db,
      username: u.username ? decodeURIComponent(u.username) : undefined,
      password: u.password ? decodeURIComponent(u.password) : undefined,
      tls: u.protocol === 'rediss:' ? {} : undefined,
      // BullMQ's workers block on Redis: commands must wait for a reconnect rather than fail.
      maxRetriesPerRequest: null,
    },
    redacted,
  };
}
