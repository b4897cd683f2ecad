/**
 * `cratefence batch`: scans many release pairs on all cores (or through workers behind a queue) into
 * the SQLite result store. Resumable: a rerun skips what is done; Ctrl-C finishes the jobs in flight,
 * records them and exits 130; a second Ctrl-C abandons them.
 */
import path from 'node:path';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { VERSION, DEFAULT_LIMITS } from '../index.js';
import { ScanPool, availableCores } from '../runner/index.js';
import { openStore } from '../store/index.js';
import { BatchStore } from '../store/batch.js';
import { UsageError, parseFailOn, LEVEL } from '../usage.js';
import { checkOutputFile } from '../cli-options.js';
import type { RegistryClientApi } from '../registry/types.js';
import type { QueueSecret } from '../queue/secret.js';
import { jobsFromFolder, jobsFromRegistry, parseJobsFile, resolveJobStream, rulesDigest, type JobSpec } from './jobs.js';
import { LocalExecutor, type ScanSettings } from './local.js';
import { runBatch, type BatchSummary } from './run.js';
import type { JobExecutor } from '../runner/jobs.js';
import { progressDisplay, progressMode } from './progress.js';
import { positiveInt } from './args.js';

export const USAGE = `Usage:
  cratefence batch <jobs-file | folder> [options]
  cratefence batch --crate NAME (--all-versions | --since DATE) [options]

A jobs file has one job a line ('#' starts a comment): "name old new" (two registry releases),
"name@version" (a first release), "OLD NEW" (two folders or .crate files) or "NEW" (a folder or
.crate scanned as a first release). A folder holds
sub-folders with old/ and new/, or name-version.crate files (every consecutive pair).

Options:
  --db FILE            result store (default ./cratefence.sqlite)
  --jobs N             worker threads (default: available cores)
  --timeout-ms N       time limit per job (default 600000)
  --memory-mb N        heap cap per worker thread in MB (default 4096)
  --cache DIR          facts cache folder (default: FILE.facts beside the store); --no-cache for none
  --rules DIR          rules folder (default: built-in rules)
  --registry URL       sparse index for registry jobs (default: crates.io)
  --rescan             scan again the jobs the store already has done
  --deps offline|off   dependency summaries for each scan: what is on this machine (cratefence's
                       cache, the Cargo cache, the shipped index; default) or none
  --summaries          keep each new release's capability summary in the store (the input of
                       'cratefence results --export-summaries', which writes a summary index)
  --queue URL          enqueue on BullMQ at redis://HOST:PORT (rediss:// for TLS) and collect
                       what workers return; needs the secret shared with the workers:
  --queue-secret-file FILE
                       that secret (else $CRATEFENCE_QUEUE_SECRET; at least 32 characters)
  --redis-password-file FILE
                       the Redis password (else $CRATEFENCE_REDIS_PASSWORD, else the URL's)
  --redis-timeout-ms N how long Redis may stay unreachable before the run stops (default 30000)
  --attempts N         queue attempts per job before it is a dead letter (default 3)
  --fail-on LEVEL      exit 1 when a release's verdict is at or above review|block|never (default never)
  --quiet              no progress display
`;

export interface BatchDeps {
  /** The registry client, for `name old new` jobs and --crate (injected by the CLI; tests pass their own). */
  registry?: RegistryClientApi;
}

/** The one-paragraph summary printed at the end (stdout). */
export function summaryText(s: BatchSummary, db: string): string {
  const v = Object.entries(s.verdicts).map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
  const lines = [
    `run ${s.runId}: ${s.total} jobs, ${s.skipped} already done, ${s.done} done (${v}), ${s.errors} errors, ${s.failed} failed, ${s.retries} retries`,
  ];
  if (s.interrupted) lines.push(`interrupted: ${s.notRun} jobs not run; run the same command again to resume`);
  lines.push(`results: cratefence results --db ${db}`);
  return `${lines.join('\n')}\n`;
}

/** Runs `cratefence batch`; returns the exit code. */
export async function run(argv: string[], deps: BatchDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string', default: 'cratefence.sqlite' },
      jobs: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'memory-mb': { type: 'string' },
      cache: { type: 'string' },
      'no-cache': { type: 'boolean' },
      rules: { type: 'string' },
      rescan: { type: 'boolean' },
      deps: { type: 'string' },
      summaries: { type: 'boolean' },
      queue: { type: 'string' },
      'queue-secret-file': { type: 'string' },
      'redis-password-file': { type: 'string' },
      'redis-timeout-ms': { type: 'string' },
      attempts: { type: 'string' },
      crate: { type: 'string' },
      registry: { type: 'string' },
      'all-versions': { type: 'boolean' },
      since: { type: 'string' },
      'fail-on': { type: 'string' },
      quiet: { type: 'boolean' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  // Registry jobs (`name old new`, `name@version`, --crate) go through the one registry client.
  if (!deps.registry) {
    deps = { ...deps, registry: (await import('../registry/index.js')).commandLineClient(values.registry) };
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const failOn = parseFailOn(values['fail-on'], 'never');
  // The store's folder must exist: a mistyped --db path is an error, not a tree of new folders.
  checkOutputFile('--db', values.db);
  const threads = positiveInt(values.jobs, 'jobs') ?? availableCores();
  const timeoutMs = positiveInt(values['timeout-ms'], 'timeout-ms');
  const memoryMb = positiveInt(values['memory-mb'], 'memory-mb');
  const attempts = positiveInt(values.attempts, 'attempts') ?? 3;
  const rulesDir = values.rules ? path.resolve(values.rules) : undefined;
  const redisTimeoutMs = positiveInt(values['redis-timeout-ms'], 'redis-timeout-ms');
  // Queue mode's secret and password are read first: a missing one fails before any work.
  let queueAuth: { secret: QueueSecret; password?: string } | undefined;
  if (values.queue) {
    const { loadQueueSecret } = await import('../queue/secret.js');
    const { redisPassword } = await import('../queue/connection.js');
    queueAuth = { secret: loadQueueSecret({ file: values['queue-secret-file'] }), password: redisPassword({ file: values['redis-password-file'] }) };
  } else if (values['queue-secret-file'] || values['redis-password-file'] || values['redis-timeout-ms']) {
    throw new UsageError('--queue-secret-file, --redis-password-file and --redis-timeout-ms go with --queue');
  }

  let specs: JobSpec[];
  let source: string;
  if (values.crate) {
    if (positionals.length) throw new UsageError('give either a jobs file or folder, or --crate, not both');
    if (!values['all-versions'] && !values.since) throw new UsageError('--crate needs --all-versions or --since DATE');
    const since = values.since ? new Date(values.since) : undefined;
    if (since && Number.isNaN(since.getTime())) throw new UsageError('--since takes a date such as 2025-01-31');
    if (!deps.registry) throw new UsageError('--crate needs the registry client, which this build does not have');
    specs = await jobsFromRegistry(deps.registry, values.crate, since);
    source = `--crate ${values.crate}${since ? ` --since ${values.since}` : ''}`;
  } else {
    if (positionals.length !== 1) throw new UsageError('batch takes one jobs file or folder (or --crate NAME)');
    const p = path.resolve(positionals[0]);
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new UsageError(`${positionals[0]}: no such jobs file or folder`);
    }
    specs = isDir ? jobsFromFolder(p) : parseJobsFile(p);
    source = p;
  }

  const db = path.resolve(values.db);
  const keys = { toolVersion: VERSION, rulesDigest: rulesDigest(rulesDir) };
  // Resolved (inputs read and hashed) while the first jobs run: see runBatch.
  const jobs = resolveJobStream(specs, keys, { registry: deps.registry, limits: DEFAULT_LIMITS });
  const store = new BatchStore(openStore(db));
  const cacheDir = values['no-cache'] ? undefined : path.resolve(values.cache ?? process.env.CRATEFENCE_CACHE ?? `${db}.facts`);
  const depsMode = values.deps ?? 'offline';
  if (depsMode !== 'offline' && depsMode !== 'off') throw new UsageError('--deps for batch is offline or off (fetch summaries beforehand with diff/scan --deps fetch)');
  const { defaultCacheDir, defaultCargoHome } = await import('../registry/cache.js');
  const settings: ScanSettings = {
    rulesDir,
    deps: { mode: depsMode, cargoHome: defaultCargoHome(), cacheDir: defaultCacheDir() },
    withSummary: values.summaries === true,
  };

  let executor: JobExecutor;
  let closeExecutor: () => Promise<void>;
  let mode: string;
  if (values.queue && queueAuth) {
    const { QueueExecutor } = await import('../queue/coordinator.js');
    if (values.summaries) throw new UsageError('--summaries needs the local worker pool (not --queue)');
    const q = await QueueExecutor.connect(values.queue, { keys, attempts, ...queueAuth, redisBudgetMs: redisTimeoutMs });
    executor = q;
    closeExecutor = () => q.close();
    mode = `queue ${q.redacted}`;
  } else {
    const pool = new ScanPool({ threads, timeoutMs, memoryMb, cacheDir });
    executor = new LocalExecutor(pool, settings, deps.registry);
    closeExecutor = () => pool.close();
    mode = `local ${threads} threads`;
  }

  const stop = new AbortController();
  const cancel = new AbortController();
  const onSignal = () => (stop.signal.aborted ? cancel.abort() : stop.abort());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const display = progressDisplay(progressMode(values.quiet ?? false));
  let summary: BatchSummary;
  try {
    summary = await runBatch({ store, jobs, listed: specs.length, executor, keys, source, mode, rescan: values.rescan, summaries: values.summaries, stop: stop.signal, cancel: cancel.signal, onEvent: display.onEvent });
  } finally {
    display.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeExecutor();
    store.db.close();
  }
  if (!values.quiet) process.stdout.write(summaryText(summary, values.db));
  // The whole process's peak (coordinator and every worker thread share it): for sizing machines.
  if (values.debug) process.stdout.write(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);
  if (summary.interrupted) return 130;
  const worst = Math.max(-1, ...Object.keys(summary.verdicts).map((v) => LEVEL[v as keyof typeof LEVEL]));
  return worst >= LEVEL[failOn] ? 1 : 0;
}
