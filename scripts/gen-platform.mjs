#!/usr/bin/env node
// Generates the platform tables of rules/data/platform/ (`npm run gen:platform`):
//   std.json      every function and method of std::{fs,net,process,env} and std::os::*::{fs,net,process},
//                 enumerated from the std documentation the rustup toolchain ships;
//   libc.json, winapi.json   every foreign function and static the crates declare, by C / Win32 name;
//   nix.json, rustix.json    every public function and method of the wrappers, by public path;
//   syscalls.json system call numbers per architecture, from libc's SYS_* constants.
// Each name is classified by scripts/gen-platform-classes.mjs; only classified names are written (the
// counts of everything enumerated are kept beside them). No source text is copied: names, numbers and
// capabilities only. Crate sources come from Debian's packages (apt-get download, dpkg -x), pinned to
// the versions below, so a rerun on the same toolchain writes the same bytes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SUPPLEMENT, classifyFfi, classifyStd, classifyWrapper } from './gen-platform-classes.mjs';
import { docsVersion, enumerateStd } from './gen-platform-std.mjs';
import { evalSysValue, extractCrate, publicModules } from './gen-platform-ffi.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'rules', 'data', 'platform');

/** Debian packages read, pinned: crate name → package version. */
const PACKAGES = {
  libc: '0.2.139-1',
  nix: '0.26.1-3',
  rustix: '0.35.12-1',
  winapi: '0.3.9-1+b1',
};

/** libc's arch files for the system call tables (glibc targets). */
const SYSCALL_FILES = {
  x86_64: ['src/unix/linux_like/linux/gnu/b64/x86_64/not_x32.rs'],
  x86: ['src/unix/linux_like/linux/gnu/b32/x86/mod.rs'],
  aarch64: ['src/unix/linux_like/linux/gnu/b64/aarch64/mod.rs', 'src/unix/linux_like/linux/gnu/b64/aarch64/lp64.rs'],
  arm: ['src/unix/linux_like/linux/gnu/b32/arm/mod.rs'],
  riscv64: ['src/unix/linux_like/linux/gnu/b64/riscv64/mod.rs'],
};

const { values } = parseArgs({
  options: {
    sources: { type: 'string', default: path.join(ROOT, 'bench', '.cache', 'platform') },
    docs: { type: 'string' },
    // Compare with the checked-in files instead of writing them; exit 1 when any differs.
    check: { type: 'boolean' },
  },
});

function fail(msg) {
  console.error(`gen-platform: ${msg}`);
  process.exit(2);
}

/** The unpacked crate folder of a pinned Debian package, downloaded on first use. */
function crateDir(name) {
  const version = PACKAGES[name];
  const dir = path.join(values.sources, name);
  const registry = path.join(dir, 'x', 'usr', 'share', 'cargo', 'registry');
  const want = `${name}-${version.replace(/-[^-]*$/, '')}`;
  if (!existsSync(path.join(registry, want))) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('apt-get', ['download', `librust-${name}-dev=${version}`], { cwd: dir, stdio: 'ignore' });
      const deb = readdirSync(dir).find((f) => f.startsWith(`librust-${name}-dev_`) && f.endsWith('.deb'));
      execFileSync('dpkg', ['-x', deb, 'x'], { cwd: dir });
    } catch {
      fail(`cannot get librust-${name}-dev=${version} (apt-get download; run apt-get update first, or pass --sources DIR holding ${name}/x/usr/share/cargo/registry/${want})`);
    }
  }
  if (!existsSync(path.join(registry, want))) fail(`no ${want} under ${registry}`);
  return { dir: path.join(registry, want), source: `${want.replace(/-(?=\d)/, ' ')} (Debian librust-${name}-dev ${version})` };
}

function docsDir() {
  if (values.docs) return values.docs;
  const home = process.env.RUSTUP_HOME ?? path.join(os.homedir(), '.rustup');
  const tc = path.join(home, 'toolchains');
  const stable = existsSync(tc) ? readdirSync(tc).find((t) => t.startsWith('stable-')) : undefined;
  if (!stable) fail(`no rustup stable toolchain under ${tc} (pass --docs DIR: the toolchain's share/doc/rust/html)`);
  return path.join(tc, stable, 'share', 'doc', 'rust', 'html');
}

const sorted = (entries) => Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** JSON with one table entry per line: small diffs when a table changes. */
function write(file, header, tables) {
  const lines = ['{'];
  for (const [k, v] of Object.entries(header)) lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  const names = Object.keys(tables);
  names.forEach((t, ti) => {
    const rows = Object.entries(tables[t]);
    lines.push(`  ${JSON.stringify(t)}: {`);
    rows.forEach(([k, v], i) => lines.push(`    ${JSON.stringify(k)}: ${JSON.stringify(v)}${i < rows.length - 1 ? ',' : ''}`));
    lines.push(`  }${ti < names.length - 1 ? ',' : ''}`);
  });
  lines.push('}', '');
  const text = lines.join('\n');
  const dest = path.join(OUT, file);
  if (values.check) {
    const same = existsSync(dest) && readFileSync(dest, 'utf8') === text;
    if (!same) stale.push(file);
  } else writeFileSync(dest, text);
  return text.length;
}

const stale = [];

const GENERATED = 'generated by scripts/gen-platform.mjs; do not edit';

function genStd() {
  const html = docsDir();
  const items = enumerateStd(path.join(html, 'std'));
  if (items.length === 0) fail(`no std items found under ${html}/std`);
  const paths = new Map();
  for (const i of items) {
    const cap = classifyStd(i.module, i.type, i.name);
    if (cap) paths.set(i.path, cap);
  }
  return { file: 'std.json', header: { note: GENERATED, source: `std documentation of Rust ${docsVersion(html)}`, enumerated: items.length, classified: paths.size }, tables: { paths: sorted(paths) } };
}

/** Foreign functions and statics by name (libc, winapi). */
function genSymbols(name, extra = []) {
  const { dir, source } = crateDir(name);
  const declared = new Set();
  for (const f of extractCrate(path.join(dir, 'src'))) {
    for (const x of f.foreign) declared.add(x.name);
    for (const x of f.statics) declared.add(x.name);
  }
  const symbols = new Map();
  for (const n of declared) {
    const cap = classifyFfi(n);
    if (cap) symbols.set(n, cap);
  }
  const supplement = extra.filter((n) => !declared.has(n) && classifyFfi(n));
  for (const n of supplement) symbols.set(n, classifyFfi(n));
  const header = { note: GENERATED, source, declared: declared.size, classified: symbols.size };
  if (supplement.length > 0) header.supplement = supplement;
  return { file: `${name}.json`, header, tables: { symbols: sorted(symbols) }, dir };
}

/** Public functions and inherent methods of a wrapper crate by public path (nix, rustix). */
function genWrappers(name) {
  const { dir, source } = crateDir(name);
  const files = extractCrate(path.join(dir, 'src'));
  const visible = publicModules(files);
  const all = new Set();
  const paths = new Map();
  // Free-function names with one capability wherever the crate declares them: the scanner's fallback
  // for paths these tables do not spell out (re-exports, other versions of the crate).
  const byName = new Map();
  for (const f of files) {
    for (const x of [...f.fns, ...f.methods]) {
      const mod = visible(x.module);
      if (!mod) continue;
      const module = [name, ...mod].join('::');
      const full = x.type ? `${module}::${x.type}::${x.name}` : `${module}::${x.name}`;
      all.add(full);
      const cap = classifyWrapper(module, x.type ?? null, x.name);
      if (cap) paths.set(full, cap);
      if (!x.type) {
        if (!byName.has(x.name)) byName.set(x.name, new Set());
        byName.get(x.name).add(cap);
      }
    }
  }
  // Only C-named wrappers: a ptrace `step` or `cont` means something else anywhere else.
  const names = new Map([...byName].filter(([n, caps]) => caps.size === 1 && [...caps][0] !== null && classifyFfi(n) === [...caps][0]).map(([n, caps]) => [n, [...caps][0]]));
  return { file: `${name}.json`, header: { note: GENERATED, source, declared: all.size, classified: paths.size }, tables: { paths: sorted(paths), names: sorted(names) } };
}

function genSyscalls(libcDir) {
  const tables = {};
  const names = new Map();
  let count = 0;
  for (const [arch, files] of Object.entries(SYSCALL_FILES)) {
    const byNumber = new Map();
    for (const rel of files) {
      const rec = extractCrate(path.dirname(path.join(libcDir, rel))).find((f) => f.file === path.basename(rel));
      if (!rec) fail(`no ${rel} in ${libcDir}`);
      for (const c of rec.consts) {
        const n = evalSysValue(c.value);
        if (n === null) continue;
        const sys = c.name.replace(/^SYS_/, '');
        if (!byNumber.has(n)) byNumber.set(n, sys);
        const cap = classifyFfi(sys);
        if (cap && cap !== 'syscall.raw') names.set(sys, cap);
      }
    }
    count += byNumber.size;
    tables[arch] = Object.fromEntries([...byNumber].sort((a, b) => a[0] - b[0]).map(([n, s]) => [String(n), s]));
  }
  return { file: 'syscalls.json', header: { note: GENERATED, source: `SYS_* constants of libc (glibc targets: ${Object.keys(SYSCALL_FILES).join(', ')})`, numbers: count, classified: names.size }, tables: { names: sorted(names), ...tables } };
}

mkdirSync(OUT, { recursive: true });
const libc = genSymbols('libc');
const outputs = [genStd(), libc, genSymbols('winapi', SUPPLEMENT), genWrappers('nix'), genWrappers('rustix'), genSyscalls(libc.dir)];
for (const o of outputs) {
  const bytes = write(o.file, o.header, o.tables);
  const h = o.header;
  console.log(`${o.file}: ${h.classified} classified of ${h.enumerated ?? h.declared ?? h.numbers} (${h.source}), ${bytes} bytes`);
}
if (values.check) {
  if (stale.length > 0) {
    console.error(`gen-platform: out of date: ${stale.join(', ')} (run npm run gen:platform)`);
    process.exit(1);
  }
  console.log('gen-platform: the checked-in tables are what the sources give');
}
