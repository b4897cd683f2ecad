import { createHash } from 'node:crypto';
import type { Db } from '../store/index.js';
import { loudFindings } from '../report/input.js';
import type { FileHunks, Report } from '../index.js';
import type { ScanOutcome } from '../runner/index.js';
import type { ServePolicy } from '../config/serve.js';
import type { User } from './auth.js';
import { recordEvent, type EventKind } from './alerts.js';
import { approvalStatus, dependentWeights, isOwnRelease, mayApprove, type ApprovalStatus } from './policy.js';
import { drawReviewers, reviewersOf, type RandomInt } from './reviewers.js';
import { requeueDiffedAgainst, stillTrusted, trustedBase, type ScanBase } from './bases.js';
import { crateKey } from './manifest.js';
import { ServeError } from './errors.js';
import { applyBackgroundScan, isBackgroundScan } from './mirror-releases.js';

export { ServeError };

export type ReleaseState = 'scanning' | 'quarantined' | 'cooling-off' | 'released' | 'rejected' | 'revoked';
export type DecisionKind = 'approval' | 'rejection' | 'revocation' | 'override';

interface Row {
  id: number;
  crate: string;
  crate_key: string;
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
  origin: 'published' | 'upstream' | 'baseline';
  released_at: string | null;
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
  /** `published` to the service, pulled through from the `upstream`, or part of a crate's `baseline` (docs/registry-mirror.md). */
  origin: 'published' | 'upstream' | 'baseline';
  releasedAt: string | null;
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

  /**
   * Refuses a publish before anything is stored: a crate (by its crates.io key) owned by others
   * (403), a spelling other than the one the crate was first published under (409), or a version
   * already published with other contents (409). Returns the release when these very bytes were
   * published already (a retried hook).
   */
  admit(user: User, crate: string, version: string, blobSha: string): { id: number } | null {
    const db = this.d.db;
    const key = crateKey(crate);
    const owners = db.prepare('SELECT user_id FROM serve_owners WHERE crate = ?').all(key) as Array<{ user_id: number }>;
    if (owners.length > 0 && user.role !== 'admin' && !owners.some((o) => o.user_id === user.id)) {
      throw new ServeError(403, `${user.name} is not an owner of ${crate} (crate names are compared as crates.io compares them: case and - or _ do not matter)`);
    }
    const spelled = db.prepare('SELECT crate FROM serve_releases WHERE crate_key = ? AND crate <> ? LIMIT 1').get(key, crate) as { crate: string } | undefined;
    if (spelled) throw new ServeError(409, `${crate} is the crate published as ${spelled.crate}; publish it under that name`);
    const existing = db.prepare('SELECT id, blob_sha256 FROM serve_releases WHERE crate_key = ? AND version = ?').get(key, version) as { id: number; blob_sha256: string } | undefined;
    if (!existing) return null;
    if (existing.blob_sha256 !== blobSha) throw new ServeError(409, `${crate} ${version} was already published with different contents; versions are immutable`);
    return { id: existing.id };
  }

  /**
   * Records a published release and queues its scan (the scan itself never runs in the request).
   * The version it is compared with is chosen when the scan runs, not here.
   */
  publish(user: User, crate: string, version: string, blobSha: string): { id: number; created: boolean } {
    const db = this.d.db;
    return db.transaction(() => {
      const existing = this.admit(user, crate, version, blobSha);
      if (existing) return { id: existing.id, created: false };
      const key = crateKey(crate);
      if (!db.prepare('SELECT 1 FROM serve_owners WHERE crate = ?').get(key)) db.prepare('INSERT INTO serve_owners (crate, user_id) VALUES (?, ?)').run(key, user.id);
      const now = this.d.now().toISOString();
      const id = Number(
        db.prepare('INSERT INTO serve_releases (crate, crate_key, version, blob_sha256, publisher_id, state, base_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)')
          .run(crate, key, version, blobSha, user.id, 'scanning', now, now).lastInsertRowid,
      );
      db.prepare('INSERT INTO serve_scan_queue (release_id, enqueued_at) VALUES (?, ?)').run(id, now);
      return { id, created: true };
    }).immediate();
  }

  /** The scan job for a queued release: its tarball and the base the trust rule gives it now. */
  scanInputs(id: number): { crate: string; version: string; blob: string; base: ScanBase | null } {
    const r = this.row(id);
    return { crate: r.crate, version: r.version, blob: r.blob_sha256, base: trustedBase(this.d.db, r.crate_key, r.version) };
  }

  /**
   * Queued scans, oldest first; background scans of baseline releases after every other, and scans
   * put off (their tarball could not be fetched yet) only once their time has come.
   */
  queued(): Array<{ releaseId: number; attempts: number }> {
    return (this.d.db
      .prepare('SELECT release_id, attempts FROM serve_scan_queue WHERE not_before IS NULL OR not_before <= ? ORDER BY background, enqueued_at, release_id')
      .all(this.d.now().toISOString()) as Array<{ release_id: number; attempts: number }>).map((r) => ({ releaseId: r.release_id, attempts: r.attempts }));
  }

  /** Records a scan failure that may be retried; returns the attempts made so far. */
  scanAttempt(id: number): number {
    this.d.db.prepare('UPDATE serve_scan_queue SET attempts = attempts + 1 WHERE release_id = ?').run(id);
    return (this.d.db.prepare('SELECT attempts FROM serve_scan_queue WHERE release_id = ?').get(id) as { attempts: number } | undefined)?.attempts ?? 0;
  }

  /**
   * Applies a finished scan: the report, the state the policy gives it, reviewers for a quarantine,
   * the alert and its deliveries, and the queue row's removal — one transaction. Returns false, and
   * leaves the release queued, when the base the scan used is no longer trusted (revoked meanwhile):
   * the scan runs again against the base the rule gives now.
   */
  scanned(id: number, outcome: ScanOutcome, base: ScanBase | null): boolean {
    const db = this.d.db;
    return db.transaction(() => {
      const r = this.row(id);
      if (isBackgroundScan(db, id)) return applyBackgroundScan(db, r, outcome, base, this.d.now());
      if (r.state !== 'scanning') {
        // Revoked while it was scanning: nothing to apply, nothing to run again.
        db.prepare('DELETE FROM serve_scan_queue WHERE release_id = ?').run(id);
        return true;
      }
      if (!stillTrusted(db, r.crate_key, base)) return false;
      const queued = db.prepare('SELECT prior_state, reason FROM serve_scan_queue WHERE release_id = ?').get(id) as { prior_state: ReleaseState | null; reason: string | null } | undefined;
      const prior = queued?.prior_state ?? null;
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
      let until: string | null = null;
      if (state === 'cooling-off' && (prior === 'released' || prior === 'cooling-off')) {
        // A re-check that still passes keeps the release where it was: released, or its cool-off clock.
        state = prior;
        until = r.cool_off_until;
      } else if (state === 'cooling-off') {
        const trusted = (db.prepare('SELECT trusted FROM serve_users WHERE id = ?').get(r.publisher_id) as { trusted: number }).trusted === 1;
        const hours = trusted ? this.d.policy['trusted-cool-off-hours'] : this.d.policy['cool-off-hours'];
        until = new Date(now.getTime() + hours * 3_600_000).toISOString();
      }
      const json = report ? JSON.stringify(report) : null;
      const digest = json ? createHash('sha256').update(json).digest('hex') : null;
      const hunks = outcome.ok && outcome.hunks ? JSON.stringify(outcome.hunks) : null;
      db.prepare('UPDATE serve_releases SET state = ?, base_version = ?, verdict = ?, score = ?, report_json = ?, report_sha256 = ?, scan_error = ?, cool_off_until = ?, hunks_json = ?, updated_at = ? WHERE id = ?').run(
        state, base?.version ?? null, report?.verdict ?? (error ? 'block' : null), report?.score ?? null, json, digest, error, until, hunks, now.toISOString(), id,
      );
      db.prepare('DELETE FROM serve_scan_queue WHERE release_id = ?').run(id);
      let reviewers: string[] = [];
      if (state === 'quarantined') reviewers = drawReviewers(db, { id, crateKey: r.crate_key, publisherId: r.publisher_id }, this.d.policy.reviewers, this.d.random, this.d.randomSource, now);
      const kind: EventKind = state === 'quarantined' ? 'quarantined' : state === 'rejected' ? 'rejected' : state === 'released' ? 'released' : 'cooling-off';
      const rescan = prior ? { rescan: { previousState: prior, previousBase: r.base_version, reason: queued?.reason ?? null } } : {};
      recordEvent(db, r, kind, { verdict: report?.verdict ?? 'block', score: report?.score ?? null, baseVersion: base?.version ?? null, reviewers, ...(error ? { reason: error } : {}), ...(until ? { coolOffUntil: until } : {}), ...rescan }, now);
      if (state === 'rejected') requeueDiffedAgainst(db, r.crate_key, r.version, `its base ${r.crate} ${r.version} was rejected`, now);
      return true;
    }).immediate();
  }

  /**
   * Records a decision and applies what it implies for the release's state. Nobody decides on a
   * release they publish or co-own, admins included: another reviewer or admin must.
   */
  decide(id: number, user: User, kind: DecisionKind, reason: string): ReleaseView {
    const db = this.d.db;
    db.transaction(() => {
      const r = this.row(id);
      const now = this.d.now();
      const refused = this.refusalOf(r, user, kind);
      if (refused) throw refused;
      let weight = 1;
      // An approval changes the state only when it completes the approval rule (below).
      const next: ReleaseState | null = kind === 'rejection' ? 'rejected' : kind === 'override' ? 'cooling-off' : kind === 'revocation' ? 'revoked' : null;
      if (kind === 'approval' && this.d.policy.approval.mode === 'weighted') weight = dependentWeights(db, r.crate_key).get(user.id) ?? 0;
      db.prepare('INSERT INTO serve_decisions (release_id, kind, user_id, reason, report_sha256, weight, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, kind, user.id, reason, r.report_sha256, weight, now.toISOString());
      const released = kind === 'approval' && approvalStatus(db, { id, crateKey: r.crate_key, reportSha256: r.report_sha256 }, this.d.policy, reviewersOf(db, id)).met;
      const to = released ? 'released' : next;
      if (to) this.transition(r, to, now, { by: user.name, reason });
    }).immediate();
    return this.view(id);
  }

  /**
   * Why `decide` would refuse this user this kind of decision on the release now, or null when it
   * would record it, so that the page offers only the forms the service takes. A kind the release's
   * state does not take is refused first (409); then what depends on who the user is (403): their
   * own release, or an approval from someone not drawn. The role check is the route's.
   */
  refusal(id: number, user: User, kind: DecisionKind): ServeError | null {
    return this.refusalOf(this.row(id), user, kind);
  }

  private refusalOf(r: Row, user: User, kind: DecisionKind): ServeError | null {
    const db = this.d.db;
    if (kind === 'approval' && r.state !== 'quarantined') return new ServeError(409, `release ${r.id} is ${r.state}; only a quarantined release takes approvals`);
    if (kind === 'rejection' && r.state !== 'quarantined' && r.state !== 'cooling-off') return new ServeError(409, `release ${r.id} is ${r.state}; only a quarantined or cooling-off release can be rejected`);
    if (kind === 'override' && r.state !== 'rejected') return new ServeError(409, `release ${r.id} is ${r.state}; only a rejected release can be overridden`);
    if (kind === 'revocation' && r.state === 'revoked') return new ServeError(409, `release ${r.id} is already revoked`);
    if (isOwnRelease(db, { crateKey: r.crate_key, publisherId: r.publisher_id }, user.id)) {
      return new ServeError(403, `${user.name} publishes or owns ${r.crate} and cannot record a${kind === 'approval' || kind === 'override' ? 'n' : ''} ${kind} for its release; ${kind === 'approval' || kind === 'rejection' ? 'another reviewer' : 'another admin'} must`);
    }
    if (kind === 'approval' && !mayApprove(db, { id: r.id, crateKey: r.crate_key }, user, this.d.policy, reviewersOf(db, r.id))) {
      const weighted = this.d.policy.approval.mode === 'weighted' ? ' and maintains no crate that depends on it' : '';
      return new ServeError(403, `${user.name} was not drawn to review release ${r.id}${weighted}; only its drawn reviewers' approvals count (an admin may draw more reviewers)`);
    }
    return null;
  }

  /**
   * An admin adds `count` reviewers to a quarantined release's draw, at random from those not yet
   * drawn (never the publisher or an owner), logged like the automatic draw with who asked and why.
   */
  drawMore(id: number, admin: User, count: number, reason: string): ReleaseView {
    const db = this.d.db;
    db.transaction(() => {
      const r = this.row(id);
      if (isOwnRelease(db, { crateKey: r.crate_key, publisherId: r.publisher_id }, admin.id)) throw new ServeError(403, `${admin.name} publishes or owns ${r.crate} and cannot draw reviewers for its release; another admin must`);
      if (r.state !== 'quarantined') throw new ServeError(409, `release ${id} is ${r.state}; reviewers are drawn only for a quarantined release`);
      const added = drawReviewers(db, { id, crateKey: r.crate_key, publisherId: r.publisher_id }, count, this.d.random, this.d.randomSource, this.d.now(), { exclude: reviewersOf(db, id), requestedBy: admin.id, reason });
      if (added.length === 0) throw new ServeError(409, `release ${id}: nobody else in the reviewer pool can be drawn`);
    }).immediate();
    return this.view(id);
  }

  private transition(r: Row, next: ReleaseState, now: Date, detail: Record<string, unknown>): void {
    let until: string | null = r.cool_off_until;
    if (next === 'cooling-off') until = new Date(now.getTime() + this.d.policy['cool-off-hours'] * 3_600_000).toISOString();
    this.d.db.prepare('UPDATE serve_releases SET state = ?, cool_off_until = ?, updated_at = ?, released_at = CASE WHEN ? THEN ? ELSE released_at END WHERE id = ?').run(next, until, now.toISOString(), next === 'released' ? 1 : 0, now.toISOString(), r.id);
    // A release revoked while its scan was queued is not scanned any more.
    if (next === 'revoked') this.d.db.prepare('DELETE FROM serve_scan_queue WHERE release_id = ?').run(r.id);
    const kind: EventKind = next === 'scanning' || next === 'quarantined' ? 'quarantined' : next;
    recordEvent(this.d.db, r, kind, { ...detail, ...(next === 'cooling-off' ? { coolOffUntil: until } : {}) }, now);
    // Releases diffed against one the service no longer trusts are scanned again against a trusted base.
    if (next === 'rejected' || next === 'revoked') requeueDiffedAgainst(this.d.db, r.crate_key, r.version, `its base ${r.crate} ${r.version} was ${next}`, now);
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

  /** True when the user may see who was drawn to review the release: reviewers, admins, its publisher and owners. */
  seesReviewers(id: number, user: { id: number; role: string }): boolean {
    if (user.role !== 'publisher') return true;
    const r = this.row(id);
    return isOwnRelease(this.d.db, { crateKey: r.crate_key, publisherId: r.publisher_id }, user.id);
  }

  view(id: number): ReleaseView {
    const db = this.d.db;
    const r = this.row(id);
    const publisher = (db.prepare('SELECT name FROM serve_users WHERE id = ?').get(r.publisher_id) as { name: string }).name;
    const decisions = db
      .prepare('SELECT d.kind, u.name AS who, d.reason, d.report_sha256, d.weight, d.created_at FROM serve_decisions d JOIN serve_users u ON u.id = d.user_id WHERE d.release_id = ? ORDER BY d.id')
      .all(id) as Array<{ kind: DecisionKind; who: string; reason: string; report_sha256: string | null; weight: number; created_at: string }>;
    const report = r.report_json ? (JSON.parse(r.report_json) as Report) : null;
    const reviewers = reviewersOf(db, id);
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
      origin: r.origin,
      releasedAt: r.released_at,
      reviewers,
      approval: r.state === 'quarantined' ? approvalStatus(db, { id, crateKey: r.crate_key, reportSha256: r.report_sha256 }, this.d.policy, reviewers) : null,
      decisions: decisions.map((d) => ({ kind: d.kind, who: d.who, reason: d.reason, reportSha256: d.report_sha256, weight: d.weight, at: d.created_at })),
      // Most severe first (then the points they scored), as every listing of findings is ordered.
      topFindings: loudFindings(report?.findings ?? [])
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

  /** Releases for listings: by state, by crate (any spelling of its name), or those waiting for one reviewer. */
  list(filter: { state?: ReleaseState; reviewer?: string; crate?: string }): ReleaseView[] {
    const key = filter.crate === undefined ? null : crateKey(filter.crate);
    const ids = (this.d.db
      .prepare(`SELECT id FROM serve_releases WHERE (? IS NULL OR state = ?) AND (? IS NULL OR crate_key = ?) ORDER BY id DESC LIMIT 500`)
      .all(filter.state ?? null, filter.state ?? null, key, key) as Array<{ id: number }>).map((r) => r.id);
    const views = ids.map((id) => this.view(id));
    return filter.reviewer ? views.filter((v) => v.reviewers.includes(filter.reviewer!)) : views;
  }

  /** The state of one version (any spelling of the crate's name), for builds that must refuse revoked or quarantined releases. */
  status(crate: string, version: string): { state: ReleaseState; id: number } | null {
    const r = this.d.db.prepare('SELECT id, state FROM serve_releases WHERE crate_key = ? AND version = ?').get(crateKey(crate), version) as { id: number; state: ReleaseState } | undefined;
    return r ?? null;
  }
}
