import { createHash } from 'node:crypto';
import semver from 'semver';
import type { Db } from '../store/index.js';
import type { ScanOutcome } from '../runner/index.js';
import type { IndexVersion } from '../registry/types.js';
import { recordEvent } from './alerts.js';
import { requeueDiffedAgainst, stillTrusted, type ScanBase } from './bases.js';
import { crateKey } from './manifest.js';

/**
 * The release lifecycle of versions the mirror pulls through from its upstream (the rest of the
 * lifecycle is ReleaseService's): registering versions on first sight, a crate's trusted baseline,
 * background scans of the baseline, and the refusal of a tarball that does not match the index.
 */

/** The user the mirror's releases are recorded under (created by migration 030; it has no token). */
export function mirrorUserId(db: Db): number {
  const r = db.prepare("SELECT id FROM serve_users WHERE name = 'upstream mirror' AND token_sha256 = 'none: the pull-through mirror'").get() as { id: number } | undefined;
  if (!r) throw new Error('the store has no upstream mirror user (migration 030 not applied)');
  return r.id;
}

export interface RegisterOptions {
  now: Date;
  /** On a crate's first sight, versions published at or before this time are its baseline. */
  baselineBefore: Date;
  /** How many of the newest baseline versions are scanned in the background. */
  baselineScans: number;
}

/**
 * Registers the upstream versions the service has never seen, in one transaction, and returns how
 * many scans it queued. On the mirror's first sight of a crate (no version of it came from upstream
 * before) the versions published before `baselineBefore` — and lines without `pubtime`, which
 * crates.io writes on every line of a crate once it publishes again after November 2025 — are the
 * crate's baseline: `released` without a scan, their tarballs fetched when first downloaded, and
 * the newest `baselineScans` of them (those with an older released version to diff against)
 * queued for a background scan. Every other unseen version, and every unseen version of a crate seen
 * before, is queued for a scan against the newest released version (the trust rule) and enters the
 * normal policy. Versions the upstream yanked before the service saw them are not registered.
 */
export function registerUpstreamVersions(db: Db, name: string, entries: IndexVersion[], o: RegisterOptions): number {
  const key = crateKey(name);
  return db.transaction(() => {
    const rows = db.prepare('SELECT version, origin FROM serve_releases WHERE crate_key = ?').all(key) as Array<{ version: string; origin: string }>;
    const known = new Set(rows.map((r) => r.version));
    const firstSight = !rows.some((r) => r.origin !== 'published');
    const user = mirrorUserId(db);
    const at = o.now.toISOString();
    const insert = db.prepare(
      'INSERT INTO serve_releases (crate, crate_key, version, blob_sha256, publisher_id, state, base_version, created_at, updated_at, origin, released_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)',
    );
    const queue = db.prepare('INSERT INTO serve_scan_queue (release_id, enqueued_at, prior_state, reason, background) VALUES (?, ?, ?, ?, ?)');
    const baseline: Array<{ id: number; version: string }> = [];
    let queued = 0;
    for (const e of entries) {
      if (known.has(e.vers) || crateKey(e.name) !== key || semver.valid(e.vers) === null) continue;
      known.add(e.vers);
      const old = e.pubtime === undefined || Date.parse(e.pubtime) <= o.baselineBefore.getTime();
      if (firstSight && old) {
        const id = Number(insert.run(e.name, key, e.vers, e.cksum, user, 'released', at, at, 'baseline', e.pubtime ?? null).lastInsertRowid);
        if (!e.yanked) baseline.push({ id, version: e.vers });
        continue;
      }
      if (e.yanked) continue;
      const id = Number(insert.run(e.name, key, e.vers, e.cksum, user, 'scanning', at, at, 'upstream', null).lastInsertRowid);
      queue.run(id, at, null, null, 0);
      queued++;
    }
    // The newest baseline versions that have an older baseline version to be diffed against.
    baseline.sort((a, b) => semver.compare(b.version, a.version));
    for (const b of baseline.slice(0, o.baselineScans)) {
      if (baseline.some((x) => semver.lt(x.version, b.version))) {
        queue.run(b.id, at, 'released', 'baseline: scanned in the background', 1);
        queued++;
      }
    }
    return queued;
  }).immediate();
}

/** True when the release's queued scan is a background scan of a baseline release. */
export function isBackgroundScan(db: Db, id: number): boolean {
  return db.prepare('SELECT 1 FROM serve_scan_queue WHERE release_id = ? AND background = 1').get(id) !== undefined;
}

/**
 * Applies a background scan of a baseline release (inside the caller's transaction). The release
 * stays `released` and keeps its report for reviewers to read, unless the scan says `block` or the
 * archive cannot be read as cargo reads it: then it is `rejected`, with an alert, and releases
 * diffed against it are scanned again. Returns false when its base is no longer trusted.
 */
export function applyBackgroundScan(db: Db, r: { id: number; crate: string; crate_key: string; version: string; state: string }, outcome: ScanOutcome, base: ScanBase | null, now: Date): boolean {
  if (r.state !== 'released') {
    db.prepare('DELETE FROM serve_scan_queue WHERE release_id = ?').run(r.id);
    return true;
  }
  if (!stillTrusted(db, r.crate_key, base)) return false;
  const report = outcome.ok ? outcome.report : null;
  const error = outcome.ok ? null : `${outcome.failure}: ${outcome.error}`;
  const reject = report?.verdict === 'block' || (!outcome.ok && outcome.failure === 'input');
  const json = report ? JSON.stringify(report) : null;
  const at = now.toISOString();
  db.prepare('UPDATE serve_releases SET state = ?, base_version = ?, verdict = ?, score = ?, report_json = ?, report_sha256 = ?, scan_error = ?, hunks_json = ?, updated_at = ? WHERE id = ?').run(
    reject ? 'rejected' : 'released',
    base?.version ?? null,
    report?.verdict ?? (reject ? 'block' : null),
    report?.score ?? null,
    json,
    json ? createHash('sha256').update(json).digest('hex') : null,
    error,
    outcome.ok && outcome.hunks ? JSON.stringify(outcome.hunks) : null,
    at,
    r.id,
  );
  db.prepare('DELETE FROM serve_scan_queue WHERE release_id = ?').run(r.id);
  if (reject) {
    recordEvent(db, r, 'rejected', { verdict: report?.verdict ?? 'block', score: report?.score ?? null, baseVersion: base?.version ?? null, reviewers: [], background: true, ...(error ? { reason: error } : {}) }, now);
    requeueDiffedAgainst(db, r.crate_key, r.version, `its base ${r.crate} ${r.version} was rejected`, now);
  }
  return true;
}

/**
 * Rejects a release whose upstream tarball does not match the checksum the upstream index gave for
 * it (a baseline release found out at its first download, or a queued one): it is never served,
 * nothing of it is kept, and the alert names the reason. Releases diffed against it are scanned again.
 */
export function rejectUnfetchable(db: Db, id: number, reason: string, now: Date): void {
  db.transaction(() => {
    const r = db.prepare('SELECT id, crate, crate_key, version, state FROM serve_releases WHERE id = ?').get(id) as { id: number; crate: string; crate_key: string; version: string; state: string } | undefined;
    if (!r || r.state === 'rejected' || r.state === 'revoked') return;
    const at = now.toISOString();
    db.prepare("UPDATE serve_releases SET state = 'rejected', verdict = 'block', scan_error = ?, updated_at = ? WHERE id = ?").run(reason, at, id);
    db.prepare('DELETE FROM serve_scan_queue WHERE release_id = ?').run(id);
    recordEvent(db, r, 'rejected', { verdict: 'block', score: null, baseVersion: null, reviewers: [], reason }, now);
    requeueDiffedAgainst(db, r.crate_key, r.version, `its base ${r.crate} ${r.version} was rejected`, now);
  }).immediate();
}

/** Puts a queued scan off until `until` without counting an attempt (its tarball could not be fetched yet). */
export function deferScan(db: Db, id: number, until: Date, reason: string): void {
  db.prepare('UPDATE serve_scan_queue SET not_before = ?, reason = COALESCE(reason, ?) WHERE release_id = ?').run(until.toISOString(), reason, id);
}
