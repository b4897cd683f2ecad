/**
 * Review of the stored release models (src/analysis/graph-model.ts): a release publisher's attempts to
 * make a scan that reads the older release's graph from a model report otherwise than a cold scan.
 * Each case fills a cache with some scans, then compares a scan through that cache with the same scan
 * without one. Cases that pass document what the model key covers.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir as freshDir } from './helpers/tmp.js';
import { corpusCases, mutationBase, seeded } from './helpers/corpus-mutations.js';
import { analyzeTrees, DiskFactsStore, type ScanOptions } from '../src/index.js';
import { treeFromFiles, type CrateTree } from '../src/source/index.js';
import { buildRelease } from '../src/diff/index.js';
import { ParseCache, DEFAULT_PARSE_OPTIONS } from '../src/parse/parser.js';
import { factsFingerprint } from '../src/cache/facts.js';
import { MemoryFactsStore } from '../src/runner/memory-store.js';
import { SummarySet } from '../src/analysis/summary-index.js';
import type { CrateSummary } from '../src/analysis/summary.js';

const tempDir = () => freshDir('cf-model-review-');

/** A facts store that counts the models it was asked for and had. */
class Spy extends DiskFactsStore {
  modelHits = 0;
  override getModel(key: string): Uint8Array | undefined {
    const b = super.getModel(key);
    if (b) this.modelHits++;
    return b;
  }
}

type Opts = Omit<ScanOptions, 'factsStore'>;
type Scan = [CrateTree, CrateTree, Opts?];

const text = (r: ReturnType<typeof analyzeTrees>['report']) => JSON.stringify({ ...r, timings: undefined });

/** The report of a scan, through the cache at `dir` when given, and whether a model was read. */
function scan([a, b, o = {}]: Scan, dir?: string): { report: string; fromModel: boolean } {
  const store = dir ? new Spy(dir) : undefined;
  const r = analyzeTrees(a, b, { ...o, factsStore: store });
  return { report: text(r.report), fromModel: (store?.modelHits ?? 0) > 0 };
}

/**
 * Fills a fresh cache with `fills`, then scans `target` through it twice: each report must be the cold
 * scan's. Returns whether the first warm scan read a model (to tell "covered by the key" from "used").
 */
function warmAsCold(fills: Scan[], target: Scan): { fromModel: boolean; cold: string } {
  const dir = tempDir();
  for (const f of fills) scan(f, dir);
  const cold = scan(target).report;
  const warm = scan(target, dir);
  expect(warm.report).toBe(cold);
  expect(scan(target, dir).report).toBe(cold);
  return { fromModel: warm.fromModel, cold };
}

const toml = (extra = '', name = 'victim') => `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n${extra}`;
const tree = (files: Record<string, string>, label: string) => treeFromFiles(files, label);

/** A newer release that touches one unrelated file, so that the older release's graph is what matters. */
function bump(t: CrateTree, label = 'next'): CrateTree {
  const files: Record<string, string | Uint8Array> = Object.fromEntries(t.files);
  files['src/zz_unrelated.rs'] = `pub fn unrelated_${label.replace(/\W/g, '_')}() {}\n`;
  return treeFromFiles(files, label);
}

describe('the model key covers what the graph reads besides .rs files', () => {
  it('include! of a non-.rs file with other content', () => {
    const lib = 'include!("payload.inc");\npub fn go() { p(); }\n';
    const x1 = tree({ 'Cargo.toml': toml(), 'src/lib.rs': lib, 'src/payload.inc': 'fn p() {}\n' }, 'x1');
    const x2 = tree({ 'Cargo.toml': toml(), 'src/lib.rs': lib, 'src/payload.inc': 'fn p() { std::process::Command::new("sh").spawn().ok(); }\n' }, 'x2');
    // The benign release's model is stored (as newer and as older side), then the other is scanned.
    const r = warmAsCold([[x1, bump(x1)], [bump(x1, 'prev'), x1]], [x2, bump(x2)]);
    expect(r.fromModel).toBe(false);
    expect(r.cold).toContain('process');
    // And the other way round: its own model is used and reports the same.
    expect(warmAsCold([[x2, bump(x2)]], [x2, bump(x2)]).fromModel).toBe(true);
  });

  it('a #[path] module in a non-.rs file with other content', () => {
    const lib = '#[path = "imp.txt"]\nmod imp;\npub fn go() { imp::p(); }\n';
    const x1 = tree({ 'Cargo.toml': toml(), 'src/lib.rs': lib, 'src/imp.txt': 'pub fn p() {}\n' }, 'x1');
    const x2 = tree({ 'Cargo.toml': toml(), 'src/lib.rs': lib, 'src/imp.txt': 'pub fn p() { std::fs::remove_file("/etc/passwd").ok(); }\n' }, 'x2');
    expect(warmAsCold([[x1, bump(x1)], [bump(x1, 'prev'), x1]], [x2, bump(x2)]).fromModel).toBe(false);
  });

  it('OUT_DIR code a build script writes from a shipped non-.rs file with other content', () => {
    const build = 'use std::{env, fs, path::Path};\nfn main() {\n  let s = fs::read_to_string("tpl.txt").unwrap();\n  fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("gen.rs"), s).unwrap();\n}\n';
    const lib = 'include!(concat!(env!("OUT_DIR"), "/gen.rs"));\npub fn go() { gen(); }\n';
    const x1 = tree({ 'Cargo.toml': toml(), 'build.rs': build, 'src/lib.rs': lib, 'tpl.txt': 'fn gen() {}\n' }, 'x1');
    const x2 = tree({ 'Cargo.toml': toml(), 'build.rs': build, 'src/lib.rs': lib, 'tpl.txt': 'fn gen() { std::process::Command::new("curl").spawn().ok(); }\n' }, 'x2');
    // The case is real: the generated code is part of the release view.
    const v = buildRelease(x2, new ParseCache(DEFAULT_PARSE_OPTIONS));
    expect([...v.rust.values()].some((f) => f.path.includes('gen.rs') && f.facts.sites.some((s) => s.text.includes('Command')))).toBe(true);
    const r = warmAsCold([[x1, bump(x1)], [bump(x1, 'prev'), x1]], [x2, bump(x2)]);
    expect(r.fromModel).toBe(false);
  });

  it('Cargo.toml fields outside the dependencies: lib path, proc-macro, build, features, targets, renames, workspace, patch', () => {
    const files = { 'src/lib.rs': 'pub mod a;\npub fn go() { a::run(); }\n', 'src/a.rs': 'pub fn run() { std::process::Command::new("sh").spawn().ok(); }\n', 'other.rs': 'fn main() { std::net::TcpStream::connect("h:1").ok(); }\n', 'build.rs': 'fn main() {}\n' };
    const variants = [
      '',
      '\n[lib]\npath = "other.rs"\n',
      '\n[lib]\nproc-macro = true\n',
      'build = "other.rs"\n',
      'build = false\n',
      '\n[features]\ndefault = ["x"]\nx = []\n',
      '\n[target.\'cfg(unix)\'.dependencies]\nlibc = "0.2"\n',
      '\n[dependencies]\nstd_process = { package = "duct", version = "0.13" }\n',
      '\n[dependencies]\nduct = "0.13"\n',
      '\n[build-dependencies]\ncc = "1"\n',
      'license.workspace = true\n',
      '\n[patch.crates-io]\nlibc = { path = "../libc" }\n',
    ];
    const trees = variants.map((v, i) => tree({ ...files, 'Cargo.toml': toml(v) }, `v${i}`));
    // Every variant's model is stored; each variant scanned warm reports as cold.
    const dir = tempDir();
    for (const t of trees) scan([t, bump(t)], dir);
    for (const [i, t] of trees.entries()) {
      const cold = scan([t, bump(t)]).report;
      expect(scan([t, bump(t)], dir).report, variants[i]).toBe(cold);
    }
  });

  it('a renamed package (same .rs, the Cargo.toml name differs)', () => {
    const files = { 'src/lib.rs': 'pub fn go() { victim::x(); other::y(); }\npub fn x() {}\n' };
    const a = tree({ ...files, 'Cargo.toml': toml('', 'victim') }, 'a');
    const b = tree({ ...files, 'Cargo.toml': toml('', 'other') }, 'b');
    expect(warmAsCold([[a, bump(a)]], [b, bump(b)]).fromModel).toBe(false);
  });
});

describe('scan settings that change the graph', () => {
  const lib = 'pub mod a;\npub fn go() { a::run(); }\n';
  const a = 'pub fn run() { duct::cmd("sh", ["-c", "x"]).run().ok(); helper(); }\nfn helper() { std::process::Command::new("sh").spawn().ok(); }\n';
  const x = tree({ 'Cargo.toml': toml('\n[dependencies]\nduct = "0.13"\n'), 'src/lib.rs': lib, 'src/a.rs': a }, 'x');
  const y = bump(x);

  it('dependency summaries off, then on, and on, then off', () => {
    expect(warmAsCold([[x, y, { dependencies: 'off' }]], [x, y]).fromModel).toBe(false);
    expect(warmAsCold([[x, y]], [x, y, { dependencies: 'off' }]).fromModel).toBe(false);
  });

  it('reachability off, then on, and on, then off', () => {
    expect(warmAsCold([[x, y, { reachability: false }]], [x, y]).fromModel).toBe(false);
    expect(warmAsCold([[x, y]], [x, y, { reachability: false }]).fromModel).toBe(false);
  });

  it('another dependency source (a lock\'s summaries) than the shipped index', () => {
    const summary = (caps: Array<[string, string]>): CrateSummary => ({
      format: 1, name: 'duct', version: '0.13.7', tool: 'test', items: { cmd: { caps } }, methods: {}, deps: [], ext: [],
    } as unknown as CrateSummary);
    const quiet = new SummarySet([summary([])], 'lock', 'lock:quiet');
    const loud = new SummarySet([summary([['process', 'duct::cmd → std::process::Command::spawn']])], 'lock', 'lock:loud');
    expect(warmAsCold([[x, y, { dependencies: quiet }]], [x, y, { dependencies: loud }]).fromModel).toBe(false);
    expect(warmAsCold([[x, y]], [x, y, { dependencies: loud }]).fromModel).toBe(false);
  });

  it('a parse budget that left files unanalysed in one scan and not in the other', () => {
    const many: Record<string, string> = { 'Cargo.toml': toml(), 'src/lib.rs': Array.from({ length: 12 }, (_, i) => `pub mod m${i};`).join('\n') };
    for (let i = 0; i < 12; i++) many[`src/m${i}.rs`] = `pub fn f${i}() { std::process::Command::new("x${i}").spawn().ok(); }\n`;
    const t = tree(many, 'many');
    const next = bump(t);
    // No cache folder in the filling scan can hold unanalysed files' facts; the model key names them.
    const tight: Opts = { parse: { ...DEFAULT_PARSE_OPTIONS, crateBudgetMs: 0 } };
    expect(warmAsCold([[t, next, tight]], [t, next]).fromModel).toBe(false);
    expect(warmAsCold([[next, t, tight]], [t, next]).fromModel).toBe(false);
  });
});

describe('sides and orders', () => {
  const x = tree({ 'Cargo.toml': toml(), 'src/lib.rs': 'pub mod n;\npub fn go() { n::f(); }\n', 'src/n.rs': 'pub fn f() { g(); }\nfn g() { std::net::TcpStream::connect("h:1").ok(); }\n' }, 'x');
  const y = tree({ 'Cargo.toml': toml(), 'src/lib.rs': 'pub mod n;\npub fn go() { n::f(); }\n', 'src/n.rs': 'pub fn f() { g(); }\nfn g() { std::process::Command::new("sh").spawn().ok(); }\n' }, 'y');

  it('a release scanned as the newer side, then as the older side, and against itself', () => {
    expect(warmAsCold([[y, x]], [x, y]).fromModel).toBe(true);
    expect(warmAsCold([[x, x]], [x, y]).fromModel).toBe(true);
    expect(warmAsCold([[x, y]], [x, x]).fromModel).toBe(true);
    expect(warmAsCold([[x, y], [y, x]], [y, y]).fromModel).toBe(true);
  });

  it('a chain of releases, each graph derived from a restored one', () => {
    const chain = [x, y, bump(y, 'c'), x, bump(x, 'd'), y];
    const dir = tempDir();
    for (let i = 1; i < chain.length; i++) {
      const cold = scan([chain[i - 1], chain[i]]).report;
      expect(scan([chain[i - 1], chain[i]], dir).report, `step ${i}`).toBe(cold);
    }
    // Again, every older side from a model now.
    for (let i = 1; i < chain.length; i++) {
      const cold = scan([chain[i - 1], chain[i]]).report;
      expect(scan([chain[i - 1], chain[i]], dir), `step ${i}`).toEqual({ report: cold, fromModel: true });
    }
  });

  it('the same content under several paths (the lazily decoded text is shared by content)', () => {
    const asm = 'core::arch::global_asm!(".globl spawn_it\\nspawn_it:\\n mov rax, 59\\n syscall\\n ret");\nextern "C" { fn spawn_it(); }\npub fn go() { unsafe { spawn_it() } }\nmacro_rules! mk { () => { fn clone(&self) -> Self { todo!() } } }\n';
    const a = tree({ 'Cargo.toml': toml(), 'src/lib.rs': 'pub mod a;\npub mod b;\n', 'src/a.rs': asm, 'src/b.rs': asm, 'src/c.txt': asm }, 'a');
    const b = tree({ 'Cargo.toml': toml(), 'src/lib.rs': 'pub mod a;\npub mod b;\n#[path = "c.txt"]\nmod c;\n', 'src/a.rs': asm, 'src/b.rs': asm, 'src/c.txt': asm }, 'b');
    const r = warmAsCold([[a, b], [b, a]], [a, b]);
    expect(r.fromModel).toBe(true);
    expect(r.cold).toContain('syscall');
    expect(warmAsCold([[a, b], [b, a]], [b, a]).fromModel).toBe(true);
  });
});

describe('where models are not used', () => {
  it('a batch worker\'s in-memory store in front of the disk store keeps no models (scans as cold)', () => {
    const dir = tempDir();
    const x = tree({ 'Cargo.toml': toml(), 'src/lib.rs': 'pub fn go() { std::process::Command::new("sh").spawn().ok(); }\n' }, 'x');
    const y = bump(x);
    const cold = text(analyzeTrees(x, y).report);
    const store = new MemoryFactsStore(new DiskFactsStore(dir));
    expect(text(analyzeTrees(x, y, { factsStore: store }).report)).toBe(cold);
    expect(text(analyzeTrees(x, y, { factsStore: store }).report)).toBe(cold);
    expect(existsSync(path.join(dir, factsFingerprint(), 'models'))).toBe(false);
  });
});

describe('the rules a scan runs with', () => {
  /** A copy of the bundled rules folder whose capabilities.yaml gets `symbols` added (paths and methods as they are). */
  function rulesWith(symbols: string): string {
    const dir = tempDir();
    cpSync(path.join(import.meta.dirname, '..', 'rules'), dir, { recursive: true });
    const file = path.join(dir, 'capabilities.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^symbols:\n/m, `symbols:\n${symbols}`));
    return dir;
  }

  it('a rules folder whose catalogue differs only in its C symbols (paths and methods the same)', () => {
    const plain = rulesWith('');
    const more = rulesWith('  cf_magic_launch: process.spawn\n');
    const x = tree({ 'Cargo.toml': toml(), 'src/lib.rs': 'extern "C" { fn cf_magic_launch(); }\npub fn go() { unsafe { cf_magic_launch() } }\n' }, 'x');
    const y = bump(x);
    // The case is real: the two folders report differently.
    const a = scan([x, y, { rulesDir: plain }]).report;
    const b = scan([x, y, { rulesDir: more }]).report;
    expect(a).not.toBe(b);
    expect(JSON.parse(b).capabilities.before).toContain('process.spawn');
    expect(JSON.parse(a).capabilities.before).not.toContain('process.spawn');
    expect(warmAsCold([[x, y, { rulesDir: plain }]], [x, y, { rulesDir: more }]).fromModel).toBe(false);
    expect(warmAsCold([[x, y, { rulesDir: more }]], [x, y, { rulesDir: plain }]).fromModel).toBe(false);
    expect(warmAsCold([[x, y, { rulesDir: more }]], [x, y, { rulesDir: more }]).fromModel).toBe(true);
  });
});

describe('a model from another build', () => {
  it('is not read when the shipped summary index differs (its name in the signature is only its tool and size)', async () => {
    const { computeModelFingerprint } = await import('../src/cache/model.js');
    const here = path.join(import.meta.dirname, '..');
    const root = tempDir();
    for (const p of ['package.json', 'native/syntax.c', 'src/cache', 'src/parse', 'src/analysis', 'src/diff', 'rules/data/summaries.bin']) cpSync(path.join(here, p), path.join(root, p), { recursive: true });
    cpSync(path.join(here, 'node_modules', 'tree-sitter', 'package.json'), path.join(root, 'node_modules', 'tree-sitter', 'package.json'));
    cpSync(path.join(here, 'node_modules', 'tree-sitter-rust', 'package.json'), path.join(root, 'node_modules', 'tree-sitter-rust', 'package.json'));
    const before = computeModelFingerprint(root);
    expect(computeModelFingerprint(root)).toBe(before);
    const index = path.join(root, 'rules', 'data', 'summaries.bin');
    const bytes = readFileSync(index);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(index, bytes);
    expect(computeModelFingerprint(root)).not.toBe(before);
  });
});

// A model of the newer release's graph is stored as it was derived from the older one's, and read
// back as the older side of the next scan, where a cold scan builds it in full: any way a derived
// graph differs from a full build (its by-name tables, foreign declarations and file indexes too,
// which the next derivation reads) is now a warm/cold difference. Seeded corpus mutations, as in
// graph-reuse-review, checked through the model and one derivation further.
const SP = 'std::process::Command::new("sh").spawn().ok();';
const SNIPPETS: Array<(n: string) => string> = [
  (n) => `pub fn ${n}() { ${SP} }\n`,
  (n) => `pub struct Zq;\nimpl Zq { pub fn ${n}(&self) { ${SP} } }\n`,
  (n) => `pub const ${n}: u8 = 1;\n`,
  (n) => `pub static ${n}: u8 = 1;\n`,
  (n) => `macro_rules! ${n} { ($a:ident, $b:ident) => { let _ = std::$a::$b::new("x"); } }\n`,
  (n) => `extern "C" { #[link_name = "system"] pub fn ${n}(c: *const u8) -> i32; }\n`,
  (n) => `pub use std::process::Command as ${n};\n`,
  () => 'pub use std::process::*;\n',
  (n) => `#[cfg(windows)]\npub fn ${n}() { ${SP} }\n#[cfg(unix)]\npub fn ${n}() {}\n`,
  (n) => `pub fn helper_q() { ${n}(); crate::${n}(); self::${n}(); }\n`,
  (n) => `use crate::${n};\n`,
  () => 'use super::*;\n',
  (n) => `impl Drop for Zd { fn drop(&mut self) { ${n}(); } }\npub struct Zd;\n`,
  (n) => `core::arch::global_asm!(".globl ${n}\\n${n}:\\n mov rax, 59\\n syscall");\nextern "C" { fn ${n}(); }\n`,
  () => '#[cfg(test)]\nmod tests_q { #[test] fn t() {} }\n',
];

describe('models of derived graphs', () => {
  it('read back as the older side of the next scan, equal a full build there, and derive the same graph', async () => {
    const { rulesFor } = await import('../src/index.js');
    const { DependencyCaps } = await import('../src/analysis/deps.js');
    const { shippedIndex } = await import('../src/analysis/summary-index.js');
    const { CallGraph } = await import('../src/analysis/graph.js');
    const { diffReleases } = await import('../src/diff/index.js');
    const { decodeModel, encodeModel, modelKey } = await import('../src/analysis/graph-model.js');
    const { dumpGraphState: dumpAll } = await import('./helpers/graph-pair.js');
    const rules = rulesFor();
    const deps = new DependencyCaps(shippedIndex(rules.dir), rules.catalogue);
    const views = (a: CrateTree, b: CrateTree) => {
      const cache = new ParseCache(DEFAULT_PARSE_OPTIONS);
      return diffReleases(buildRelease(a, cache, undefined, undefined, b), buildRelease(b, cache, undefined, a));
    };
    const { rnd, pick } = seeded(20261206);
    const cases = corpusCases();
    let stored = 0;
    for (let n = 0; n < 400; n++) {
      const c = pick(cases);
      const base = await mutationBase(c);
      if (!base) continue;
      const { tree: t, rs, text: src, names } = base;
      const files: Record<string, string | Uint8Array> = Object.fromEntries(t.files);
      for (const p of [pick(rs), ...(rnd() < 0.3 ? [pick(rs)] : [])]) {
        let add = '';
        for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) add += pick(SNIPPETS)(pick(names));
        files[p] = rnd() < 0.5 ? `${src(p)}\n${add}` : add + src(p);
      }
      const m = treeFromFiles(files, 'mutated');
      const [a, b] = rnd() < 0.5 ? [t, m] : [m, t];
      const withEdges = rnd() < 0.8;
      const d = views(a, b);
      const derived = new CallGraph(d.new, rules.catalogue, withEdges, new CallGraph(d.old, rules.catalogue, withEdges, undefined, deps), deps);
      // The next scan: b is the older side.
      const next = views(b, a);
      const key = modelKey(next.old, 'fp', 'cat', withEdges, derived.resolver.signature);
      expect(modelKey(derived.view, 'fp', 'cat', withEdges, derived.resolver.signature), `${c} #${n}`).toBe(key);
      const bytes = encodeModel(derived, key);
      if (!bytes) continue;
      const restored = decodeModel(bytes, key, next.old, rules.catalogue, withEdges, deps);
      expect(restored, `${c} #${n}`).toBeDefined();
      const full = new CallGraph(next.old, rules.catalogue, withEdges, undefined, deps);
      expect(dumpAll(restored!), `${c} #${n}`).toBe(dumpAll(full));
      // And the next scan's newer graph, derived from the restored graph and from the full one.
      const again = views(b, a);
      const fromFull = new CallGraph(again.new, rules.catalogue, withEdges, new CallGraph(again.old, rules.catalogue, withEdges, undefined, deps), deps);
      expect(dumpAll(new CallGraph(next.new, rules.catalogue, withEdges, restored, deps)), `${c} #${n}`).toBe(dumpAll(fromFull));
      stored++;
    }
    expect(stored).toBeGreaterThan(100);
  }, 300_000);
});

describe('through the command line', () => {
  it('scans writing the same models at once, then warm scans, report as a cold scan', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdirSync } = await import('node:fs');
    const root = path.join(import.meta.dirname, '..');
    const cli = path.join(root, 'bin', 'cratefence.js');
    const write = (dir: string, t: CrateTree) => {
      for (const [p, b] of t.files) {
        mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        writeFileSync(path.join(dir, p), b);
      }
      return dir;
    };
    const lib = 'pub mod n;\npub mod m;\npub fn go() { n::f(); m::g(); }\n';
    const x = tree({ 'Cargo.toml': toml(), 'src/lib.rs': lib, 'src/n.rs': 'pub fn f() { std::net::TcpStream::connect("h:1").ok(); }\n', 'src/m.rs': 'pub fn g() {}\n' }, 'x');
    const y = tree({ 'Cargo.toml': toml(), 'src/lib.rs': lib, 'src/n.rs': 'pub fn f() { std::net::TcpStream::connect("h:1").ok(); }\n', 'src/m.rs': 'pub fn g() { std::process::Command::new("sh").spawn().ok(); }\n' }, 'y');
    const a = write(tempDir(), x);
    const b = write(tempDir(), y);
    const cache = tempDir();
    const run = (extra: string[]) => new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [cli, 'diff', a, b, '--format', 'json', '--no-progress', '--fail-on', 'never', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      p.on('error', reject);
      p.on('close', () => {
        try {
          const j = JSON.parse(out) as Record<string, unknown>;
          delete j.timings;
          resolve(JSON.stringify(j));
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    const cold = await run([]);
    expect(cold).toContain('process');
    const together = await Promise.all([1, 2, 3].map(() => run(['--cache', cache])));
    for (const r of together) expect(r).toBe(cold);
    const models = path.join(cache, readdirSync(cache).find((n) => existsSync(path.join(cache, n, 'models')))!, 'models');
    // Two models (one per release), whole; no temporary file left behind.
    expect(readdirSync(models).sort()).toEqual(readdirSync(models).filter((n) => /^[0-9a-f]{64}\.model$/.test(n)).sort());
    expect(readdirSync(models).length).toBe(2);
    for (const r of await Promise.all([1, 2].map(() => run(['--cache', cache])))) expect(r).toBe(cold);
  }, 60_000);
});

/**
 * Dependency summaries c0 → c1 → … → c{n-1}, each `f` calling the next one's; the last spawns a
 * process. Composition stops past a depth bound and at cycles, and keeps what it found per item
 * whatever the depth it was asked at: what a call into the chain reaches depends on which calls were
 * composed first (`cycle` closes the chain back to c0).
 */
function chain(n: number, cycle = false): SummarySet {
  const out: CrateSummary[] = [];
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? `c${i + 1}` : cycle ? 'c0' : undefined;
    out.push({
      format: 1, name: `c${i}`, version: '1.0.0', tool: 'test',
      deps: next ? [{ name: next, package: next, req: '1' }] : [], ext: next ? [`${next}::f`] : [],
      items: { f: { ...(next ? { calls: [0] } : {}), ...(i === n - 1 ? { caps: [['process.spawn', 'std::process::Command::spawn (src/lib.rs:1)']] } : {}) } },
      methods: {},
    } as unknown as CrateSummary);
  }
  return new SummarySet(out, 'lock', `lock:chain${n}${cycle ? 'c' : ''}`);
}

describe('dependency summaries whose composition is cut (depth bound, cycles)', () => {
  const manifest = toml('\n[dependencies]\nc0 = "1"\nc4 = "1"\n');
  // The older release calls into the middle of the chain; the newer one adds a call at its start in a
  // file both releases have (so the unchanged file's index is copied, not resolved, in the newer graph).
  const x = tree({ 'Cargo.toml': manifest, 'src/lib.rs': 'pub mod a;\npub mod b;\n', 'src/a.rs': 'pub fn a() { c4::f(); }\n', 'src/b.rs': 'pub fn b() {}\n' }, 'x');
  const y = tree({ 'Cargo.toml': manifest, 'src/lib.rs': 'pub mod a;\npub mod b;\n', 'src/a.rs': 'pub fn a() { c4::f(); }\n', 'src/b.rs': 'pub fn b() { c0::f(); }\n' }, 'y');

  it('a chain deeper than the bound: the newer release\'s call reaches what the older one\'s composition found', () => {
    const deep = chain(13);
    // (A model is read, then the scan is made again without it: composition was cut.)
    const r = warmAsCold([[bump(x, 'w'), x, { dependencies: deep }]], [x, y, { dependencies: deep }]);
    expect(JSON.parse(r.cold).score).toBeGreaterThan(0);
  });

  it('a cycle through the chain', () => {
    const ring = chain(4, true);
    const m = toml('\n[dependencies]\nc0 = "1"\nc2 = "1"\n');
    const a = tree({ 'Cargo.toml': m, 'src/lib.rs': 'pub mod a;\npub mod b;\n', 'src/a.rs': 'pub fn a() { c2::f(); }\n', 'src/b.rs': 'pub fn b() {}\n' }, 'a');
    const b = tree({ 'Cargo.toml': m, 'src/lib.rs': 'pub mod a;\npub mod b;\n', 'src/a.rs': 'pub fn a() { c2::f(); }\n', 'src/b.rs': 'pub fn b() { c0::f(); }\n' }, 'b');
    warmAsCold([[bump(a, 'w'), a, { dependencies: ring }]], [a, b, { dependencies: ring }]);
  });

  it('a graph built in a scan whose other release reaches deep into the chain is not stored for a later scan', () => {
    const deep = chain(13);
    // The older release composes c0's chain first (c4 then only as deep as the bound lets it go), the
    // newer one declares only c4 and calls it: in that scan its graph holds the cut answer.
    const w = tree({ 'Cargo.toml': toml('\n[dependencies]\nc0 = "1"\nc4 = "1"\n'), 'src/lib.rs': 'pub mod a;\npub mod b;\n', 'src/a.rs': 'pub fn a() { c0::f(); }\n', 'src/b.rs': 'pub fn b() { c4::f(); }\n' }, 'w');
    const v = tree({ 'Cargo.toml': toml('\n[dependencies]\nc4 = "1"\n'), 'src/lib.rs': 'pub mod a;\npub mod b;\n', 'src/a.rs': 'pub fn a() {}\n', 'src/b.rs': 'pub fn b() { c4::f(); }\n' }, 'v');
    const r = warmAsCold([[w, v, { dependencies: deep }]], [v, bump(v), { dependencies: deep }]);
    expect(r.fromModel).toBe(false);
    expect(JSON.parse(r.cold).capabilities.before).toContain('process.spawn');
  });

  it('are counted whatever the order, a kept answer asked too deep included', async () => {
    const { DependencyCaps } = await import('../src/analysis/deps.js');
    const { rulesFor } = await import('../src/index.js');
    const cat = rulesFor().catalogue;
    const direct = new Map([['c0', { package: 'c0', req: '1' }], ['c4', { package: 'c4', req: '1' }]]);
    const run = (source: SummarySet, paths: string[]) => {
      const d = new DependencyCaps(source, cat);
      const caps = paths.map((p) => (d.capsOfPath(direct, p, false) ?? []).map((c) => c.cap).join());
      return { caps, cuts: d.cuts };
    };
    // The middle first: whole; then the start reaches it deeper than its chain allows (kept answer used).
    expect(run(chain(13), ['c4::f', 'c0::f'])).toEqual({ caps: ['process.spawn', 'process.spawn'], cuts: 1 });
    // The start first: cut at the bound, and the middle's kept answer is the cut one.
    expect(run(chain(13), ['c0::f', 'c4::f'])).toEqual({ caps: ['', ''], cuts: 1 });
    expect(run(chain(6), ['c0::f', 'c4::f']).cuts).toBe(0);
    expect(run(chain(6), ['c4::f', 'c0::f']).cuts).toBe(0);
    expect(run(chain(4, true), ['c0::f']).cuts).toBe(1);
  });

  it('a cut is said in the report\'s notes, never passed over in silence', () => {
    const said = (source: SummarySet, a: CrateTree, b: CrateTree) => analyzeTrees(a, b, { dependencies: source }).report.summary.notes.filter((n) => n.startsWith('dependency summaries:'));
    // c0's chain is 13 crates deep: the process it ends in is past the bound, and the report says a call stopped.
    const deep = said(chain(13), x, y);
    expect(deep).toHaveLength(1);
    expect(deep[0]).toMatch(/stopped \d+ time\(s\) at a cycle between summaries or past 8 crates deep/);
    expect(said(chain(4, true), x, y)).toHaveLength(1);
    // Within the bound and without cycles: nothing to say.
    expect(said(chain(6), x, y)).toEqual([]);
  });

  it('a shallow chain without cycles: the model is used', () => {
    const shallow = chain(6);
    expect(warmAsCold([[bump(x, 'w'), x, { dependencies: shallow }]], [x, y, { dependencies: shallow }]).fromModel).toBe(true);
  });
});
