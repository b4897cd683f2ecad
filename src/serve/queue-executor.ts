import { createHash } from 'node:crypto';
import { VERSION } from '../index.js';
import { jobKey, rulesDigest } from '../batch/jobs.js';
import type { ScanJob, ScanOutcome } from '../runner/index.js';
import type { ScanExecutor } from './scheduler.js';

/**
 * Scans through the batch mode's BullMQ queue: `cratefence worker --queue …` processes take them.
 * Jobs name the tarballs by path, so the workers must see the service's blob folder (the same
 * machine, or a shared file system); the job key is the two blobs' digests with the tool version and
 * the rules digest, so a release queued twice (a restart) is one job.
 */
export async function queueExecutor(url: string, slots: number): Promise<{ executor: ScanExecutor; close: () => Promise<void>; redacted: string }> {
  const { QueueExecutor } = await import('../queue/coordinator.js');
  const keys = { toolVersion: VERSION, rulesDigest: rulesDigest() };
  const q = await QueueExecutor.connect(url, { keys, settings: {}, slots });
  const digest = (p: string | undefined) => (p ? /([0-9a-f]{64})\.crate$/.exec(p)?.[1] ?? createHash('sha256').update(p).digest('hex') : null);
  const executor: ScanExecutor = {
    slots,
    async run(job: ScanJob): Promise<ScanOutcome> {
      if (!('path' in job.new) || (job.old && !('path' in job.old))) throw new Error('queued scans read their tarballs from the blob folder');
      const oldPath = job.old && 'path' in job.old ? job.old.path : undefined;
      const newPath = job.new.path;
      const oldDigest = digest(oldPath);
      const newDigest = digest(newPath)!;
      const key = jobKey(oldDigest, newDigest, keys);
      const out = await q.execute(
        { key, crate: null, oldVersion: null, newVersion: null, oldInput: oldPath ?? null, newInput: newPath, oldDigest, newDigest, old: oldPath ? { path: oldPath } : null, new: { path: newPath }, publishedAt: null },
        new AbortController().signal,
      );
      if (out.ok) return { id: job.id, ok: true, report: out.report, ms: out.ms };
      const failure = out.failure === 'input' || out.failure === 'timeout' || out.failure === 'memory' || out.failure === 'cancelled' ? out.failure : 'crash';
      return { id: job.id, ok: false, failure, error: out.error, ms: out.ms };
    },
  };
  return { executor, close: () => q.close(), redacted: q.redacted };
}
