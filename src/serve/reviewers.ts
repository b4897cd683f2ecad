import { randomInt } from 'node:crypto';
import type { Db } from '../store/index.js';

/** A source of uniform integers in [0, n): crypto by default; tests pass a seeded one. */
export type RandomInt = (n: number) => number;
export const cryptoRandom: RandomInt = (n) => randomInt(n);

/** A small seeded generator (mulberry32) for tests only: never reachable from the CLI or config. */
export function seededRandom(seed: number): RandomInt {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/**
 * Draws up to `k` reviewers for a quarantined release from the pool (reviewers and admins in the pool),
 * excluding the publisher and the crate's owners, and logs the draw with its inputs so it can be
 * audited afterwards. Runs inside the caller's transaction.
 */
export function drawReviewers(db: Db, release: { id: number; crate: string; publisherId: number }, k: number, random: RandomInt, source: string, now: Date): string[] {
  const pool = (db.prepare("SELECT id, name FROM serve_users WHERE in_pool = 1 AND role IN ('reviewer', 'admin') ORDER BY id").all() as Array<{ id: number; name: string }>);
  const owners = new Set((db.prepare('SELECT user_id FROM serve_owners WHERE crate = ?').all(release.crate) as Array<{ user_id: number }>).map((r) => r.user_id));
  owners.add(release.publisherId);
  const eligible = pool.filter((u) => !owners.has(u.id));
  // Partial Fisher-Yates: the first k positions are a uniform sample without replacement.
  const chosen = eligible.slice();
  const n = Math.min(k, chosen.length);
  for (let i = 0; i < n; i++) {
    const j = i + random(chosen.length - i);
    [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
  }
  const names = chosen.slice(0, n).map((u) => u.name);
  db.prepare('INSERT INTO serve_reviewer_draws (release_id, pool_json, excluded_json, chosen_json, source, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    release.id,
    JSON.stringify(pool.map((u) => u.name)),
    JSON.stringify(pool.filter((u) => owners.has(u.id)).map((u) => u.name)),
    JSON.stringify(names),
    source,
    now.toISOString(),
  );
  return names;
}

/** The reviewers drawn for a release (the latest draw). */
export function reviewersOf(db: Db, releaseId: number): string[] {
  const row = db.prepare('SELECT chosen_json FROM serve_reviewer_draws WHERE release_id = ? ORDER BY id DESC LIMIT 1').get(releaseId) as { chosen_json: string } | undefined;
  return row ? (JSON.parse(row.chosen_json) as string[]) : [];
}
