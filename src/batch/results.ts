/**
 * Queries of the result store behind `cratefence results`. Each returns a table (named columns and
 * plain rows) that any output format can print; none of them writes.
 */
import semver from 'semver';
import type { Db } from '../store/index.js';

export interface ResultFilters {
  crate?: string;
  rule?: string;
  category?: string;
  /** Releases published (or, when unknown, scanned) on or after this instant. */
  since?: Date;
  verdict?: string;
  top?: number;
}

export type Cell = string | number | null;

/** A query's answer: columns in order, and rows keyed by them. `flex` columns may be cut to fit a terminal. */
export interface Table {
  title: string;
  columns: string[];
  flex: string[];
  rows: Array<Record<string, Cell>>;
}

const versionOrder = (a: string | null, b: string | null) => {
  const va = a && semver.valid(a);
  const vb = b && semver.valid(b);
  if (va && vb) return semver.compare(va, vb);
  return String(a).localeCompare(String(b));
};

/** WHERE clauses shared by the job queries (over `jobs j`). */
function jobWhere(f: ResultFilters): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.crate) {
    parts.push('j.crate = ?');
    params.push(f.crate);
  }
  if (f.verdict) {
    parts.push('j.verdict = ?');
    params.push(f.verdict);
  }
  if (f.since) {
    parts.push('COALESCE(j.published_at, j.finished_at) >= ?');
    params.push(f.since.toISOString());
  }
  return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params };
}

/** The riskiest releases first (highest score), done jobs only. */
export function topReleases(db: Db, f: ResultFilters): Table {
  const w = jobWhere(f);
  const rows = db
    .prepare(`SELECT j.id, j.crate, j.old_version, j.new_version, j.verdict, j.score,
        (SELECT COUNT(*) FROM findings x WHERE x.job_id = j.id AND x.severity != 'info') AS findings,
        (SELECT group_concat(capability, ' ') FROM capabilities_added c WHERE c.job_id = j.id) AS gained,
        j.new_input
      FROM jobs j WHERE j.state = 'done'${w.sql} ORDER BY j.score DESC, j.crate, j.id LIMIT ?`)
    .all(...w.params, f.top ?? 20) as Array<Record<string, Cell>>;
  return {
    title: `riskiest ${rows.length} releases`,
    columns: ['crate', 'old', 'new', 'verdict', 'score', 'findings', 'gained'],
    flex: ['gained'],
    rows: rows.map((r) => ({ crate: r.crate ?? r.new_input, old: r.old_version, new: r.new_version, verdict: r.verdict, score: r.score, findings: r.findings, gained: r.gained ?? '' })),
  };
}

/** One crate's history: verdict and score per release, and the capabilities each release gained. */
export function crateHistory(db: Db, f: ResultFilters & { crate: string }): Table {
  const w = jobWhere(f);
  const rows = db
    .prepare(`SELECT j.id, j.old_version, j.new_version, j.state, j.verdict, j.score, j.error, j.published_at,
        (SELECT COUNT(*) FROM findings x WHERE x.job_id = j.id AND x.severity != 'info') AS findings,
        (SELECT group_concat(capability, ' ') FROM capabilities_added c WHERE c.job_id = j.id) AS gained
      FROM jobs j WHERE 1 = 1${w.sql}`)
    .all(...w.params) as Array<Record<string, Cell>>;
  rows.sort((a, b) => versionOrder(a.new_version as string | null, b.new_version as string | null));
  const limited = f.top ? rows.slice(-f.top) : rows;
  return {
    title: `history of ${f.crate}: ${limited.length} releases`,
    columns: ['old', 'new', 'published', 'verdict', 'score', 'findings', 'gained'],
    flex: ['gained'],
    rows: limited.map((r) => ({
      old: r.old_version, new: r.new_version, published: r.published_at ? String(r.published_at).slice(0, 10) : '',
      verdict: r.state === 'done' ? r.verdict : r.state, score: r.score, findings: r.findings,
      gained: r.state === 'done' ? (r.gained ?? '') : `(${r.error ?? ''})`,
    })),
  };
}

/** Findings one row each, for --rule / --category (and the job filters). */
export function findingRows(db: Db, f: ResultFilters): Table {
  const w = jobWhere(f);
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.rule) {
    parts.push('x.rule_id = ?');
    params.push(f.rule);
  }
  if (f.category) {
    parts.push('x.category = ?');
    params.push(f.category);
  }
  const rows = db
    .prepare(`SELECT j.crate, j.new_version, x.rule_id, x.category, x.severity, x.file, x.line, x.points, x.message
      FROM findings x JOIN jobs j ON j.id = x.job_id WHERE j.state = 'done'${w.sql}${parts.length ? ` AND ${parts.join(' AND ')}` : ''}
      ORDER BY COALESCE(x.points, 0) DESC, j.crate, j.new_version, x.file, x.line LIMIT ?`)
    .all(...w.params, ...params, f.top ?? 1_000_000) as Array<Record<string, Cell>>;
  return {
    title: `${rows.length} findings`,
    columns: ['crate', 'version', 'rule', 'severity', 'location', 'points', 'message'],
    flex: ['message', 'location'],
    rows: rows.map((r) => ({ crate: r.crate, version: r.new_version, rule: r.rule_id, severity: r.severity, location: `${r.file}:${r.line}`, points: r.points, message: r.message })),
  };
}

/** Jobs that ended without a report: errors (bad input, time limit, memory cap, crash) and dead letters. */
export function errorRows(db: Db, f: ResultFilters): Table {
  const w = jobWhere({ ...f, verdict: undefined });
  const rows = db
    .prepare(`SELECT j.crate, j.old_version, j.new_version, j.old_input, j.new_input, j.state, j.failure, j.attempts, j.error
      FROM jobs j WHERE j.state != 'done'${w.sql} ORDER BY j.finished_at DESC LIMIT ?`)
    .all(...w.params, f.top ?? 1_000_000) as Array<Record<string, Cell>>;
  return {
    title: `${rows.length} jobs without a report`,
    columns: ['job', 'state', 'failure', 'attempts', 'error'],
    flex: ['error', 'job'],
    rows: rows.map((r) => ({
      job: r.crate && r.new_version ? `${r.crate} ${r.old_version ?? '(first)'} → ${r.new_version}` : `${r.old_input ?? '(first)'} → ${r.new_input}`,
      state: r.state, failure: r.failure, attempts: r.attempts, error: r.error,
    })),
  };
}

/** Counts for the heading: jobs by state and verdict, and runs. */
export function storeSummary(db: Db): string {
  const by = db.prepare("SELECT state, COALESCE(verdict, '') AS verdict, COUNT(*) AS n FROM jobs GROUP BY state, verdict").all() as Array<{ state: string; verdict: string; n: number }>;
  const runs = (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
  const done = by.filter((r) => r.state === 'done');
  const count = (s: string) => by.filter((r) => r.state === s).reduce((a, r) => a + r.n, 0);
  const verdicts = done.map((r) => `${r.n} ${r.verdict}`).join(', ');
  return `${count('done')} releases scanned (${verdicts || 'none'}), ${count('error')} errors, ${count('failed')} dead letters, in ${runs} runs`;
}

/** Every stored report matching the filters, for `--export jsonl`. */
export function* exportReports(db: Db, f: ResultFilters): Generator<string> {
  const w = jobWhere(f);
  const q = db.prepare(`SELECT r.report FROM reports r JOIN jobs j ON j.id = r.job_id WHERE j.state = 'done'${w.sql} ORDER BY j.id`);
  for (const row of q.iterate(...w.params) as Iterable<{ report: string }>) yield row.report;
}
