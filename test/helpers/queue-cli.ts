/**
 * Processes and Redis contents for the queue tests: the CLI (coordinator, worker) as child
 * processes, the rogue worker script, a shared secret in a file, and completed jobs planted in
 * Redis the way someone who can reach it would plant them (bullmq used directly).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { openStore } from '../../src/store/index.js';
import { BatchStore } from '../../src/store/batch.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'cratefence.js');
export const CORPUS = path.join(ROOT, 'corpus');

export interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  exited: Promise<number | null>;
}

/** Runs a node script (the CLI by default) with its output collected. */
export function start(args: string[], env: NodeJS.ProcessEnv = {}, script = BIN): Proc {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  const p: Proc = { child, out: '', err: '', exited: new Promise((r) => child.once('exit', (code) => r(code))) };
  child.stdout!.on('data', (d: Buffer) => (p.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (p.err += d.toString()));
  return p;
}

/** The rogue worker (test/helpers/rogue-worker.mjs) in MODE, resolved once it is connected. */
export async function startRogue(url: string, mode: string, secret?: string): Promise<Proc> {
  const p = start([url, mode], secret ? { ROGUE_SECRET: secret } : {}, path.join(import.meta.dirname, 'rogue-worker.mjs'));
  await until('the rogue worker to connect', () => p.out.includes('ready') || p.child.exitCode !== null, 30_000);
  if (!p.out.includes('ready')) throw new Error(`rogue worker failed: ${p.err}`);
  return p;
}

/** Waits for a condition, polling every 50 ms. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const t = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > t) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A process's exit code, or a failure naming it when it has not ended within `ms`. */
export async function exitWithin(p: Proc, ms: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  const r = await Promise.race([p.exited, timeout]);
  clearTimeout(timer);
  if (r === 'timeout') {
    p.child.kill('SIGKILL');
    throw new Error(`${what} still running after ${ms} ms; stderr: ${p.err.slice(-2000)}`);
  }
  return r;
}

/** A fresh shared secret written to `dir/queue.secret` (mode 0600). */
export function secretFile(dir: string): { file: string; value: string } {
  const value = randomBytes(32).toString('hex');
  const file = path.join(dir, `queue-${randomBytes(4).toString('hex')}.secret`);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { file, value };
}

/** The connection options bullmq needs for a plain redis:// test server. */
export function plainConnection(url: string): { host: string; port: number; maxRetriesPerRequest: null } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null };
}

/** Plants a completed job under `jobId` whose return value is `returnvalue`, as a stranger with Redis access can. */
export async function plantCompleted(url: string, jobId: string, data: object, returnvalue: object): Promise<void> {
  const connection = plainConnection(url);
  const queue = new Queue('scans', { connection, prefix: 'cratefence' });
  const worker = new Worker('scans', async () => returnvalue, { connection, prefix: 'cratefence', autorun: false });
  await queue.add('scan', data, { jobId, removeOnComplete: false });
  const token = 'planter';
  const job = await worker.getNextJob(token);
  if (!job || job.id !== jobId) throw new Error(`could not take the planted job (${job?.id})`);
  await job.moveToCompleted(returnvalue, token, false);
  if ((await queue.getJobState(jobId)) !== 'completed') throw new Error('the planted job is not completed');
  await worker.close();
  await queue.close();
}

/** Every job row of a batch store. */
export function storedJobs(db: string): ReturnType<BatchStore['allJobs']> {
  const store = new BatchStore(openStore(db));
  try {
    return store.allJobs();
  } finally {
    store.db.close();
  }
}
