import type { PolicyNote, Report } from '../report/types.js';
import type { Verdict } from '../score/index.js';

/** How one package changed between two lockfiles. */
export type LockChange = 'changed' | 'added' | 'removed';

/** One package of a lockfile delta, with the scan made for it (none for removed, git or path packages). */
export interface LockEntry {
  name: string;
  change: LockChange;
  old: string | null;
  new: string | null;
  /** `registry+https://…`, `git+…`, `path` (no source key) — as in the lockfile. */
  source: string | null;
  /** 1-based line of the package's `[[package]]` header in the new lockfile (the old one for removed). */
  lockLine: number | null;
  /** Verdict for this package: its report's, raised by policy (cool-off, yanked, audits), or null when not scanned. */
  verdict: Verdict | null;
  /** Why no scan was made (git or path source, removed), or why the scan failed. */
  note?: string;
  /** The scan failed (fetch, checksum, archive): the package counts as `block` for the overall verdict. */
  error?: string;
  report?: Report;
}

/** The combined report of `cratefence lock` (`kind: "lock"`), documented in docs/report-format.md. */
export interface LockReport {
  kind: 'lock';
  lockSchemaVersion: 1;
  tool: { name: 'cratefence'; version: string };
  /** The lockfile path as given (relative to the repository root for --git-base), used for SARIF locations. */
  lockfile: string;
  verdict: Verdict;
  summary: { changed: number; added: number; removed: number; scanned: number; errors: number; notScanned: number };
  entries: LockEntry[];
  /** Policy notes about the run as a whole: suppressions that expired or that no crate used. */
  policyNotes?: PolicyNote[];
  /**
   * With `--server URL`: what the ingest service says of every registry package the new lockfile pins.
   * Any unusable one (revoked, rejected, quarantined, still scanning) makes the overall verdict `block`.
   */
  server?: { url: string; checked: number; refused: Array<{ name: string; version: string; lockLine: number | null; state: string }> };
}
