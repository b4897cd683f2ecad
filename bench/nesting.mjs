#!/usr/bin/env node
// Deeply nested source, one kind of nesting per scan, each in its own child process so that its time
// and peak memory (maxRSS) are its own. Two scans per kind: a first release (everything added) and a
// diff against a version with one changed line at the innermost level, so extraction, the file diff
// and the item diff all see the whole depth. `node bench/nesting.mjs [--depth 50000] [--kinds mod,fn]`.
// Also used by test/nesting.test.ts (via `--json`) with generous margins.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Source of one nesting kind at depth `n`; `tag` varies the innermost line (old/new). */
export const KINDS = {
  mod: (n, tag) => `${'mod m {\n'.repeat(n)}pub fn f() { ${tag} }\n${'}\n'.repeat(n)}`,
  fn: (n, tag) => `pub fn f() {\n${'fn g() {\n'.repeat(n)}${tag}\n${'}\n'.repeat(n)}}\n`,
  impl: (n, tag) => `pub struct S;\n${'impl S { fn f() {\n'.repeat(n)}${tag}\n${'} }\n'.repeat(n)}`,
  blocks: (n, tag) => `pub fn f() {\n${'{\n'.repeat(n)}${tag}\n${'}\n'.repeat(n)}}\n`,
  closures: (n, tag) => `pub fn f() {\nlet c = ${'|| {\n'.repeat(n)}${tag}\n${'}\n'.repeat(n)};\n}\n`,
  generics: (n, tag) => `pub type T = ${'Vec<'.repeat(n)}u8${'>'.repeat(n)};\npub fn f() { ${tag} }\n`,
  match: (n, tag) => `pub fn f(x: u8) -> u8 {\n${'match x {\n_ => '.repeat(n)}{ ${tag} 0 }\n${'}\n'.repeat(n)}}\n`,
};

const MANIFEST = (v) => `[package]\nname = "deep"\nversion = "${v}"\nedition = "2021"\n`;

/** Runs inside the child: one scan, prints JSON with its figures. */
async function child(kind, depth, mode) {
  const { analyzeTrees } = await import('../dist/index.js');
  const { treeFromFiles, emptyTree } = await import('../dist/source/index.js');
  const gen = KINDS[kind];
  const newTree = treeFromFiles({ 'Cargo.toml': MANIFEST('0.1.1'), 'src/lib.rs': gen(depth, 'let _a = 2;') });
  const oldTree = mode === 'first' ? emptyTree() : treeFromFiles({ 'Cargo.toml': MANIFEST('0.1.0'), 'src/lib.rs': gen(depth, 'let _a = 1;') });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { report } = analyzeTrees(oldTree, newTree);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const rss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({
    kind, depth, mode, ms: Math.round(ms), cpuMs: Math.round((c.user + c.system) / 1000), maxRssMb: Math.round(rss / 2 ** 20), bytes: newTree.files.get('src/lib.rs').length,
    verdict: report.verdict, score: report.score, timings: report.timings,
    unanalysed: report.findings.filter((f) => f.ruleId === 'unanalysed-code').length,
    partial: report.summary.partialFiles.map((p) => p.reason),
  }));
}

/** Runs one kind in a child process; returns its figures (or the failure). */
export function measure(kind, depth, mode, timeoutMs = 600_000) {
  try {
    const out = execFileSync(process.execPath, ['--stack-size=984', fileURLToPath(import.meta.url), '--child', kind, '--depth', String(depth), '--mode', mode], { timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    return JSON.parse(out.toString());
  } catch (e) {
    return { kind, depth, mode, error: (e.signal ? `killed (${e.signal}) after ${timeoutMs} ms` : e.stderr?.toString().split('\n').slice(-5).join(' ')) || e.message };
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({ options: { child: { type: 'string' }, depth: { type: 'string', default: '50000' }, mode: { type: 'string', default: 'diff' }, kinds: { type: 'string' }, json: { type: 'boolean' }, timeout: { type: 'string', default: '600000' } } });
  if (values.child) await child(values.child, Number(values.depth), values.mode);
  else {
    const kinds = values.kinds ? values.kinds.split(',') : Object.keys(KINDS);
    const rows = [];
    if (!values.json) {
      console.log(`Nesting depth ${values.depth}; one child process per scan (wall and CPU time of analyzeTrees, peak RSS of the whole process; \`uptime\` load ${(await import('node:os')).loadavg()[0].toFixed(1)}).`);
      console.log('');
      console.log('| kind | scan | source bytes | wall ms | CPU ms | parse ms | diff ms | peak RSS MB | verdict | unanalysed findings |');
      console.log('|---|---|---|---|---|---|---|---|---|---|');
    }
    for (const kind of kinds) {
      for (const mode of ['first', 'diff']) {
        const r = measure(kind, Number(values.depth), mode, Number(values.timeout));
        rows.push(r);
        if (!values.json) {
          if (r.error) console.log(`| ${kind} | ${mode} | | | | | | | failed: ${r.error} | |`);
          else console.log(`| ${kind} | ${mode} | ${r.bytes} | ${r.ms} | ${r.cpuMs} | ${r.timings.parseMs} | ${r.timings.diffMs} | ${r.maxRssMb} | ${r.verdict} ${r.score} | ${r.unanalysed} |`);
        }
      }
    }
    if (values.json) console.log(JSON.stringify(rows));
  }
}
