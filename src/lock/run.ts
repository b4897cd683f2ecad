import { VERSION } from '../index.js';
import { CRATES_IO_INDEX, RegistryClient, applyPublishPolicy, normaliseIndexUrl, type MinPublishAge, type RegistryOptions } from '../registry/index.js';
import type { FileHunks } from '../index.js';
import type { ScanPool } from '../runner/index.js';
import { LEVEL, worstVerdict } from '../usage.js';
import type { Verdict } from '../score/index.js';
import type { DeltaEntry } from './delta.js';
import type { LockEntry, LockReport } from './types.js';

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
  /** Downloads at once (default 8). */
  fetchConcurrency?: number;
}

// Both spellings cargo writes for crates.io: the git index (all lockfile versions) and the sparse one.
const CRATES_IO_SOURCES = new Set(['registry+https://github.com/rust-lang/crates.io-index', 'sparse+https://index.crates.io/']);

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
 * policy is applied on top of each report. A package whose fetch or scan fails carries `error` and
 * counts as `block`.
 */
export async function scanLockDelta(delta: DeltaEntry[], o: LockScanOptions): Promise<LockReport> {
  const clients = new Map<string, RegistryClient>();
  const clientFor = (index: string) => {
    let c = clients.get(index);
    if (!c) clients.set(index, (c = new RegistryClient({ ...o.client, index })));
    return c;
  };
  const fetchSlot = limiter(o.fetchConcurrency ?? 8);
  const entries = delta.map(skeleton);
  const toScan = delta.filter((d) => d.change !== 'removed' && d.kind === 'registry');
  let done = 0;
  const total = toScan.length;
  const finish = (e: LockEntry) => o.onProgress?.(++done, total, e);

  delta.forEach((d, i) => {
    const e = entries[i];
    if (d.change === 'removed') e.note = 'removed from the lockfile: nothing to scan';
    else if (d.kind === 'git') e.note = `git source (${d.new!.source}): not fetched; review this revision by hand`;
    else if (d.kind === 'path') e.note = 'path package (a workspace member or local crate): not scanned';
    else if (d.kind === 'other') e.note = `unknown source "${d.new!.source}": not fetched`;
  });

  await Promise.all(
    delta.map(async (d, i) => {
      if (d.change === 'removed' || d.kind !== 'registry') return;
      const e = entries[i];
      const where = indexForSource(d.new!.source!, o.registry);
      if ('unsupported' in where) {
        e.note = where.unsupported;
        finish(e);
        return;
      }
      // A changed package from another registry is fetched from its own old source.
      const oldWhere = d.old ? indexForSource(d.old.source!, o.registry) : null;
      const client = clientFor(where.index);
      try {
        const [oldCrate, newCrate] = await fetchSlot(() =>
          Promise.all([
            d.old && oldWhere && 'index' in oldWhere ? clientFor(oldWhere.index).fetchCrate(d.name, d.old.version, d.old.checksum ?? undefined) : Promise.resolve(null),
            client.fetchCrate(d.name, d.new!.version, d.new!.checksum ?? undefined),
          ]),
        );
        if (d.old && !oldCrate) e.note = `old release's registry is not fetchable: ${d.new!.version} scanned as a first release`;
        const outcome = await o.pool.run({
          id: `${d.name}@${d.new!.version}`,
          old: oldCrate ? { bytes: oldCrate.bytes, label: oldCrate.label } : null,
          new: { bytes: newCrate.bytes, label: newCrate.label },
          rulesDir: o.rulesDir,
          withHunks: o.onHunks !== undefined,
        });
        if (outcome.ok && outcome.hunks) o.onHunks?.(`${d.name}@${d.new!.version}`, outcome.hunks);
        if (!outcome.ok) {
          e.error = `scan ${outcome.failure}: ${outcome.error}`;
        } else {
          e.report = outcome.report;
          await applyPolicy(e, client, d, o);
          e.verdict = e.report.verdict;
        }
      } catch (err) {
        e.error = (err as Error).message;
      }
      finish(e);
    }),
  );

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
    yanked = (await client.entry(d.name, d.new!.version)).yanked;
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
