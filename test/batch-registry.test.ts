import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../src/store/index.js';
import { BatchStore } from '../src/store/batch.js';
import { startRegistryServer, type RegistryServer } from './helpers/registry-server.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');
const CASE = path.join(ROOT, 'corpus', 'm05-far-jump-payload-in-new-module');
const tmp = mkdtempSync(path.join(tmpdir(), 'cf-batch-registry-'));
let server: RegistryServer;

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: path.join(tmp, 'cache'), CARGO_HOME: path.join(tmp, 'cargo') } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

beforeAll(async () => {
  server = await startRegistryServer();
  await server.publishDir('rust_decimal_fast', '1.30.0', path.join(CASE, 'old'));
  await server.publishDir('rust_decimal_fast', '1.30.1', path.join(CASE, 'new'));
  await server.publish('tiny', '0.1.0', 'pub fn f() -> u8 { 1 }\n');
  await server.publish('tiny', '0.1.1', 'pub fn f() -> u8 { 2 }\n');
  await server.publish('tiny', '0.2.0', 'pub fn f() -> u8 { 3 }\n');
});
afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('batch through the registry', () => {
  it('runs `name old new` and `name@version` jobs and every consecutive pair of a crate, fetched and verified', async () => {
    const jobs = path.join(tmp, 'jobs.txt');
    writeFileSync(jobs, '# registry jobs\nrust_decimal_fast 1.30.0 1.30.1\ntiny@0.1.0\n');
    const db = path.join(tmp, 'a.sqlite');
    const r = await cli(['batch', jobs, '--db', db, '--jobs', '2', '--registry', server.indexUrl, '--quiet']);
    expect(r.code, r.err).toBe(0);
    const all = await cli(['batch', '--crate', 'tiny', '--all-versions', '--db', db, '--registry', server.indexUrl, '--quiet']);
    expect(all.code, all.err).toBe(0);
    const store = new BatchStore(openStore(db));
    try {
      const rows = store.allJobs().map((j) => [j.crate, j.old_version, j.new_version, j.state, j.verdict]);
      expect(rows).toEqual(
        expect.arrayContaining([
          ['rust_decimal_fast', '1.30.0', '1.30.1', 'done', 'block'],
          ['tiny', null, '0.1.0', 'done', expect.any(String)],
          ['tiny', '0.1.0', '0.1.1', 'done', 'pass'],
          ['tiny', '0.1.1', '0.2.0', 'done', 'pass'],
        ]),
      );
      expect(rows).toHaveLength(4);
    } finally {
      store.db.close();
    }
  }, 120_000);
});
