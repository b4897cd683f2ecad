/**
 * The secret a coordinator shares with its workers, and the HMAC-SHA256 signatures made with it.
 * The coordinator signs each job it enqueues, the worker signs its answer over the job it answers:
 * whoever can only reach Redis can delete or delay jobs, but cannot make a worker scan other inputs
 * nor make the coordinator record a result no worker produced. The secret comes from a file or the
 * environment, never from the command line (which `ps` shows), and is never printed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { QueueError, readSmallFile } from './connection.js';

/** The environment variable that may hold the shared secret. */
export const SECRET_ENV = 'CRATEFENCE_QUEUE_SECRET';
/** Shortest secret accepted: 32 characters (for example `openssl rand -hex 32`). */
export const MIN_SECRET_LENGTH = 32;

/** The two keys derived from the shared secret: one signs jobs, the other results. */
export interface QueueSecret {
  readonly job: Buffer;
  readonly result: Buffer;
}

/**
 * The shared secret from `--queue-secret-file FILE`, else from CRATEFENCE_QUEUE_SECRET. Queue mode
 * refuses to run without one: an unsigned queue lets anyone who reaches Redis decide the results.
 */
export function loadQueueSecret(o: { file?: string; env?: NodeJS.ProcessEnv } = {}): QueueSecret {
  let text: string | undefined;
  let where: string;
  if (o.file !== undefined) {
    text = readSmallFile(o.file, 4096, 'queue secret file', '--queue-secret-file').replace(/\r?\n$/, '');
    where = `--queue-secret-file ${o.file}`;
  } else {
    text = (o.env ?? process.env)[SECRET_ENV];
    where = SECRET_ENV;
  }
  if (!text) {
    throw new QueueError(
      `queue mode needs the secret shared by the coordinator and its workers: --queue-secret-file FILE or ${SECRET_ENV} (at least ${MIN_SECRET_LENGTH} characters, e.g. from \`openssl rand -hex 32\`)`,
    );
  }
  if (text.length < MIN_SECRET_LENGTH) throw new QueueError(`${where}: the queue secret has ${text.length} characters, fewer than ${MIN_SECRET_LENGTH}`);
  const derive = (purpose: string) => createHmac('sha256', text).update(`cratefence queue ${purpose} v1`).digest();
  return { job: derive('job signing'), result: derive('result signing') };
}

/** HMAC-SHA256 (hex) over the fields, in order; the fields are JSON-encoded so that no two lists encode alike. */
export function sign(key: Buffer, fields: readonly unknown[]): string {
  return createHmac('sha256', key).update(JSON.stringify(fields)).digest('hex');
}

/** True when `sig` is the signature of the fields under `key` (compared in constant time). */
export function verify(key: Buffer, fields: readonly unknown[], sig: unknown): boolean {
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return false;
  return timingSafeEqual(Buffer.from(sign(key, fields), 'hex'), Buffer.from(sig, 'hex'));
}
