import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { makeTar, crateEntries } from './helpers/tarball.js';
import { corpusCrate, suiteDir } from './helpers/serve.js';

const BIN = path.join(__dirname, '..', 'bin', 'cratefence.js');
const tmp = suiteDir('cf-serve-kill-');
const dbFile = path.join(tmp.dir, 'store.sqlite');
const children: ChildProcess[] = [];

function start(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', dbFile, '--jobs', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve did not start in 30 s')), 30_000);
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1] });
      }
    });
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  tmp.remove();
});

describe('serve across kill -9', () => {
  it('finishes every queued scan after a restart and loses no release', async () => {
    const token = (name: string, role: string) => execFileSync(process.execPath, [BIN, 'serve', 'token', '--name', name, '--role', role, '--db', dbFile], { encoding: 'utf8' }).trim();
    const pub = token('pub', 'publisher');
    const admin = token('root', 'admin');
    // A legal but slow release (a 1.2 MB library) keeps the only worker busy while the server is killed.
    const lib = Array.from({ length: 20_000 }, (_, i) => `pub fn f${i}(x: u32) -> u32 { x.wrapping_mul(${i}) }`).join('\n');
    const slow = { name: 'slowcrate', version: '1.0.0', bytes: await makeTar(crateEntries('slowcrate', '1.0.0', lib)) };
    const small = await corpusCrate('h01-network-client-new-endpoint', 'old');
    const s1 = await start();
    const post = async (base: string, c: { name: string; version: string; bytes: Buffer }) => {
      const res = await fetch(`${base}/v1/releases?name=${c.name}&version=${c.version}`, { method: 'POST', headers: { authorization: `Bearer ${pub}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(c.bytes) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: number }).id;
    };
    const ids = [await post(s1.base, slow), await post(s1.base, small)];
    s1.child.kill('SIGKILL');
    await new Promise((r) => s1.child.once('exit', r));
    const db = new Database(dbFile, { readonly: true });
    expect((db.prepare("SELECT COUNT(*) AS n FROM serve_releases WHERE state = 'scanning'").get() as { n: number }).n).toBe(2);
    expect((db.prepare('SELECT COUNT(*) AS n FROM serve_scan_queue').get() as { n: number }).n).toBe(2);
    db.close();
    const s2 = await start();
    const deadline = Date.now() + 120_000;
    const states: string[] = [];
    for (const id of ids) {
      for (;;) {
        const res = await fetch(`${s2.base}/v1/releases/${id}`, { headers: { authorization: `Bearer ${admin}` } });
        const body = (await res.json()) as { release: { state: string; verdict: string } };
        if (body.release.state !== 'scanning') {
          states.push(body.release.state);
          break;
        }
        if (Date.now() > deadline) throw new Error(`release ${id} still scanning after restart`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(states.every((s) => ['cooling-off', 'quarantined', 'rejected'].includes(s))).toBe(true);
    s2.child.kill('SIGTERM');
    await new Promise((r) => s2.child.once('exit', r));
    const after = new Database(dbFile, { readonly: true });
    expect((after.prepare('SELECT COUNT(*) AS n FROM serve_releases').get() as { n: number }).n).toBe(2);
    expect((after.prepare('SELECT COUNT(*) AS n FROM serve_scan_queue').get() as { n: number }).n).toBe(0);
    expect((after.prepare('SELECT COUNT(*) AS n FROM serve_events').get() as { n: number }).n).toBe(2);
    after.close();
  }, 180_000);
});
