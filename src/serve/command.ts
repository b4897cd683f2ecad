import { parseArgs } from 'node:util';
import path from 'node:path';
import { openStore } from '../store/index.js';
import { ScanPool, availableCores } from '../runner/index.js';
import { UsageError, UserError } from '../usage.js';
import net from 'node:net';
import { createReader, createUser, ROLES, type Role } from './auth.js';
import { BlobStore, buildApp } from './app.js';
import { loadConfig } from '../config/index.js';

const USAGE = `cratefence serve — the registry ingest service

Usage:
  cratefence serve [--host 127.0.0.1] [--port 8080] [--db FILE] [--data DIR] [--config FILE] [--jobs N]
  cratefence serve token --name NAME --role publisher|reviewer|admin|reader [--trusted] [--db FILE]
                         create a user and print its API token (shown once; only its digest is stored);
                         a reader's token only reads the registry routes (a mirror with auth-required)

Options:
  --host ADDR     address to listen on (default 127.0.0.1)
  --port N        port (default 8080; 0 picks a free one)
  --db FILE       the SQLite store shared with batch (default ./cratefence.sqlite)
  --data DIR      where release tarballs are kept by SHA-256 (default: cratefence-blobs beside the store)
  --config FILE   cratefence.toml with a [serve] table (policy; see docs/serve.md)
  --jobs N        scan worker threads (default: available cores)
  --queue URL     redis://HOST:PORT: scans go to \`cratefence worker --queue URL --root DATA\`
                  processes, which must see the --data folder (same machine or a shared file system)
  --queue-secret-file FILE  the secret shared with those workers (else $CRATEFENCE_QUEUE_SECRET)
  --redis-password-file FILE  the Redis password (else $CRATEFENCE_REDIS_PASSWORD, else the URL's)
  --registry URL  sparse index for releases published by reference, and the mirror's upstream
                  unless [serve.mirror] upstream names another (default: the config's [registry]
                  url, else crates.io)

The service is also a Cargo sparse registry at sparse+http://HOST:PORT/index/, a pull-through
mirror of its upstream that serves only released versions (docs/registry-mirror.md).`;

/** A listen failure the user can fix (port in use, no permission, no such address) as a one-line error. */
function listenError(e: unknown, host: string, port: number): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new UserError(`--port ${port}: ${host}:${port} is already in use (stop the other server or pick another port; 0 picks a free one)`);
  if (code === 'EACCES') return new UserError(`--port ${port}: not allowed to listen on ${host}:${port}`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new UserError(`--host ${host}: not an address of this machine`);
  return e as Error;
}

/** Resolves when `host:port` can be listened on (then released at once), else throws the listen error. */
function portFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (e) => reject(listenError(e, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** `cratefence serve …`: starts the service, or manages its tokens. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      db: { type: 'string', default: 'cratefence.sqlite' },
      data: { type: 'string' },
      config: { type: 'string' },
      jobs: { type: 'string' },
      registry: { type: 'string' },
      queue: { type: 'string' },
      'queue-secret-file': { type: 'string' },
      'redis-password-file': { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      trusted: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dbFile = path.resolve(values.db!);
  if (positionals[0] === 'token') {
    if (!values.name || !values.role) throw new UsageError('serve token needs --name and --role');
    if (!ROLES.includes(values.role as Role) && values.role !== 'reader') throw new UsageError(`--role must be one of ${[...ROLES, 'reader'].join(', ')}`);
    const db = openStore(dbFile);
    try {
      const token = values.role === 'reader' ? createReader(db, values.name) : createUser(db, values.name, values.role as Role, { trusted: values.trusted }).token;
      process.stdout.write(`${token}\n`);
    } catch (e) {
      // The insert is one statement: when the name is taken nothing was written.
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new UserError(`serve token --name ${values.name}: a user of that name already exists in ${values.db}`);
      throw e;
    } finally {
      db.close();
    }
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unknown serve argument "${positionals[0]}"`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes a port number');
  const jobs = values.jobs === undefined ? availableCores() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs takes a positive whole number');
  // The [serve] table of the one config file (found from the working folder up, or --config).
  const { config } = loadConfig({ cwd: process.cwd(), file: values.config });
  const policy = config.serve;
  // The port is tried before the store and the blob folder are created: a port in use leaves nothing behind.
  if (port !== 0) await portFree(values.host!, port);
  const db = openStore(dbFile);
  const blobs = new BlobStore(path.resolve(values.data ?? path.join(path.dirname(dbFile), 'cratefence-blobs')));
  // Scans run on this machine's worker pool, or on the batch mode's queue workers with --queue.
  const queued = values.queue ? await (await import('./queue-executor.js')).queueExecutor(values.queue, Math.max(jobs, 4), { secretFile: values['queue-secret-file'], passwordFile: values['redis-password-file'] }) : null;
  const pool = queued ? null : new ScanPool({ threads: jobs });
  // Releases published by reference (POST /v1/releases/fetch) come through the one registry client.
  const { commandLineClient } = await import('../registry/index.js');
  // A long-running service asks a registry again after an outage instead of remembering it as down.
  const registry = commandLineClient(values.registry ?? config.registry.url, 'cratefence serve', { rememberUnreachable: false });
  // The /index/ mirror pulls through the same client, unless [serve.mirror] upstream names another registry.
  const upstream = policy.mirror.upstream ? commandLineClient(policy.mirror.upstream, 'cratefence serve', { rememberUnreachable: false }) : registry;
  const { app, releases, scheduler, deliverer } = await buildApp({ db, blobs, pool, executor: queued?.executor, policy, registry, upstream, logger: process.env.CRATEFENCE_LOG === '1' });
  let address: string;
  try {
    address = await app.listen({ host: values.host, port });
  } catch (e) {
    await app.close();
    await pool?.close();
    await queued?.close();
    db.close();
    throw listenError(e, values.host!, port);
  }
  process.stdout.write(`cratefence serve: listening on ${address}\n`);
  // Scans left unfinished by a previous run (a crash, kill -9) are still queued: start them.
  scheduler?.kick();
  const timers = [
    setInterval(() => {
      try {
        releases.sweep();
      } catch (e) {
        process.stderr.write(`cratefence serve: cool-off sweep failed: ${(e as Error).message}\n`);
      }
      void deliverer.runOnce();
      // Scans put off while the upstream could not be reached are due again after a while.
      scheduler?.kick();
    }, 5_000),
  ];
  void deliverer.runOnce();
  // Redis lost for good (past its budget, or the login refused) stops the service with exit 2.
  let lost: Error | undefined;
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    void queued?.lost.then((e) => {
      lost = e;
      resolve();
    });
  });
  for (const t of timers) clearInterval(t);
  scheduler?.close();
  await app.close();
  await pool?.close();
  await queued?.close();
  db.close();
  if (lost) throw lost;
  return 0;
}
