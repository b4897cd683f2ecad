/**
 * Findings about a package's lockfile record rather than its code: what a release scan cannot see.
 * A pull request can swap where a dependency comes from, or pin a known version to other contents,
 * without changing one line a scanner would diff; these say so, on the package's Cargo.lock line.
 */
import type { LockEntry, LockFinding, Verdict } from '../index.js';
import { worstVerdict } from '../usage.js';
import { CRATES_IO_SOURCES, sourceKind, type DeltaEntry } from './delta.js';

/** A lockfile source as a reader names it: crates.io, a git repository, another registry, a path. */
export function describeSource(source: string | null): string {
  if (source === null) return 'a local path (no source)';
  if (CRATES_IO_SOURCES.has(source)) return `crates.io (${source})`;
  const kind = sourceKind(source);
  if (kind === 'git') return `the git repository ${source}`;
  if (kind === 'registry') return `the registry ${source}`;
  return `the source ${source}`;
}

/**
 * A package that left one source for another (crates.io → a git fork, a path, another registry, or
 * back): the code that will be built is not the release its old version was reviewed as, whatever
 * a diff says. `review` by default; `[lock] source-change = "block"` makes it `block`.
 */
export function sourceChangeFinding(d: DeltaEntry, level: 'review' | 'block', what: string): LockFinding {
  const o = d.old!;
  const n = d.new!;
  const versions = o.version === n.version ? `version ${n.version}` : `${o.version} → ${n.version}`;
  return {
    ruleId: 'lock-source-change',
    severity: level === 'block' ? 'high' : 'medium',
    verdict: level,
    message: `${d.name} (${versions}) now comes from ${describeSource(n.source)} instead of ${describeSource(o.source)}: a dependency moved to another source is not the release reviewers knew; ${what}`,
    old: o.source,
    new: n.source,
  };
}

/**
 * The same name, version and source pinned to other contents. A published release cannot change on
 * crates.io (nor on any registry cargo talks to), so either the registry serves something else now
 * or the lockfile was edited. `how` says what was compared.
 */
export function checksumChangeFinding(d: DeltaEntry, how: string): LockFinding {
  const o = d.old!;
  const n = d.new!;
  const now = n.checksum === null ? 'no longer pins a checksum (cargo then trusts the registry)' : `now pins sha256 ${n.checksum}`;
  return {
    ruleId: 'lock-checksum-change',
    severity: 'high',
    verdict: 'block',
    message: `${d.name} ${n.version} from ${describeSource(n.source)}: Cargo.lock ${now} instead of sha256 ${o.checksum} for the same version; a published release's contents cannot change, so the registry changed it or the lockfile was edited. ${how}`,
    old: o.checksum,
    new: n.checksum,
  };
}

/** The registry index lists another checksum for the release than the lockfile pins. */
export function indexChecksumFinding(name: string, version: string, index: string, indexSum: string, lockSum: string): LockFinding {
  return {
    ruleId: 'lock-index-checksum',
    severity: 'high',
    verdict: 'block',
    message: `${name} ${version}: the registry index ${index} lists sha256 ${indexSum}, but Cargo.lock pins sha256 ${lockSum}. The release was fetched and verified against Cargo.lock's checksum, as cargo does, so the scan is of what this lockfile builds; the registry disagrees with it, so the lockfile was edited or the registry changed the release`,
    old: lockSum,
    new: indexSum,
  };
}

/** Adds a finding to an entry. */
export function addFinding(e: LockEntry, f: LockFinding): void {
  (e.findings ??= []).push(f);
}

/** An entry's verdict: the worst of its report's and its lockfile findings'; null when it has neither. */
export function entryVerdict(e: LockEntry): Verdict | null {
  let v: Verdict | null = e.report?.verdict ?? null;
  for (const f of e.findings ?? []) v = v === null ? f.verdict : worstVerdict(v, f.verdict);
  return v;
}

