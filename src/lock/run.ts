import { VERSION, type FileHunks, type LockEntry, type LockReport, type Verdict } from '../index.js';
import { CRATES_IO_INDEX, RegistryClient, applyPublishPolicy, normaliseIndexUrl, type FetchedCrate, type MinPublishAge, type RegistryOptions } from '../registry/index.js';
import type { ScanPool } from '../runner/index.js';
import { LEVEL, worstVerdict } from '../usage.js';
import { CRATES_IO_SOURCES, sourceKind, type DeltaEntry } from './delta.js';
import { addFinding, checksumChangeFinding, entryVerdict, indexChecksumFinding, sourceChangeFinding } from './findings.js';
import { LockfileError } from './parse.js';

/** What `scanLockDelta` needs: the pool, how to reach registries, the policy, the clock. */
export interface LockScanOptions {
  pool: ScanPool;
  /** The lockfile's name in the report (relative to the repository root for --git-base). */
  lockfile: string;
  /** Index used for crates.io packages instead of crates.io (a mirror), from `--registry` or config. */
  registry?: string;
  /** Options for every registry client (cache folders, timeouts). `index` is set per source. */
  client?: Omit<RegistryOptions, 'index'>;
  rulesDir?: string;
  minAge: MinPublishAge | null;
  now: Date;
  /** Called as each package is done (for the progress line). */
  onProgress?: (done: number, total: number, entry: LockEntry) => void;
  /** Asks the workers for each scan's release diff (keyed `name@version`), for the HTML page. */
  onHunks?: (key: string, hunks: FileHunks[]) => void;
  /** How each scan finds dependency summaries (see WorkerDeps); default: the shipped index only. */
  deps?: import('../runner/index.js').ScanJob['deps'];
  /** Downloads at once (default 8). */
  fetchConcurrency?: number;
  /** What a package that changed source gives: `review` (default) or `block` (`[lock] source-change`). */
  sourceChange?: 'review' | 'block';
  /** Most packages fetched and scanned in one run (default {@link MAX_PACKAGES}); more is a LockfileError before any fetch. */
  maxPackages?: number;
  /**
   * The run's overall deadline (`--timeout`). When it aborts, requests and scans stop and
   * scanLockDelta throws a LockTimeoutError naming what was still waiting; `timeoutText` is how
   * the limit is named in that message.
   */
  signal?: AbortSignal;
  timeoutText?: string;
}

/** Default limit on packages one `lock` run fetches and scans (`--max-packages`). */
export const MAX_PACKAGES = 2000;

/** The run went over its `--timeout`. A LockfileError by kind, so the CLI prints one line and exits 2. */
export class LockTimeoutError extends LockfileError {}

/** The sparse index for a lockfile source, or a reason it cannot be fetched. */
export function indexForSource(source: string, mirror?: string): { index: string } | { unsupported: string } {
  if (CRATES_IO_SOURCES.has(source)) return { index: normaliseIndexUrl(mirror ?? CRATES_IO_INDEX) };
  if (source.startsWith('sparse+')) return { index: normaliseIndexUrl(source) };
  return { unsupported: `registry ${source.replace(/^registry\+/, '')} uses the git index protocol, which cratefence does not fetch; not scanned` };
}

function limiter(n: number): <T>(f: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (f) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await f();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function skeleton(d: DeltaEntry): LockEntry {
  return {
    name: d.name,
    change: d.change,
    old: d.old?.version ?? null,
    new: d.new?.version ?? null,
    source: (d.new ?? d.old)!.source,
    lockLine: (d.new ?? d.old)!.line,
    verdict: null,
  };
}

/**
 * Scans every package a lockfile change brings in: changed → the delta of old and new release,
 * added → the new release as a first release, removed → listed; git, path and git-index
 * packages listed with a note. Releases are fetched and verified by the registry client (with the
 * lockfile's checksums) and scanned in parallel on the shared pool; then yanked and cool-off
 * policy is applied on top of each report. The lockfile records are checked too: a package that
 * changed source, a version pinned to other contents, an index that disagrees with the lockfile
 * are findings of their own (see findings.ts). A package whose fetch or scan fails carries `error`
 * and counts as `block`.
 */
export async function scanLockDelta(delta: DeltaEntry[], o: LockScanOptions): Promise<LockReport> {
  const toScan = delta.filter((d) => d.change !== 'removed' && d.kind === 'registry');
  const max = o.maxPackages ?? MAX_PACKAGES;
  if (toScan.length > max) {
    throw new LockfileError(`${o.lockfile}: ${toScan.length} packages to fetch and scan, over the limit of ${max} per run (--max-packages N raises it); nothing was fetched`);
  }
  const clients = new Map<string, RegistryClient>();
  const clientFor = (index: string) => {
    let c = clients.get(index);
    if (!c) clients.set(index, (c = new RegistryClient({ ...o.client, index, ...(o.signal ? { signal: o.signal } : {}) })));
    return c;
  };
  const fetchSlot = limiter(o.fetchConcurrency ?? 8);
  const entries = delta.map(skeleton);
  // What each unfinished package is doing, for the deadline's message.
  const waiting = new Map<number, string>();
  let done = 0;
  const total = toScan.length;
  const finish = (i: number) => {
    waiting.delete(i);
    // Past the deadline, packages end as their requests are cut: that is not progress to show.
    if (!o.signal?.aborted) o.onProgress?.(++done, total, entries[i]);
  };
  const level = o.sourceChange ?? 'review';

  delta.forEach((d, i) => {
    const e = entries[i];
    if (d.change === 'removed') e.note = 'removed from the lockfile: nothing to scan';
    else if (d.kind === 'git') e.note = `git source (${d.new!.source}): not fetched; review this revision by hand`;
    else if (d.kind === 'path') e.note = 'path package (a workspace member or local crate): not scanned';
    else if (d.kind === 'other') e.note = `unknown source "${d.new!.source}": not fetched`;
    if (d.sourceChanged && d.kind !== 'registry') addFinding(e, sourceChangeFinding(d, level, d.kind === 'path' ? 'a local path is not scanned: read its code by hand' : 'it is not fetched: read that revision by hand'));
    e.verdict = entryVerdict(e);
  });

  const work = Promise.all(
    delta.map(async (d, i) => {
      if (d.change === 'removed' || d.kind !== 'registry') return;
      const e = entries[i];
      waiting.set(i, 'waiting for a download slot');
      try {
        await scanOne(d, e, (what) => waiting.set(i, what));
      } catch (err) {
        e.error = (err as Error).message;
      }
      e.verdict = entryVerdict(e);
      finish(i);
    }),
  );

  async function scanOne(d: DeltaEntry, e: LockEntry, stage: (what: string) => void): Promise<void> {
    const where = indexForSource(d.new!.source!, o.registry);
    if ('unsupported' in where) {
      e.note = where.unsupported;
      if (d.sourceChanged) addFinding(e, sourceChangeFinding(d, level, 'its new registry cannot be fetched, so it was not scanned'));
      if (d.checksumChanged) addFinding(e, checksumChangeFinding(d, 'Its registry cannot be fetched, so neither side was compared.'));
      return;
    }
    // A changed package from another registry is fetched from its own old source; a git or path one is not fetchable.
    const oldWhere = d.old && sourceKind(d.old.source) === 'registry' ? indexForSource(d.old.source!, o.registry) : null;
    const oldClient = oldWhere && 'index' in oldWhere ? clientFor(oldWhere.index) : null;
    const client = clientFor(where.index);
    let oldMissing: string | null = null;
    let fetched: [FetchedCrate | null, FetchedCrate];
    try {
      fetched = await fetchSlot(() => {
        stage(`fetching ${d.old && oldClient ? `${d.old.version} and ` : ''}${d.new!.version}`);
        return Promise.all([
          d.old && oldClient
            ? oldClient.fetchCrate(d.name, d.old.version, d.old.checksum ?? undefined).catch((err: Error) => {
                // The old contents of a re-pinned version are often gone from the registry: the new one is still scanned.
                if (!d.checksumChanged) throw err;
                oldMissing = err.message;
                return null;
              })
            : Promise.resolve(null),
          client.fetchCrate(d.name, d.new!.version, d.new!.checksum ?? undefined),
        ]);
      });
    } catch (err) {
      // The lockfile findings stand even when nothing could be fetched (the error makes it block anyway).
      const why = (err as Error).message;
      if (d.sourceChanged) addFinding(e, sourceChangeFinding(d, level, `not scanned: ${why}`));
      if (d.checksumChanged) addFinding(e, checksumChangeFinding(d, `The new contents could not be fetched and verified (${why}).`));
      throw err;
    }
    const [oldCrate, newCrate] = fetched;
    if (d.sourceChanged) {
      const what = oldCrate ? `fetched from the new source and diffed against ${d.old!.version} from the old one` : `the old side cannot be fetched from ${d.old!.source ?? 'a path'}: ${d.new!.version} scanned as a first release`;
      addFinding(e, sourceChangeFinding(d, level, what));
    } else if (d.checksumChanged) {
      const how = oldCrate
        ? `The release was fetched by the new checksum and diffed against the old contents (sha256 ${d.old!.checksum}, from ${origin(oldCrate.origin)}).`
        : `The old contents (sha256 ${d.old!.checksum}) are in neither the Cargo cache nor cratefence's cache and the registry does not serve them (${oldMissing ?? 'not fetched'}); the new contents were verified against the new checksum and scanned as a first release.`;
      addFinding(e, checksumChangeFinding(d, how));
    } else if (d.old && !oldCrate) e.note = `old release's registry is not fetchable: ${d.new!.version} scanned as a first release`;
    stage(`scanning ${d.new!.version}`);
    const outcome = await o.pool.run(
      {
        id: `${d.name}@${d.new!.version}`,
        old: oldCrate ? { bytes: oldCrate.bytes, label: oldCrate.label } : null,
        new: { bytes: newCrate.bytes, label: newCrate.label },
        rulesDir: o.rulesDir,
        withHunks: o.onHunks !== undefined,
        deps: o.deps,
      },
      o.signal,
    );
    if (outcome.ok && outcome.hunks) o.onHunks?.(`${d.name}@${d.new!.version}`, outcome.hunks);
    if (!outcome.ok) {
      e.error = `scan ${outcome.failure}: ${outcome.error}`;
      return;
    }
    e.report = outcome.report;
    stage(`checking ${d.new!.version} in the registry index (yanked, publish time, checksum)`);
    await applyPolicy(e, client, d, o);
  }

  if (o.signal) await untilDeadline(work, o.signal, () => timeoutError(o, delta, waiting, [...clients.values()]));
  else await work;

  const verdict = lockVerdict(entries);
  const count = (c: string) => entries.filter((e) => e.change === c).length;
  return {
    kind: 'lock',
    lockSchemaVersion: 1,
    tool: { name: 'cratefence', version: VERSION },
    lockfile: o.lockfile,
    verdict,
    summary: {
      changed: count('changed'),
      added: count('added'),
      removed: count('removed'),
      scanned: entries.filter((e) => e.report).length,
      errors: entries.filter((e) => e.error).length,
      notScanned: entries.filter((e) => !e.report && !e.error).length,
    },
    entries,
  };
}

function origin(o: string): string {
  return o === 'cargo-cache' ? 'the Cargo cache' : o === 'cratefence-cache' ? "cratefence's cache" : 'the registry';
}

/** Resolves as `p` does, or rejects with `onAbort()` (called at the moment of the abort) when `signal` aborts first. */
export function untilDeadline<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(onAbort());
    signal.addEventListener('abort', stop, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', stop), resolve(v)),
      (e) => (signal.removeEventListener('abort', stop), reject(e)),
    );
  });
}

/** Lists at most `n` items, then how many more. */
function some(items: string[], n = 8): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

function timeoutError(o: LockScanOptions, delta: DeltaEntry[], waiting: Map<number, string>, clients: RegistryClient[]): LockTimeoutError {
  const pkgs = [...waiting].map(([i, what]) => `${delta[i].name} (${what})`);
  const urls = clients.flatMap((c) => c.inFlight());
  return new LockTimeoutError(
    `the run went over its time limit (${o.timeoutText ?? 'the deadline'}) with ${pkgs.length} package${pkgs.length === 1 ? '' : 's'} unfinished: ${some(pkgs)}${urls.length > 0 ? `; requests still waiting: ${some(urls, 5)}` : ''}; nothing was reported`,
  );
}

/** The overall verdict: the worst package's, a package that could not be fetched or scanned counting as block. */
export function lockVerdict(entries: LockEntry[]): Verdict {
  let verdict: Verdict = 'pass';
  for (const e of entries) {
    if (e.error) verdict = worstVerdict(verdict, 'block');
    else if (e.verdict) verdict = worstVerdict(verdict, e.verdict);
  }
  return verdict;
}

/** Yanked and cool-off policy for one scanned package. An unreachable index is a note, not an error. */
async function applyPolicy(e: LockEntry, client: RegistryClient, d: DeltaEntry, o: LockScanOptions): Promise<void> {
  const report = e.report!;
  const label = `${d.name}@${d.new!.version}`;
  let yanked = false;
  let publishedAt: Date | null = null;
  try {
    const line = await client.entry(d.name, d.new!.version);
    yanked = line.yanked;
    // Cargo verifies against the lockfile, and so did the fetch; the index saying otherwise is a finding.
    const pinned = d.new!.checksum;
    if (pinned !== null && line.cksum !== pinned) addFinding(e, indexChecksumFinding(d.name, d.new!.version, client.index, line.cksum, pinned));
    if (o.minAge && o.minAge.ms > 0) publishedAt = await client.publishTime(d.name, d.new!.version);
  } catch (err) {
    e.note = `${e.note ? `${e.note}; ` : ''}registry policy not checked (yanked, publish time): ${(err as Error).message}`;
  }
  applyPublishPolicy(report, label, { yanked, publishedAt }, o.minAge, o.now);
}

/** The exit code of `lock`: 2 when any package could not be fetched or scanned, else as `diff`. */
export function lockExitCode(r: LockReport, failOn: 'review' | 'block' | 'never'): number {
  if (r.summary.errors > 0) return 2;
  return LEVEL[r.verdict] >= LEVEL[failOn] ? 1 : 0;
}
