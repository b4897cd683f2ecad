import type { Db } from '../store/index.js';
import type { ServePolicy } from '../config/serve.js';

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
 * Weight of each maintainer of a crate that depends on `crate`: for every crate they own that depends
 * on it, one plus the number of crates that depend on that crate (a maintainer whose crate many others
 * build on speaks for many users).
 */
export function dependentWeights(db: Db, crate: string): Map<number, number> {
  const rows = db
    .prepare(
      `SELECT o.user_id AS user, d.dependent AS dep,
              (SELECT COUNT(*) FROM serve_dependencies x WHERE x.dependency = d.dependent) AS fanin
       FROM serve_dependencies d JOIN serve_owners o ON o.crate = d.dependent
       WHERE d.dependency = ? AND d.dependent <> ?`,
    )
    .all(crate, crate) as Array<{ user: number; dep: string; fanin: number }>;
  const w = new Map<number, number>();
  for (const r of rows) w.set(r.user, (w.get(r.user) ?? 0) + 1 + r.fanin);
  return w;
}

/** Evaluates the approval rule for a release from its recorded approvals. */
export function approvalStatus(db: Db, release: { id: number; crate: string }, policy: ServePolicy): ApprovalStatus {
  const approvers = (db.prepare("SELECT DISTINCT user_id FROM serve_decisions WHERE release_id = ? AND kind = 'approval'").all(release.id) as Array<{ user_id: number }>).map((r) => r.user_id);
  const a = policy.approval;
  if (a.mode === 'count') return { mode: 'count', approvals: approvers.length, needed: a.count, met: approvers.length >= a.count };
  const weights = dependentWeights(db, release.crate);
  const total = [...weights.values()].reduce((s, v) => s + v, 0);
  const have = approvers.reduce((s, u) => s + (weights.get(u) ?? 0), 0);
  const share = total > 0 ? have / total : 0;
  // With no dependents registered, nobody's share can be counted: the count of approvals decides.
  const met = total > 0 ? share >= a.share && approvers.length >= a['min-approvals'] : approvers.length >= a.count;
  return { mode: 'weighted', approvals: approvers.length, needed: a.share, share: Math.round(share * 1000) / 1000, totalWeight: total, met };
}

/** True when the user publishes or co-owns the crate: such a user never approves its release. */
export function isOwnRelease(db: Db, release: { crate: string; publisherId: number }, userId: number): boolean {
  if (release.publisherId === userId) return true;
  return db.prepare('SELECT 1 FROM serve_owners WHERE crate = ? AND user_id = ?').get(release.crate, userId) !== undefined;
}
