/**
 * The combined report of `cratefence lock` (`kind: "lock"`): one entry per package of a Cargo.lock
 * delta, each with its scan. Part of the output contract `src/index.ts` exports (docs/report-format.md).
 */
import type { Severity } from './finding.js';
import type { PolicyNote, Report, Verdict } from './report.js';

/**
 * What the lockfile itself says that no scan of a release can: a package that moved to another
 * source, a release pinned to other contents, a registry index that disagrees with the lockfile.
 */
export type LockRuleId = 'lock-source-change' | 'lock-checksum-change' | 'lock-index-checksum';

/** A finding about a package's lockfile record, located on its `Cargo.lock` line (`LockEntry.lockLine`). */
export interface LockFinding {
  ruleId: LockRuleId;
  severity: Severity;
  /** The verdict this finding alone gives the package (and so the lockfile). */
  verdict: Verdict;
  /** Names the package and both sides (sources or checksums); readable without the docs. */
  message: string;
  /** The old and the new value: sources for `lock-source-change`, SHA-256 checksums for the others. */
  old: string | null;
  new: string | null;
}

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
  /**
   * Verdict for this package: the worst of its report's (raised by policy: cool-off, yanked, audits)
   * and its lockfile findings'; null when neither exists.
   */
  verdict: Verdict | null;
  /** Findings about the lockfile record itself (source change, checksum change, index disagreement). */
  findings?: LockFinding[];
  /** Why no scan was made (git or path source, removed), or what could not be checked. */
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
