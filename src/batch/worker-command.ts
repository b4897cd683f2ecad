/**
 * `cratefence worker --queue redis://HOST:PORT`: consumes batch jobs from the shared queue with the
 * local scan pool until stopped. SIGTERM or Ctrl-C finishes the jobs in flight and hands nothing
 * back half-done; a second signal stops at once, and the jobs in flight go back to the queue when
 * their locks expire (another worker retries them). A Redis that stays unreachable past
 * --redis-timeout-ms, or refuses the login, stops it with exit 2 and one line saying why.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { VERSION } from '../index.js';
import { availableCores } from '../runner/index.js';
import { UsageError } from '../usage.js';
import type { RegistryClientApi } from '../registry/types.js';
import { rulesDigest } from './jobs.js';
import { positiveInt } from './args.js';

export const USAGE = `Usage: cratefence worker --queue redis://HOST:PORT [options]

The secret shared with the coordinators comes from --queue-secret-file FILE or
$CRATEFENCE_QUEUE_SECRET (at least 32 characters); jobs not signed with it are refused.

Options:
  --queue-secret-file FILE  the shared secret (never give it on the command line)
  --root DIR        a folder whose files and sub-folders path jobs may name (repeatable; default
                    none: only registry jobs run, path jobs are refused)
  --redis-password-file FILE
                    the Redis password (else $CRATEFENCE_REDIS_PASSWORD, else the URL's)
  --redis-timeout-ms N  how long Redis may stay unreachable before the worker stops (default 30000)
  --jobs N          worker threads, jobs run at once (default: available cores)
  --timeout-ms N    time limit per job (default 600000)
  --memory-mb N     heap cap per worker thread in MB (default 4096)
  --cache DIR       facts cache folder (default $CRATEFENCE_CACHE, else none)
  --rules DIR       rules folder (must match the coordinator's: jobs carry its rules digest)
  --registry URL    sparse index for registry jobs (default: crates.io)
  --lock-ms N       how long a job stays locked without renewal, i.e. how soon a dead worker's
                    job is retried elsewhere (default 30000)
  --quiet           no line per job
`;

/** Runs `cratefence worker`; returns the exit code once stopped. */
export async function run(argv: string[], deps: { registry?: RegistryClientApi } = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      queue: { type: 'string' },
      'queue-secret-file': { type: 'string' },
      'redis-password-file': { type: 'string' },
      'redis-timeout-ms': { type: 'string' },
      root: { type: 'string', multiple: true },
      jobs: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'memory-mb': { type: 'string' },
      cache: { type: 'string' },
      rules: { type: 'string' },
      'lock-ms': { type: 'string' },
      registry: { type: 'string' },
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
  if (positionals.length) throw new UsageError('worker takes no arguments, only options');
  if (!values.queue) throw new UsageError('worker needs --queue redis://HOST:PORT');
  const rulesDir = values.rules ? path.resolve(values.rules) : undefined;
  const cache = values.cache ?? process.env.CRATEFENCE_CACHE;
  const log = (s: string) => !values.quiet && process.stderr.write(`cratefence worker: ${s}\n`);
  const { loadQueueSecret } = await import('../queue/secret.js');
  const { redisPassword } = await import('../queue/connection.js');
  const { realRoots, RefusedInput } = await import('../queue/inputs.js');
  const secret = loadQueueSecret({ file: values['queue-secret-file'] });
  const password = redisPassword({ file: values['redis-password-file'] });
  let roots: string[];
  try {
    roots = realRoots(values.root ?? []);
  } catch (e) {
    throw e instanceof RefusedInput ? new UsageError(e.message) : e;
  }
  const { startQueueWorker } = await import('../queue/worker.js');
  const worker = await startQueueWorker(values.queue, {
    secret,
    password,
    roots,
    redisBudgetMs: positiveInt(values['redis-timeout-ms'], 'redis-timeout-ms'),
    // Outages are printed even with --quiet: they may end the worker.
    log: (line) => process.stderr.write(`cratefence worker: ${line}\n`),
    threads: positiveInt(values.jobs, 'jobs') ?? availableCores(),
    timeoutMs: positiveInt(values['timeout-ms'], 'timeout-ms'),
    memoryMb: positiveInt(values['memory-mb'], 'memory-mb'),
    cacheDir: cache ? path.resolve(cache) : undefined,
    rulesDir,
    toolVersion: VERSION,
    rulesDigest: rulesDigest(rulesDir),
    registry: deps.registry,
    lockMs: positiveInt(values['lock-ms'], 'lock-ms'),
    onJob: (e) => log(e.phase === 'start' ? `start ${e.label} (attempt ${e.attempt})` : `end ${e.label}: ${e.outcome}`),
  });
  log(`${worker.name} waiting for jobs${roots.length ? ` (paths under ${roots.join(', ')})` : ' (registry jobs only: no --root)'}`);
  let lost: Error | undefined;
  await new Promise<void>((resolve) => {
    void worker.lost.then((e) => {
      lost = e;
      void worker.close(true).then(resolve);
    });
    let closing = false;
    const onSignal = () => {
      if (closing) {
        log('stopping now; the jobs in flight go back to the queue when their locks expire');
        void worker.close(true).then(resolve);
        return;
      }
      closing = true;
      log('finishing the jobs in flight, then stopping (signal again to stop now)');
      void worker.close(false).then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  if (lost) throw lost;
  log('stopped');
  return 0;
}
