import { RegistryError } from './errors.js';

/** How the client talks HTTP: every request goes through `getBytes`. */
export interface HttpOptions {
  /** Per-attempt limit, from the request to the last body byte (default 30 s). */
  timeoutMs: number;
  /** Extra attempts after a network error, a timeout, 429 or 5xx (default 3). */
  retries: number;
  /** First wait before a retry; doubled each time, with jitter (default 500 ms). */
  backoffMs: number;
  userAgent: string;
  /** Largest body accepted; a bigger answer is refused, never truncated. */
  maxBytes: number;
  /**
   * The caller's overall deadline (e.g. `lock --timeout`): once aborted, a request in flight stops,
   * no retry is made and the waits between attempts end at once.
   */
  signal?: AbortSignal;
}

/** What came back: a body, or "not found" (404/410/451, which cargo also reads as absent). */
export type HttpResult = { status: 'ok'; body: Buffer } | { status: 'missing'; code: number };

/** Validators of a copy kept from an earlier answer, sent as `If-None-Match` / `If-Modified-Since`. */
export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
}

/** A conditional GET's answer: a new body with its validators, "not modified" (304), or "not found". */
export type ConditionalResult =
  | { status: 'ok'; body: Buffer; etag: string | null; lastModified: string | null }
  | { status: 'not-modified' }
  | { status: 'missing'; code: number };

/** Waits `ms`, or less when `signal` aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function stopped(url: string, signal: AbortSignal): RegistryError {
  const why = signal.reason instanceof Error && signal.reason.name !== 'AbortError' && signal.reason.name !== 'TimeoutError' ? signal.reason.message : 'the run was stopped';
  return new RegistryError(`${url}: not fetched (${why})`);
}

/** A one-line reason for a failed fetch: undici puts the system error (ECONNREFUSED, ENOTFOUND) in `cause`. */
function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  const code = e?.cause?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${code}: the host name does not resolve (offline?)`;
  if (code) return `${code}${e.cause?.message && !e.cause.message.includes(code) ? `: ${e.cause.message}` : ''}`;
  return e?.cause?.message ?? e?.message ?? String(err);
}

async function readCapped(res: Response, max: number, url: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw new RegistryError(`${url}: answer of ${declared} bytes is over the ${max} byte limit`);
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) throw new RegistryError(`${url}: answer is over the ${max} byte limit`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * GETs a URL with Node's fetch: a time limit per attempt, bounded retries with exponential backoff
 * on transient failures (network, timeout, 429, 5xx; `Retry-After` honoured up to 10 s), and one
 * RegistryError line when it gives up.
 */
export async function getBytes(url: string, o: HttpOptions, accept = '*/*'): Promise<HttpResult> {
  const r = await request(url, o, accept, {});
  // A 304 only answers a conditional request, which this one is not: the registry is broken.
  if (r.status === 'not-modified') throw new RegistryError(`${url}: HTTP 304 to a request that had nothing to compare`);
  return r.status === 'ok' ? { status: 'ok', body: r.body } : r;
}

/**
 * A GET that sends the validators of a kept copy, through the same retry policy as `getBytes`:
 * 304 is "not modified", and a new body comes with its `ETag` and `Last-Modified` to keep.
 */
export async function getConditional(url: string, o: HttpOptions, accept: string, kept: Validators): Promise<ConditionalResult> {
  const headers: Record<string, string> = {};
  if (kept.etag) headers['if-none-match'] = kept.etag;
  if (kept.lastModified) headers['if-modified-since'] = kept.lastModified;
  return request(url, o, accept, headers);
}

async function request(url: string, o: HttpOptions, accept: string, extra: Record<string, string>): Promise<ConditionalResult> {
  let last = '';
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) await sleep(o.backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5), o.signal);
    if (o.signal?.aborted) throw stopped(url, o.signal);
    let res: Response;
    const signal = o.signal ? AbortSignal.any([AbortSignal.timeout(o.timeoutMs), o.signal]) : AbortSignal.timeout(o.timeoutMs);
    try {
      res = await fetch(url, { headers: { ...extra, 'user-agent': o.userAgent, accept }, redirect: 'follow', signal });
    } catch (err) {
      if (o.signal?.aborted) throw stopped(url, o.signal);
      last = reason(err);
      continue;
    }
    if (res.status === 404 || res.status === 410 || res.status === 451) {
      await res.body?.cancel().catch(() => {});
      return { status: 'missing', code: res.status };
    }
    if (res.status === 304) {
      await res.body?.cancel().catch(() => {});
      return { status: 'not-modified' };
    }
    if (res.status === 429 || res.status >= 500) {
      last = `HTTP ${res.status}`;
      const after = Number(res.headers.get('retry-after'));
      await res.body?.cancel().catch(() => {});
      if (Number.isFinite(after) && after > 0 && attempt < o.retries) await sleep(Math.min(after, 10) * 1000, o.signal);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new RegistryError(`${url}: HTTP ${res.status}`);
    }
    try {
      const body = await readCapped(res, o.maxBytes, url);
      return { status: 'ok', body, etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified') };
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      if (o.signal?.aborted) throw stopped(url, o.signal);
      last = reason(err);
    }
  }
  const tries = o.retries + 1;
  throw new RegistryError(`cannot fetch ${url} (${last}; ${tries} attempt${tries === 1 ? '' : 's'})`);
}

/**
 * At most one request per interval to one host, shared by every client in the process (crates.io
 * asks for one request per second to its web API). Callers queue in order.
 */
export class HostRateLimiter {
  private static readonly next = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Waits for this host's turn. */
  async take(url: string): Promise<void> {
    const host = new URL(url).host;
    const now = Date.now();
    const at = Math.max(now, HostRateLimiter.next.get(host) ?? 0);
    HostRateLimiter.next.set(host, at + this.intervalMs);
    if (at > now) await sleep(at - now);
  }
}
