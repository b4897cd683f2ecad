import semver from 'semver';
import type { Db } from '../store/index.js';
import type { ScanOutcome } from '../runner/index.js';

/** The version a scan compares a release with: its version and the digest of its tarball. */
export interface ScanBase {
  version: string;
  blob: string;
}

/**
 * The trust rule for diff bases: the newest version of the crate that is lower than `version` and
 * in state `released` (never rejected, revoked, quarantined, cooling-off or scanning). None → the
 * release is scanned as a first release. A base the service does not trust would let a payload
 * that was rejected once pass the next time as "unchanged".
 */
export function trustedBase(db: Db, crateKey: string, version: string): ScanBase | null {
  const rows = db
    // A baseline release waiting for its background scan stays a base (it is trusted by age); one
    // queued for a re-check is `scanning` anyway.
    .prepare("SELECT version, blob_sha256 FROM serve_releases WHERE crate_key = ? AND state = 'released' AND id NOT IN (SELECT release_id FROM serve_scan_queue WHERE background = 0)")
    .all(crateKey) as Array<{ version: string; blob_sha256: string }>;
  let best: { version: string; blob_sha256: string } | null = null;
  for (const r of rows) {
    if (!semver.valid(r.version) || !semver.lt(r.version, version)) continue;
    if (!best || semver.gt(r.version, best.version)) best = r;
  }
  return best ? { version: best.version, blob: best.blob_sha256 } : null;
}

/** True while `base` (as a scan used it) is still a base the service trusts for this crate. */
export function stillTrusted(db: Db, crateKey: string, base: ScanBase | null): boolean {
  if (base === null) return true;
  const r = db.prepare('SELECT state, blob_sha256, id FROM serve_releases WHERE crate_key = ? AND version = ?').get(crateKey, base.version) as
    | { state: string; blob_sha256: string; id: number }
    | undefined;
  if (!r || r.state !== 'released' || r.blob_sha256 !== base.blob) return false;
  return db.prepare('SELECT 1 FROM serve_scan_queue WHERE release_id = ? AND background = 0').get(r.id) === undefined;
}

/**
 * Queues a new scan of every release that was diffed against `version` of the crate and is not
 * already rejected or revoked: their verdicts were measured against a version the service no
 * longer trusts. They are `scanning` until the new scan lands (builds must not use them meanwhile);
 * the state they had is kept so the new verdict can be applied to it. Runs inside the caller's
 * transaction; returns the ids queued.
 */
export function requeueDiffedAgainst(db: Db, crateKey: string, version: string, reason: string, now: Date): number[] {
  const rows = db
    .prepare("SELECT id, state FROM serve_releases WHERE crate_key = ? AND base_version = ? AND state NOT IN ('rejected', 'revoked', 'scanning')")
    .all(crateKey, version) as Array<{ id: number; state: string }>;
  const at = now.toISOString();
  for (const r of rows) {
    db.prepare('INSERT OR IGNORE INTO serve_scan_queue (release_id, attempts, enqueued_at, prior_state, reason) VALUES (?, 0, ?, ?, ?)').run(r.id, at, r.state, reason);
    db.prepare("UPDATE serve_releases SET state = 'scanning', updated_at = ? WHERE id = ?").run(at, r.id);
  }
  return rows.map((r) => r.id);
}

/**
 * A scan result is believed only when it describes the job it answers: the release's own name and
 * version, the base it was given (or a first release when none), and a verdict and score of the
 * report format. A result from anywhere else (a queue worker, a planted job) is held to the same
 * test as the local pool's; one that fails it counts as a crashed scan.
 */
export function checkOutcome(outcome: ScanOutcome, release: { crate: string; version: string }, base: ScanBase | null): ScanOutcome {
  if (!outcome.ok) return outcome;
  const r = outcome.report as unknown as { crate?: { name?: unknown; old?: unknown; new?: unknown }; verdict?: unknown; score?: unknown; summary?: { firstRelease?: unknown }; findings?: unknown };
  const problems: string[] = [];
  if (r?.crate?.name !== release.crate || r.crate.new !== release.version) problems.push(`it describes ${String(r?.crate?.name)} ${String(r?.crate?.new)}`);
  if (base ? r?.crate?.old !== base.version : r?.summary?.firstRelease !== true) problems.push(base ? `its base is ${String(r?.crate?.old)}, not ${base.version}` : 'it is not a first-release scan');
  if (r?.verdict !== 'pass' && r?.verdict !== 'review' && r?.verdict !== 'block') problems.push('its verdict is not pass, review or block');
  if (typeof r?.score !== 'number' || !Number.isFinite(r.score) || r.score < 0 || r.score > 100) problems.push('its score is not 0-100');
  if (!Array.isArray(r?.findings)) problems.push('it has no findings list');
  if (problems.length === 0) return outcome;
  return { id: outcome.id, ok: false, failure: 'crash', error: `the scan result does not answer the job for ${release.crate} ${release.version}: ${problems.join('; ')}`, ms: outcome.ms };
}
