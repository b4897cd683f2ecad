#!/usr/bin/env node
// False-positive check on Debian's packaged crate sources: downloads librust-NAME-dev packages with
// apt-get (no install; needs `apt-get update` once), unpacks them into bench/.cache/debian and scans
// each crate as a first release. Prints verdicts; ordinary crates should never come out `block`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CACHE } from './lib/pairs.mjs';
import { scanRelease } from '../dist/index.js';

const NAMES = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [
  'libc', 'serde', 'syn', 'regex', 'nom', 'log', 'rand', 'ureq', 'toml', 'bytes', 'memchr', 'itoa', 'anyhow', 'thiserror',
  'base64', 'hex', 'once-cell', 'bitflags', 'cc', 'quote', 'proc-macro2', 'semver', 'url', 'http', 'httparse', 'chrono',
];
const dir = path.join(CACHE, 'debian');
mkdirSync(dir, { recursive: true });
const counts = { pass: 0, review: 0, block: 0 };
for (const name of NAMES) {
  const pkgDir = path.join(dir, name);
  if (!existsSync(pkgDir)) {
    mkdirSync(pkgDir, { recursive: true });
    try {
      execFileSync('apt-get', ['download', `librust-${name}-dev`], { cwd: pkgDir, stdio: 'ignore' });
      const deb = readdirSync(pkgDir).find((f) => f.endsWith('.deb'));
      execFileSync('dpkg', ['-x', deb, 'x'], { cwd: pkgDir });
    } catch {
      console.log(`${name}: not available from apt (${`librust-${name}-dev`})`);
      continue;
    }
  }
  const reg = path.join(pkgDir, 'x', 'usr', 'share', 'cargo', 'registry');
  if (!existsSync(reg)) continue;
  for (const crate of readdirSync(reg)) {
    const t0 = performance.now();
    const r = await scanRelease(path.join(reg, crate));
    counts[r.verdict]++;
    const top = [...r.findings].sort((a, b) => (b.points ?? 0) - (a.points ?? 0))[0];
    console.log(`${crate}: ${r.verdict} ${r.score} (${r.findings.filter((f) => f.severity !== 'info').length} findings, ${(performance.now() - t0).toFixed(0)} ms)${top?.points ? ` top: ${top.ruleId} ${top.file}:${top.line}` : ''}`);
  }
}
console.log(`\n${counts.pass} pass, ${counts.review} review, ${counts.block} block`);
