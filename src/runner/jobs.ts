/**
 * A batch job as every place that runs one sees it: the inputs a worker reads, the key that makes a
 * run resumable (a job done under the same key is skipped) and a queued job idempotent (its BullMQ
 * job id), and the contract of an executor, the thing that runs jobs: this machine's pool
 * (batch/local.ts) or workers behind the queue (queue/coordinator.ts). Batch resolves jobs, the
 * queue carries them, the service keys its own scans the same way; none of them owns the others.
 */
import { createHash } from 'node:crypto';
import type { CrateSummary, CrateTree, Report } from '../index.js';
import type { JobNames, JobState } from '../store/batch.js';

/** One side ready for a worker: a path it reads, or a registry release it fetches (checksum known). */
export type JobInput = { path: string } | { registry: { name: string; version: string; cksum: string } };

/** A job ready to run or skip. */
export interface ResolvedJob extends JobNames {
  old: JobInput | null;
  new: JobInput;
  publishedAt: string | null;
  /** Set when an input could not even be read for its digest: recorded as an `error` job, never run. */
  inputError?: string;
}

/** What the key is made of besides the inputs. */
export interface KeyContext {
  toolVersion: string;
  rulesDigest: string;
}

/** The job key: SHA-256 over both inputs' digests, the tool version and the rules digest. */
export function jobKey(oldDigest: string | null, newDigest: string, ctx: KeyContext): string {
  return createHash('sha256').update(`${oldDigest ?? '-'}\n${newDigest}\n${ctx.toolVersion}\n${ctx.rulesDigest}`).digest('hex');
}

/** A folder input's digest: every file as the scan reads it, by path and content digest (a queue worker checks it too). */
export function treeDigest(tree: CrateTree): string {
  const h = createHash('sha256');
  for (const f of [...tree.files.keys()].sort()) h.update(f).update('\0').update(createHash('sha256').update(tree.files.get(f)!).digest('hex')).update('\n');
  return h.digest('hex');
}

/** A job's short name for humans: `crate old → new`, else its input paths. */
export function jobLabel(j: Pick<ResolvedJob, 'crate' | 'oldVersion' | 'newVersion' | 'oldInput' | 'newInput'>): string {
  if (j.crate && j.newVersion) return `${j.crate} ${j.oldVersion ?? '(first)'} → ${j.newVersion}`;
  return `${j.oldInput ?? '(first)'} → ${j.newInput}`;
}

/** How one job ended, as an executor reports it. */
export type ExecOutcome =
  | { ok: true; report: Report; ms: number; attempts?: number; worker?: string; summary?: CrateSummary }
  | {
      ok: false;
      /** input | timeout | memory | crash | cancelled, or `failed` for a queue's dead letter. */
      failure: string;
      error: string;
      ms: number;
      attempts?: number;
      worker?: string;
    };

/** Runs jobs somewhere: the local pool (`LocalExecutor`) or workers behind a queue (`QueueExecutor`). */
export interface JobExecutor {
  /** How many jobs to keep in flight at once (at most this many are lost by a kill -9). */
  readonly slots: number;
  /** Runs one job to its outcome; `cancel` abandons it (the outcome is then `cancelled`). Never rejects. */
  execute(job: ResolvedJob, cancel: AbortSignal): Promise<ExecOutcome>;
  /** Told once the job's outcome is in the store (a queue then drops its copy). */
  settled?(job: ResolvedJob, state: JobState): Promise<void>;
}
