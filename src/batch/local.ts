/**
 * Runs batch jobs on this machine's scan pool (src/runner/): the same `ScanPool` the queue workers
 * use, so a job gives the same report wherever it runs. Registry inputs are fetched (and checked
 * against the index checksum) by the injected registry client just before the job starts.
 */
import type { ReleaseInput, ScanJob, ScanPool } from '../runner/index.js';
import type { RegistryClientApi } from '../registry/types.js';
import type { ExecOutcome, JobExecutor, JobInput, ResolvedJob } from '../runner/jobs.js';
import type { SourceLimits } from '../index.js';

/** What every scan of a batch shares (rules folder, input limits, parse budgets). */
export interface ScanSettings {
  rulesDir?: string;
  limits?: SourceLimits;
  parse?: ScanJob['parse'];
  /** How workers find dependency summaries (default: the shipped index only). */
  deps?: ScanJob['deps'];
  /** Hand back each new release's own capability summary (batch --summaries). */
  withSummary?: boolean;
}

/** Turns a job's input into what a pool worker reads, fetching registry releases. */
export async function releaseInput(input: JobInput, registry?: RegistryClientApi): Promise<ReleaseInput> {
  if ('path' in input) return { path: input.path };
  if (!registry) throw new Error(`${input.registry.name}@${input.registry.version}: no registry client to fetch it with`);
  const c = await registry.fetchCrate(input.registry.name, input.registry.version, input.registry.cksum);
  return { bytes: c.bytes, label: c.label };
}

/** Builds the pool job for a resolved job; a fetch that fails is the job's input error. */
export async function scanJobFor(job: Pick<ResolvedJob, 'key' | 'old' | 'new'>, settings: ScanSettings, registry?: RegistryClientApi): Promise<ScanJob> {
  const [oldIn, newIn] = await Promise.all([job.old ? releaseInput(job.old, registry) : Promise.resolve(null), releaseInput(job.new, registry)]);
  return { id: job.key, old: oldIn, new: newIn, rulesDir: settings.rulesDir, limits: settings.limits, parse: settings.parse, deps: settings.deps, withSummary: settings.withSummary };
}

/** The local executor: one slot per pool thread. */
export class LocalExecutor implements JobExecutor {
  readonly slots: number;

  constructor(private readonly pool: ScanPool, private readonly settings: ScanSettings = {}, private readonly registry?: RegistryClientApi) {
    this.slots = pool.threads;
  }

  async execute(job: ResolvedJob, cancel: AbortSignal): Promise<ExecOutcome> {
    const t0 = performance.now();
    let scan: ScanJob;
    try {
      scan = await scanJobFor(job, this.settings, this.registry);
    } catch (e) {
      return { ok: false, failure: 'input', error: (e as Error).message, ms: Math.round(performance.now() - t0) };
    }
    const out = await this.pool.run(scan, cancel);
    return out.ok ? { ok: true, report: out.report, ms: out.ms, ...(out.summary ? { summary: out.summary } : {}) } : { ok: false, failure: out.failure, error: out.error, ms: out.ms };
  }
}
