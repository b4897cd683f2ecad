import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/index.js';
import {
  RegistryClient,
  applyPublishPolicy,
  cargoMinPublishAge,
  checkCrateName,
  checkVersion,
  downloadUrl,
  indexPath,
  parseIndexFile,
  parseMinPublishAge,
  sha256,
} from '../src/registry/index.js';
import { RegistryServer, startRegistryServer } from './helpers/registry-server.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');
const CORPUS = path.join(ROOT, 'corpus', 'm05-far-jump-payload-in-new-module');

/** Runs the CLI asynchronously (the registry server lives in this process, so spawnSync would block it). */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

const temps: string[] = [];
function temp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cratefence-registry-'));
  temps.push(d);
  return d;
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('names, paths and templates', () => {
  it('checks crate names and versions before they reach a URL', () => {
    for (const ok of ['serde', 'a', 'tokio-util', 'rust_decimal', '_internal']) expect(checkCrateName(ok)).toBe(ok);
    for (const bad of ['', '../etc', 'a/b', 'a?b', 'x'.repeat(65), '1abc', 'ab%2f', 'serde\n']) expect(() => checkCrateName(bad), bad).toThrow(/not a valid crate name/);
    for (const ok of ['1.0.0', '0.3.0-rc.1', '1.2.3+build.5']) expect(checkVersion(ok)).toBe(ok);
    for (const bad of ['1.0', 'v1.0.0', '1.0.0/../..', '1.0.0 ', '01.0.0']) expect(() => checkVersion(bad), bad).toThrow(/not a valid crate version/);
  });

  it('lays index paths out as cargo does', () => {
    expect(indexPath('a')).toBe('1/a');
    expect(indexPath('ab')).toBe('2/ab');
    expect(indexPath('abc')).toBe('3/a/abc');
    expect(indexPath('Serde')).toBe('se/rd/serde');
    expect(indexPath('cargo')).toBe('ca/rg/cargo');
  });

  it('expands every dl marker, and appends cargo\'s suffix to a template without one', () => {
    const sum = 'ab'.repeat(32);
    expect(downloadUrl('https://static.crates.io/crates', 'serde', '1.0.0', sum)).toBe('https://static.crates.io/crates/serde/1.0.0/download');
    expect(downloadUrl('https://x/{prefix}/{lowerprefix}/{crate}/{version}/{sha256-checksum}', 'MyCrate', '1.0.0+b', sum)).toBe(`https://x/My/Cr/my/cr/MyCrate/1.0.0%2Bb/${sum}`);
  });

  it('skips index lines that are not valid entries', () => {
    const good = { name: 'x', vers: '1.0.0', cksum: 'a'.repeat(64), yanked: true, pubtime: '2026-01-02T03:04:05Z', deps: [{ name: 'y', req: '^1', kind: 'dev' }] };
    const text = ['not json', JSON.stringify({ vers: '1.0.1' }), JSON.stringify({ ...good, cksum: 'zz' }), JSON.stringify(good), ''].join('\n');
    expect(parseIndexFile(text, 'x')).toEqual([{ ...good, deps: [{ name: 'y', req: '^1', kind: 'dev' }] }]);
  });
});

describe('cool-off durations (Cargo\'s min-publish-age syntax)', () => {
  it('parses what cargo parses and nothing else', () => {
    expect(parseMinPublishAge('0')).toBe(0);
    expect(parseMinPublishAge('14 days')).toBe(14 * 86_400_000);
    expect(parseMinPublishAge('1week')).toBe(604_800_000);
    expect(parseMinPublishAge('1 day')).toBe(86_400_000);
    expect(parseMinPublishAge('3 months')).toBe(3 * 2_629_746_000);
    expect(parseMinPublishAge('90 minutes')).toBe(5_400_000);
    for (const bad of ['14d', ' 1 day', '1  day', '1.5 days', 'days', '7 Days', '-1 days', '']) expect(() => parseMinPublishAge(bad), bad).toThrow(/N seconds\/minutes\/hours\/days\/weeks\/months/);
  });

  it('finds the setting in .cargo/config.toml from the working directory up, then $CARGO_HOME', () => {
    const d = temp();
    const home = path.join(d, 'cargo-home');
    mkdirSync(home);
    writeFileSync(path.join(home, 'config.toml'), '[registry]\nglobal-min-publish-age = "30 days"\n');
    const deep = path.join(d, 'repo', 'crates', 'a');
    mkdirSync(deep, { recursive: true });
    expect(cargoMinPublishAge(deep, home, {})).toMatchObject({ ms: 30 * 86_400_000, text: '30 days' });
    mkdirSync(path.join(d, 'repo', '.cargo'));
    writeFileSync(path.join(d, 'repo', '.cargo', 'config.toml'), '[registry]\nglobal-min-publish-age = "7 days"\nmin-publish-age = "2 days"\n');
    const found = cargoMinPublishAge(deep, home, {})!;
    expect(found.ms).toBe(2 * 86_400_000);
    expect(found.source).toContain(path.join('repo', '.cargo', 'config.toml'));
    expect(cargoMinPublishAge(deep, home, { CARGO_REGISTRY_GLOBAL_MIN_PUBLISH_AGE: '1 hour' })).toMatchObject({ ms: 3_600_000, source: '$CARGO_REGISTRY_GLOBAL_MIN_PUBLISH_AGE' });
    writeFileSync(path.join(d, 'repo', '.cargo', 'config.toml'), '[registry]\nglobal-min-publish-age = "7d"\n');
    expect(() => cargoMinPublishAge(deep, home, {})).toThrow(/registry\.global-min-publish-age/);
  });

  it('raises a young release to review with the date it may be adopted, and a yanked one to block', () => {
    const base = { verdict: 'pass', score: 0, verdictReason: 'no findings', findings: [] } as unknown as Report;
    const r1 = structuredClone(base);
    const minAge = { ms: parseMinPublishAge('7 days'), text: '7 days', source: '--min-publish-age' };
    applyPublishPolicy(r1, 'x@1.0.1', { yanked: false, publishedAt: new Date('2026-03-01T00:00:00Z') }, minAge, new Date('2026-03-03T12:00:00Z'));
    expect(r1.verdict).toBe('review');
    expect(r1.verdictReason).toMatch(/^x@1\.0\.1 was published 2026-03-01T00:00:00\.000Z \(2 days ago\), under the minimum publish age of 7 days \(--min-publish-age\); it may be adopted from 2026-03-08T00:00:00\.000Z \(scan: pass, no findings\)$/);
    expect(r1.policy).toMatchObject({ scanVerdict: 'pass', scanScore: 0, approvedBy: [] });
    expect(r1.policy!.notes).toEqual([{ kind: 'cool-off', message: expect.stringContaining('may be adopted from 2026-03-08T00:00:00.000Z') }]);
    const r2 = structuredClone(base);
    applyPublishPolicy(r2, 'x@1.0.1', { yanked: false, publishedAt: new Date('2026-02-01T00:00:00Z') }, minAge, new Date('2026-03-03T12:00:00Z'));
    expect(r2.verdict).toBe('pass');
    expect(r2.policy).toBeUndefined();
    const future = structuredClone(base);
    applyPublishPolicy(future, 'x@1.0.1', { yanked: false, publishedAt: new Date('2026-03-05T00:00:00Z') }, minAge, new Date('2026-03-03T12:00:00Z'));
    expect(future.verdict).toBe('review');
    expect(future.policy!.notes[0].message).toContain('(which is in the future (clock skew or a wrong publish time?))');
    const r3 = structuredClone(base);
    applyPublishPolicy(r3, 'x@1.0.1', { yanked: true, publishedAt: null }, null, new Date());
    expect(r3.verdict).toBe('block');
    expect(r3.policy!.notes[0].kind).toBe('yanked');
  });
});

describe('registry client against a real local registry', () => {
  let server: RegistryServer;
  let v1: { cksum: string };
  let v2: { cksum: string };
  beforeAll(async () => {
    server = await startRegistryServer();
    v1 = await server.publish('demo', '1.0.0', 'pub fn a() -> u32 { 1 }\n', { pubtime: '2026-01-01T00:00:00Z' });
    v2 = await server.publish('demo', '1.0.1', 'pub fn a() -> u32 { 2 }\n', { createdAt: '2026-02-01T00:00:00Z' });
    await server.publish('demo', '1.0.2', 'pub fn a() -> u32 { 3 }\n', { createdAt: '2026-02-02T00:00:00Z' });
    await server.publish('bad', '0.1.0', 'pub fn b() {}\n', { cksum: 'f'.repeat(64) });
  });
  afterAll(() => server.stop());
  afterEach(() => (server.failure = null));

  const client = (o: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) => new RegistryClient({ index: server.indexUrl, cargoHome: false, cacheDir: temp(), backoffMs: 10, ...o });

  it('fetches through the index, verifies, caches by content, and names itself in the User-Agent', async () => {
    const cacheDir = temp();
    const c = client({ cacheDir });
    const a = await c.fetchCrate('demo', '1.0.0');
    expect(a).toMatchObject({ origin: 'download', sha256: v1.cksum, label: 'demo@1.0.0' });
    expect(sha256(a.bytes)).toBe(v1.cksum);
    expect(existsSync(path.join(cacheDir, 'crates', v1.cksum.slice(0, 2), `${v1.cksum}.crate`))).toBe(true);
    const before = server.requestsTo('/dl/').length;
    const b = await client({ cacheDir }).fetchCrate('demo', '1.0.0');
    expect(b.origin).toBe('cratefence-cache');
    expect(server.requestsTo('/dl/').length).toBe(before);
    expect(server.requestsTo('/index/de/mo/demo')[0].userAgent).toMatch(/^cratefence\/\d+\.\d+\.\d+/);
    await expect(c.fetchCrate('demo', '9.9.9')).rejects.toThrow(/demo@9\.9\.9 is not in the registry .*latest: 1\.0\.0, 1\.0\.1, 1\.0\.2/);
    await expect(c.fetchCrate('nosuch', '1.0.0')).rejects.toThrow(/no crate "nosuch"/);
  });

  it('uses the Cargo cache with the registry down, re-hashing the file, and passes over a damaged one', async () => {
    const home = temp();
    const dir = path.join(home, 'registry', 'cache', 'index.crates.io-1949cf8c6b5b557f');
    mkdirSync(dir, { recursive: true });
    const real = await client().fetchCrate('demo', '1.0.1');
    writeFileSync(path.join(dir, 'demo-1.0.1.crate'), real.bytes);
    writeFileSync(path.join(dir, 'demo-1.0.0.crate'), 'tampered');
    const down = await new RegistryServer().start();
    const downUrl = down.indexUrl;
    await down.stop();
    const warnings: string[] = [];
    const c = new RegistryClient({ index: downUrl, cargoHome: home, cacheDir: false, retries: 0, onWarning: (m) => warnings.push(m) });
    const hit = await c.fetchCrate('demo', '1.0.1', v2.cksum);
    expect(hit.origin).toBe('cargo-cache');
    expect(sha256(hit.bytes)).toBe(v2.cksum);
    await expect(c.fetchCrate('demo', '1.0.0', v1.cksum)).rejects.toThrow(/cannot fetch .*ECONNREFUSED/);
    expect(warnings.join('\n')).toMatch(/demo-1\.0\.0\.crate does not match Cargo\.lock \(expected sha256 [0-9a-f]{64}, file has [0-9a-f]{64}\); not used/);
  });

  it('works offline from its own cache (index copy and release) once a release was fetched, with a warning', async () => {
    const other = await startRegistryServer({ dl: '/plain' });
    await other.publish('solo', '2.0.0', 'pub fn s() {}\n');
    const cacheDir = temp();
    const first = await new RegistryClient({ index: other.indexUrl, cargoHome: false, cacheDir }).fetchCrate('solo', '2.0.0');
    expect(first.origin).toBe('download');
    // A dl without markers gets cargo's /{crate}/{version}/download.
    expect(other.requestsTo('/plain/solo/2.0.0/download')).toHaveLength(1);
    await other.stop();
    const warnings: string[] = [];
    const again = await new RegistryClient({ index: other.indexUrl, cargoHome: false, cacheDir, retries: 0, onWarning: (m) => warnings.push(m) }).fetchCrate('solo', '2.0.0');
    expect(again.origin).toBe('cratefence-cache');
    expect(again.sha256).toBe(first.sha256);
    expect(warnings).toEqual([expect.stringMatching(/^cannot fetch .*; using the copy of http:\/\/127\.0\.0\.1:\d+\/index\/so\/lo\/solo kept in the cache/)]);
  });

  it('refuses a download whose checksum does not match and caches nothing', async () => {
    const cacheDir = temp();
    const c = client({ cacheDir });
    const actual = createHash('sha256').update(server.crates.get('bad')![0].bytes).digest('hex');
    await expect(c.fetchCrate('bad', '0.1.0')).rejects.toThrow(new RegExp(`checksum mismatch, refused and not cached: expected sha256 ${'f'.repeat(64)} \\(from the index\\), downloaded file has ${actual}`));
    expect(existsSync(path.join(cacheDir, 'crates'))).toBe(false);
    // A Cargo.lock checksum is checked the same way, and named as the source.
    await expect(c.fetchCrate('demo', '1.0.0', '0'.repeat(64))).rejects.toThrow(/expected sha256 0{64} \(from Cargo\.lock\)/);
    expect(existsSync(path.join(cacheDir, 'crates'))).toBe(false);
  });

  it('retries transient failures with backoff, gives up with one line, and times out slow answers', async () => {
    server.failure = { kind: '500', times: 2 };
    const c = client();
    const n0 = server.requests.length;
    expect((await c.versions('demo')).map((v) => v.vers)).toEqual(['1.0.0', '1.0.1', '1.0.2']);
    expect(server.requests.slice(n0).map((r) => r.status)).toEqual([500, 500, 200]);
    server.failure = { kind: 'reset' };
    await expect(client({ retries: 1 }).versions('demo')).rejects.toThrow(/^cannot fetch http:\/\/127\.0\.0\.1:\d+\/index\/de\/mo\/demo \(.*; 2 attempts\)$/);
    server.failure = { kind: 'slow', delayMs: 1500 };
    await expect(client({ retries: 0, timeoutMs: 200 }).versions('demo')).rejects.toThrow(/timed out; 1 attempt/);
  });

  it('reads publish times from pubtime, else the web API at most once a second, cached', async () => {
    const cacheDir = temp();
    const c = client({ cacheDir });
    expect((await c.publishTime('demo', '1.0.0'))!.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(server.requestsTo('/api/v1/crates/demo/1.0.0')).toHaveLength(0);
    const t0 = Date.now();
    const [a, b] = await Promise.all([c.publishTime('demo', '1.0.1'), c.publishTime('demo', '1.0.2')]);
    expect(a!.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(b!.toISOString()).toBe('2026-02-02T00:00:00.000Z');
    const api = server.requests.filter((r) => r.path.startsWith('/api/') && r.at >= t0);
    expect(api).toHaveLength(2);
    expect(Math.abs(api[1].at - api[0].at)).toBeGreaterThanOrEqual(950);
    const n = server.requests.length;
    expect((await client({ cacheDir }).publishTime('demo', '1.0.1'))!.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(server.requests.slice(n).filter((r) => r.path.startsWith('/api/'))).toHaveLength(0);
  });
});

describe('cratefence diff/scan name@version', () => {
  let server: RegistryServer;
  beforeAll(async () => {
    server = await startRegistryServer({ dl: '/files/{lowerprefix}/{crate}-{version}.crate' });
    await server.publishDir('rust_decimal_fast', '1.30.0', path.join(CORPUS, 'old'), { createdAt: '2026-03-01T00:00:00Z' });
    await server.publishDir('rust_decimal_fast', '1.30.1', path.join(CORPUS, 'new'), { pubtime: '2026-03-05T00:00:00Z' });
    await server.publish('tiny', '0.1.0', 'pub fn f() -> u8 { 1 }\n', { pubtime: '2026-03-01T00:00:00Z' });
    await server.publish('tiny', '0.1.1', 'pub fn f() -> u8 { 2 }\n', { pubtime: '2026-03-06T00:00:00Z', yanked: true });
  });
  afterAll(() => server.stop());

  const env = () => ({ XDG_CACHE_HOME: temp(), CARGO_HOME: temp(), CRATEFENCE_NOW: '2026-03-07T00:00:00Z' });

  it('diffs two releases through the index as it diffs the same files on disk', async () => {
    const r = await cli(['diff', 'rust_decimal_fast@1.30.0', 'rust_decimal_fast@1.30.1', '--registry', server.indexUrl, '--format', 'json'], env());
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const viaRegistry = JSON.parse(r.out);
    const onDisk = JSON.parse((await cli(['diff', path.join(CORPUS, 'old'), path.join(CORPUS, 'new'), '--format', 'json'], env())).out);
    expect(viaRegistry.verdict).toBe(onDisk.verdict);
    expect(viaRegistry.findings.map((f: { ruleId: string; file: string; line: number }) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual(onDisk.findings.map((f: { ruleId: string; file: string; line: number }) => `${f.ruleId} ${f.file}:${f.line}`));
    expect(viaRegistry.policy).toBeUndefined();
    expect(server.requestsTo('/files/ru/st/rust_decimal_fast-1.30.1.crate')).toHaveLength(1);
  });

  it('applies cool-off (from an injected clock) and yanked on the new side', async () => {
    const r = await cli(['diff', 'tiny@0.1.0', 'tiny@0.1.1', '--registry', server.indexUrl, '--format', 'json', '--min-publish-age', '3 days', '--fail-on', 'never'], env());
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.verdict).toBe('block');
    expect(rep.policy.scanVerdict).toBe('pass');
    expect(rep.policy.notes.map((n: { kind: string }) => n.kind)).toEqual(['yanked', 'cool-off']);
    expect(rep.policy.notes[1].message).toContain('it may be adopted from 2026-03-09T00:00:00.000Z');
    const scan = JSON.parse((await cli(['scan', 'tiny@0.1.0', '--registry', server.indexUrl, '--format', 'json', '--min-publish-age', '3 days'], env())).out);
    expect(scan.summary.firstRelease).toBe(true);
    expect(scan.policy).toBeUndefined();
  });

  it('reports a registry that is down in one line, exit 2', async () => {
    const down = await new RegistryServer().start();
    const url = down.indexUrl;
    await down.stop();
    const r = await cli(['diff', 'tiny@0.1.0', 'tiny@0.1.1', '--registry', url], env());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cratefence: cannot fetch http:\/\/127\.0\.0\.1:\d+\/index\/ti\/ny\/tiny \(ECONNREFUSED.*attempts\)\n$/);
    const bad = await cli(['diff', 'tiny@0.1', 'tiny@0.1.1'], env());
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('"0.1" is not a valid crate version');
  });
});
