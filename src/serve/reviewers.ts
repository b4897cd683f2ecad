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
 * excluding the publisher, the crate's owners and anyone in `exclude`, and logs the draw with its
 * inputs (and, for a draw an admin asked for, who and why) so it can be audited afterwards. Runs
 * inside the caller's transaction.
 */
export function drawReviewers(
  db: Db,
  release: { id: number; crateKey: string; publisherId: number },
  k: number,
  random: RandomInt,
  source: string,
  now: Date,
  extra: { exclude?: string[]; requestedBy?: number; reason?: string } = {},
): string[] {
  const pool = (db.prepare("SELECT id, name FROM serve_users WHERE in_pool = 1 AND role IN ('reviewer', 'admin') ORDER BY id").all() as Array<{ id: number; name: string }>);
  const owners = new Set((db.prepare('SELECT user_id FROM serve_owners WHERE crate = ?').all(release.crateKey) as Array<{ user_id: number }>).map((r) => r.user_id));
  owners.add(release.publisherId);
  const already = new Set(extra.exclude ?? []);
  const eligible = pool.filter((u) => !owners.has(u.id) && !already.has(u.name));
  // Partial Fisher-Yates: the first k positions are a uniform sample without replacement.
  const chosen = eligible.slice();
  const n = Math.min(k, chosen.length);
  for (let i = 0; i < n; i++) {
    const j = i + random(chosen.length - i);
    [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
  }
  const names = chosen.slice(0, n).map((u) => u.name);
  db.prepare('INSERT INTO serve_reviewer_draws (release_id, pool_json, excluded_json, chosen_json, source, created_at, requested_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    release.id,
    JSON.stringify(pool.map((u) => u.name)),
    JSON.stringify(pool.filter((u) => owners.has(u.id) || already.has(u.name)).map((u) => u.name)),
    JSON.stringify(names),
    source,
    now.toISOString(),
    extra.requestedBy ?? null,
    extra.reason ?? null,
  );
  return names;
}

/** Everyone drawn for a release, by the automatic draws and by admins' extra draws, in draw order. */
export function reviewersOf(db: Db, releaseId: number): string[] {
  const rows = db.prepare('SELECT chosen_json FROM serve_reviewer_draws WHERE release_id = ? ORDER BY id').all(releaseId) as Array<{ chosen_json: string }>;
  const out = new Set<string>();
  for (const r of rows) for (const n of JSON.parse(r.chosen_json) as string[]) out.add(n);
  return [...out];
}
