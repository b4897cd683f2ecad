import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openStore, type Db } from '../src/store/index.js';
import { ScanPool } from '../src/runner/index.js';
import { buildApp, BlobStore, type Service } from '../src/serve/app.js';
import { createUser, type Role } from '../src/serve/auth.js';
import { ServePolicySchema } from '../src/config/serve.js';
import { seededRandom } from '../src/serve/reviewers.js';
import { verifySignature } from '../src/serve/alerts.js';
import { corpusCrate, suiteDir } from './helpers/serve.js';

let clock = new Date('2026-12-01T00:00:00Z');
const tmp = suiteDir('cf-serve-');
let db: Db;
let pool: ScanPool;
let svc: Service;
let base: string;
const tokens: Record<string, string> = {};

async function call(method: string, url: string, token: string | null, body?: unknown, type = 'application/json') {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    headers['content-type'] = type;
    payload = Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
  }
  const res = await fetch(base + url, { method, headers, body: payload });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

async function publish(token: string, c: { name: string; version: string; bytes: Buffer }) {
  return call('POST', `/v1/releases?name=${c.name}&version=${c.version}`, token, c.bytes, 'application/octet-stream');
}

async function settled(id: number) {
  await svc.scheduler!.idle();
  return (await call('GET', `/v1/releases/${id}`, tokens.admin)).json.release;
}

/** A release is diffed only against a released version: let the earlier one's cool-off pass first. */
async function releasedBase(c: { name: string; version: string; bytes: Buffer }) {
  const v = await settled((await publish(tokens.pub, c)).json.id);
  expect(v.state).toBe('cooling-off');
  clock = new Date(clock.getTime() + 49 * 3_600_000);
  expect(svc.releases.sweep()).toContain(v.id);
}

beforeAll(async () => {
  db = openStore(path.join(tmp.dir, 'store.sqlite'));
  pool = new ScanPool({ threads: 2 });
  const policy = ServePolicySchema.parse({ 'cool-off-hours': 48, 'trusted-cool-off-hours': 6, reviewers: 2, approval: { mode: 'weighted', share: 0.5 }, 'webhook-base-delay-ms': 10, 'body-limit-mb': 1, 'webhook-allow-private': true });
  svc = await buildApp({ db, blobs: new BlobStore(path.join(tmp.dir, 'blobs')), pool, policy, now: () => clock, random: seededRandom(7), randomSource: 'seeded test source' });
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(svc.app.server.address() as AddressInfo).port}`;
  for (const [name, role] of [['admin', 'admin'], ['pub', 'publisher'], ['alice', 'reviewer'], ['bob', 'reviewer'], ['carol', 'reviewer'], ['dave', 'reviewer']] as Array<[string, Role]>) {
    tokens[name] = createUser(db, name, role).token;
  }
});

afterAll(async () => {
  await svc.app.close();
  await pool.close();
  db.close();
  tmp.remove();
});

describe('ingest service', () => {
  it('publish -> scan -> quarantine -> random reviewers -> weighted approvals -> released', async () => {
    // The dependents graph: alice maintains `app-a` (two crates build on it), bob maintains `app-b`.
    for (const [crate, owner] of [['app-a', 'alice'], ['app-b', 'bob'], ['tool-x', 'carol'], ['tool-y', 'carol']]) {
      expect((await call('PUT', `/v1/crates/${crate}/owners`, tokens.admin, { owners: [owner] })).status).toBe(200);
    }
    const victim = await corpusCrate('m10-typosquat-dependency', 'new');
    for (const [dependent, deps] of [['app-a', [victim.name]], ['app-b', [victim.name]], ['tool-x', ['app-a']], ['tool-y', ['app-a']]] as Array<[string, string[]]>) {
      expect((await call('PUT', `/v1/crates/${dependent}/dependencies`, tokens.admin, { dependencies: deps })).status).toBe(200);
    }
    const old = await corpusCrate('m10-typosquat-dependency', 'old');
    await releasedBase(old);
    const r1 = await publish(tokens.pub, victim);
    expect(r1.status).toBe(202);
    expect(r1.json.state).toBe('scanning');
    const rel = await settled(r1.json.id);
    expect(rel.state).toBe('quarantined');
    expect(rel.verdict).toBe('review');
    expect(rel.baseVersion).toBe(old.version);
    expect(rel.reviewers).toHaveLength(2);
    expect(rel.reviewers).not.toContain('pub');
    const draw = db.prepare('SELECT pool_json, excluded_json, chosen_json, source FROM serve_reviewer_draws WHERE release_id = ?').get(r1.json.id) as any;
    expect(JSON.parse(draw.pool_json)).toEqual(['admin', 'alice', 'bob', 'carol', 'dave']);
    expect(draw.source).toBe('seeded test source');
    // The publisher never approves its own release.
    expect((await call('POST', `/v1/releases/${r1.json.id}/approvals`, tokens.pub, { reason: 'mine' })).status).toBe(403);
    // bob's crate has no dependents (weight 1 of 1 + 3 = 4): 0.25 < 0.5, still quarantined.
    const a1 = await call('POST', `/v1/releases/${r1.json.id}/approvals`, tokens.bob, { reason: 'read the diff' });
    expect(a1.status).toBe(200);
    expect(a1.json.state).toBe('quarantined');
    expect(a1.json.approval).toMatchObject({ mode: 'weighted', totalWeight: 4, share: 0.25 });
    // alice's crate has two dependents (weight 3): 4/4 >= 0.5 -> released.
    const a2 = await call('POST', `/v1/releases/${r1.json.id}/approvals`, tokens.alice, { reason: 'I trust the author' });
    expect(a2.json.state).toBe('released');
    expect(a2.json.decisions.map((d: any) => [d.who, d.weight])).toEqual([['bob', 1], ['alice', 3]]);
    expect(a2.json.decisions[0].reportSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('pass -> cooling-off -> released once the clock passes the cool-off', async () => {
    await releasedBase(await corpusCrate('h09-error-message-urls', 'old'));
    const c = await corpusCrate('h09-error-message-urls', 'new');
    const r = await publish(tokens.pub, c);
    const rel = await settled(r.json.id);
    expect(rel.state).toBe('cooling-off');
    expect(Date.parse(rel.coolOffUntil) - clock.getTime()).toBe(48 * 3_600_000);
    expect(svc.releases.sweep()).toEqual([]);
    clock = new Date(clock.getTime() + 47 * 3_600_000);
    expect(svc.releases.sweep()).toEqual([]);
    clock = new Date(clock.getTime() + 2 * 3_600_000);
    expect(svc.releases.sweep()).toContain(r.json.id);
    expect((await call('GET', `/v1/releases/${r.json.id}`, tokens.alice)).json.release.state).toBe('released');
  });

  it('block -> rejected; an admin override needs a reason and starts the cool-off', async () => {
    await releasedBase(await corpusCrate('m05-far-jump-payload-in-new-module', 'old'));
    const c = await corpusCrate('m05-far-jump-payload-in-new-module', 'new');
    const r = await publish(tokens.pub, c);
    const rel = await settled(r.json.id);
    expect(rel.state).toBe('rejected');
    expect(rel.verdict).toBe('block');
    expect(rel.baseVersion).toBe('1.30.0');
    expect((await call('POST', `/v1/releases/${r.json.id}/overrides`, tokens.admin, {})).status).toBe(422);
    expect((await call('POST', `/v1/releases/${r.json.id}/overrides`, tokens.alice, { reason: 'x' })).status).toBe(403);
    const o = await call('POST', `/v1/releases/${r.json.id}/overrides`, tokens.admin, { reason: 'false positive: the download is the crate\u2019s documented job' });
    expect(o.status).toBe(200);
    expect(o.json.state).toBe('cooling-off');
    expect(o.json.decisions.at(-1)).toMatchObject({ kind: 'override', who: 'admin' });
  });

  it('a revocation reaches a webhook (retried until the receiver is back, signed) and the feed; builds see it', async () => {
    const received: Array<{ body: string; sig: string }> = [];
    let up = false;
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (!up) {
          res.writeHead(503).end();
          return;
        }
        received.push({ body, sig: String(req.headers['x-cratefence-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as AddressInfo).port;
      await settled((await publish(tokens.pub, await corpusCrate('h06-dependency-bump', 'old'))).json.id);
      const c = await corpusCrate('h06-dependency-bump', 'new');
      const sub = await call('POST', '/v1/subscriptions', tokens.alice, { url: `http://127.0.0.1:${port}/hook`, crate: c.name });
      expect(sub.status).toBe(201);
      const r = await publish(tokens.pub, c);
      await settled(r.json.id);
      const rev = await call('POST', `/v1/releases/${r.json.id}/revocations`, tokens.admin, { reason: 'maintainer account compromised' });
      expect(rev.json.state).toBe('revoked');
      // Receiver down: attempts are recorded and rescheduled with backoff.
      await svc.deliverer.runOnce();
      const pending = db.prepare('SELECT attempts, last_error FROM serve_outbox WHERE delivered_at IS NULL').all() as any[];
      expect(pending.length).toBeGreaterThan(0);
      expect(pending[0].last_error).toBe('HTTP 503');
      up = true;
      for (let i = 0; i < 50 && received.length < pending.length; i++) {
        clock = new Date(clock.getTime() + 60_000);
        await svc.deliverer.runOnce();
      }
      const revoked = received.map((x) => ({ ...x, body: JSON.parse(x.body) })).find((x) => x.body.event === 'revoked');
      expect(revoked?.body).toMatchObject({ crate: c.name, version: c.version, by: 'admin', reason: 'maintainer account compromised' });
      const raw = received.find((x) => JSON.parse(x.body).event === 'revoked')!;
      expect(verifySignature(sub.json.secret, raw.body, raw.sig, Math.floor(clock.getTime() / 1000))).toBe(true);
      expect(verifySignature(sub.json.secret, raw.body.replace('compromised', 'fine'), raw.sig, Math.floor(clock.getTime() / 1000))).toBe(false);
      expect(verifySignature(sub.json.secret, raw.body, raw.sig, Math.floor(clock.getTime() / 1000) + 3600)).toBe(false);
      const feed = await call('GET', `/v1/alerts?crate=${c.name}`, null);
      expect(feed.json.items[0].title).toBe(`${c.name} ${c.version}: revoked`);
      const status = await call('GET', `/v1/crates/${c.name}/${c.version}/status`, null);
      expect(status.json).toMatchObject({ state: 'revoked', usable: false });
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  it('refuses oversized bodies (413), malformed crates and names (422 naming the field)', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    big[0] = 0x1f;
    big[1] = 0x8b;
    expect((await call('POST', '/v1/releases?name=big&version=1.0.0', tokens.pub, big, 'application/octet-stream')).status).toBe(413);
    const notGzip = await call('POST', '/v1/releases?name=junk&version=1.0.0', tokens.pub, Buffer.from('hello'), 'application/octet-stream');
    expect(notGzip.status).toBe(422);
    expect(notGzip.json.message).toMatch(/body/);
    const badName = await call('POST', '/v1/releases?name=../etc&version=1.0.0', tokens.pub, Buffer.from([0x1f, 0x8b]), 'application/octet-stream');
    expect(badName.status).toBe(422);
    expect(badName.json.message).toMatch(/name/);
    const badVersion = await call('POST', '/v1/releases?name=ok&version=1.0', tokens.pub, Buffer.from([0x1f, 0x8b]), 'application/octet-stream');
    expect(badVersion.status).toBe(422);
    expect(badVersion.json.message).toMatch(/version/);
    // A gzip stream that is not a crate: accepted for scanning, then rejected with the reason.
    const { gzipSync } = await import('node:zlib');
    const r = await call('POST', '/v1/releases?name=garbage&version=1.0.0', tokens.pub, gzipSync(Buffer.from('not a tar')), 'application/octet-stream');
    expect(r.status).toBe(202);
    const rel = await settled(r.json.id);
    expect(rel.state).toBe('rejected');
    expect(rel.scanError).toMatch(/^input: /);
    expect(JSON.stringify(await call('GET', '/v1/releases/999999', tokens.admin))).not.toMatch(/at .*\.js/);
  });

  it('every route checks its role', async () => {
    const spec = (await call('GET', '/openapi.json', null)).json;
    const expected: Record<string, Role[] | 'public'> = {
      'GET /v1/me': ['publisher', 'reviewer', 'admin'],
      'POST /v1/users': ['admin'],
      'PUT /v1/crates/{name}/owners': ['admin'],
      'PUT /v1/crates/{name}/dependencies': ['admin'],
      'POST /v1/releases': ['publisher', 'admin'],
      'POST /v1/releases/fetch': ['publisher', 'admin'],
      'GET /v1/releases': ['publisher', 'reviewer', 'admin'],
      'GET /v1/releases/{id}': ['publisher', 'reviewer', 'admin'],
      'POST /v1/releases/{id}/approvals': ['reviewer', 'admin'],
      'POST /v1/releases/{id}/rejections': ['reviewer', 'admin'],
      'POST /v1/releases/{id}/revocations': ['admin'],
      'POST /v1/releases/{id}/overrides': ['admin'],
      'POST /v1/releases/{id}/reviewers': ['admin'],
      'GET /v1/crates/{name}/{version}/status': 'public',
      'POST /v1/subscriptions': ['publisher', 'reviewer', 'admin'],
      'GET /v1/alerts': 'public',
      // The Cargo registry face: public unless [serve.mirror] auth-required (test/serve-mirror.test.ts).
      'GET /index/config.json': 'public',
      'GET /index/1/{name}': 'public',
      'GET /index/2/{name}': 'public',
      'GET /index/3/{a}/{name}': 'public',
      'GET /index/{ab}/{cd}/{name}': 'public',
      'GET /dl/{name}/{version}/download': 'public',
      'POST /v1/readers': ['admin'],
    };
    const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(Object.keys(expected).sort());
    const who: Record<Role, string> = { publisher: tokens.pub, reviewer: tokens.dave, admin: tokens.admin };
    for (const [route, roles] of Object.entries(expected)) {
      const [method, p] = route.split(' ');
      const url = p.replace('{name}', 'zz-role-test').replace('{version}', '1.0.0').replace('{id}', '999999');
      const anon = await call(method, url, null, method === 'GET' ? undefined : {});
      if (roles === 'public') {
        expect(anon.status, route).not.toBe(401);
        continue;
      }
      expect(anon.status, `${route} without a token`).toBe(401);
      for (const role of ['publisher', 'reviewer', 'admin'] as Role[]) {
        const r = await call(method, url, who[role], method === 'GET' ? undefined : {});
        if (roles.includes(role)) expect(r.status, `${route} as ${role}`).not.toBe(403);
        else expect(r.status, `${route} as ${role}`).toBe(403);
      }
    }
  });

  it('sends security headers and keeps tokens out of the store', async () => {
    const r = await call('GET', '/v1/me', tokens.alice);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    const rows = db.prepare('SELECT token_sha256 FROM serve_users').all() as Array<{ token_sha256: string }>;
    const dump = JSON.stringify(rows);
    for (const t of Object.values(tokens)) expect(dump).not.toContain(t);
  });
});
