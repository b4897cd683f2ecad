/**
 * Attack 1 of issue 22, in process: every file a layer reads that it did not create — config,
 * cargo-vet files, jobs files, `.cargo/config.toml`, rules, both caches — linked to /dev/zero or made
 * a real FIFO must be refused at once (a one-line error naming it, or a cache miss with a warning),
 * never read without end or waited on. Each read is timed and its memory watched.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync, chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readAudits } from '../src/config/index.js';
import { cargoMinPublishAge, RegistryClient, RegistryError } from '../src/registry/index.js';
import { ContentCache } from '../src/registry/cache.js';
import { DiskFactsStore } from '../src/cache/facts.js';
import { parseJobsFile, resolveJobs, rulesDigest } from '../src/batch/jobs.js';
import { readRuleSpecs, RuleError } from '../src/rules/loader.js';
import { analyzeTrees } from '../src/index.js';
import { treeFromFiles } from '../src/source/index.js';
import { hashText } from '../src/parse/text.js';
import { manifest } from './helpers/fixture.js';
import { startRegistryServer, type RegistryServer } from './helpers/registry-server.js';
import { tempDir } from './helpers/tmp.js';
import { packEntries, packFiles } from './helpers/packs.js';

const fifo = (p: string) => execFileSync('mkfifo', [p]);
const zero = (p: string) => symlinkSync('/dev/zero', p);
/** Both hostile kinds of entry, made for real at `p` by `make`. */
const HOSTILE: Array<[string, (p: string) => void]> = [['a link to /dev/zero', zero], ['a FIFO', fifo]];

/**
 * Runs `f` and checks it finished within two seconds without holding more than 32 MiB of new
 * buffers (a read of /dev/zero grows by hundreds of megabytes in that time). Returns what it
 * returned or threw.
 */
async function bounded<T>(f: () => T | Promise<T>): Promise<{ value?: T; error?: Error }> {
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let out: { value?: T; error?: Error };
  try {
    out = { value: await f() };
  } catch (e) {
    out = { error: e as Error };
  }
  expect(performance.now() - t0).toBeLessThan(2000);
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  return out;
}

/** The error `f` threw, checked to be one line of the given class naming `file`. */
async function refusal(f: () => unknown, cls: new (...a: never[]) => Error, file: string, reason: RegExp): Promise<Error> {
  const { error } = await bounded(f);
  expect(error, 'expected an error').toBeInstanceOf(cls);
  expect(error!.message).toContain(file);
  expect(error!.message).toMatch(reason);
  expect(error!.message).not.toContain('\n');
  return error!;
}

const KIND = /is (a device|a FIFO); only regular files are read/;

describe('user files: a one-line error naming the file', () => {
  it.each(HOSTILE)('cratefence.toml as %s (found from the working folder, or given)', async (_, make) => {
    const repo = tempDir('cf-reads-');
    mkdirSync(path.join(repo, '.git'));
    make(path.join(repo, 'cratefence.toml'));
    // Found by the search: refused, never passed over in silence (the defaults would drop the team's policy).
    await refusal(() => loadConfig({ cwd: repo }), ConfigError, path.join(repo, 'cratefence.toml'), KIND);
    await refusal(() => loadConfig({ cwd: repo, file: 'cratefence.toml' }), ConfigError, 'cratefence.toml', /the config file is/);
  });

  it.each(['audits.toml', 'config.toml', 'imports.lock'])('supply-chain/%s as a link to /dev/zero or a FIFO', async (name) => {
    for (const [, make] of HOSTILE) {
      const dir = tempDir('cf-reads-');
      make(path.join(dir, name));
      await refusal(() => readAudits(dir), ConfigError, path.join(dir, name), /the cargo-vet file is/);
    }
  });

  it('a cargo-vet file over its limit is refused before it is read', async () => {
    const dir = tempDir('cf-reads-');
    // Sparse: 40 MB on paper, nothing on disk.
    execFileSync('truncate', ['-s', String(40 * 1024 * 1024), path.join(dir, 'imports.lock')]);
    await refusal(() => readAudits(dir), ConfigError, 'imports.lock', /over the 33554432-byte limit/);
  });

  it.each(HOSTILE)('a jobs file as %s', async (_, make) => {
    const file = path.join(tempDir('cf-reads-'), 'jobs.txt');
    make(file);
    const e = await refusal(() => parseJobsFile(file), Error, file, KIND);
    expect(e.name).toBe('UsageError');
  });

  it.each(HOSTILE)('.cargo/config.toml as %s (it may come in a pull request)', async (_, make) => {
    const repo = tempDir('cf-reads-');
    mkdirSync(path.join(repo, '.cargo'));
    make(path.join(repo, '.cargo', 'config.toml'));
    await refusal(() => cargoMinPublishAge(repo, tempDir('cf-home-'), {}), RegistryError, path.join(repo, '.cargo', 'config.toml'), /Cargo config file is/);
  });

  it.each(HOSTILE)('a rule file of --rules DIR as %s', async (_, make) => {
    const dir = tempDir('cf-rules-');
    mkdirSync(path.join(dir, 'network'));
    make(path.join(dir, 'network', 'zz.yaml'));
    await refusal(() => readRuleSpecs(dir), RuleError, 'network/zz.yaml', /symbolic link|a FIFO/);
  });

  it('the rules digest of a batch reads bounded and follows no link', async () => {
    const dir = tempDir('cf-rules-');
    writeFileSync(path.join(dir, 'a.yaml'), 'id: a\n');
    const clean = rulesDigest(dir);
    expect(clean).toMatch(/^[0-9a-f]{32}$/);
    fifo(path.join(dir, 'b.yaml'));
    await refusal(() => rulesDigest(dir), Error, 'b.yaml', /a FIFO/);
    const other = tempDir('cf-rules-');
    writeFileSync(path.join(other, 'a.yaml'), 'id: a\n');
    zero(path.join(other, 'data'));
    await refusal(() => rulesDigest(other), Error, 'data', /symbolic link/);
  });

  it.each(HOSTILE)('an archive input of a batch job as %s is that job\'s error', async (_, make) => {
    const d = tempDir('cf-reads-');
    make(path.join(d, 'x-1.0.0.crate'));
    writeFileSync(path.join(d, 'ok-1.0.0.crate'), 'not really an archive');
    const { value } = await bounded(() => resolveJobs([{ old: { path: path.join(d, 'ok-1.0.0.crate') }, new: { path: path.join(d, 'x-1.0.0.crate') }, origin: 'test' }], { toolVersion: 't', rulesDigest: 'r' }));
    expect(value).toHaveLength(1);
    expect(value![0].inputError).toMatch(KIND);
    expect(value![0].inputError).toContain('x-1.0.0.crate');
  });
});

describe('caches: a miss and a warning, never a hang or a write outside', () => {
  let server: RegistryServer;
  let sum: string;
  beforeAll(async () => {
    server = await startRegistryServer();
    sum = (await server.publish('demo', '1.0.0', 'pub fn f() -> u8 { 1 }\n')).cksum;
  });
  afterAll(() => server.stop());

  it.each([...HOSTILE, ['a link to a real file', (p: string) => symlinkSync(path.join(import.meta.dirname, '..', 'package.json'), p)] as [string, (p: string) => void]])(
    'a Cargo cache file as %s is passed over with a warning; the release is downloaded and verified',
    async (_, make) => {
      const home = tempDir('cf-home-');
      const reg = path.join(home, 'registry', 'cache', 'index.crates.io-6f17d22bba15001f');
      mkdirSync(reg, { recursive: true });
      make(path.join(reg, 'demo-1.0.0.crate'));
      const warnings: string[] = [];
      const client = new RegistryClient({ index: server.indexUrl, cargoHome: home, cacheDir: false, onWarning: (m) => warnings.push(m) });
      const { value } = await bounded(() => client.fetchCrate('demo', '1.0.0', sum));
      expect(value!.origin).toBe('download');
      expect(value!.sha256).toBe(sum);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/demo-1\.0\.0\.crate: the Cargo cache file is (a device|a FIFO|a symbolic link).*; not used$/);
    },
  );

  it.each(HOSTILE)('a cratefence cache entry as %s is a miss with a warning, then replaced by the verified download', async (_, make) => {
    const cacheDir = tempDir('cf-cache-');
    const entry = path.join(cacheDir, 'crates', sum.slice(0, 2), `${sum}.crate`);
    mkdirSync(path.dirname(entry), { recursive: true });
    make(entry);
    const warnings: string[] = [];
    const client = new RegistryClient({ index: server.indexUrl, cargoHome: false, cacheDir, onWarning: (m) => warnings.push(m) });
    const { value } = await bounded(() => client.fetchCrate('demo', '1.0.0', sum));
    expect(value!.origin).toBe('download');
    expect(warnings[0]).toMatch(/the cache entry is (a device|a FIFO|a symbolic link)/);
    // The bad entry was removed (the link itself, not /dev/zero) and the download stored in its place.
    const again = await new RegistryClient({ index: server.indexUrl, cargoHome: false, cacheDir, retries: 0 }).fetchCrate('demo', '1.0.0', sum);
    expect(again.origin).toBe('cratefence-cache');
  });

  it('a folder link planted in the cache cannot send a write outside it, nor be read through', async () => {
    const cacheDir = tempDir('cf-cache-');
    const outside = tempDir('cf-outside-');
    mkdirSync(path.join(cacheDir, 'crates'), { recursive: true });
    symlinkSync(outside, path.join(cacheDir, 'crates', sum.slice(0, 2)));
    mkdirSync(path.join(cacheDir, 'index'));
    symlinkSync(outside, path.join(cacheDir, 'pubtime'));
    const warnings: string[] = [];
    const cache = new ContentCache(cacheDir, (m) => warnings.push(m));
    await cache.putCrate(sum, Buffer.from('payload'));
    await cache.putJson('pubtime', 'host-demo-1.0.0', { createdAt: '2020-01-01T00:00:00Z' });
    expect(readdirSync(outside)).toEqual([]);
    expect(warnings.join('\n')).toMatch(/symbolic link inside .*; nothing was cached there/);
    // Whatever an attacker put behind the link is never read back as an entry.
    writeFileSync(path.join(outside, `${sum}.crate`), 'planted');
    expect(await cache.getCrate(sum)).toBeNull();
    expect(existsSync(path.join(outside, `${sum}.crate`))).toBe(true);
  });

  it.each(HOSTILE)('a JSON cache entry (index file, publish time) as %s is a miss', async (_, make) => {
    const cacheDir = tempDir('cf-cache-');
    mkdirSync(path.join(cacheDir, 'index'));
    make(path.join(cacheDir, 'index', 'host-demo.json'));
    const warnings: string[] = [];
    const { value } = await bounded(() => new ContentCache(cacheDir, (m) => warnings.push(m)).getJson('index', 'host-demo'));
    expect(value).toBeNull();
    expect(warnings[0]).toMatch(/host-demo\.json: the cache entry is/);
  });
});

describe('the facts cache', () => {
  const src = 'pub fn f() { std::process::Command::new("sh").spawn().unwrap(); }\n';
  const old = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': '' });
  const neu = treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': src });
  const strip = (r: object) => JSON.stringify({ ...r, timings: undefined });

  /** The pack file after one scan filled the cache. */
  function filled(dir: string): string {
    const store = new DiskFactsStore(dir);
    analyzeTrees(old, neu, { factsStore: store });
    store.flush();
    const [pack] = packFiles(dir);
    expect(packEntries(pack).has(hashText(Buffer.from(src)))).toBe(true);
    return pack;
  }

  it.each([...HOSTILE, ['a link to a real pack', (p: string) => symlinkSync(`${p}.real`, p)] as [string, (p: string) => void]])(
    'a file named like a pack that is %s is a miss, never read; the report is the same',
    async (name, make) => {
      const dir = tempDir('cf-facts-');
      const pack = filled(dir);
      const plain = strip(analyzeTrees(old, neu).report);
      execFileSync('mv', [pack, `${pack}.real`]);
      make(pack);
      const store = new DiskFactsStore(dir);
      const { value } = await bounded(() => analyzeTrees(old, neu, { factsStore: store }));
      expect(strip(value!.report), name).toBe(plain);
      expect(store.hits).toBe(0);
      expect(store.readProblem).toMatch(/facts cache pack is (a device|a FIFO|a symbolic link)/);
    },
  );

  it('a folder link planted as the fingerprint folder is neither read through nor written through', () => {
    const dir = tempDir('cf-facts-');
    const pack = filled(dir);
    const outside = tempDir('cf-outside-');
    const sub = path.dirname(pack);
    // The link leads to a folder holding a real pack: reading through it would be hits.
    execFileSync('mv', [sub, path.join(outside, 'moved')]);
    symlinkSync(path.join(outside, 'moved'), sub);
    // The filling scan also stored its release models there (models/): nothing is added to either.
    const listing = () => readdirSync(path.join(outside, 'moved'), { recursive: true }).sort().map((n) => {
      const st = statSync(path.join(outside, 'moved', String(n)));
      return `${String(n)} ${st.ino} ${st.mtimeMs}`;
    });
    const before = listing();
    expect(before.some((l) => l.startsWith(`${path.basename(pack)} `))).toBe(true);
    const store = new DiskFactsStore(dir);
    analyzeTrees(old, neu, { factsStore: store });
    expect(store.hits).toBe(0);
    expect(store.readProblem).toMatch(/symbolic link inside/);
    expect(store.writeError).toMatch(/symbolic link inside/);
    expect(listing()).toEqual(before);
  });

  it('a cache folder others can write is not used at all', () => {
    const dir = tempDir('cf-facts-');
    chmodSync(dir, 0o777);
    const store = new DiskFactsStore(dir);
    analyzeTrees(old, neu, { factsStore: store });
    expect(store.refused).toMatch(/writable by other users/);
    expect(store.writes).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
