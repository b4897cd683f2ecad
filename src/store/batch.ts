/**
 * Typed access to the batch tables of the result store (migrations/001-batch.sql): runs, jobs, their
 * reports and findings. The coordinator of a batch is the only writer of its store; everything a
 * finished job leaves (its row, report, findings, capabilities) is written in one transaction, so a
 * process killed at any instant leaves each job either wholly recorded or not at all.
 */
import type { Db } from './index.js';
import type { CrateSummary, Report } from '../index.js';

export type JobState = 'done' | 'error' | 'failed';

/** What identifies a job's inputs and the code that scanned them (the resumability key's parts). */
/** What names a job: its key, the crate and versions, how its inputs were given, their digests. */
export interface JobNames {
  key: string;
  crate: string | null;
  oldVersion: string | null;
  newVersion: string | null;
  oldInput: string | null;
  newInput: string;
  oldDigest: string | null;
  newDigest: string;
}

/** A job's names and the code that scanned it. */
export interface JobIdentity extends JobNames {
  toolVersion: string;
  rulesDigest: string;
}

/** A finished job as the coordinator records it. */
export interface JobRecord extends JobIdentity {
  runId: number;
  state: JobState;
  failure?: string;
  error?: string;
  attempts: number;
  report?: Report;
  publishedAt?: string | null;
  startedAt: string;
  finishedAt: string;
  ms: number;
  worker?: string;
  /** The new release's capability summary (batch --summaries). */
  summary?: CrateSummary;
}

/** A job row as queries read it. */
export interface JobRow {
  id: number;
  job_key: string;
  run_id: number;
  crate: string | null;
  old_version: string | null;
  new_version: string | null;
  old_input: string | null;
  new_input: string;
  state: JobState;
  failure: string | null;
  error: string | null;
  attempts: number;
  verdict: string | null;
  score: number | null;
  published_at: string | null;
  started_at: string;
  finished_at: string;
  ms: number;
  worker: string | null;
}

/** The batch tables of one store, with the statements prepared once. */
export class BatchStore {
  private readonly insertJob;
  private readonly insertReport;
  private readonly insertFinding;
  private readonly insertCap;
  private readonly insertSummary;
  private readonly deleteJob;
  private readonly record;

  constructor(readonly db: Db) {
    this.insertJob = db.prepare(`INSERT INTO jobs (job_key, run_id, crate, old_version, new_version, old_input, new_input, old_digest, new_digest,
      tool_version, rules_digest, state, failure, error, attempts, verdict, score, published_at, started_at, finished_at, ms, worker)
      VALUES (@key, @runId, @crate, @oldVersion, @newVersion, @oldInput, @newInput, @oldDigest, @newDigest, @toolVersion, @rulesDigest,
      @state, @failure, @error, @attempts, @verdict, @score, @publishedAt, @startedAt, @finishedAt, @ms, @worker)`);
    this.insertReport = db.prepare('INSERT INTO reports (job_id, report) VALUES (?, ?)');
    this.insertFinding = db.prepare(`INSERT INTO findings (job_id, crate, rule_id, category, severity, confidence, file, line, item, points, message)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertCap = db.prepare('INSERT OR IGNORE INTO capabilities_added (job_id, capability) VALUES (?, ?)');
    this.insertSummary = db.prepare('INSERT INTO summaries (job_id, crate, version, tool, summary) VALUES (?, ?, ?, ?, ?)');
    this.deleteJob = db.prepare('DELETE FROM jobs WHERE job_key = ?');
    this.record = db.transaction((r: JobRecord) => {
      // One row per key: a rescan or a retried error replaces the earlier outcome (its report and
      // findings go with it through ON DELETE CASCADE).
      this.deleteJob.run(r.key);
      const rep = r.report;
      const info = this.insertJob.run({
        ...r,
        failure: r.failure ?? null,
        error: r.error ?? null,
        verdict: rep?.verdict ?? null,
        score: rep?.score ?? null,
        publishedAt: r.publishedAt ?? null,
        worker: r.worker ?? null,
      });
      const id = Number(info.lastInsertRowid);
      if (!rep) return id;
      this.insertReport.run(id, JSON.stringify(rep));
      const crate = r.crate ?? rep.crate.name;
      for (const f of rep.findings) {
        this.insertFinding.run(id, crate, f.ruleId, f.category, f.severity, f.confidence, f.file, f.line, f.item, f.points ?? null, f.message);
      }
      for (const c of rep.capabilities.added) this.insertCap.run(id, c);
      if (r.summary) this.insertSummary.run(id, r.summary.name, r.summary.version, r.summary.tool, JSON.stringify(r.summary));
      return id;
    });
  }

  /** Opens a run; returns its id. */
  startRun(r: { toolVersion: string; rulesDigest: string; source: string; mode: string; jobsTotal: number; jobsSkipped: number; now: Date }): number {
    const info = this.db
      .prepare(`INSERT INTO runs (started_at, state, tool_version, rules_digest, source, mode, jobs_total, jobs_skipped) VALUES (?, 'running', ?, ?, ?, ?, ?, ?)`)
      .run(r.now.toISOString(), r.toolVersion, r.rulesDigest, r.source, r.mode, r.jobsTotal, r.jobsSkipped);
    return Number(info.lastInsertRowid);
  }

  /** Ends a run; `counts` are the distinct jobs it resolved and how many of them it skipped as done. */
  finishRun(id: number, state: 'done' | 'interrupted', now: Date, counts?: { jobsTotal: number; jobsSkipped: number }): void {
    if (counts) {
      this.db.prepare('UPDATE runs SET state = ?, finished_at = ?, jobs_total = ?, jobs_skipped = ? WHERE id = ?').run(state, now.toISOString(), counts.jobsTotal, counts.jobsSkipped, id);
    } else this.db.prepare('UPDATE runs SET state = ?, finished_at = ? WHERE id = ?').run(state, now.toISOString(), id);
  }

  /** Records one finished job (row, report, findings, capabilities) in one transaction; returns its row id. */
  recordJob(r: JobRecord): number {
    return this.record.immediate(r) as number;
  }

  /**
   * The keys among `keys` that are already done (the jobs a rerun skips); with `withSummary`, only
   * those whose summary was kept too (a `--summaries` rerun completes a run made without it).
   */
  doneKeys(keys: string[], withSummary = false): Set<string> {
    const done = new Set<string>();
    const q = this.db.prepare(withSummary
      ? "SELECT job_key FROM jobs j WHERE state = 'done' AND job_key IN (SELECT value FROM json_each(?)) AND EXISTS (SELECT 1 FROM summaries s WHERE s.job_id = j.id)"
      : "SELECT job_key FROM jobs WHERE state = 'done' AND job_key IN (SELECT value FROM json_each(?))");
    // json_each keeps one statement whatever the count of keys (no variable-count limit).
    for (let i = 0; i < keys.length; i += 5000) {
      for (const row of q.all(JSON.stringify(keys.slice(i, i + 5000))) as Array<{ job_key: string }>) done.add(row.job_key);
    }
    return done;
  }

  /** The newest stored summary of each release (name and version), for the summary index. */
  latestSummaries(): CrateSummary[] {
    const rows = this.db
      .prepare('SELECT s.summary FROM summaries s JOIN jobs j ON j.id = s.job_id WHERE s.job_id = (SELECT MAX(x.job_id) FROM summaries x WHERE x.crate = s.crate AND x.version = s.version) ORDER BY s.crate, s.version')
      .all() as Array<{ summary: string }>;
    return rows.map((r) => JSON.parse(r.summary) as CrateSummary);
  }

  /** Every job row (for tests and exports), oldest first. */
  allJobs(): JobRow[] {
    return this.db.prepare('SELECT * FROM jobs ORDER BY id').all() as JobRow[];
  }

  /** The stored report of a job row. */
  report(jobId: number): Report | undefined {
    const row = this.db.prepare('SELECT report FROM reports WHERE job_id = ?').get(jobId) as { report: string } | undefined;
    return row ? (JSON.parse(row.report) as Report) : undefined;
  }

  runs(): Array<{ id: number; started_at: string; finished_at: string | null; state: string; source: string; mode: string; jobs_total: number; jobs_skipped: number }> {
    return this.db.prepare('SELECT id, started_at, finished_at, state, source, mode, jobs_total, jobs_skipped FROM runs ORDER BY id').all() as never;
  }
}
