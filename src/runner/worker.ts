import { analyzeTrees, emptyTree, loadRelease, InputError, type Analysis, type CrateSummary, type FactsStore, type Report, type ScanOptions } from '../index.js';
import { MemoryFactsStore } from './memory-store.js';
import type { ScanJob } from './types.js';
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
export type WorkerResult = { ok: true; report: Report; hunks?: FileHunks[]; summary?: CrateSummary } | { ok: false; inputError: string };

/** Runs one scan job in a worker thread (piscina's task function). */
export default async function scan(job: ScanJob): Promise<WorkerResult> {
  const limits = job.limits;
  try {
    const [oldTree, newTree] = await Promise.all([job.old ? loadRelease(job.old, limits) : emptyTree(), loadRelease(job.new, limits)]);
    let dependencies: ScanOptions['dependencies'];
    if (job.deps) {
      const { gatherDependencies, rememberSummary } = await import('../deps/index.js');
      dependencies = (await gatherDependencies([oldTree, newTree], {
        mode: job.deps.mode, cargoHome: job.deps.cargoHome, cacheDir: job.deps.cacheDir ?? null,
        pinned: job.deps.pinned ? new Map(job.deps.pinned) : undefined, limits, rulesDir: job.rulesDir,
      })).source;
      const a = analyzeTrees(oldTree, newTree, { rulesDir: job.rulesDir, limits, parse: job.parse, factsStore: await factsStore(), dependencies });
      // The scanned release's own summary serves later scans that depend on it (lock runs, batches).
      // Only a release whose identity was verified (registry bytes checked against their checksum, labelled
      // `name@version`) is remembered: a folder's Cargo.toml may claim any name and version.
      if (job.deps.cacheDir && job.deps.mode !== 'off' && 'bytes' in job.new && !a.report.summary.partialFiles.length) {
        const s = a.summary;
        if (job.new.label === `${s.name}@${s.version}` || job.new.label.replace(/-/g, '_') === `${s.name}@${s.version}`) await rememberSummary(job.deps.cacheDir, s);
      }
      return result(job, a);
    }
    return result(job, analyzeTrees(oldTree, newTree, { rulesDir: job.rulesDir, limits, parse: job.parse, factsStore: await factsStore() }));
  } catch (e) {
    if (e instanceof InputError) return { ok: false, inputError: e.message };
    throw e;
  }
}

function result(job: ScanJob, a: Analysis): WorkerResult {
  const out: WorkerResult = { ok: true, report: a.report };
  if (job.withHunks) out.hunks = a.hunks;
  if (job.withSummary) out.summary = a.summary;
  return out;
}
