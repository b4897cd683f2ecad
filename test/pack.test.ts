/**
 * The facts cache's pack files (src/cache/pack.ts, merge.ts): a damaged, hostile or replaced pack is a
 * miss with a warning, never a crash, a hang or someone else's facts; packs written and merged by
 * several processes at once lose nothing, and a reader never breaks while a merge removes packs under it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { DiskFactsStore, factsFingerprint } from '../src/cache/facts.js';
import { MERGE_AT } from '../src/cache/merge.js';
import { encodeFacts } from '../src/cache/compact.js';
import { MAX_PACK_BYTES } from '../src/cache/pack.js';
import type { FileFacts } from '../src/parse/types.js';
import { packEntries, packFiles, writePack } from './helpers/packs.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..');
const CHILD = path.join(ROOT, 'test', 'helpers', 'pack-child.mjs');

const hashOf = (name: string) => createHash('sha256').update(name).digest('hex');
/** Facts for the content named `name` (hash sha256(name)), recognisable by their line count and site text. */
function facts(name: string): FileFacts {
  return {
    hash: hashOf(name), partial: false, errors: [], items: [], aliases: {}, globs: [], mods: [], innerAttrs: [], safetyLines: [], oddIdentifiers: [],
    lineCount: name.length,
    sites: [{ kind: 'call', text: `${name}::call`, args: '()', item: -1, line: 1, column: 1, endLine: 1, inMacro: false, len: undefined }],
  };
}

/** One store writing the facts of `names` as one pack (merged with others if there are many); returns the pack that holds them. */
function writeOne(dir: string, names: string[]): string {
  const store = new DiskFactsStore(dir);
  for (const n of names) store.put(hashOf(n), facts(n));
  store.flush();
  expect(store.writeError).toBeUndefined();
  expect(store.writes).toBe(names.length);
  const holding = packFiles(dir).filter((f) => packEntries(f).has(hashOf(names[0])));
  expect(holding).toHaveLength(1);
  return holding[0];
}

/** Runs `f` and checks that it returned within two seconds (a read of /dev/zero or a FIFO would not). */
function quick<T>(f: () => T): T {
  const t0 = performance.now();
  const v = f();
  expect(performance.now() - t0).toBeLessThan(2000);
  return v;
}

const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

describe('a damaged or hostile pack is a miss with a warning', () => {
  // Each case turns a good pack (five entries) into a bad one, in place.
  const RECORD = 40;
  const cases: Array<[string, (file: string, b: Buffer) => void, RegExp]> = [
    ['cut inside its header', (f, b) => writeFileSync(f, b.subarray(0, 10)), /shorter than the part to read/],
    ['cut inside its index', (f, b) => writeFileSync(f, b.subarray(0, 16 + RECORD * 2 + 7)), /index runs past its end/],
    ['cut inside its entries', (f, b) => writeFileSync(f, b.subarray(0, b.length - 3)), /an entry lies outside it/],
    ['not a pack (other magic)', (f, b) => writeFileSync(f, Buffer.concat([Buffer.from('CFFACTS\x02'), b.subarray(8)])), /not a pack/],
    ['claiming 4 billion entries', (f, b) => { const c = Buffer.from(b); c.writeUInt32LE(0xffffffff, 8); writeFileSync(f, c); }, /index runs past its end/],
    ['with an index pointing past its end', (f, b) => { const c = Buffer.from(b); c.writeUInt32LE(b.length, 16 + 32); writeFileSync(f, c); }, /an entry lies outside it/],
    ['with an entry of 4 GiB', (f, b) => { const c = Buffer.from(b); c.writeUInt32LE(0xffffffff, 16 + 36); writeFileSync(f, c); }, /an entry lies outside it/],
    ['with its index out of order', (f, b) => {
      const c = Buffer.from(b);
      b.copy(c, 16, 16 + RECORD, 16 + RECORD * 2);
      b.copy(c, 16 + RECORD, 16, 16 + RECORD);
      writeFileSync(f, c);
    }, /index is out of order/],
    ['over the size limit (a sparse file of 256 MiB and one byte)', (f) => truncateSync(f, MAX_PACK_BYTES + 1), /over the \d+-byte limit/],
    ['a folder', (f) => { rmSync(f); mkdirSync(f); }, /is a folder/],
  ];

  it.each(cases)('a pack %s', (_, damage, problem) => {
    const dir = tempDir('cf-pack-');
    const bad = writeOne(dir, NAMES);
    // A good pack beside it still serves its own entries.
    writeOne(dir, ['zeta']);
    damage(bad, readFileSync(bad));
    const store = new DiskFactsStore(dir);
    for (const n of NAMES) expect(quick(() => store.get(hashOf(n)))).toBeUndefined();
    expect(store.get(hashOf('zeta'))?.lineCount).toBe(4);
    expect(store.readProblem).toMatch(problem);
    expect(store.misses).toBe(NAMES.length);
    expect(store.hits).toBe(1);
  });

  it('an entry that is not facts, or names other content, is a miss (the pack itself is sound)', () => {
    const dir = tempDir('cf-pack-');
    const pack = writeOne(dir, ['alpha', 'beta']);
    const entries = packEntries(pack);
    // alpha's entry swapped for beta's bytes (same length: facts of 'beta' are shaped like alpha's).
    const c = readFileSync(pack);
    const a = c.indexOf(entries.get(hashOf('alpha'))!);
    entries.get(hashOf('beta'))!.copy(c, a);
    writeFileSync(pack, c);
    const store = new DiskFactsStore(dir);
    expect(store.get(hashOf('alpha'))).toBeUndefined();
    expect(store.get(hashOf('beta'))?.lineCount).toBe(4);
    expect(store.readProblem).toBeUndefined();
  });

  it('an unusable entry is written again by the scan that parsed it; lookups and merges keep the good copy', () => {
    const dir = tempDir('cf-pack-');
    // alpha's entry holds beta's facts: shaped like facts, but of other content.
    writePack(dir, [[hashOf('alpha'), serialize(encodeFacts(facts('beta')))]]);
    const store = new DiskFactsStore(dir);
    expect(store.get(hashOf('alpha'))).toBeUndefined();
    store.put(hashOf('alpha'), facts('alpha'));
    store.put(hashOf('extra'), facts('extra'));
    expect(store.writes).toBe(2);
    expect(new DiskFactsStore(dir).get(hashOf('alpha'))?.lineCount).toBe(5);
    // Larger packs after them, so that the merge takes both copies, the bad one first (it takes
    // the smallest packs, smallest first).
    for (let i = 0; i < MERGE_AT; i++) writeOne(dir, [0, 1, 2].map((k) => `a-longer-filler-name-${i}-${k}`));
    const holding = packFiles(dir).filter((f) => packEntries(f).has(hashOf('alpha')));
    expect(holding).toHaveLength(1);
    const later = new DiskFactsStore(dir);
    expect(later.get(hashOf('alpha'))?.lineCount).toBe(5);
    expect(later.misses).toBe(0);
  });
});

describe('a pack that changes under a reader', () => {
  it('replaced (a new file under its name) between the index read and an entry read: a miss with a warning, never other facts', () => {
    const dir = tempDir('cf-pack-');
    const pack = writeOne(dir, NAMES);
    const store = new DiskFactsStore(dir);
    expect(store.get(hashOf('alpha'))?.lineCount).toBe(5);
    // Another pack's bytes under this name: offsets in the index read earlier mean nothing there.
    const other = writeOne(tempDir('cf-pack-'), ['beta', 'omega', 'x']);
    copyFileSync(other, `${pack}.new`);
    renameSync(`${pack}.new`, pack);
    expect(quick(() => store.get(hashOf('beta')))).toBeUndefined();
    expect(store.readProblem).toMatch(/changed since it was first read/);
  });

  it('rewritten in place (same file, shorter): a miss with a warning', () => {
    const dir = tempDir('cf-pack-');
    const pack = writeOne(dir, NAMES);
    const store = new DiskFactsStore(dir);
    expect(store.get(hashOf('alpha'))?.lineCount).toBe(5);
    truncateSync(pack, 100);
    for (const n of NAMES.slice(1)) expect(store.get(hashOf(n))).toBeUndefined();
    expect(store.readProblem).toMatch(/changed since it was first read/);
  });

  it('removed: a quiet miss; removed by a merge: found in the merged pack', () => {
    const dir = tempDir('cf-pack-');
    const first = writeOne(dir, ['alpha', 'beta']);
    const store = new DiskFactsStore(dir);
    expect(store.get(hashOf('alpha'))?.lineCount).toBe(5);
    rmSync(first);
    expect(store.get(hashOf('beta'))).toBeUndefined();
    expect(store.readProblem).toBeUndefined();

    const second = writeOne(dir, ['gamma', 'delta']);
    expect(store.get(hashOf('gamma'))?.lineCount).toBe(5);
    // Larger packs after it: the merge that the last of them sets off takes the smallest, `second`
    // among them, copies their entries into a new pack, then removes them.
    for (let i = 0; i < MERGE_AT; i++) writeOne(dir, [0, 1, 2].map((k) => `a-longer-filler-name-${i}-${k}`));
    expect(existsSync(second)).toBe(false);
    expect(store.get(hashOf('delta'))?.lineCount).toBe(5);
    expect(store.readProblem).toBeUndefined();
  });
});

describe('merging packs', () => {
  it(`past ${MERGE_AT} packs the writer merges them; every entry stays, no temporary file is left`, () => {
    const dir = tempDir('cf-pack-');
    const names = Array.from({ length: 40 }, (_, i) => `entry-${i}`);
    for (const n of names) writeOne(dir, [n]);
    const count = packFiles(dir).length;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(MERGE_AT);
    const store = new DiskFactsStore(dir);
    for (const n of names) expect(store.get(hashOf(n))?.lineCount, n).toBe(n.length);
    expect(readdirSync(path.join(dir, factsFingerprint())).filter((n) => !n.endsWith('.pack'))).toEqual([]);
  });

  it('waits for a merge another process holds the lock of; takes over a lock left by a dead one; removes dead writers\' temporaries', () => {
    const dir = tempDir('cf-pack-');
    for (let i = 0; i < MERGE_AT; i++) writeOne(dir, [`entry-${i}`]);
    const folder = path.join(dir, factsFingerprint());
    const lock = path.join(folder, 'merge.lock');
    closeSync(openSync(lock, 'w'));
    writeOne(dir, ['one-more']);
    expect(packFiles(dir)).toHaveLength(MERGE_AT + 1);
    const old = new Date(Date.now() - 3600_000);
    utimesSync(lock, old, old);
    const deadTmp = path.join(folder, '.pack-dead.pack.1.abc.tmp');
    const liveTmp = path.join(folder, '.pack-live.pack.2.def.tmp');
    writeFileSync(deadTmp, 'half');
    writeFileSync(liveTmp, 'half');
    utimesSync(deadTmp, old, old);
    writeOne(dir, ['and-another']);
    expect(packFiles(dir).length).toBeLessThanOrEqual(MERGE_AT);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(deadTmp)).toBe(false);
    expect(existsSync(liveTmp)).toBe(true);
    const store = new DiskFactsStore(dir);
    for (const n of ['one-more', 'and-another', ...Array.from({ length: MERGE_AT }, (_, i) => `entry-${i}`)]) expect(store.get(hashOf(n))?.lineCount).toBe(n.length);
  });
});

/** Runs the child helper (built store, dist/) and returns what it printed as JSON. */
function child(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`pack-child ${args[0]} exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as Record<string, unknown>);
    });
  });
}

describe('several processes on one cache', () => {
  it('two processes writing and merging at once lose nothing', async () => {
    const dir = tempDir('cf-pack-');
    const rounds = 60;
    const [a, b] = await Promise.all([child(['write', dir, 'a', String(rounds), 'shared']), child(['write', dir, 'b', String(rounds), 'shared'])]);
    expect(a.writeError).toBeUndefined();
    expect(b.writeError).toBeUndefined();
    expect(Number(a.merges) + Number(b.merges)).toBeGreaterThan(0);
    const names = Array.from({ length: rounds }, (_, r) => [`a-${r}`, `b-${r}`, `shared-${r}`]).flat();
    const list = path.join(tempDir('cf-pack-'), 'names.json');
    writeFileSync(list, JSON.stringify(names));
    const v = await child(['verify', dir, list]);
    expect(v).toMatchObject({ missing: [], wrong: 0 });
    expect(v.readProblem).toBeUndefined();
    expect(Number(v.packs)).toBeLessThanOrEqual(MERGE_AT + 1);
  }, 60_000);

  it('a reader keeps reading correct facts while another process merges the packs under it', async () => {
    const dir = tempDir('cf-pack-');
    const tmp = tempDir('cf-pack-');
    await child(['write', dir, 'base', '10']);
    const names = Array.from({ length: 10 }, (_, r) => `base-${r}`);
    const list = path.join(tmp, 'names.json');
    writeFileSync(list, JSON.stringify(names));
    const stop = path.join(tmp, 'stop');
    const ready = path.join(tmp, 'ready');
    const reading = child(['read', dir, list, stop, ready]);
    for (let i = 0; i < 300 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 20));
    const w = await child(['write', dir, 'more', '120']);
    writeFileSync(stop, '');
    const r = await reading;
    expect(Number(w.merges)).toBeGreaterThanOrEqual(3);
    expect(r.wrong).toBe(0);
    expect(Number(r.passes)).toBeGreaterThan(0);
    expect(Number(r.hits)).toBeGreaterThan(0);
    expect(r.readProblem).toBeUndefined();
    // A miss is allowed (the reader parses the file then); losing an entry is not.
    const all = path.join(tmp, 'all.json');
    writeFileSync(all, JSON.stringify([...names, ...Array.from({ length: 120 }, (_, i) => `more-${i}`)]));
    expect(await child(['verify', dir, all])).toMatchObject({ missing: [], wrong: 0 });
    console.log(`reader: ${r.passes} passes, ${r.hits} hits, ${r.misses} misses while ${w.merges} merges ran`);
  }, 60_000);
});
