/**
 * What `serve` sends and answers on the network, against real listening servers: webhook targets
 * (no loopback, private or link-local addresses, no calls back into the service, checked again on
 * the address each delivery resolves), feed links from the configured public URL, rate limits that
 * count requests refused by authentication, and reviewer names kept from other publishers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import http, { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ScanPool } from '../src/runner/index.js';
import type { Resolver } from '../src/serve/webhooks.js';
import { corpusCrateAs, startRig, suiteDir, type ServeRig } from './helpers/serve.js';

const tmp = suiteDir('cf-serve-net-');
let pool: ScanPool;
let receiver: Server;
let receiverPort = 0;
const received: Array<{ path: string; body: any }> = [];

// Host names as the tests' DNS answers them; a list of answers is used in turn (the last one repeats).
const answers: Record<string, string[][]> = {
  'public.example': [['93.184.216.34']],
  'internal.example': [['10.1.2.3']],
  'mixed.example': [['93.184.216.34', '127.0.0.1']],
  'rebind.example': [['93.184.216.34'], ['127.0.0.1']],
  localhost: [['127.0.0.1']],
};
const resolve: Resolver = async (host) => {
  const seq = answers[host];
  if (!seq) throw Object.assign(new Error(`${host} not found`), { code: 'ENOTFOUND' });
  const list = seq.length > 1 ? seq.shift()! : seq[0];
  return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

beforeAll(async () => {
  pool = new ScanPool({ threads: 2 });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverPort = (receiver.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((r) => receiver.close(() => r()));
  await pool.close();
  tmp.remove();
});

/** A GET with a Host header of our choosing (fetch does not let one be set). */
function getWithHost(base: string, url: string, host: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const u = new URL(base + url);
    http.get({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

describe('webhook targets', () => {
  let rig: ServeRig;
  beforeAll(async () => {
    rig = await startRig(path.join(tmp.dir, 'strict'), { pool, resolve, users: [['admin', 'admin'], ['pub', 'publisher'], ['eve', 'publisher']] });
  });
  afterAll(() => rig.close());

  it('loopback, private, link-local, CGNAT, unspecified, mapped and local names are refused at subscription', async () => {
    const refused = [
      `http://127.0.0.1:${receiverPort}/hook`, 'http://127.9.9.9/', 'http://2130706433/', 'http://0x7f.1/', 'http://0.0.0.0/', 'http://[::1]/', 'http://[::]/',
      'http://[::ffff:127.0.0.1]/', 'http://[::ffff:10.0.0.1]/', 'http://10.0.0.1/', 'http://172.16.5.4/', 'http://192.168.1.1/', 'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://224.0.0.1/', 'http://255.255.255.255/', 'http://[64:ff9b::a00:1]/',
      `http://localhost:${receiverPort}/`, 'http://LOCALHOST./', 'http://api.localhost/', 'http://internal.example/', 'http://mixed.example/', 'http://nowhere.example/',
      'https://user:pw@public.example/',
    ];
    for (const url of refused) {
      const r = await rig.call('POST', '/v1/subscriptions', rig.tokens.eve, { url, crate: 'never-published' });
      expect(r.status, url).toBe(422);
      expect(r.json.message, url).toMatch(/^url: /);
    }
    expect(rig.db.prepare('SELECT COUNT(*) AS n FROM serve_subscriptions').get()).toEqual({ n: 0 });
    for (const url of ['http://93.184.216.34/hook', 'https://public.example/hook', 'http://[2606:4700::1111]/']) {
      expect((await rig.call('POST', '/v1/subscriptions', rig.tokens.eve, { url, crate: 'never-published' })).status, url).toBe(201);
    }
  });

  it('a name that resolves to a public address when subscribed and to loopback when delivered gets nothing (DNS rebinding)', async () => {
    const sub = await rig.call('POST', '/v1/subscriptions', rig.tokens.eve, { url: `http://rebind.example:${receiverPort}/rebind`, crate: 'rebound' });
    expect(sub.status).toBe(201);
    const r = await rig.publish(rig.tokens.pub, await corpusCrateAs('h06-dependency-bump', 'old', { name: 'rebound', version: '1.0.0' }));
    await rig.settled(r.json.id);
    const before = received.length;
    await rig.svc.deliverer.runOnce();
    expect(received.slice(before).filter((x) => x.path === '/rebind')).toEqual([]);
    const out = rig.db.prepare('SELECT attempts, last_error, delivered_at FROM serve_outbox WHERE subscription_id = ?').get(sub.json.id) as any;
    expect(out).toMatchObject({ attempts: 1, delivered_at: null });
    expect(out.last_error).toMatch(/refused: rebind\.example resolves to 127\.0\.0\.1, which is a loopback address/);
  }, 60_000);

  it('feed links never follow the Host header: relative without a public-url', async () => {
    const feed = await getWithHost(rig.base, '/v1/alerts', 'evil.example');
    expect(feed.items.length).toBeGreaterThan(0);
    expect(JSON.stringify(feed)).not.toContain('evil.example');
    expect(feed.feed_url).toBe('/v1/alerts');
    expect(feed.items[0].url).toMatch(/^\/v1\/releases\/\d+$/);
  });
});

describe('a service that allows private targets (a test rig, an internal network)', () => {
  let rig: ServeRig;
  beforeAll(async () => {
    rig = await startRig(path.join(tmp.dir, 'open'), {
      pool,
      resolve,
      policy: { 'webhook-allow-private': true, 'public-url': 'https://cratefence.example.com/', reviewers: 2 },
      users: [['admin', 'admin', { inPool: false }], ['pub', 'publisher'], ['outsider', 'publisher'], ['rita', 'reviewer'], ['rob', 'reviewer']],
    });
  });
  afterAll(() => rig.close());

  it('still refuses the service itself as a target', async () => {
    const port = new URL(rig.base).port;
    for (const url of [`http://127.0.0.1:${port}/v1/users`, `http://localhost:${port}/`, 'https://cratefence.example.com/v1/users', 'https://CRATEFENCE.example.com:443/x']) {
      const r = await rig.call('POST', '/v1/subscriptions', rig.tokens.admin, { url });
      expect(r.status, url).toBe(422);
      expect(r.json.message, url).toMatch(/own (URL|address)/);
    }
  });

  it('catch-all webhooks of other publishers, and the public feed, carry no reviewer names', async () => {
    const hook = (p: string) => `http://127.0.0.1:${receiverPort}${p}`;
    expect((await rig.call('POST', '/v1/subscriptions', rig.tokens.outsider, { url: hook('/outsider') })).status).toBe(201);
    expect((await rig.call('POST', '/v1/subscriptions', rig.tokens.admin, { url: hook('/admin') })).status).toBe(201);
    // By name: delivered through the checked lookup (allowed here, as private targets are).
    expect((await rig.call('POST', '/v1/subscriptions', rig.tokens.pub, { url: `http://localhost:${receiverPort}/pub`, crate: 'Secret_Draw' })).status).toBe(201);
    const r = await rig.publish(rig.tokens.pub, await corpusCrateAs('m10-typosquat-dependency', 'new', { name: 'secret-draw', version: '1.0.0' }));
    const v = await rig.settled(r.json.id);
    expect(v.state).toBe('quarantined');
    expect(v.reviewers.sort()).toEqual(['rita', 'rob']);
    await rig.svc.deliverer.runOnce();
    const got = (p: string) => received.find((x) => x.path === p && x.body.event === 'quarantined' && x.body.crate === 'secret-draw')?.body;
    expect(got('/outsider')).toBeDefined();
    expect(got('/outsider')).not.toHaveProperty('reviewers');
    expect(got('/admin').reviewers.sort()).toEqual(['rita', 'rob']);
    expect(got('/pub').reviewers.sort()).toEqual(['rita', 'rob']);
    const feed = await getWithHost(rig.base, '/v1/alerts?crate=secret-draw', 'evil.example');
    expect(feed.items[0]._cratefence).toMatchObject({ event: 'quarantined', crate: 'secret-draw' });
    expect(JSON.stringify(feed)).not.toMatch(/rita|rob/);
    // Feed links come from the configured public URL, whatever the Host header says.
    expect(feed.items[0].url).toBe(`https://cratefence.example.com/v1/releases/${r.json.id}`);
    expect(feed.feed_url).toBe('https://cratefence.example.com/v1/alerts?crate=secret-draw');
    // The API keeps them from publishers of other crates too.
    expect((await rig.call('GET', `/v1/releases/${r.json.id}`, rig.tokens.outsider)).json.release.reviewers).toEqual([]);
    expect((await rig.call('GET', `/v1/releases/${r.json.id}`, rig.tokens.pub)).json.release.reviewers.sort()).toEqual(['rita', 'rob']);
  }, 60_000);
});

describe('rate limits count requests refused by authentication', () => {
  it('a flood of made-up tokens from one address gets 429, whatever X-Forwarded-For says; valid tokens have their own limit', async () => {
    const rig = await startRig(path.join(tmp.dir, 'limits'), { pool: null, policy: { 'rate-limit-per-address-per-minute': 20, 'rate-limit-per-minute': 5 }, users: [['admin', 'admin']] });
    try {
      const mine: number[] = [];
      for (let i = 0; i < 6; i++) mine.push((await rig.call('GET', '/v1/me', rig.tokens.admin)).status);
      expect(mine).toEqual([200, 200, 200, 200, 200, 429]);
      const bad: number[] = [];
      for (let i = 0; i < 30; i++) {
        const token = `cf_${randomBytes(32).toString('base64url')}`;
        bad.push((await rig.call('GET', '/v1/me', token, undefined, undefined, { 'x-forwarded-for': `203.0.113.${i}` })).status);
      }
      // 6 requests already counted for this address: 14 more are answered, then 429.
      expect(bad).toEqual([...Array(14).fill(401), ...Array(16).fill(429)]);
      const limited = await rig.call('GET', '/v1/alerts', null);
      expect(limited.status).toBe(429);
      expect(limited.json.message).toMatch(/client address/);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await rig.close();
    }
  });

  it('behind a configured proxy, each forwarded client has its own bucket', async () => {
    const rig = await startRig(path.join(tmp.dir, 'proxied'), { pool: null, policy: { 'rate-limit-per-address-per-minute': 3, 'trust-proxy': ['127.0.0.1'] }, users: [['admin', 'admin']] });
    try {
      const statuses = async (client: string) => {
        const out: number[] = [];
        for (let i = 0; i < 4; i++) out.push((await rig.call('GET', '/v1/me', 'cf_made-up', undefined, undefined, { 'x-forwarded-for': client })).status);
        return out;
      };
      expect(await statuses('198.51.100.1')).toEqual([401, 401, 401, 429]);
      expect(await statuses('198.51.100.2')).toEqual([401, 401, 401, 429]);
    } finally {
      await rig.close();
    }
  });
});
