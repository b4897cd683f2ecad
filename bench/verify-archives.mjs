#!/usr/bin/env node
// Differential check of the archive reader against the real cargo. Every layout of
// test/helpers/archive-layouts.ts (the hostile layouts of issue 10 and an honest control) is
// published into a throw-away local registry, a dummy workspace depending on it runs
// `cargo fetch --offline` with a temporary CARGO_HOME (cargo downloads nothing, builds nothing, runs
// nothing: it only unpacks), and the tree cargo left in CARGO_HOME/registry/src is compared file by
// file with the tree cratefence read from the same bytes. Prints a table; exits 1 on any layout
// where both read a tree and the trees differ, or where cargo's tree is not the one the test expects.
// The first row is a crate written by the real `cargo package`, the next ones the same crate written
// by Python's tarfile and GNU tar: each must read without a critical finding.
// Needs `npm run build` (the script is run through `npm run verify:archives`) and cargo on PATH.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { analyzeTrees, emptyTree } from '../dist/index.js';
import { DEFAULT_LIMITS, readArchiveBytes } from '../dist/source/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'cratefence-verify-archives-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const cargoVersion = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (cargoVersion.status !== 0) {
  console.error('cargo is not installed: nothing to compare against');
  process.exit(2);
}

// The layouts are TypeScript shared with the vitest suite; bundle them once for this script. The
// bundle goes under node_modules/.cache so its (external) package imports resolve.
const cacheDir = mkdtempSync(path.join(here, '..', 'node_modules', '.cache-verify-archives-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
const helpers = path.join(here, '..', 'test', 'helpers');
await build({ entryPoints: [path.join(helpers, 'archive-layouts.ts'), path.join(helpers, 'tar-arbitrary.ts')], bundle: true, packages: 'external', platform: 'node', format: 'esm', outdir: cacheDir, outExtension: { '.js': '.mjs' }, logLevel: 'error' });
const { LAYOUTS: FIXED, NAME, VERSION } = await import(pathToFileURL(path.join(cacheDir, 'archive-layouts.mjs')).href);

// `--random N [--seed S]`: also N structures from the fuzzer's tar generator, same comparison.
const { values: opts } = parseArgs({ options: { random: { type: 'string', default: '0' }, seed: { type: 'string', default: '1' } } });
const random = [];
if (Number(opts.random) > 0) {
  const { tarCase, buildCase } = await import(pathToFileURL(path.join(cacheDir, 'tar-arbitrary.mjs')).href);
  const { default: fc } = await import('fast-check');
  fc.sample(tarCase, { numRuns: Number(opts.random), seed: Number(opts.seed) }).forEach((c, i) => {
    random.push({ id: `random-${i}`, what: JSON.stringify(c).slice(0, 200), bytes: () => buildCase(c), expect: null });
  });
}

/** A crate packaged by the real `cargo package` (a path over 100 bytes included): the honest reference, which must give no finding. */
function cargoPackaged() {
  const dir = path.join(work, 'packaged');
  const deep = `tests/${'fixtures/'.repeat(12)}case.rs`;
  for (const [rel, body] of [['Cargo.toml', `[package]\nname = "${NAME}"\nversion = "${VERSION}"\nedition = "2021"\nlicense = "MIT"\ndescription = "x"\n`], ['src/lib.rs', 'pub fn f() {}\n'], [deep, '// deep\n'], ['src/sub/data.txt', 'x\n']]) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), body);
  }
  const r = spawnSync('cargo', ['package', '--no-verify', '--offline', '--allow-dirty'], { cwd: dir, env: { ...process.env, CARGO_HOME: path.join(work, 'packaged-home') }, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`cargo package failed: ${r.stderr}`);
  const bytes = readFileSync(path.join(dir, 'target', 'package', `${NAME}-${VERSION}.crate`));
  return { id: 'cargo-package', what: 'written by the real cargo package', bytes: () => bytes, expect: null, honest: true };
}
/**
 * The same crate written by other tools an honest publisher might use: Python's tarfile (PAX, its
 * default, with an mtime record per file; and GNU) and GNU tar --format=pax (mtime, atime, ctime
 * per file). Their metadata records change nothing cargo or any other reader unpacks, so they too
 * must read with no critical finding. A tool that is not installed is left out, and said so.
 */
function toolWritten() {
  const dir = path.join(work, 'tools');
  const top = `${NAME}-${VERSION}`;
  for (const [rel, body] of [['Cargo.toml', `[package]\nname = "${NAME}"\nversion = "${VERSION}"\nedition = "2021"\n`], ['src/lib.rs', 'pub fn f() {}\n'], ['src/sub/data.txt', 'x\n']]) {
    mkdirSync(path.dirname(path.join(dir, top, rel)), { recursive: true });
    writeFileSync(path.join(dir, top, rel), body);
  }
  const rows = [];
  const made = (id, what, file, cmd, args) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) return console.error(`${id}: left out (${cmd} ${r.error ? 'is not installed' : `failed: ${r.stderr.trim()}`})`);
    const bytes = readFileSync(path.join(dir, file));
    rows.push({ id, what, bytes: () => bytes, expect: null, honest: true });
  };
  const py = (fmt, file) => `import tarfile\nwith tarfile.open(${JSON.stringify(file)}, 'w:gz'${fmt ? `, format=tarfile.${fmt}` : ''}) as t: t.add(${JSON.stringify(top)})\n`;
  made('python-tarfile-default', "Python tarfile's default format (PAX)", 'py-default.crate', 'python3', ['-c', py(null, 'py-default.crate')]);
  made('python-tarfile-gnu', 'Python tarfile, GNU format', 'py-gnu.crate', 'python3', ['-c', py('GNU_FORMAT', 'py-gnu.crate')]);
  made('gnu-tar-pax', 'GNU tar --format=pax', 'gnutar-pax.crate', 'tar', ['--format=pax', '-czf', 'gnutar-pax.crate', top]);
  return rows;
}
const LAYOUTS = [cargoPackaged(), ...toolWritten(), ...FIXED, ...random];

/** Index file path of a crate name in the registry index layout. */
function indexPath(name) {
  if (name.length <= 2) return path.join(String(name.length), name);
  if (name.length === 3) return path.join('3', name[0], name);
  return path.join(name.slice(0, 2), name.slice(2, 4), name);
}

/** The tree as a build would read it: regular files, and links followed to files; links to folders and to nothing skipped. */
function diskTree(root) {
  const out = {};
  const walk = (dir, rel) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (r === '.cargo-ok') continue;
      const st = lstatSync(abs);
      if (st.isDirectory()) walk(abs, r);
      else if (st.isSymbolicLink()) {
        let t;
        try {
          t = statSync(abs);
        } catch {
          continue;
        }
        if (t.isFile()) out[r] = readFileSync(abs).toString('utf8');
      } else if (st.isFile()) out[r] = readFileSync(abs).toString('utf8');
    }
  };
  walk(root, '');
  return out;
}

/** Unpacks the bytes with the real cargo; returns its tree, or its error. */
function cargoUnpack(id, bytes) {
  const base = path.join(work, id);
  const reg = path.join(base, 'registry');
  const home = path.join(base, 'cargo-home');
  const ws = path.join(base, 'ws');
  mkdirSync(path.join(reg, 'index', path.dirname(indexPath(NAME))), { recursive: true });
  mkdirSync(home, { recursive: true });
  mkdirSync(path.join(ws, 'src'), { recursive: true });
  writeFileSync(path.join(reg, `${NAME}-${VERSION}.crate`), bytes);
  const cksum = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(path.join(reg, 'index', indexPath(NAME)), `${JSON.stringify({ name: NAME, vers: VERSION, deps: [], cksum, features: {}, yanked: false })}\n`);
  writeFileSync(path.join(home, 'config.toml'), `[source.crates-io]\nreplace-with = "local"\n[source.local]\nlocal-registry = ${JSON.stringify(reg)}\n[net]\noffline = true\n`);
  writeFileSync(path.join(ws, 'Cargo.toml'), `[package]\nname = "verify-ws"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n${NAME} = "=${VERSION}"\n`);
  writeFileSync(path.join(ws, 'src', 'lib.rs'), '');
  const r = spawnSync('cargo', ['fetch', '--offline'], { cwd: ws, env: { ...process.env, CARGO_HOME: home, CARGO_TERM_COLOR: 'never' }, encoding: 'utf8', timeout: 120_000 });
  const srcRoot = path.join(home, 'registry', 'src');
  const unpacked = existsSync(srcRoot) ? readdirSync(srcRoot).map((d) => path.join(srcRoot, d, `${NAME}-${VERSION}`)).find((d) => existsSync(path.join(d, '.cargo-ok'))) : undefined;
  if (unpacked) return { tree: diskTree(unpacked) };
  // cargo's last "Caused by" line is the tar-rs or unpack reason.
  const lines = (r.stderr || r.error?.message || '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^(Caused by:|Locking|Unpacking|Downloading|Adding)/.test(l));
  return { error: lines[lines.length - 1] ?? `exit ${r.status}` };
}

async function cratefenceRead(bytes) {
  try {
    const tree = await readArchiveBytes(bytes, DEFAULT_LIMITS, `${NAME}-${VERSION}.crate`);
    const files = Object.fromEntries([...tree.files].map(([p, d]) => [p, Buffer.from(d).toString('utf8')]));
    const { report } = analyzeTrees(emptyTree(), tree);
    const critical = report.findings.filter((f) => f.ruleId === 'archive-ambiguity' && f.severity === 'critical').length;
    return { tree: files, verdict: report.verdict, critical };
  } catch (e) {
    if (e?.name !== 'InputError') throw e;
    return { error: e.message };
  }
}

const sorted = (t) => JSON.stringify(Object.keys(t).sort().map((k) => [k, t[k]]));
function diff(a, b) {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => a[k] !== b[k]).map((k) => (k in a ? (k in b ? `${k} differs` : `${k} only cargo`) : `${k} only cratefence`));
}

const rows = [];
let bad = 0;
for (const l of LAYOUTS) {
  const bytes = l.bytes();
  const cargo = cargoUnpack(l.id, bytes);
  const cf = await cratefenceRead(bytes);
  let result;
  let ok = true;
  if (cargo.tree && cf.tree) {
    const d = diff(cargo.tree, cf.tree);
    ok = d.length === 0;
    result = ok ? `same tree (${Object.keys(cargo.tree).length} files)` : `DIFFERENT: ${d.join(', ')}`;
  } else if (cargo.tree) {
    result = 'cratefence refuses, cargo unpacks';
  } else if (cf.tree) {
    result = 'cargo refuses, cratefence reads';
  } else result = 'both refuse';
  // The vitest suite's expectation must be what cargo really does.
  if (ok && l.expect && 'files' in l.expect && cargo.tree && sorted(cargo.tree) !== sorted(l.expect.files)) {
    ok = false;
    result += `; TEST EXPECTATION WRONG (${diff(cargo.tree, l.expect.files).join(', ')})`;
  }
  if (ok && l.expect && 'refuse' in l.expect && cf.tree) {
    ok = false;
    result += '; cratefence should refuse';
  }
  if (ok && l.honest && cf.tree && cf.critical > 0) {
    ok = false;
    result += '; a critical finding on what cargo package wrote';
  }
  if (!ok) bad++;
  const cfCol = cf.tree ? `${cf.verdict}${cf.critical ? ` (${cf.critical} critical)` : ''}` : 'exit 2';
  const cargoCol = cargo.tree ? 'unpacks' : `refuses: ${cargo.error.slice(0, 70)}`;
  rows.push([l.id, cargoCol, cfCol, result]);
}

const head = ['layout', 'cargo', 'cratefence', 'comparison'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`${cargoVersion.stdout.trim()}; ${LAYOUTS.length - random.length} layouts (one written by cargo package, ${LAYOUTS.filter((l) => l.honest).length - 1} by other tools)${random.length ? ` and ${random.length} generated structures (seed ${opts.seed})` : ''}`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(bad === 0 ? 'no difference' : `${bad} layout(s) differ`);
process.exit(bad === 0 ? 0 : 1);
