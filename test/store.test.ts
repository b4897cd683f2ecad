import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrees, DiskFactsStore } from '../src/index.js';
import { emptyTree, loadSource, treeFromFiles, type CrateTree } from '../src/source/index.js';
import { factsFingerprint } from '../src/cache/facts.js';
import { packEntries, packFiles, writePack } from './helpers/packs.js';
import { hashText } from '../src/parse/text.js';
import { manifest } from './helpers/fixture.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..');
const CORPUS = path.join(ROOT, 'corpus');
const strip = (r: object) => JSON.stringify({ ...r, timings: undefined });

/** One scan through a new store on `dir`, its entries written before returning (a store writes them at the end of the event loop's turn otherwise). */
function fill(dir: string, a: CrateTree, b: CrateTree): DiskFactsStore {
  const store = new DiskFactsStore(dir);
  analyzeTrees(a, b, { factsStore: store });
  store.flush();
  return store;
}

describe('facts store', () => {
  it('gives the same report as a scan without it, cold and warm, on every corpus case', async () => {
    const dir = tempDir('cf-store-');
    for (const c of readdirSync(CORPUS).filter((c) => !c.endsWith('.json'))) {
      // A first-release case has no old/: its new side is scanned alone.
      const old = path.join(CORPUS, c, 'old');
      const [a, b] = await Promise.all([existsSync(old) ? loadSource(old) : emptyTree(), loadSource(path.join(CORPUS, c, 'new'))]);
      const plain = strip(analyzeTrees(a, b).report);
      const cold = new DiskFactsStore(dir);
      expect(strip(analyzeTrees(a, b, { factsStore: cold }).report), c).toBe(plain);
      const warm = new DiskFactsStore(dir);
      expect(strip(analyzeTrees(a, b, { factsStore: warm }).report), c).toBe(plain);
      expect(warm.misses, c).toBe(0);
    }
  });

  it('treats a damaged or foreign entry as a miss, never as facts', () => {
    const dir = tempDir('cf-store-');
    const src = 'pub fn f() { std::process::Command::new("sh").spawn().unwrap(); }\n';
    const old = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': '' });
    const neu = treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': src });
    const plain = strip(analyzeTrees(old, neu).report);
    fill(dir, old, neu);
    const hash = hashText(Buffer.from(src));
    const [pack] = packFiles(dir);
    expect(path.basename(path.dirname(pack))).toBe(factsFingerprint());
    const good = packEntries(pack).get(hash)!;
    expect(good).toBeDefined();
    const other = 'pub fn g() {}\n';
    const otherDir = tempDir('cf-store-');
    fill(otherDir, old, treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': other }));
    const otherEntry = packEntries(packFiles(otherDir)[0]).get(hashText(Buffer.from(other)))!;
    // Not v8 data, nothing, cut short, and facts stored under another content's name (an entry must
    // describe its own hash): each a miss, the report the same.
    for (const bad of [Buffer.from('not v8 data'), Buffer.alloc(0), good.subarray(0, 40), otherEntry]) {
      for (const f of packFiles(dir)) rmSync(f);
      writePack(dir, [[hash, bad]]);
      const store = new DiskFactsStore(dir);
      expect(strip(analyzeTrees(old, neu, { factsStore: store }).report)).toBe(plain);
      expect(store.misses).toBeGreaterThan(0);
      expect(store.hits).toBe(0);
      store.flush(); // its own (good) entries, before the next round clears the folder
    }
  });

  it('keeps names from the scanned code away from Object members after a round trip', () => {
    const dir = tempDir('cf-store-');
    const src = 'use std::process::Command as __proto__;\nuse std::net::TcpStream as constructor;\npub fn f() { __proto__::new("sh"); constructor::connect("x:1"); }\n';
    const old = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': '' });
    const neu = treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': src });
    const plain = analyzeTrees(old, neu).report;
    analyzeTrees(old, neu, { factsStore: new DiskFactsStore(dir) });
    const warm = analyzeTrees(old, neu, { factsStore: new DiskFactsStore(dir) }).report;
    expect(strip(warm)).toBe(strip(plain));
    expect(warm.capabilities.added).toEqual(expect.arrayContaining(['process.spawn']));
  });

  it('never stores facts a time budget left incomplete', () => {
    const dir = tempDir('cf-store-');
    const src = `pub fn f() { ${'g(h(i(j(k(1))))) + '.repeat(50_000)}0 }\n`;
    const old = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': '' });
    const neu = treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': src });
    const store = new DiskFactsStore(dir);
    const r = analyzeTrees(old, neu, { factsStore: store, parse: { fileBudgetMs: 1, crateBudgetMs: 180_000 } }).report;
    store.flush();
    expect(r.summary.partialFiles.map((p) => p.file)).toContain('src/lib.rs');
    const stored = packFiles(dir).flatMap((f) => [...packEntries(f).keys()]);
    expect(stored).not.toContain(hashText(Buffer.from(src)));
    // The old release's (empty) file was parsed in full: its facts are there, so the check above is not vacuous.
    expect(stored).toContain(hashText(Buffer.from('')));
  });

  it('the CLI reuses its --cache folder and prints the same report', () => {
    const dir = tempDir('cf-store-');
    const c = path.join(CORPUS, 'm05-far-jump-payload-in-new-module');
    const run = () => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cratefence.js'), 'diff', path.join(c, 'old'), path.join(c, 'new'), '--format', 'json', '--cache', dir, '--debug'], { encoding: 'utf8' });
    const first = run();
    const second = run();
    expect(first.status).toBe(1);
    expect(second.status).toBe(1);
    expect(first.stderr).toMatch(/0 hits, \d+ misses, \d+ written/);
    expect(second.stderr).toMatch(/[1-9]\d* hits, 0 misses, 0 written/);
    expect(strip(JSON.parse(second.stdout))).toBe(strip(JSON.parse(first.stdout)));
    // CRATEFENCE_CACHE names the same folder for runs that do not pass --cache.
    const third = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cratefence.js'), 'diff', path.join(c, 'old'), path.join(c, 'new'), '--format', 'json', '--debug'], { encoding: 'utf8', env: { ...process.env, CRATEFENCE_CACHE: dir } });
    expect(third.stderr).toMatch(/[1-9]\d* hits, 0 misses/);
  });

  it('two CLI scans at once on one --cache folder both keep their facts', async () => {
    const dir = tempDir('cf-store-');
    const run = (c: string) => new Promise<string>((resolve) => {
      const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'cratefence.js'), 'diff', path.join(CORPUS, c, 'old'), path.join(CORPUS, c, 'new'), '--format', 'json', '--cache', dir, '--debug'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('close', () => resolve(err));
    });
    const cases = ['m05-far-jump-payload-in-new-module', 'm03-build-rs-credential-theft'].filter((c) => existsSync(path.join(CORPUS, c, 'old')));
    expect(cases).toHaveLength(2);
    const first = await Promise.all(cases.map(run));
    for (const e of first) expect(e).toMatch(/0 hits, [1-9]\d* misses, [1-9]\d* written/);
    const again = await Promise.all(cases.map(run));
    for (const e of again) expect(e).toMatch(/[1-9]\d* hits, 0 misses, 0 written/);
  });
});
