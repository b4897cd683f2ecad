/**
 * Publishing and deciding against a real listening `serve`: the manifest must be the release that
 * was named, crate names are compared as crates.io compares them, nobody decides on their own
 * release, only drawn reviewers approve, and a refused request stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { ScanPool } from '../src/runner/index.js';
import { RegistryClient } from '../src/registry/index.js';
import { corpusCrateAs, filesUnder, startRig, suiteDir, type ServeRig } from './helpers/serve.js';
import { startRegistryServer, type RegistryServer } from './helpers/registry-server.js';

const tmp = suiteDir('cf-serve-integrity-');
let pool: ScanPool;
let rig: ServeRig;
let registry: RegistryServer;

beforeAll(async () => {
  pool = new ScanPool({ threads: 2 });
  registry = await startRegistryServer();
  rig = await startRig(tmp.dir, {
    pool,
    registry: new RegistryClient({ index: registry.indexUrl, cargoHome: false, cacheDir: false, retries: 0 }),
    policy: { reviewers: 1, approval: { mode: 'count', count: 1 } },
    users: [['admin', 'admin', { inPool: false }], ['boss', 'admin', { inPool: false }], ['root', 'admin', { inPool: false }], ['pub', 'publisher'], ['mallory', 'publisher'], ['alice', 'reviewer'], ['bob', 'reviewer'], ['carol', 'reviewer']],
  });
}, 60_000);

afterAll(async () => {
  await rig.close();
  await pool.close();
  await registry.stop();
  tmp.remove();
});

const HONEST = 'h06-dependency-bump'; // passes as a first release
const QUARANTINE = 'm10-typosquat-dependency'; // new side: review as a first release
const BLOCK = 'm01-ci-gated-download-exec'; // new side: block as a first release

describe('the manifest is the release that was named', () => {
  it('a .crate whose Cargo.toml says 0.3.1, published as 0.3.9, is refused naming both', async () => {
    const c = await corpusCrateAs(HONEST, 'old', { name: 'mani-v', version: '0.3.9', manifestVersion: '0.3.1' });
    const r = await rig.publish(rig.tokens.pub, c);
    expect(r.status).toBe(422);
    expect(r.json.message).toContain('"0.3.1"');
    expect(r.json.message).toContain('"0.3.9"');
    const n = await rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'mani-n', version: '1.0.0', manifestName: 'serde' }));
    expect(n.status).toBe(422);
    expect(n.json.message).toMatch(/"serde".*"mani-n"/);
    // The top folder must be name-version too (cargo unpacks it there).
    const top = await rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'mani-t', version: '1.0.0', topFolder: 'mani-t-9.9.9' }));
    expect(top.status).toBe(422);
    expect(top.json.message).toContain('mani-t-9.9.9');
    expect((await rig.call('GET', '/v1/releases?crate=mani-v', rig.tokens.admin)).json.releases).toEqual([]);
    const ok = await rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'mani-v', version: '0.3.1' }));
    expect(ok.status).toBe(202);
    const v = await rig.settled(ok.json.id);
    expect(v.version).toBe('0.3.1');
    expect((await rig.call('GET', `/v1/releases/${ok.json.id}`, rig.tokens.admin)).json.report.crate).toMatchObject({ name: 'mani-v', new: '0.3.1' });
  }, 60_000);

  it('the same holds for releases fetched from the registry', async () => {
    const lie = await corpusCrateAs(HONEST, 'old', { name: 'mani-f', version: '0.3.9', manifestVersion: '0.3.1' });
    registry.addCrate('mani-f', '0.3.9', lie.bytes);
    const honest = await corpusCrateAs(HONEST, 'old', { name: 'mani-f', version: '0.4.0' });
    registry.addCrate('mani-f', '0.4.0', honest.bytes);
    const r = await rig.call('POST', '/v1/releases/fetch', rig.tokens.pub, { name: 'mani-f', version: '0.3.9' });
    expect(r.status).toBe(422);
    expect(r.json.message).toMatch(/"0\.3\.1".*"0\.3\.9"/);
    expect((await rig.call('POST', '/v1/releases/fetch', rig.tokens.pub, { name: 'mani-f', version: '0.4.0' })).status).toBe(202);
  }, 60_000);
});

describe('crate names compared as crates.io compares them', () => {
  it('a publisher who does not own ow-ned cannot publish Ow-Ned, OW_NED or ow_ned; its owner keeps one spelling', async () => {
    const first = await rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'ow-ned', version: '1.0.0' }));
    expect(first.status).toBe(202);
    await rig.settled(first.json.id);
    for (const name of ['Ow-Ned', 'OW_NED', 'ow_ned', 'OW-NED']) {
      const r = await rig.publish(rig.tokens.mallory, await corpusCrateAs(HONEST, 'old', { name, version: '1.0.1' }));
      expect(r.status, name).toBe(403);
      expect(r.json.message).toContain('mallory is not an owner');
    }
    const spelled = await rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'OW_NED', version: '1.0.1' }));
    expect(spelled.status).toBe(409);
    expect(spelled.json.message).toContain('published as ow-ned');
    // Owners set under another spelling are the same crate's owners.
    expect((await rig.call('PUT', '/v1/crates/Ow_Ned/owners', rig.tokens.admin, { owners: ['pub'] })).status).toBe(200);
    expect((await rig.publish(rig.tokens.mallory, await corpusCrateAs(HONEST, 'old', { name: 'ow-ned', version: '1.0.2' }))).status).toBe(403);
    // Shown as published; found by any spelling.
    const list = (await rig.call('GET', '/v1/releases?crate=OW_NED', rig.tokens.admin)).json.releases;
    expect(list.map((v: any) => `${v.crate} ${v.version}`)).toEqual(['ow-ned 1.0.0']);
    expect((await rig.call('GET', '/v1/crates/Ow_Ned/1.0.0/status', null)).json).toMatchObject({ crate: 'Ow_Ned', state: 'cooling-off', usable: false });
    expect(rig.db.prepare("SELECT crate, crate_key FROM serve_releases WHERE crate_key = 'ow_ned'").all()).toEqual([{ crate: 'ow-ned', crate_key: 'ow_ned' }]);
  }, 60_000);
});

describe('nobody decides on their own release, admins included', () => {
  it('a publisher-admin cannot override, revoke, approve or reject their own release; a second admin may', async () => {
    const rejected = await rig.publish(rig.tokens.boss, await corpusCrateAs(BLOCK, 'new', { name: 'bossy', version: '1.0.0' }));
    expect(await rig.settled(rejected.json.id)).toMatchObject({ state: 'rejected', verdict: 'block' });
    for (const kind of ['overrides', 'revocations']) {
      const r = await rig.call('POST', `/v1/releases/${rejected.json.id}/${kind}`, rig.tokens.boss, { reason: 'mine, trust me' });
      expect(r.status, kind).toBe(403);
      expect(r.json.message).toContain('boss publishes or owns bossy');
    }
    const quarantined = await rig.publish(rig.tokens.boss, await corpusCrateAs(QUARANTINE, 'new', { name: 'bossy', version: '1.1.0' }));
    expect((await rig.settled(quarantined.json.id)).state).toBe('quarantined');
    for (const kind of ['approvals', 'rejections']) expect((await rig.call('POST', `/v1/releases/${quarantined.json.id}/${kind}`, rig.tokens.boss, { reason: 'mine' })).status, kind).toBe(403);
    // A co-owner is refused the same way.
    expect((await rig.call('PUT', '/v1/crates/bossy/owners', rig.tokens.admin, { owners: ['boss', 'root'] })).status).toBe(200);
    expect((await rig.call('POST', `/v1/releases/${rejected.json.id}/overrides`, rig.tokens.root, { reason: 'co-owner' })).status).toBe(403);
    const o = await rig.call('POST', `/v1/releases/${rejected.json.id}/overrides`, rig.tokens.admin, { reason: 'a second admin read it' });
    expect(o.status).toBe(200);
    expect(o.json).toMatchObject({ state: 'cooling-off', decisions: [{ kind: 'override', who: 'admin' }] });
  }, 60_000);
});

describe('in count mode only drawn reviewers approve', () => {
  it('a reviewer who was not drawn is refused; an admin draws another, logged; the drawn ones release it', async () => {
    const r = await rig.publish(rig.tokens.pub, await corpusCrateAs(QUARANTINE, 'new', { name: 'drawn-only', version: '1.0.0' }));
    const v = await rig.settled(r.json.id);
    expect(v.state).toBe('quarantined');
    expect(v.reviewers).toHaveLength(1);
    const [drawn] = v.reviewers as string[];
    const others = ['alice', 'bob', 'carol'].filter((n) => n !== drawn);
    const refused = await rig.call('POST', `/v1/releases/${r.json.id}/approvals`, rig.tokens[others[0]], { reason: 'looks fine' });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain(`${others[0]} was not drawn to review release ${r.json.id}`);
    expect((await rig.call('GET', `/v1/releases/${r.json.id}`, rig.tokens.admin)).json.release).toMatchObject({ state: 'quarantined', decisions: [] });
    // An admin adds a draw: random among those not drawn yet, logged with who asked and why.
    expect((await rig.call('POST', `/v1/releases/${r.json.id}/reviewers`, rig.tokens.pub, { reason: 'x' })).status).toBe(403);
    const more = await rig.call('POST', `/v1/releases/${r.json.id}/reviewers`, rig.tokens.admin, { count: 1, reason: `${drawn} is on leave` });
    expect(more.status).toBe(200);
    expect(more.json.reviewers).toHaveLength(2);
    const added = (more.json.reviewers as string[]).find((n) => n !== drawn)!;
    const draw = rig.db.prepare('SELECT d.chosen_json, d.excluded_json, d.reason, u.name FROM serve_reviewer_draws d JOIN serve_users u ON u.id = d.requested_by WHERE d.release_id = ?').get(r.json.id) as any;
    expect(draw).toMatchObject({ name: 'admin', reason: `${drawn} is on leave`, chosen_json: JSON.stringify([added]) });
    expect(JSON.parse(draw.excluded_json)).toContain(drawn);
    const ok = await rig.call('POST', `/v1/releases/${r.json.id}/approvals`, rig.tokens[added], { reason: 'read the diff' });
    expect(ok.status).toBe(200);
    expect(ok.json.state).toBe('released');
  }, 60_000);

  it('approvers = "any-reviewer" lets any reviewer approve (said in the config)', async () => {
    const open = await startRig(path.join(tmp.dir, 'any'), { pool, policy: { reviewers: 1, approval: { mode: 'count', count: 1, approvers: 'any-reviewer' } }, users: [['admin', 'admin', { inPool: false }], ['pub', 'publisher'], ['alice', 'reviewer'], ['bob', 'reviewer']] });
    try {
      const r = await open.publish(open.tokens.pub, await corpusCrateAs(QUARANTINE, 'new', { name: 'any-ok', version: '1.0.0' }));
      const v = await open.settled(r.json.id);
      const other = ['alice', 'bob'].find((n) => !v.reviewers.includes(n))!;
      expect((await open.call('POST', `/v1/releases/${r.json.id}/approvals`, open.tokens[other], { reason: 'fine' })).json.state).toBe('released');
    } finally {
      await open.close();
    }
  }, 60_000);
});

describe('refused requests store nothing', () => {
  it('403, 409 and 422 publishes leave the blob folder as it was', async () => {
    const first = await rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'kept', version: '1.0.0' }));
    expect(first.status).toBe(202);
    await rig.settled(first.json.id);
    const before = filesUnder(rig.blobsDir);
    const refusals: Array<[number, Promise<{ status: number }>]> = [
      [403, rig.publish(rig.tokens.mallory, await corpusCrateAs(HONEST, 'old', { name: 'kept', version: '1.0.1' }))],
      [409, rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'new', { name: 'kept', version: '1.0.0' }))],
      [422, rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'kept', version: '1.0.2', manifestVersion: '1.0.0' }))],
      [422, rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'other-name', version: '1.0.0', manifestName: 'kept' }))],
    ];
    for (const [status, p] of refusals) expect((await p).status).toBe(status);
    expect(filesUnder(rig.blobsDir)).toEqual(before);
    // An archive the reader refuses is still accepted for the record, and its scan rejects it.
    const junk = await rig.call('POST', '/v1/releases?name=junk&version=1.0.0', rig.tokens.pub, gzipSync(Buffer.from('not a tar')), 'application/octet-stream');
    expect(junk.status).toBe(202);
    expect((await rig.settled(junk.json.id)).state).toBe('rejected');
    expect(filesUnder(rig.blobsDir)).toHaveLength(before.length + 1);
  }, 60_000);
});

describe('an older store is upgraded', () => {
  it('names get their crates.io key, and releases laundered through an untrusted base are scanned again', async () => {
    const { mkdirSync } = await import('node:fs');
    const Database = (await import('better-sqlite3')).default;
    const { migrations } = await import('../src/store/index.js');
    const { BlobStore } = await import('../src/serve/app.js');
    const dir = path.join(tmp.dir, 'old-store');
    mkdirSync(dir, { recursive: true });
    // A store as cratefence wrote it before migration 012, holding a laundered release.
    const db = new Database(path.join(dir, 'store.sqlite'));
    db.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of migrations().filter((x) => x.version <= 11)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version VALUES (?, ?, ?)').run(m.version, m.name, '2026-01-01T00:00:00Z');
    }
    const blobs = new BlobStore(path.join(dir, 'blobs'));
    const at = '2026-11-01T00:00:00Z';
    db.prepare("INSERT INTO serve_users (id, name, role, token_sha256, created_at) VALUES (1, 'p', 'publisher', 'x', ?), (2, 'm', 'publisher', 'y', ?)").run(at, at);
    const rel = db.prepare('INSERT INTO serve_releases (crate, version, blob_sha256, publisher_id, state, base_version, verdict, score, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const payload = 'm05-far-jump-payload-in-new-module';
    rel.run('laundered', '1.0.0', blobs.put((await corpusCrateAs(payload, 'old', { name: 'laundered', version: '1.0.0' })).bytes), 1, 'released', null, 'pass', 0, at, at);
    rel.run('laundered', '1.0.1', blobs.put((await corpusCrateAs(payload, 'new', { name: 'laundered', version: '1.0.1' })).bytes), 1, 'rejected', '1.0.0', 'block', 94, at, at);
    const laundered = Number(rel.run('laundered', '1.0.2', blobs.put((await corpusCrateAs(payload, 'new', { name: 'laundered', version: '1.0.2' })).bytes), 1, 'released', '1.0.1', 'pass', 0, at, at).lastInsertRowid);
    rel.run('Owned', '1.0.0', blobs.put(Buffer.from('x')), 2, 'released', null, 'pass', 0, at, at);
    db.prepare("INSERT INTO serve_owners (crate, user_id) VALUES ('owned', 1), ('Owned', 2), ('OWNED', 1)").run();
    db.close();
    const old = await startRig(dir, { pool, users: [['admin', 'admin']] });
    try {
      expect(old.db.prepare("SELECT crate, crate_key FROM serve_releases WHERE crate = 'Owned'").get()).toEqual({ crate: 'Owned', crate_key: 'owned' });
      expect(old.db.prepare('SELECT crate, user_id FROM serve_owners ORDER BY user_id').all()).toEqual([{ crate: 'owned', user_id: 1 }, { crate: 'owned', user_id: 2 }]);
      expect(old.db.prepare('SELECT prior_state, reason FROM serve_scan_queue WHERE release_id = ?').get(laundered)).toEqual({ prior_state: 'released', reason: 'its base 1.0.1 is rejected, not released' });
      expect((await old.call('GET', '/v1/crates/laundered/1.0.2/status', null)).json).toMatchObject({ state: 'scanning', usable: false });
      old.svc.scheduler!.kick();
      expect(await old.settled(laundered)).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
    } finally {
      await old.close();
    }
  }, 60_000);
});
