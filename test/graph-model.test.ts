import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrees, DiskFactsStore, loadSource, rulesFor, type Report } from '../src/index.js';
import { treeFromFiles, type CrateTree } from '../src/source/index.js';
import { buildRelease, diffReleases } from '../src/diff/index.js';
import { ParseCache, DEFAULT_PARSE_OPTIONS } from '../src/parse/parser.js';
import { CallGraph } from '../src/analysis/graph.js';
import { Resolver } from '../src/analysis/resolve.js';
import { DependencyCaps } from '../src/analysis/deps.js';
import { shippedIndex } from '../src/analysis/summary-index.js';
import { decodeModel, encodeModel, loadGraph, modelKey } from '../src/analysis/graph-model.js';
import { modelFingerprint } from '../src/cache/model.js';
import { factsFingerprint } from '../src/cache/facts.js';
import { catalogueDigest } from '../src/rules/loader.js';
import type { ReleaseView } from '../src/diff/types.js';
import { dumpGraphState } from './helpers/graph-pair.js';
import { tempDir as freshDir } from './helpers/tmp.js';

const rules = rulesFor();
const deps = new DependencyCaps(shippedIndex(rules.dir), rules.catalogue);
const FP = modelFingerprint()!;
const CAT = rules.catalogueDigest ?? catalogueDigest(rules.catalogue);
const tempDir = () => freshDir('cf-model-');

function views(oldTree: CrateTree, newTree: CrateTree) {
  const cache = new ParseCache(DEFAULT_PARSE_OPTIONS);
  const oldV = buildRelease(oldTree, cache, undefined, undefined, newTree);
  const newV = buildRelease(newTree, cache, undefined, oldTree);
  return diffReleases(oldV, newV);
}

/** A model of `g` written and read back against `view` (the same release, viewed again as a later scan would). */
function roundTrip(g: CallGraph, view: ReleaseView): CallGraph | undefined {
  const key = modelKey(view, FP, CAT, g.withEdges, g.resolver.signature);
  expect(modelKey(g.view, FP, CAT, g.withEdges, g.resolver.signature)).toBe(key);
  const bytes = encodeModel(g, key);
  expect(bytes).toBeDefined();
  return decodeModel(bytes!, key, view, rules.catalogue, g.withEdges, deps);
}

const report = (r: Report) => JSON.stringify({ ...r, timings: undefined });
const toml = (extra = '') => `[package]\nname = "m"\nversion = "0.1.0"\nedition = "2021"\n${extra}`;
const LIB = 'pub mod net;\npub mod run;\nextern "C" { fn system(c: *const u8) -> i32; }\npub fn go() { unsafe { system(b"x\\0".as_ptr()); } run::start(); }\n';
const NET = 'pub fn fetch() { let _ = std::net::TcpStream::connect("h:1"); }\npub fn idle() {}\n';
const RUN = 'use crate::net::fetch;\npub fn start() { fetch(); crate::net::idle(); helper(); }\nfn helper() { std::process::Command::new("sh").status().ok(); }\nmacro_rules! m { () => {} }\n';
const oldTree = treeFromFiles({ 'Cargo.toml': toml(), 'src/lib.rs': LIB, 'src/net.rs': NET, 'src/run.rs': RUN }, 'old');
const newTree = treeFromFiles({ 'Cargo.toml': toml(), 'src/lib.rs': LIB, 'src/net.rs': NET.replace('pub fn idle() {}', 'pub fn idle() { std::fs::remove_file("x").ok(); }'), 'src/run.rs': RUN }, 'new');

describe('a stored release model', () => {
  it('gives back the graph a full build gives, for a full build and for a graph derived from the older one', () => {
    const delta = views(oldTree, newTree);
    const old = new CallGraph(delta.old, rules.catalogue, true, undefined, deps);
    const derived = new CallGraph(delta.new, rules.catalogue, true, old, deps);
    const full = new CallGraph(delta.new, rules.catalogue, true, undefined, deps);
    // The older release's model, read back in a later scan's view of the same release.
    const again = views(oldTree, newTree);
    const restoredOld = roundTrip(old, again.old)!;
    expect(restoredOld).toBeDefined();
    expect(dumpGraphState(restoredOld)).toBe(dumpGraphState(new CallGraph(again.old, rules.catalogue, true, undefined, deps)));
    // The newer release's (derived) model, read back when it is the older side of the next scan.
    const next = views(newTree, oldTree);
    const restoredNew = roundTrip(derived, next.old)!;
    expect(dumpGraphState(restoredNew)).toBe(dumpGraphState(full));
    expect(dumpGraphState(restoredNew)).toBe(dumpGraphState(new CallGraph(next.old, rules.catalogue, true, undefined, deps)));
    // A graph derived from a restored one is the one derived from a built one.
    const fromRestored = new CallGraph(again.new, rules.catalogue, true, restoredOld, deps);
    expect(dumpGraphState(fromRestored)).toBe(dumpGraphState(derived));
    expect(fromRestored.copiedFiles).toBe(derived.copiedFiles);
  });

  it('is not found for a release whose dependencies, Cargo.toml, catalogue, reachability or Rust files differ', () => {
    const delta = views(oldTree, newTree);
    const g = new CallGraph(delta.old, rules.catalogue, true, undefined, deps);
    const key = modelKey(delta.old, FP, CAT, true, g.resolver.signature);
    const other = (files: Record<string, string>) => {
      const v = views(treeFromFiles({ 'Cargo.toml': toml(), 'src/lib.rs': LIB, 'src/net.rs': NET, 'src/run.rs': RUN, ...files }, 'old'), newTree).old;
      return modelKey(v, FP, CAT, true, new Resolver(v, rules.catalogue, deps).signature);
    };
    expect(other({})).toBe(key);
    expect(other({ 'Cargo.toml': toml('\n[dependencies]\nrunproc = "0.3"\n') })).not.toBe(key);
    expect(other({ 'Cargo.toml': toml('\n[dependencies]\nnetx = { package = "reqwest", version = "0.11" }\n') })).not.toBe(key);
    expect(other({ 'Cargo.toml': toml('\n[lib]\nname = "m"\n') })).not.toBe(key);
    expect(other({ 'src/net.rs': `${NET}\n` })).not.toBe(key);
    expect(other({ 'src/extra.rs': 'pub fn e() {}\n' })).not.toBe(key);
    expect(modelKey(delta.old, FP, 'another catalogue', true, g.resolver.signature)).not.toBe(key);
    expect(modelKey(delta.old, FP, CAT, false, g.resolver.signature)).not.toBe(key);
    expect(modelKey(delta.old, `${FP}x`, CAT, true, g.resolver.signature)).not.toBe(key);
    expect(modelKey(delta.old, FP, CAT, true, new Resolver(delta.old, rules.catalogue, undefined).signature)).not.toBe(key);
    // A model read against another release (another key, or the right key and another view) is refused.
    const bytes = encodeModel(g, key)!;
    expect(decodeModel(bytes, other({ 'src/net.rs': `${NET}\n` }), delta.old, rules.catalogue, true, deps)).toBeUndefined();
  });
});

/** A scan through a disk cache at `dir`, its report, and whether the older release's graph came from a model there. */
function scan(a: CrateTree, b: CrateTree, dir?: string): { report: string; fromModel: boolean } {
  const store = dir ? new DiskFactsStore(dir) : undefined;
  let fromModel = false;
  if (store) {
    const cache = new ParseCache(DEFAULT_PARSE_OPTIONS, store);
    const v = buildRelease(a, cache, undefined, undefined, b);
    fromModel = loadGraph(store, FP, CAT, v, rules.catalogue, true, deps).graph !== undefined;
  }
  return { report: report(analyzeTrees(a, b, { factsStore: store }).report), fromModel };
}

function modelFiles(dir: string): string[] {
  const d = path.join(dir, factsFingerprint(), 'models');
  return existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.model')).map((n) => path.join(d, n)) : [];
}

describe('scans with stored models', () => {
  it('use the older release model on a warm scan and report as a cold scan', () => {
    const dir = tempDir();
    const cold = scan(oldTree, newTree);
    expect(scan(oldTree, newTree, dir)).toEqual({ report: cold.report, fromModel: false });
    expect(modelFiles(dir).length).toBe(2);
    expect(scan(oldTree, newTree, dir)).toEqual({ report: cold.report, fromModel: true });
    // The newer release is the older side of the next scan.
    expect(scan(newTree, oldTree, dir)).toEqual({ report: scan(newTree, oldTree).report, fromModel: true });
  });

  it('rebuild the graph when a model file is cut, damaged, another release\'s, garbage, a link or a folder', () => {
    const cold = scan(oldTree, newTree).report;
    const spoil: Array<[string, (file: string, others: string[]) => void]> = [
      ['cut', (f) => writeFileSync(f, readFileSync(f).subarray(0, 100))],
      ['one byte changed', (f) => {
        const b = readFileSync(f);
        b[b.length >> 1] ^= 0x40;
        writeFileSync(f, b);
      }],
      ['another release\'s model', (f, others) => writeFileSync(f, readFileSync(others[0]))],
      ['a capability changed, checksum kept', (f) => {
        const b = readFileSync(f);
        const body = deserialize(b.subarray(32)) as { state: { caps: Map<string, Array<{ cap: string }>> } };
        for (const uses of body.state.caps.values()) for (const u of uses) u.cap = 'process.spawn';
        writeFileSync(f, Buffer.concat([b.subarray(0, 32), serialize(body)]));
      }],
      ['a wrong shape, checksum right', (f) => {
        const body = deserialize(readFileSync(f).subarray(32)) as { state: { edges: unknown } };
        body.state.edges = [1, 2];
        const bytes = serialize(body);
        writeFileSync(f, Buffer.concat([createHash('sha256').update(bytes).digest(), bytes]));
      }],
      ['garbage', (f) => writeFileSync(f, Buffer.alloc(5000, 7))],
      ['empty', (f) => writeFileSync(f, '')],
      ['a link', (f, others) => {
        rmSync(f);
        symlinkSync(others[0], f);
      }],
      ['a folder', (f) => {
        rmSync(f);
        mkdirSync(f);
      }],
    ];
    for (const [what, damage] of spoil) {
      const dir = tempDir();
      scan(oldTree, newTree, dir);
      scan(newTree, oldTree, dir);
      // The model of the older release of (oldTree → newTree): the one a warm scan of that pair reads.
      const files = modelFiles(dir);
      const before = new Map(files.map((f) => [f, readFileSync(f)]));
      const target = files.find((f) => {
        const store = new DiskFactsStore(dir);
        const v = buildRelease(oldTree, new ParseCache(DEFAULT_PARSE_OPTIONS, store), undefined, undefined, newTree);
        return path.basename(f) === `${loadGraph(store, FP, CAT, v, rules.catalogue, true, deps).key}.model`;
      })!;
      expect(target, what).toBeDefined();
      damage(target, files.filter((f) => f !== target));
      const warm = scan(oldTree, newTree, dir);
      expect(warm, what).toEqual({ report: cold, fromModel: false });
      // A damaged file is replaced by the rebuilt graph's model (a link or a folder is left alone: never written through).
      if (what !== 'a link' && what !== 'a folder') {
        expect(readFileSync(target).equals(before.get(target)!), what).toBe(true);
        expect(scan(oldTree, newTree, dir), what).toEqual({ report: cold, fromModel: true });
      }
    }
  });

  it('never reuse a model across a changed dependency set or Cargo.toml', () => {
    const dir = tempDir();
    scan(oldTree, newTree, dir);
    const withDep = (t: CrateTree, label: string) => treeFromFiles({ ...Object.fromEntries([...t.files].map(([p, b]) => [p, Buffer.from(b).toString('utf8')])), 'Cargo.toml': toml('\n[dependencies]\nrunproc = "0.3"\n') }, label);
    const a = withDep(oldTree, 'old');
    const b = withDep(newTree, 'new');
    expect(scan(a, b, dir)).toEqual({ report: scan(a, b).report, fromModel: false });
    expect(scan(a, b, dir)).toEqual({ report: scan(a, b).report, fromModel: true });
  });

  it('report on every corpus case as a cold scan, warm from models', async () => {
    const corpus = path.join(import.meta.dirname, '..', 'corpus');
    const dir = tempDir();
    let cases = 0;
    for (const c of readdirSync(corpus).sort()) {
      if (!existsSync(path.join(corpus, c, 'old')) || !existsSync(path.join(corpus, c, 'new'))) continue;
      const [a, b] = await Promise.all([loadSource(path.join(corpus, c, 'old')), loadSource(path.join(corpus, c, 'new'))]);
      const cold = scan(a, b).report;
      expect(scan(a, b, dir).report, c).toBe(cold);
      expect(scan(a, b, dir), c).toEqual({ report: cold, fromModel: true });
      cases++;
    }
    expect(cases).toBeGreaterThan(30);
  });
});

describe('the models folder', () => {
  it('keeps within its count and byte bounds, removing the oldest written first', async () => {
    const { pruneModels } = await import('../src/cache/model.js');
    const { utimesSync } = await import('node:fs');
    const dir = tempDir();
    const name = (i: number) => `${createHash('sha256').update(String(i)).digest('hex')}.model`;
    // Ten models of 1 000 bytes, written one second apart (oldest first), and a file that is no model.
    for (let i = 0; i < 10; i++) {
      writeFileSync(path.join(dir, name(i)), Buffer.alloc(1000));
      utimesSync(path.join(dir, name(i)), 1_000_000 + i, 1_000_000 + i);
    }
    writeFileSync(path.join(dir, 'notes.txt'), 'kept');
    // Within both bounds: nothing removed.
    pruneModels(dir, { count: 10, bytes: 10_000, toCount: 5, toBytes: 5_000 });
    expect(readdirSync(dir).length).toBe(11);
    // Over the count: down to toCount, the oldest first.
    pruneModels(dir, { count: 8, bytes: 1e9, toCount: 6, toBytes: 1e9 });
    expect(readdirSync(dir).sort()).toEqual([...[4, 5, 6, 7, 8, 9].map(name), 'notes.txt'].sort());
    // Over the bytes: down to toBytes, the oldest first; other files are never touched.
    pruneModels(dir, { count: 100, bytes: 5_500, toCount: 100, toBytes: 3_000 });
    expect(readdirSync(dir).sort()).toEqual([...[7, 8, 9].map(name), 'notes.txt'].sort());
  });
});
