import type { SourceLimits } from '../source/types.js';
import type { ParseOptions } from '../parse/parser.js';
import type { FileHunks } from '../diff/hunks.js';
import type { CrateSummary, Report } from '../index.js';

/**
 * How a worker finds dependency summaries for a job (plain data: it crosses to the worker thread).
 * The worker gathers them itself from this machine (see src/deps); `fetch` mode is resolved by the
 * caller beforehand, which leaves what it fetched in the summary cache.
 */
export interface WorkerDeps {
  mode: 'offline' | 'off';
  cargoHome?: string;
  /** cratefence's cache folder (summaries under `summaries/`); also where a scanned release's summary is kept. */
  cacheDir?: string | null;
  /** Exact versions per package name (a lockfile's), preferred over requirement matching. */
  pinned?: Array<[string, string[]]>;
}

/**
 * One release as a scan job names it: a folder or archive on disk, or archive bytes already in
 * memory (fetched and verified by the registry client). `null` as the old side means a first release.
 */
export type ReleaseInput = { path: string } | { bytes: Uint8Array; label: string };

/** A scan for the pool: plain data, so it crosses to a worker thread as it is. */
export interface ScanJob {
  /** The caller's key for the job (echoed in the outcome). */
  id: string;
  old: ReleaseInput | null;
  new: ReleaseInput;
  rulesDir?: string;
  limits?: SourceLimits;
  parse?: ParseOptions;
  /** Also hand back the release diff as hunks (for the HTML report); off by default, as they can be large. */
  withHunks?: boolean;
  /** Dependency summaries for the scan (default: the shipped index only). */
  deps?: WorkerDeps;
  /** Also hand back the new release's own capability summary (for the summary index). */
  withSummary?: boolean;
}

export type ScanFailure = 'input' | 'timeout' | 'memory' | 'crash' | 'cancelled';

/** What came of one job. A failed job says why; it never takes the pool or the other jobs down. */
export type ScanOutcome =
  | { id: string; ok: true; report: Report; ms: number; hunks?: FileHunks[]; summary?: CrateSummary }
  | { id: string; ok: false; failure: ScanFailure; error: string; ms: number };
