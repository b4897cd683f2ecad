/**
 * Version laundering against a real listening `serve`: a payload the scanner blocks must not be
 * released by publishing it again under the next version. A release is diffed only against a
 * version in state `released`, chosen when its scan runs; when a base is revoked, the releases
 * diffed against it are scanned again and their state follows the new scan.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScanPool, type ScanJob, type ScanOutcome } from '../src/runner/index.js';
import type { ScanExecutor } from '../src/serve/scheduler.js';
import { corpusCrate, corpusCrateAs, startRig, suiteDir, type ServeRig } from './helpers/serve.js';

const tmp = suiteDir('cf-serve-bases-');
let pool: ScanPool;
let rig: ServeRig;
// Scans run on the real pool; a test may hold them at the door to change a base mid-scan.
let hold: Promise<void> | null = null;
let openHold: () => void = () => {};
/** Holds every scan at the door until the returned function is called. */
function holdScans(): () => void {
  hold = new Promise<void>((r) => (openHold = r));
  return () => {
    hold = null;
    openHold();
  };
}
const runs: Array<{ release: string; old: string | null }> = [];
const gated: ScanExecutor = {
  slots: 2,
  async run(job: ScanJob): Promise<ScanOutcome> {
    runs.push({ release: job.id, old: job.old && 'path' in job.old ? job.old.path : null });
    if (hold) await hold;
    return pool.run(job);
  },
};

const PAYLOAD = 'm05-far-jump-payload-in-new-module'; // old side: pass as a first release; new side: block against it
const as = (name: string, version: string, side: 'old' | 'new' = 'new') => corpusCrateAs(PAYLOAD, side, { name, version });

beforeAll(async () => {
  pool = new ScanPool({ threads: 2 });
  rig = await startRig(tmp.dir, { pool, executor: gated, users: [['admin', 'admin'], ['root', 'admin'], ['pub', 'publisher'], ['alice', 'reviewer'], ['bob', 'reviewer']] });
}, 60_000);

// A test that fails while scans are held must not hold the next test's scans.
afterEach(() => {
  hold = null;
  openHold();
});

afterAll(async () => {
  await rig.close();
  await pool.close();
  tmp.remove();
});

async function post(c: { name: string; version: string; bytes: Buffer }) {
  const r = await rig.publish(rig.tokens.pub, c);
  expect(r.status, JSON.stringify(r.json)).toBe(202);
  return r.json.id as number;
}

/** Publishes the honest first version and lets its cool-off pass: a trusted base. */
async function trustedFirst(name: string) {
  const id = await post(await as(name, '1.0.0', 'old'));
  expect((await rig.settled(id)).state).toBe('cooling-off');
  rig.coolOff();
  expect((await rig.settled(id)).state).toBe('released');
  return id;
}

/** 1.0.1 carries the payload, is rejected, and a second admin overrides it into release (later found out). */
async function overriddenPayload(name: string) {
  const id = await post(await as(name, '1.0.1'));
  expect(await rig.settled(id)).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
  expect((await rig.call('POST', `/v1/releases/${id}/overrides`, rig.tokens.root, { reason: 'judged a false positive' })).status).toBe(200);
  rig.coolOff();
  expect((await rig.settled(id)).state).toBe('released');
  return id;
}

describe('version laundering: the base of a diff is the newest released version', () => {
  it('a payload rejected as 1.0.1 is not released as 1.0.2 (the rejected version is no base)', async () => {
    await trustedFirst('lw-rejected');
    const bad = await post(await as('lw-rejected', '1.0.1'));
    expect(await rig.settled(bad)).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
    const again = await rig.settled(await post(await as('lw-rejected', '1.0.2')));
    expect(again).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
    expect(again.score).toBeGreaterThanOrEqual(80);
  }, 60_000);

  it('nor when 1.0.1 was revoked', async () => {
    await trustedFirst('lw-revoked');
    const bad = await post(await as('lw-revoked', '1.0.1'));
    await rig.settled(bad);
    expect((await rig.call('POST', `/v1/releases/${bad}/revocations`, rig.tokens.root, { reason: 'payload' })).json.state).toBe('revoked');
    expect(await rig.settled(await post(await as('lw-revoked', '1.0.2')))).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
  }, 60_000);

  it('nor when 1.0.1 is still quarantined', async () => {
    const name = 'lw-quarantined';
    const first = await post(await corpusCrateAs('m10-typosquat-dependency', 'old', { name, version: '0.3.0' }));
    await rig.settled(first);
    rig.coolOff();
    const q = await post(await corpusCrateAs('m10-typosquat-dependency', 'new', { name, version: '0.3.1' }));
    expect(await rig.settled(q)).toMatchObject({ state: 'quarantined', verdict: 'review', baseVersion: '0.3.0' });
    const next = await rig.settled(await post(await corpusCrateAs('m10-typosquat-dependency', 'new', { name, version: '0.3.2' })));
    expect(next).toMatchObject({ state: 'quarantined', verdict: 'review', baseVersion: '0.3.0' });
  }, 60_000);

  it('nor when 1.0.1 is still scanning', async () => {
    await trustedFirst('lw-scanning');
    const open = holdScans();
    const a = await post(await as('lw-scanning', '1.0.1'));
    const b = await post(await as('lw-scanning', '1.0.2'));
    open();
    expect(await rig.settled(a)).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
    expect(await rig.settled(b)).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
  }, 60_000);

  it('nor when 1.0.1 is cooling off after an override', async () => {
    await trustedFirst('lw-cooling');
    const bad = await post(await as('lw-cooling', '1.0.1'));
    await rig.settled(bad);
    expect((await rig.call('POST', `/v1/releases/${bad}/overrides`, rig.tokens.root, { reason: 'looks fine' })).json.state).toBe('cooling-off');
    expect(await rig.settled(await post(await as('lw-cooling', '1.0.2')))).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
  }, 60_000);

  it('a revoked base sends the releases diffed against it back to scanning; their state follows the new scan', async () => {
    const name = 'lw-rescan';
    await trustedFirst(name);
    const bad = await overriddenPayload(name);
    // 1.0.2 repeats the payload; against the released 1.0.1 it is "unchanged" and passes.
    const next = await post(await as(name, '1.0.2'));
    expect(await rig.settled(next)).toMatchObject({ state: 'cooling-off', verdict: 'pass', baseVersion: '1.0.1' });
    rig.coolOff();
    expect((await rig.settled(next)).state).toBe('released');
    const open = holdScans();
    const rev = await rig.call('POST', `/v1/releases/${bad}/revocations`, rig.tokens.root, { reason: 'the override was wrong: payload' });
    expect(rev.json.state).toBe('revoked');
    // Until its new scan lands, builds must not use it.
    expect((await rig.call('GET', `/v1/crates/${name}/1.0.2/status`, null)).json).toMatchObject({ state: 'scanning', usable: false });
    open();
    const after = await rig.settled(next);
    expect(after).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
    const event = rig.db.prepare("SELECT body_json FROM serve_events WHERE release_id = ? ORDER BY id DESC LIMIT 1").get(next) as { body_json: string };
    expect(JSON.parse(event.body_json)).toMatchObject({ event: 'rejected', verdict: 'block', baseVersion: '1.0.0', rescan: { previousState: 'released', previousBase: '1.0.1', reason: `its base ${name} 1.0.1 was revoked` } });
    const feed = await rig.call('GET', `/v1/alerts?crate=${name}`, null);
    expect(feed.json.items[0].title).toBe(`${name} 1.0.2: rejected`);
  }, 90_000);

  it('the base is chosen when the scan runs: one revoked during the scan is not used', async () => {
    const name = 'lw-midscan';
    await trustedFirst(name);
    const bad = await overriddenPayload(name);
    const open = holdScans();
    const before = runs.length;
    const next = await post(await as(name, '1.0.2'));
    while (!runs.slice(before).some((r) => r.release === String(next))) await new Promise((r) => setTimeout(r, 20));
    const badBlob = (rig.db.prepare('SELECT blob_sha256 FROM serve_releases WHERE id = ?').get(bad) as { blob_sha256: string }).blob_sha256;
    expect(runs.filter((r) => r.release === String(next)).map((r) => r.old?.includes(badBlob))).toEqual([true]);
    expect((await rig.call('POST', `/v1/releases/${bad}/revocations`, rig.tokens.root, { reason: 'payload' })).json.state).toBe('revoked');
    open();
    expect(await rig.settled(next)).toMatchObject({ state: 'rejected', verdict: 'block', baseVersion: '1.0.0' });
    // Scanned twice: against 1.0.1 (result discarded), then against 1.0.0.
    expect(runs.filter((r) => r.release === String(next)).map((r) => r.old?.includes(badBlob))).toEqual([true, false]);
  }, 90_000);
});

describe('a release revoked while it is scanned', () => {
  it('leaves the queue once: its scan is not run again and again', async () => {
    const open = holdScans();
    const before = runs.length;
    const id = await post(await as('lw-revoked-early', '1.0.0'));
    while (!runs.slice(before).some((r) => r.release === String(id))) await new Promise((r) => setTimeout(r, 20));
    expect((await rig.call('POST', `/v1/releases/${id}/revocations`, rig.tokens.root, { reason: 'compromised account' })).json.state).toBe('revoked');
    open();
    expect((await rig.settled(id)).state).toBe('revoked');
    expect(rig.db.prepare('SELECT COUNT(*) AS n FROM serve_scan_queue WHERE release_id = ?').get(id)).toEqual({ n: 0 });
    expect(runs.filter((r) => r.release === String(id))).toHaveLength(1);
  }, 30_000);
});

describe('scan results are held to the job they answer, whoever ran the scan', () => {
  it('a result describing another release (a rogue or replaying queue worker) is not applied', async () => {
    const other = await corpusCrate('h06-dependency-bump', 'old');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const path = await import('node:path');
    const d = mkdtempSync(path.join(tmp.dir, 'replay-'));
    writeFileSync(path.join(d, 'x.crate'), other.bytes);
    const genuine = await pool.run({ id: 'x', old: null, new: { path: path.join(d, 'x.crate') } });
    expect(genuine.ok && genuine.report.verdict).toBe('pass');
    const rogue: ScanExecutor = { slots: 1, run: async (job) => ({ ...genuine, id: job.id }) };
    const r2 = await startRig(path.join(tmp.dir, 'rogue'), { pool: null, executor: rogue, users: [['admin', 'admin'], ['pub', 'publisher']] });
    try {
      const res = await r2.publish(r2.tokens.pub, await as('lw-rogue', '1.0.0'));
      const v = await r2.settled(res.json.id);
      expect(v).toMatchObject({ state: 'rejected', verdict: 'block' });
      expect(v.scanError).toMatch(/does not answer the job for lw-rogue 1\.0\.0: it describes cfgload 2\.1\.0/);
    } finally {
      await r2.close();
    }
  }, 60_000);

  it('a scan that never answers (a lost queue job) ends in a rejection after its attempts, not a slot held forever', async () => {
    const path = await import('node:path');
    const silent: ScanExecutor = { slots: 1, run: () => new Promise<ScanOutcome>(() => {}) };
    const r3 = await startRig(path.join(tmp.dir, 'silent'), { pool: null, executor: silent, policy: { 'scan-timeout-minutes': 0.01 }, users: [['admin', 'admin'], ['pub', 'publisher']] });
    try {
      const res = await r3.publish(r3.tokens.pub, await as('lw-silent', '1.0.0'));
      const v = await r3.settled(res.json.id);
      expect(v).toMatchObject({ state: 'rejected', verdict: 'block' });
      expect(v.scanError).toMatch(/^timeout: no scan result within/);
    } finally {
      await r3.close();
    }
  }, 30_000);
});
