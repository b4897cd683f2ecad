/**
 * A real Redis for tests: Debian's redis-server on 127.0.0.1 at a free port, in a temporary folder,
 * with no persistence (`--save ""`, no append-only file), stopped and removed by `stop()`. Optionally
 * with a password (`requirepass`) or TLS only (a CA and a server certificate for 127.0.0.1 made with
 * openssl). When the binary is missing the test is skipped with a printed reason, except under
 * CI=true, where it fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RedisServer {
  url: string;
  port: number;
  /** The CA that signed a TLS server's certificate (give it to clients as NODE_EXTRA_CA_CERTS). */
  caFile?: string;
  /** Stops the server (SIGKILL with `kill`: no orderly shutdown), and removes its folder. */
  stop(kill?: boolean): Promise<void>;
}

export interface RedisStartOptions {
  /** Require this password (`requirepass`). */
  password?: string;
  /** Serve TLS only, with a fresh CA and a certificate for 127.0.0.1. */
  tls?: boolean;
}

/** The redis-server binary, or why there is none. */
export function redisBinary(): { bin?: string; reason?: string } {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { reason: 'redis-server is not installed (apt-get install -y redis-server)' };
  return { bin: 'redis-server' };
}

/** True when Redis tests must run (CI), false when they may be skipped; prints why they are skipped. */
export function redisAvailable(): boolean {
  const { reason } = redisBinary();
  if (!reason) return true;
  if (process.env.CI === 'true') throw new Error(`${reason}: required under CI`);
  console.warn(`skipping the Redis tests: ${reason}`);
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether this redis-server can serve TLS and openssl can make certificates, or why not. */
export function tlsSupport(): { ok: boolean; reason?: string } {
  // A build without TLS does not know the option ("Bad directive"); one with it exits for having no port.
  const r = spawnSync('redis-server', ['--tls-port', '0', '--port', '0', '--save', ''], { encoding: 'utf8', timeout: 5000 });
  if (r.error) return { ok: false, reason: 'redis-server is not installed' };
  if (/Bad directive/i.test(`${r.stdout}${r.stderr}`)) return { ok: false, reason: 'redis-server was built without TLS' };
  if (spawnSync('openssl', ['version']).status !== 0) return { ok: false, reason: 'openssl is not installed' };
  return { ok: true };
}

function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=cratefence test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('ext.cnf'), 'subjectAltName = IP:127.0.0.1\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('server.pem')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/** Starts a private redis-server. */
export async function startRedis(o: RedisStartOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cf-redis-'));
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')];
  let caFile: string | undefined;
  if (o.tls) {
    const c = makeCertificates(dir);
    caFile = c.ca;
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', c.cert, '--tls-key-file', c.key, '--tls-ca-cert-file', c.ca, '--tls-auth-clients', 'no');
  } else args.push('--port', String(port));
  if (o.password) args.push('--requirepass', o.password);
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  await waitForPort(port, child, 10_000);
  return {
    url: `${o.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    caFile,
    async stop(kill = false) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill(kill ? 'SIGKILL' : 'SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
