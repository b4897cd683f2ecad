import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse as parseToml } from 'smol-toml';
import { makeTar, type Entry } from './tarball.js';
import { openStore, type Db } from '../../src/store/index.js';
import type { ScanPool } from '../../src/runner/index.js';
import { buildApp, BlobStore, type AppOptions, type Service } from '../../src/serve/app.js';
import { createUser, type Role } from '../../src/serve/auth.js';
import { ServePolicySchema } from '../../src/config/serve.js';
import { seededRandom } from '../../src/serve/reviewers.js';

export const CORPUS = path.join(__dirname, '..', '..', 'corpus');

/** A corpus case side as a `.crate` (gzip tar under `name-version/`), with its manifest's name and version. */
export async function corpusCrate(caseName: string, side: 'old' | 'new'): Promise<{ name: string; version: string; bytes: Buffer }> {
  const dir = path.join(CORPUS, caseName, side);
  const pkg = (parseToml(readFileSync(path.join(dir, 'Cargo.toml'), 'utf8')) as { package: { name: string; version: string } }).package;
  const entries: Entry[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else entries.push({ name: `${pkg.name}-${pkg.version}/${r}`, content: readFileSync(path.join(dir, r)) });
    }
  };
  walk('');
  return { name: pkg.name, version: pkg.version, bytes: await makeTar(entries) };
}

/** A folder for a whole test file (removed by the caller in afterAll), unlike helpers/tmp.ts tempDir, which belongs to one test. */
export function suiteDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A corpus case side as a `.crate` published under another name or version: the `[package]` name
 * and version lines of its Cargo.toml are rewritten (to `manifestName`/`manifestVersion` when given,
 * else to the published ones) and its files sit under `name-version/` as cargo packs them.
 */
export async function corpusCrateAs(
  caseName: string,
  side: 'old' | 'new',
  as: { name?: string; version?: string; manifestName?: string; manifestVersion?: string; topFolder?: string; extra?: Entry[] },
): Promise<{ name: string; version: string; bytes: Buffer }> {
  const dir = path.join(CORPUS, caseName, side);
  const original = (parseToml(readFileSync(path.join(dir, 'Cargo.toml'), 'utf8')) as { package: { name: string; version: string } }).package;
  const name = as.name ?? original.name;
  const version = as.version ?? original.version;
  const top = as.topFolder ?? `${as.manifestName ?? name}-${as.manifestVersion ?? version}`;
  const entries: Entry[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else {
        let content: Buffer | string = readFileSync(path.join(dir, r));
        if (r === 'Cargo.toml') content = rewritePackage(content.toString('utf8'), as.manifestName ?? name, as.manifestVersion ?? version);
        entries.push({ name: `${top}/${r}`, content });
      }
    }
  };
  walk('');
  for (const e of as.extra ?? []) entries.push({ ...e, name: `${top}/${e.name}` });
  return { name, version, bytes: await makeTar(entries) };
}

/** Sets `name` and `version` in the `[package]` table of a manifest (the lines before the next table). */
function rewritePackage(toml: string, name: string, version: string): string {
  const lines = toml.split('\n');
  let inPackage = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*\[/.test(lines[i])) inPackage = /^\s*\[package\]\s*$/.test(lines[i]);
    else if (inPackage && /^\s*name\s*=/.test(lines[i])) lines[i] = `name = "${name}"`;
    else if (inPackage && /^\s*version\s*=/.test(lines[i])) lines[i] = `version = "${version}"`;
  }
  return lines.join('\n');
}

/** Every file under a folder (relative paths, sorted): what a blob store holds. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(path.join(dir, rel));
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out;
}

/** A real listening ingest service on 127.0.0.1 with its own store, blob folder, users and clock. */
export interface ServeRig {
  svc: Service;
  db: Db;
  base: string;
  blobsDir: string;
  tokens: Record<string, string>;
  /** The service's clock: tests move it forward. */
  clock: { now: Date };
  call(method: string, url: string, token: string | null, body?: unknown, type?: string, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Headers }>;
  publish(token: string, c: { name: string; version: string; bytes: Buffer }): Promise<{ status: number; json: any; headers: Headers }>;
  /** Waits for the scan queue to drain and answers the release as an admin sees it. */
  settled(id: number): Promise<any>;
  /** Moves the clock past the cool-off and runs the sweep. */
  coolOff(hours?: number): number[];
  close(): Promise<void>;
}

/**
 * Starts `buildApp` listening on 127.0.0.1 (port 0) over a fresh store in `dir`, with users created
 * directly in the store (name, role, options). `admin` must be among them for `settled`.
 */
export async function startRig(dir: string, o: { policy?: Record<string, unknown>; pool: ScanPool | null; users: Array<[string, Role, { trusted?: boolean; inPool?: boolean }?]>; executor?: AppOptions['executor']; resolve?: AppOptions['resolve']; registry?: AppOptions['registry']; upstream?: AppOptions['upstream']; seed?: number }): Promise<ServeRig> {
  const db = openStore(path.join(dir, 'store.sqlite'));
  const blobsDir = path.join(dir, 'blobs');
  const clock = { now: new Date('2026-12-01T00:00:00Z') };
  const policy = ServePolicySchema.parse(o.policy ?? {});
  const svc = await buildApp({ db, blobs: new BlobStore(blobsDir), pool: o.pool, executor: o.executor, policy, now: () => clock.now, random: seededRandom(o.seed ?? 7), randomSource: 'seeded test source', resolve: o.resolve, registry: o.registry, upstream: o.upstream });
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(svc.app.server.address() as AddressInfo).port}`;
  const tokens: Record<string, string> = {};
  for (const [name, role, extra] of o.users) tokens[name] = createUser(db, name, role, extra ?? {}).token;
  const call: ServeRig['call'] = async (method, url, token, body, type = 'application/json', headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: BodyInit | undefined;
    if (body !== undefined) {
      h['content-type'] = type;
      payload = Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
    }
    const res = await fetch(base + url, { method, headers: h, body: payload });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  };
  const rig: ServeRig = {
    svc,
    db,
    base,
    blobsDir,
    tokens,
    clock,
    call,
    publish: (token, c) => call('POST', `/v1/releases?name=${encodeURIComponent(c.name)}&version=${encodeURIComponent(c.version)}`, token, c.bytes, 'application/octet-stream'),
    async settled(id) {
      await svc.scheduler!.idle();
      return (await call('GET', `/v1/releases/${id}`, tokens.admin)).json.release;
    },
    coolOff(hours = 24 * 365) {
      clock.now = new Date(clock.now.getTime() + hours * 3_600_000);
      return svc.releases.sweep();
    },
    async close() {
      svc.scheduler?.close();
      await svc.app.close();
      db.close();
    },
  };
  return rig;
}
