import type { LockPackage } from './parse.js';
import { LockTimeoutError, untilDeadline } from './run.js';

/** The ingest service could not answer: a build that must check it fails closed. */
export class ServerCheckError extends Error {
  override name = 'RegistryError';
}

/** What the ingest service says of one pinned version. */
export interface ServerCheck {
  name: string;
  version: string;
  /** 1-based line of the package in the lockfile. */
  lockLine: number | null;
  /** The release's state on the service, or null when the service does not hold it. */
  state: string | null;
  /** False for a revoked, rejected, quarantined or still-scanning release. */
  usable: boolean;
}

/**
 * Asks `cratefence serve` at `url` about every registry package the lockfile pins (not only the
 * changed ones: a release revoked after it was adopted must fail every build that still pins it).
 * Any failure to get an answer throws: a check that could not be made is not a pass. `signal` is
 * the run's overall deadline: past it, a LockTimeoutError names the packages still unchecked.
 */
export async function checkAgainstServer(
  url: string,
  packages: LockPackage[],
  o: { concurrency?: number; timeoutMs?: number; signal?: AbortSignal; timeoutText?: string } = {},
): Promise<ServerCheck[]> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new ServerCheckError(`--server ${url}: not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ServerCheckError(`--server ${url}: only http and https are supported`);
  const todo = packages.filter((p) => p.source !== null && !p.source.startsWith('git+'));
  const out: ServerCheck[] = new Array(todo.length);
  const asking = new Set<number>();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= todo.length) return;
      const p = todo[i];
      const at = new URL(`v1/crates/${encodeURIComponent(p.name)}/${encodeURIComponent(p.version)}/status`, base.href.endsWith('/') ? base : `${base.href}/`);
      let body: { state: string | null; usable: boolean };
      try {
        const limit = AbortSignal.timeout(o.timeoutMs ?? 15_000);
      asking.add(i);
      const res = await fetch(at, { headers: { accept: 'application/json', 'user-agent': 'cratefence' }, signal: o.signal ? AbortSignal.any([limit, o.signal]) : limit, redirect: 'error' });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        body = (await res.json()) as typeof body;
        if (typeof body.usable !== 'boolean') throw new Error('an answer without "usable"');
      } catch (e) {
        asking.delete(i);
        throw new ServerCheckError(`--server ${base.origin}: cannot check ${p.name} ${p.version} (${(e as Error).message}); the lockfile was not checked`);
      }
      asking.delete(i);
      out[i] = { name: p.name, version: p.version, lockLine: p.line, state: body.state, usable: body.usable };
    }
  };
  const all = Promise.all(Array.from({ length: Math.min(o.concurrency ?? 8, Math.max(1, todo.length)) }, worker));
  if (!o.signal) await all;
  else {
    const left = () => todo.length - out.filter(Boolean).length;
    const now = () => [...asking].slice(0, 5).map((i) => `${todo[i].name} ${todo[i].version}`).join(', ');
    await untilDeadline(all, o.signal, () => new LockTimeoutError(`the run went over its time limit (${o.timeoutText ?? 'the deadline'}) while asking the ingest service ${base.origin}: ${left()} of ${todo.length} pinned packages unchecked, waiting for ${now() || 'a free slot'}; nothing was reported`));
  }
  return out;
}
