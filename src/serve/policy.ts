import type { Db } from '../store/index.js';
import type { ServePolicy } from '../config/serve.js';
import { dependentWeights } from './dependents.js';

export { dependentWeights };

/** Where approvals of a quarantined release stand against the configured rule. */
export interface ApprovalStatus {
  mode: 'count' | 'weighted';
  approvals: number;
  /** Count mode: approvals needed. Weighted mode: the share needed (0-1). */
  needed: number;
  /** Weighted mode: approving weight / the weight of every registered dependent's maintainers. */
  share?: number;
  totalWeight?: number;
  met: boolean;
}

/**
 * May this user's approval count for the release? Under `approvers = "drawn"` (the default) only
 * the reviewers drawn for it, and in weighted mode also the maintainers of crates that depend on it
 * (their weight is the point of the mode); under `"any-reviewer"` every reviewer or admin. The
 * publisher and owners are refused before this is asked.
 */
export function mayApprove(db: Db, release: { id: number; crateKey: string }, user: { id: number; name: string }, policy: ServePolicy, drawn: string[]): boolean {
  if (policy.approval.approvers === 'any-reviewer') return true;
  if (drawn.includes(user.name)) return true;
  return policy.approval.mode === 'weighted' && (dependentWeights(db, release.crateKey).get(user.id) ?? 0) > 0;
}

/**
 * Evaluates the approval rule for a release from its recorded approvals. Only approvals given to the
 * release's current report count (a re-scan asks again), and only from users who may approve it now.
 */
export function approvalStatus(db: Db, release: { id: number; crateKey: string; reportSha256: string | null }, policy: ServePolicy, drawn: string[]): ApprovalStatus {
  const rows = db
    .prepare("SELECT DISTINCT u.id, u.name FROM serve_decisions d JOIN serve_users u ON u.id = d.user_id WHERE d.release_id = ? AND d.kind = 'approval' AND d.report_sha256 IS ?")
    .all(release.id, release.reportSha256) as Array<{ id: number; name: string }>;
  const approvers = rows.filter((u) => mayApprove(db, release, u, policy, drawn)).map((u) => u.id);
  const a = policy.approval;
  if (a.mode === 'count') return { mode: 'count', approvals: approvers.length, needed: a.count, met: approvers.length >= a.count };
  const weights = dependentWeights(db, release.crateKey);
  const total = [...weights.values()].reduce((s, v) => s + v, 0);
  const have = approvers.reduce((s, u) => s + (weights.get(u) ?? 0), 0);
  const share = total > 0 ? have / total : 0;
  // With no dependents registered, nobody's share can be counted: the count of approvals decides.
  const met = total > 0 ? share >= a.share && approvers.length >= a['min-approvals'] : approvers.length >= a.count;
  return { mode: 'weighted', approvals: approvers.length, needed: a.share, share: Math.round(share * 1000) / 1000, totalWeight: total, met };
}

/** True when the user publishes or co-owns the crate: such a user never decides on its release. */
export function isOwnRelease(db: Db, release: { crateKey: string; publisherId: number }, userId: number): boolean {
  if (release.publisherId === userId) return true;
  return db.prepare('SELECT 1 FROM serve_owners WHERE crate = ? AND user_id = ?').get(release.crateKey, userId) !== undefined;
}
