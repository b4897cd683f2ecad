import semver from 'semver';
import type { Db } from '../store/index.js';
import { crateKey } from './manifest.js';

/**
 * The dependents graph: who builds on whom. Two sources, used together: admins' `PUT
 * /v1/crates/NAME/dependencies` (serve_dependencies) and the index the mirror serves — for each
 * crate, the normal and build dependencies of its newest usable version (serve_index_dependencies).
 */

/** Weight of each further generation of dependents, relative to the one before (see {@link crateWeight}). */
export const GENERATION_DECAY = 0.5;
/** Generations counted beyond a crate's own direct dependents (2nd and 3rd). */
const DEEPER_GENERATIONS = 2;
/** A bound on the crates visited for one weight, so a huge graph costs bounded time. */
const MAX_VISITED = 50_000;

/** Records what the index says one crate depends on (its newest usable version's line), replacing what it said before. Runs in its own or the caller's transaction. */
export function recordIndexDependencies(db: Db, dependent: string, version: string, deps: Array<{ name: string; req: string; kind?: string; package?: string; registry?: string }>): void {
  const key = crateKey(dependent);
  const seen = new Map<string, string>();
  for (const d of deps) {
    // Dev-dependencies do not reach users, and a dependency from another registry is another crate.
    if (d.kind === 'dev' || d.registry) continue;
    const dep = crateKey(d.package ?? d.name);
    if (dep !== key && !seen.has(dep)) seen.set(dep, d.req);
  }
  db.transaction(() => {
    db.prepare('DELETE FROM serve_index_dependencies WHERE dependent = ?').run(key);
    const ins = db.prepare('INSERT INTO serve_index_dependencies (dependent, dependent_name, dependency, req, version) VALUES (?, ?, ?, ?, ?)');
    for (const [dep, req] of seen) ins.run(key, dependent, dep, req, version);
  })();
}

/** The crates that depend directly on `crate` (by its key), from both sources. */
export function directDependents(db: Db, crate: string): string[] {
  const rows = db
    .prepare('SELECT dependent FROM serve_dependencies WHERE dependency = ? UNION SELECT dependent FROM serve_index_dependencies WHERE dependency = ?')
    .all(crate, crate) as Array<{ dependent: string }>;
  return rows.map((r) => r.dependent).filter((d) => d !== crate);
}

/**
 * How much a dependent crate D speaks for: 1, plus the crates that depend on D directly, plus half
 * of those that depend on them (2nd generation), plus a quarter of the 3rd generation. Each crate is
 * counted once, at its closest distance; `exclude` (the crate whose release is judged) is never
 * counted. With no 2nd- or 3rd-generation dependents this is the earlier rule, 1 + direct dependents.
 */
export function crateWeight(db: Db, dependent: string, exclude: string): number {
  let frontier = [dependent];
  const seen = new Set([dependent, exclude]);
  let weight = 1;
  let factor = 1;
  for (let gen = 0; gen <= DEEPER_GENERATIONS && frontier.length > 0 && seen.size < MAX_VISITED; gen++) {
    const next: string[] = [];
    for (const c of frontier) {
      for (const d of directDependents(db, c)) {
        if (seen.has(d)) continue;
        seen.add(d);
        next.push(d);
      }
    }
    weight += factor * next.length;
    factor *= GENERATION_DECAY;
    frontier = next;
  }
  return weight;
}

/**
 * Weight of each maintainer of a crate that depends on `crate`: the sum of {@link crateWeight} over
 * the dependent crates they own (a maintainer whose crate many others build on speaks for many users).
 */
export function dependentWeights(db: Db, crate: string): Map<number, number> {
  const w = new Map<number, number>();
  const owners = db.prepare('SELECT user_id FROM serve_owners WHERE crate = ?');
  for (const d of directDependents(db, crate)) {
    const ids = (owners.all(d) as Array<{ user_id: number }>).map((r) => r.user_id);
    if (ids.length === 0) continue;
    const cw = crateWeight(db, d, crate);
    for (const id of ids) w.set(id, (w.get(id) ?? 0) + cw);
  }
  return w;
}

/** A dependent waiting for a held-back release: its requirement admits the version, so it gets it once released. */
export interface WaitingDependent {
  crate: string;
  /** The requirement the served index states, or null for an edge an admin registered. */
  req: string | null;
  owners: string[];
}

/** The direct dependents of a crate whose requirement admits `version` (admins' edges always do), with their owners. */
export function waitingDependents(db: Db, crate: string, version: string): WaitingDependent[] {
  const key = crateKey(crate);
  const rows = db
    .prepare(
      `SELECT dependent, dependent_name AS name, req FROM serve_index_dependencies WHERE dependency = ?
       UNION ALL SELECT dependent, dependent AS name, NULL FROM serve_dependencies WHERE dependency = ? AND dependent NOT IN (SELECT dependent FROM serve_index_dependencies WHERE dependency = ?)
       ORDER BY dependent LIMIT 500`,
    )
    .all(key, key, key) as Array<{ dependent: string; name: string; req: string | null }>;
  const owners = db.prepare('SELECT u.name FROM serve_owners o JOIN serve_users u ON u.id = o.user_id WHERE o.crate = ? ORDER BY u.name');
  return rows
    .filter((r) => r.dependent !== key && (r.req === null || admits(r.req, version)))
    .map((r) => ({ crate: r.name, req: r.req, owners: (owners.all(r.dependent) as Array<{ name: string }>).map((o) => o.name) }));
}

/**
 * Whether a Cargo version requirement admits a version. Cargo reads a bare `1.2` as `^1.2` and
 * separates comparators with commas; npm's semver reads a bare version as exact and uses spaces.
 */
export function admits(req: string, version: string): boolean {
  const range = req
    .split(',')
    .map((p) => p.trim())
    .map((p) => (/^\d/.test(p) ? `^${p}` : p.replace(/^([<>=~^]+)\s+/, '$1')))
    .join(' ');
  try {
    return semver.satisfies(version, range);
  } catch {
    return false;
  }
}
