import { analyzeTrees, emptyTree, loadRelease, InputError, type FactsStore } from '../index.js';
import { MemoryFactsStore } from './memory-store.js';
import type { ScanJob } from './types.js';
import type { Report } from '../report/types.js';
import type { FileHunks } from '../diff/hunks.js';

// One store per worker thread: consecutive jobs (releases of one crate) share their files' facts.
// The disk cache, when the pool was given one, sits behind it (workerData.cacheDir).
let store: FactsStore | undefined;

async function factsStore(): Promise<FactsStore> {
  if (store) return store;
  const { workerData } = await import('node:worker_threads');
  const dir = (workerData as { cacheDir?: string } | null)?.cacheDir;
  let disk: FactsStore | undefined;
  if (dir) {
    const { DiskFactsStore } = await import('../cache/facts.js');
    disk = new DiskFactsStore(dir);
  }
  return (store = new MemoryFactsStore(disk));
}

/** What a worker hands back: errors cross threads as plain data, so an input error keeps its kind. */
export type WorkerResult = { ok: true; report: Report; hunks?: FileHunks[] } | { ok: false; inputError: string };

/** Runs one scan job in a worker thread (piscina's task function). */
export default async function scan(job: ScanJob): Promise<WorkerResult> {
  const limits = job.limits;
  try {
    const [oldTree, newTree] = await Promise.all([job.old ? loadRelease(job.old, limits) : emptyTree(), loadRelease(job.new, limits)]);
    const a = analyzeTrees(oldTree, newTree, { rulesDir: job.rulesDir, limits, parse: job.parse, factsStore: await factsStore() });
    return job.withHunks ? { ok: true, report: a.report, hunks: a.hunks } : { ok: true, report: a.report };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, inputError: e.message };
    throw e;
  }
}
