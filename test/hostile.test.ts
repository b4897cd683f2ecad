import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrees, rulesFor } from '../src/index.js';
import { treeFromFiles, emptyTree } from '../src/source/index.js';
import { manifest } from './helpers/fixture.js';
import { hashText } from '../src/parse/text.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..');

function scanLib(lib: string | Buffer, parse?: { fileBudgetMs: number; crateBudgetMs: number }) {
  const files = { 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': lib };
  const t0 = performance.now();
  const { report } = analyzeTrees(treeFromFiles({ 'Cargo.toml': manifest('0.0.9'), 'src/lib.rs': '' }), treeFromFiles(files as Record<string, string | Uint8Array>), parse ? { parse } : {});
  return { report, ms: performance.now() - t0 };
}

describe('hostile source', () => {
  it.each([
    ['100k nested parentheses', `pub fn f() { let x = ${'('.repeat(100_000)}1${')'.repeat(100_000)}; }`],
    ['100k nested blocks', `pub fn f() ${'{'.repeat(100_000)}${'}'.repeat(100_000)}`],
    ['100k nested use lists', `use a${'::{b'.repeat(100_000)}${'}'.repeat(100_000)};`],
    ['100k nested macro groups', `pub fn f() { m!${'('.repeat(100_000)}${')'.repeat(100_000)}; }`],
    ['100k nested generics', `impl Foo${'<'.repeat(100_000)}T${'>'.repeat(100_000)} {}`],
    ['a 4 MB line', `pub const X: &str = "${'a'.repeat(4_000_000)}"; pub fn g() { ${'f();'.repeat(200_000)} }`],
    ['many macros', 'macro_rules! m { () => {} }\n'.repeat(20_000)],
  ])('%s: finishes without crashing', (_name, src) => {
    const { report, ms } = scanLib(src);
    expect(report.schemaVersion).toBe(1);
    expect(ms).toBeLessThan(30_000);
  });

  it('names that are also JavaScript object members do not confuse the scanner', () => {
    const src = [
      'use std::process::Command as constructor;',
      'pub fn toString() {}',
      'pub fn __proto__() {}',
      'pub fn hasOwnProperty() { toString(); __proto__(); valueOf::x(); }',
      'pub fn run() { let _ = constructor::new("sh").spawn(); }',
    ].join('\n');
    const { report } = scanLib(src);
    expect(report.findings.some((f) => f.ruleId === 'shell-exec')).toBe(true);
    const files = { 'Cargo.toml': `${manifest('0.1.0')}\n[features]\n__proto__ = []\nconstructor = []\n`, 'src/lib.rs': '' };
    const r2 = analyzeTrees(treeFromFiles({ 'Cargo.toml': manifest('0.0.9'), 'src/lib.rs': '' }), treeFromFiles(files)).report;
    expect(r2.schemaVersion).toBe(1);
  });

  it('invalid UTF-8 and NUL bytes make a partial file and an unanalysed-code finding', () => {
    const bad = Buffer.concat([Buffer.from('pub fn f() { let s = "'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('"; }\n')]);
    const { report } = scanLib(bad);
    expect(report.summary.partialFiles.map((p) => p.file)).toContain('src/lib.rs');
    expect(report.findings.some((f) => f.ruleId === 'unanalysed-code')).toBe(true);
  });

  it('files rewritten line by line cost bounded time and count as added in full', () => {
    // Every line differs: the edit search would cost the square of 12 000 edits per file. It stops at
    // its bound and the whole file counts as added (more to review, never less).
    const gen = (p: string) => Array.from({ length: 6000 }, (_, i) => `const ${p}${i}: u32 = ${i};`).join('\n');
    // CPU time of this process, not wall time: a shared CI machine's load must not fail the bound.
    const c0 = process.cpuUsage();
    const { report } = analyzeTrees(
      treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': 'mod a;\nmod b;', 'src/a.rs': gen('A'), 'src/b.rs': gen('C') }),
      treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': 'mod a;\nmod b;', 'src/a.rs': gen('B'), 'src/b.rs': gen('D') }),
    );
    const cpu = process.cpuUsage(c0);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(20_000);
    expect(report.summary.linesAdded).toBeGreaterThanOrEqual(12_000);
  }, 90_000);

  it('content identity is a full SHA-256, so a crafted file cannot pass for an unchanged one', () => {
    // Equal hashes mean "same file" (parsed once, renamed unchanged, graph shared): a truncated or
    // weak hash would let a publisher brute-force a changed file into an unchanged one.
    expect(hashText('pub fn f() {}')).toBe(createHash('sha256').update('pub fn f() {}').digest('hex'));
    const r = analyzeTrees(
      treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': '', 'src/a.rs': 'pub fn a() {}' }),
      treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': '', 'src/b.rs': 'pub fn a() { let _ = std::process::Command::new("sh").status(); }' }),
    ).report;
    expect(r.findings.some((f) => f.file === 'src/b.rs' && f.ruleId === 'process-spawn')).toBe(true);
  });

  it('CRLF line endings and a BOM keep line numbers right', () => {
    const { report } = scanLib('\ufeffpub fn f() {\r\n    let _ = std::process::Command::new("sh").status();\r\n}\r\n');
    const f = report.findings.find((x) => x.ruleId === 'process-spawn');
    expect(f?.line).toBe(2);
    expect(report.summary.partialFiles).toEqual([]);
    // The BOM is dropped (as rustc does), so columns on the first line count from the code.
    const one = scanLib('\ufeffpub fn g() { std::process::Command::new("sh").status(); }\n').report.findings.find((x) => x.ruleId === 'process-spawn');
    expect([one?.line, one?.column]).toEqual([1, 14]);
  });

  it('a file over the parse budget is reported, never silently skipped', () => {
    const big = `pub fn f() {\n${'    let _ = (1 + 2) * (3 + 4);\n'.repeat(200_000)}}\n`;
    const { report } = scanLib(big, { fileBudgetMs: 1, crateBudgetMs: 60_000 });
    const p = report.summary.partialFiles.find((x) => x.file === 'src/lib.rs');
    expect(p?.reason).toMatch(/budget/);
    expect(report.findings.some((f) => f.ruleId === 'unanalysed-code' && f.severity !== 'info')).toBe(true);
    expect(report.verdict).not.toBe('pass');
  });

  it('files left when the scan budget runs out are reported', () => {
    const files: Record<string, string> = { 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': 'mod a;' };
    for (let i = 0; i < 30; i++) files[`src/m${i}.rs`] = `pub fn f${i}() {}\n${'// padding\n'.repeat(20_000)}`;
    const { report } = analyzeTrees(emptyTree(), treeFromFiles(files), { parse: { fileBudgetMs: 10_000, crateBudgetMs: 1 } });
    expect(report.summary.partialFiles.some((p) => /scan's 1 ms parsing budget/.test(p.reason))).toBe(true);
    expect(report.findings.some((f) => f.ruleId === 'unanalysed-code')).toBe(true);
  });
});

describe('rule regexes are linear', () => {
  // Every regex a rule compiles, run against inputs built from its own characters: a backtracking
  // blow-up shows as a run far longer than a linear scan of 50 KB.
  const regexes: Array<[string, RegExp]> = [];
  for (const r of rulesFor().rules) {
    if (r.siteText) regexes.push([`${r.spec.id} match.sites.text`, r.siteText]);
    for (const [i, a] of [r.where, ...r.adjust.map((x) => x.cond)].entries()) {
      if (!a) continue;
      for (const k of ['argsRe', 'argsNotRe', 'textRe', 'textNotRe', 'lineRe'] as const) if (a[k]) regexes.push([`${r.spec.id} ${i} ${k}`, a[k]!]);
      for (const [k, re] of Object.entries(a.dataRe ?? {})) regexes.push([`${r.spec.id} ${i} data.${k}`, re]);
    }
  }
  it('collects the rule regexes', () => expect(regexes.length).toBeGreaterThan(20));
  it.each(regexes)('%s', (_name, re) => {
    const alphabet = [...new Set(re.source.replace(/\\[dswbDSWB]/g, 'a1 ').replace(/[\\^$()[\]{}|?*+]/g, ''))].join('') || 'a';
    const inputs = [
      alphabet.repeat(Math.ceil(50_000 / alphabet.length)),
      `${'a'.repeat(50_000)}!`,
      `(${'"'.repeat(25_000)}`,
      `${' '.repeat(25_000)}x`,
      `${'a::'.repeat(15_000)}(`,
    ];
    for (const s of inputs) {
      // CPU time of this process: a backtracking blow-up burns CPU, a loaded machine only adds waiting.
      const c0 = process.cpuUsage();
      re.test(s);
      const c = process.cpuUsage(c0);
      expect((c.user + c.system) / 1000).toBeLessThan(200);
    }
  });
});

describe('cratefence never runs the code it scans', () => {
  it('scans a crate whose build script and proc-macro would leave marker files, and none appear', () => {
    const d = tempDir('cratefence-nexec-');
    const marker = path.join(d, 'MARKER');
    for (const side of ['old', 'new']) mkdirSync(path.join(d, side, 'src'), { recursive: true });
    const toml = (v: string) => `[package]\nname = "trap"\nversion = "${v}"\n\n[lib]\nproc-macro = true\n`;
    writeFileSync(path.join(d, 'old', 'Cargo.toml'), toml('0.1.0'));
    writeFileSync(path.join(d, 'old', 'src', 'lib.rs'), '');
    writeFileSync(path.join(d, 'new', 'Cargo.toml'), toml('0.1.1'));
    writeFileSync(path.join(d, 'new', 'build.rs'), `fn main() { std::fs::write(${JSON.stringify(marker + '.build')}, "ran").unwrap(); }\n`);
    writeFileSync(path.join(d, 'new', 'src', 'lib.rs'), `use proc_macro::TokenStream;\n#[proc_macro]\npub fn m(t: TokenStream) -> TokenStream { std::fs::write(${JSON.stringify(marker + '.macro')}, "ran").unwrap(); t }\n`);
    // No network either: a preload makes every socket and DNS look-up throw.
    const preload = path.join(d, 'no-network.cjs');
    writeFileSync(preload, `const net = require('net'); const dns = require('dns');\nnet.Socket.prototype.connect = () => { throw new Error('network used'); };\ndns.lookup = () => { throw new Error('dns used'); };\n`);
    const r = spawnSync(process.execPath, ['--require', preload, path.join(ROOT, 'bin', 'cratefence.js'), 'diff', path.join(d, 'old'), path.join(d, 'new'), '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.findings.some((f: { ruleId: string }) => f.ruleId === 'build-script-added')).toBe(true);
    expect(existsSync(`${marker}.build`)).toBe(false);
    expect(existsSync(`${marker}.macro`)).toBe(false);
  });
});
