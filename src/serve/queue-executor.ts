import { createHash } from 'node:crypto';
import { VERSION } from '../index.js';
import { rulesDigest } from '../batch/jobs.js';
import { jobKey } from '../runner/jobs.js';
import type { ScanJob, ScanOutcome } from '../runner/index.js';
import type { ScanExecutor } from './scheduler.js';

/**
 * Scans through the batch mode's BullMQ queue: `cratefence worker --queue … --root DATA` processes
 * take them. Jobs name the tarballs by path, so the workers must see the service's blob folder (the
 * same machine, or a shared file system) and be allowed to read it (`--root`); the job key is the
 * two blobs' digests with the tool version and the rules digest. Jobs are signed and answers checked
 * as in a batch (src/queue/): a result planted in Redis is refused, never a release's verdict.
 * `lost` settles when Redis stays unreachable past its budget or refuses the login.
 */
export async function queueExecutor(
  url: string,
  slots: number,
  auth: { secretFile?: string; passwordFile?: string } = {},
): Promise<{ executor: ScanExecutor; close: () => Promise<void>; redacted: string; lost: Promise<Error> }> {
  const { QueueExecutor } = await import('../queue/coordinator.js');
  const { loadQueueSecret } = await import('../queue/secret.js');
  const { redisPassword } = await import('../queue/connection.js');
  const keys = { toolVersion: VERSION, rulesDigest: rulesDigest() };
  const secret = loadQueueSecret({ file: auth.secretFile });
  const q = await QueueExecutor.connect(url, { keys, secret, password: redisPassword({ file: auth.passwordFile }), slots });
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
  return { executor, close: () => q.close(), redacted: q.redacted, lost: q.lost };
}
