import type { JobInput } from '../batch/jobs.js';
import type { ScanSettings } from '../batch/local.js';
import type { Report } from '../report/types.js';

/** A scan job's data in the queue: plain JSON, the same for every worker that takes it. */
export interface QueuedScan {
  key: string;
  label: string;
  old: JobInput | null;
  new: JobInput;
  /** The coordinator's tool version and rules digest: a worker with other code or rules refuses the job. */
  toolVersion: string;
  rulesDigest: string;
  settings: Pick<ScanSettings, 'limits' | 'parse'>;
}

/**
 * What a worker returns for a job. A bad input is an answer (it would fail the same way again); a
 * timeout, memory cap or crash is thrown instead, so BullMQ retries it with backoff and, after the
 * last attempt, keeps it in the failed set (the dead letters).
 */
export type QueuedResult =
  | { ok: true; report: Report; ms: number; worker: string; attempt: number }
  | { ok: false; failure: 'input' | 'mismatch'; error: string; ms: number; worker: string; attempt: number };
