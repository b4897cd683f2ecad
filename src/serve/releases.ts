import { createHash } from 'node:crypto';
import semver from 'semver';
import type { Db } from '../store/index.js';
import type { Report } from '../report/types.js';
import type { FileHunks } from '../index.js';
import type { ScanOutcome } from '../runner/index.js';
import type { ServePolicy } from '../config/serve.js';
import type { User } from './auth.js';
import { recordEvent, type EventKind } from './alerts.js';
import { approvalStatus, dependentWeights, isOwnRelease, type ApprovalStatus } from './policy.js';
import { drawReviewers, reviewersOf, type RandomInt } from './reviewers.js';

export type ReleaseState = 'scanning' | 'quarantined' | 'cooling-off' | 'released' | 'rejected' | 'revoked';
export type DecisionKind = 'approval' | 'rejection' | 'revocation' | 'override';

interface Row {
  id: number;
  crate: string;
  version: string;
  blob_sha256: string;
  publisher_id: number;
  state: ReleaseState;
  base_version: string | null;
  verdict: string | null;
  score: number | null;
  report_json: string | null;
  report_sha256: string | null;
  scan_error: string | null;
  cool_off_until: string | null;
  created_at: string;
  updated_at: string;
}

/** A refusal the HTTP layer turns into a status code and a message. */
export class ServeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface ReleaseView {
  id: number;
  crate: string;
  version: string;
  state: ReleaseState;
  publisher: string;
  baseVersion: string | null;
  verdict: string | null;
  score: number | null;
  reportSha256: string | null;
  scanError: string | null;
  coolOffUntil: string | null;
  createdAt: string;
  updatedAt: string;
  reviewers: string[];
  approval: ApprovalStatus | null;
  decisions: Array<{ kind: DecisionKind; who: string; reason: string; reportSha256: string | null; weight: number; at: string }>;
  topFindings: Array<{ ruleId: string; severity: string; category: string; file: string; line: number; message: string }>;
}

export interface ServiceDeps {
  db: Db;
  policy: ServePolicy;
  now: () => Date;
  random: RandomInt;
  randomSource: string;
}

/** The release lifecycle: publish, scan results, decisions, cool-off; every change one transaction. */
export class ReleaseService {
  constructor(private readonly d: ServiceDeps) {}

  private row(id: number): Row {
    const r = this.d.db.prepare('SELECT * FROM serve_releases WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new ServeError(404, `no release ${id}`);
    return r;
  }

  /** Records a published release and queues its scan (the scan itself never runs in the request). */
  publish(user: User, crate: string, version: string, blobSha: string): { id: number; created: boolean } {
    const db = this.d.db;
    return db.transaction(() => {
      const existing = db.prepare('SELECT id, blob_sha256 FROM serve_releases WHERE crate = ? AND version = ?').get(crate, version) as { id: number; blob_sha256: string } | undefined;
      if (existing) {
        if (existing.blob_sha256 !== blobSha) throw new ServeError(409, `${crate} ${version} was already published with different contents; versions are immutable`);
        return { id: existing.id, created: false };
      }
      const owners = db.prepare('SELECT user_id FROM serve_owners WHERE crate = ?').all(crate) as Array<{ user_id: number }>;
      if (owners.length > 0 && user.role !== 'admin' && !owners.some((o) => o.user_id === user.id)) {
        throw new ServeError(403, `${user.name} is not an owner of ${crate}`);
      }
      if (owners.length === 0) db.prepare('INSERT INTO serve_owners (crate, user_id) VALUES (?, ?)').run(crate, user.id);
      const now = this.d.now().toISOString();
      const held = (db.prepare("SELECT version FROM serve_releases WHERE crate = ? AND state <> 'rejected'").all(crate) as Array<{ version: string }>).map((r) => r.version);
      const base = held.filter((v) => semver.lt(v, version)).sort(semver.rcompare)[0] ?? null;
      const id = Number(
        db.prepare('INSERT INTO serve_releases (crate, version, blob_sha256, publisher_id, state, base_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(crate, version, blobSha, user.id, 'scanning', base, now, now).lastInsertRowid,
      );
      db.prepare('INSERT INTO serve_scan_queue (release_id, enqueued_at) VALUES (?, ?)').run(id, now);
      return { id, created: true };
    }).immediate();
  }

  /** The scan job for a queued release: its tarball and that of the version it is compared with. */
  scanInputs(id: number): { crate: string; version: string; blob: string; baseBlob: string | null } {
    const r = this.row(id);
    const base = r.base_version
      ? (this.d.db.prepare('SELECT blob_sha256 FROM serve_releases WHERE crate = ? AND version = ?').get(r.crate, r.base_version) as { blob_sha256: string } | undefined)
      : undefined;
    return { crate: r.crate, version: r.version, blob: r.blob_sha256, baseBlob: base?.blob_sha256 ?? null };
  }

  /** Queued scans, oldest first. */
  queued(): Array<{ releaseId: number; attempts: number }> {
    return (this.d.db.prepare('SELECT release_id, attempts FROM serve_scan_queue ORDER BY enqueued_at, release_id').all() as Array<{ release_id: number; attempts: number }>).map((r) => ({ releaseId: r.release_id, attempts: r.attempts }));
  }

  /** Records a scan failure that may be retried; returns the attempts made so far. */
  scanAttempt(id: number): number {
    this.d.db.prepare('UPDATE serve_scan_queue SET attempts = attempts + 1 WHERE release_id = ?').run(id);
    return (this.d.db.prepare('SELECT attempts FROM serve_scan_queue WHERE release_id = ?').get(id) as { attempts: number } | undefined)?.attempts ?? 0;
  }

  /**
   * Applies a finished scan: the report, the state the policy gives it, reviewers for a quarantine,
   * the alert and its deliveries, and the queue row's removal — one transaction.
   */
  scanned(id: number, outcome: ScanOutcome): void {
    const db = this.d.db;
    db.transaction(() => {
      const r = this.row(id);
      if (r.state !== 'scanning') return;
      const now = this.d.now();
      let state: ReleaseState;
      let report: Report | null = null;
      let error: string | null = null;
      if (outcome.ok) {
        report = outcome.report;
        state = report.verdict === 'pass' ? 'cooling-off' : report.verdict === 'review' ? 'quarantined' : 'rejected';
      } else {
        // An archive cratefence cannot read the way cargo would is refused, never waved through.
        error = `${outcome.failure}: ${outcome.error}`;
        state = 'rejected';
      }
      const json = report ? JSON.stringify(report) : null;
      const digest = json ? createHash('sha256').update(json).digest('hex') : null;
      let until: string | null = null;
      if (state === 'cooling-off') {
        const trusted = (db.prepare('SELECT trusted FROM serve_users WHERE id = ?').get(r.publisher_id) as { trusted: number }).trusted === 1;
        const hours = trusted ? this.d.policy['trusted-cool-off-hours'] : this.d.policy['cool-off-hours'];
        until = new Date(now.getTime() + hours * 3_600_000).toISOString();
      }
      const hunks = outcome.ok && outcome.hunks ? JSON.stringify(outcome.hunks) : null;
      db.prepare('UPDATE serve_releases SET state = ?, verdict = ?, score = ?, report_json = ?, report_sha256 = ?, scan_error = ?, cool_off_until = ?, hunks_json = ?, updated_at = ? WHERE id = ?').run(
        state, report?.verdict ?? (error ? 'block' : null), report?.score ?? null, json, digest, error, until, hunks, now.toISOString(), id,
      );
      db.prepare('DELETE FROM serve_scan_queue WHERE release_id = ?').run(id);
      let reviewers: string[] = [];
      if (state === 'quarantined') reviewers = drawReviewers(db, { id, crate: r.crate, publisherId: r.publisher_id }, this.d.policy.reviewers, this.d.random, this.d.randomSource, now);
      const kind: EventKind = state === 'quarantined' ? 'quarantined' : state === 'rejected' ? 'rejected' : 'cooling-off';
      recordEvent(db, r, kind, { verdict: report?.verdict ?? 'block', score: report?.score ?? null, reviewers, ...(error ? { reason: error } : {}), ...(until ? { coolOffUntil: until } : {}) }, now);
    }).immediate();
  }

  /** Records a decision and applies what it implies for the release's state. */
  decide(id: number, user: User, kind: DecisionKind, reason: string): ReleaseView {
    const db = this.d.db;
    db.transaction(() => {
      const r = this.row(id);
      const now = this.d.now();
      const release = { id, crate: r.crate, version: r.version, publisherId: r.publisher_id };
      if ((kind === 'approval' || kind === 'rejection') && isOwnRelease(db, release, user.id)) {
        throw new ServeError(403, `${user.name} publishes or owns ${r.crate} and cannot decide on its release`);
      }
      let next: ReleaseState | null = null;
      let weight = 1;
      if (kind === 'approval') {
        if (r.state !== 'quarantined') throw new ServeError(409, `release ${id} is ${r.state}; only a quarantined release takes approvals`);
      } else if (kind === 'rejection') {
        if (r.state !== 'quarantined' && r.state !== 'cooling-off') throw new ServeError(409, `release ${id} is ${r.state}; only a quarantined or cooling-off release can be rejected`);
        next = 'rejected';
      } else if (kind === 'override') {
        if (r.state !== 'rejected') throw new ServeError(409, `release ${id} is ${r.state}; only a rejected release can be overridden`);
        next = 'cooling-off';
      } else {
        if (r.state === 'revoked') throw new ServeError(409, `release ${id} is already revoked`);
        next = 'revoked';
      }
      if (kind === 'approval' && this.d.policy.approval.mode === 'weighted') weight = dependentWeights(db, r.crate).get(user.id) ?? 0;
      db.prepare('INSERT INTO serve_decisions (release_id, kind, user_id, reason, report_sha256, weight, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, kind, user.id, reason, r.report_sha256, weight, now.toISOString());
      if (kind === 'approval' && approvalStatus(db, { id, crate: r.crate }, this.d.policy).met) next = 'released';
      if (next) this.transition(r, next, now, { by: user.name, reason });
    }).immediate();
    return this.view(id);
  }

  private transition(r: Row, next: ReleaseState, now: Date, detail: Record<string, unknown>): void {
    let until: string | null = r.cool_off_until;
    if (next === 'cooling-off') until = new Date(now.getTime() + this.d.policy['cool-off-hours'] * 3_600_000).toISOString();
    this.d.db.prepare('UPDATE serve_releases SET state = ?, cool_off_until = ?, updated_at = ? WHERE id = ?').run(next, until, now.toISOString(), r.id);
    const kind: EventKind = next === 'scanning' || next === 'quarantined' ? 'quarantined' : next;
    recordEvent(this.d.db, r, kind, { ...detail, ...(next === 'cooling-off' ? { coolOffUntil: until } : {}) }, now);
  }

  /** Releases whose cool-off has passed become released; returns their ids. */
  sweep(): number[] {
    const db = this.d.db;
    return db.transaction(() => {
      const now = this.d.now();
      const due = db.prepare("SELECT * FROM serve_releases WHERE state = 'cooling-off' AND cool_off_until <= ?").all(now.toISOString()) as Row[];
      for (const r of due) this.transition(r, 'released', now, { reason: 'cool-off period passed' });
      return due.map((r) => r.id);
    }).immediate();
  }

  view(id: number): ReleaseView {
    const db = this.d.db;
    const r = this.row(id);
    const publisher = (db.prepare('SELECT name FROM serve_users WHERE id = ?').get(r.publisher_id) as { name: string }).name;
    const decisions = db
      .prepare('SELECT d.kind, u.name AS who, d.reason, d.report_sha256, d.weight, d.created_at FROM serve_decisions d JOIN serve_users u ON u.id = d.user_id WHERE d.release_id = ? ORDER BY d.id')
      .all(id) as Array<{ kind: DecisionKind; who: string; reason: string; report_sha256: string | null; weight: number; created_at: string }>;
    const report = r.report_json ? (JSON.parse(r.report_json) as Report) : null;
    return {
      id: r.id,
      crate: r.crate,
      version: r.version,
      state: r.state,
      publisher,
      baseVersion: r.base_version,
      verdict: r.verdict,
      score: r.score,
      reportSha256: r.report_sha256,
      scanError: r.scan_error,
      coolOffUntil: r.cool_off_until,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      reviewers: reviewersOf(db, id),
      approval: r.state === 'quarantined' ? approvalStatus(db, { id, crate: r.crate }, this.d.policy) : null,
      decisions: decisions.map((d) => ({ kind: d.kind, who: d.who, reason: d.reason, reportSha256: d.report_sha256, weight: d.weight, at: d.created_at })),
      topFindings: (report?.findings ?? [])
        .filter((f) => f.severity !== 'info')
        .slice(0, 5)
        .map((f) => ({ ruleId: f.ruleId, severity: f.severity, category: f.category, file: f.file, line: f.line, message: f.message })),
    };
  }

  report(id: number): Report | null {
    const r = this.row(id);
    return r.report_json ? (JSON.parse(r.report_json) as Report) : null;
  }

  /** The release diff the report was made from (for the reviewers' page). */
  hunks(id: number): FileHunks[] | undefined {
    const r = this.d.db.prepare('SELECT hunks_json FROM serve_releases WHERE id = ?').get(id) as { hunks_json: string | null } | undefined;
    return r?.hunks_json ? (JSON.parse(r.hunks_json) as FileHunks[]) : undefined;
  }

  /** Releases for listings: by state, or those waiting for one reviewer. */
  list(filter: { state?: ReleaseState; reviewer?: string; crate?: string }): ReleaseView[] {
    const ids = (this.d.db
      .prepare(`SELECT id FROM serve_releases WHERE (? IS NULL OR state = ?) AND (? IS NULL OR crate = ?) ORDER BY id DESC LIMIT 500`)
      .all(filter.state ?? null, filter.state ?? null, filter.crate ?? null, filter.crate ?? null) as Array<{ id: number }>).map((r) => r.id);
    const views = ids.map((id) => this.view(id));
    return filter.reviewer ? views.filter((v) => v.reviewers.includes(filter.reviewer!)) : views;
  }

  /** The state of one version, for builds that must refuse revoked or quarantined releases. */
  status(crate: string, version: string): { state: ReleaseState; id: number } | null {
    const r = this.d.db.prepare('SELECT id, state FROM serve_releases WHERE crate = ? AND version = ?').get(crate, version) as { id: number; state: ReleaseState } | undefined;
    return r ?? null;
  }
}
