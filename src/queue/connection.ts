/**
 * The Redis connection that BullMQ uses, from a `redis://` or `rediss://` (TLS) URL, and the queue's
 * names. Every queue of cratefence lives under one BullMQ prefix so that it can share a Redis server
 * with other applications. The password may come from a file or the environment rather than the
 * URL (which shows in `ps` and shell history), and it never reaches a message: every text this layer
 * prints goes through `redact`.
 */
import type { RedisOptions } from 'bullmq';
import { FileReadError, readBoundedTextSync } from '../files/index.js';

/** A queue that cannot be reached or used (bad URL, Redis down, login refused, missing secret). */
export class QueueError extends Error {
  override name = 'QueueError';
}

/**
 * Reads a small file named on the command line (a secret, a password) through the one bounded
 * reader: a regular file only, so a FIFO or a link to /dev/zero is refused at once.
 */
export function readSmallFile(file: string, max: number, what: string, flag: string): string {
  try {
    return readBoundedTextSync(file, { maxBytes: max, what });
  } catch (e) {
    throw e instanceof FileReadError ? new QueueError(`${flag}: ${e.message}`) : e;
  }
}

/** The BullMQ queue holding scan jobs. */
export const QUEUE_NAME = 'scans';
/** The BullMQ key prefix for every cratefence queue. */
export const PREFIX = 'cratefence';
/** The environment variable that may hold the Redis password. */
export const PASSWORD_ENV = 'CRATEFENCE_REDIS_PASSWORD';

/** Where a Redis server is and how to log in, with what must never be printed. */
export interface RedisTarget {
  /** ioredis options (BullMQ passes them on), including the bounded reconnection backoff. */
  connection: RedisOptions;
  /** The URL without user or password, for messages. */
  redacted: string;
  /** Strings that `redact` removes from every message (the password, as given and URL-encoded). */
  secrets: string[];
}

/** The Redis password from `--redis-password-file FILE`, else from CRATEFENCE_REDIS_PASSWORD; undefined when neither is given. */
export function redisPassword(o: { file?: string; env?: NodeJS.ProcessEnv } = {}): string | undefined {
  if (o.file !== undefined) {
    const text = readSmallFile(o.file, 4096, 'Redis password file', '--redis-password-file').replace(/\r?\n$/, '');
    if (!text) throw new QueueError(`--redis-password-file: ${o.file} is empty`);
    return text;
  }
  const v = (o.env ?? process.env)[PASSWORD_ENV];
  return v ? v : undefined;
}

/** Replaces every secret, and any `user:password@` of a URL, in a message. */
export function redact(message: string, secrets: readonly string[]): string {
  let out = message.replace(/(\/\/[^\s:@/]*):[^\s@/]*@/g, '$1:***@');
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/**
 * Parses a redis:// or rediss:// URL into connection options. `password` (from a file or the
 * environment) replaces one in the URL. The URL itself is never quoted in an error: it may hold a
 * password.
 */
export function redisTarget(url: string, o: { password?: string } = {}): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Quoted only when it cannot hold a password.
    const shown = url.includes('@') ? 'the value' : `"${url}"`;
    throw new QueueError(`--queue: ${shown} is not a URL (expected redis://HOST:PORT or rediss://HOST:PORT)`);
  }
  const fromUrl = u.password ? decodeURIComponent(u.password) : undefined;
  const password = o.password ?? fromUrl;
  const secrets = [password, fromUrl, u.password].filter((s): s is string => !!s);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueError(`--queue: "${u.protocol}" is not redis: or rediss:`);
  if (!u.hostname) throw new QueueError('--queue: the URL names no host (expected redis://HOST:PORT)');
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueError(`--queue: "${redact(u.pathname, secrets)}" is not a database number`);
  const port = Number(u.port || 6379);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const redacted = `${u.protocol}//${u.hostname}:${port}${db ? `/${db}` : ''}`;
  return {
    connection: {
      host,
      port,
      db,
      username: u.username ? decodeURIComponent(u.username) : undefined,
      password,
      // rediss://: TLS with the system's CAs (NODE_EXTRA_CA_CERTS adds a private one); the server's
      // certificate must name the host.
      tls: u.protocol === 'rediss:' ? {} : undefined,
      connectTimeout: 5000,
      // BullMQ's workers block on Redis: commands wait for a reconnect rather than fail. How long
      // an outage may last is decided by RedisMonitor, which closes everything when it gives up.
      maxRetriesPerRequest: null,
      retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    },
    redacted,
    secrets,
  };
}
