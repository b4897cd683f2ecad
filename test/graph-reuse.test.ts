import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesFor, loadSource } from '../src/index.js';
import { DependencyCaps } from '../src/analysis/deps.js';
import { shippedIndex } from '../src/analysis/summary-index.js';
import { treeFromFiles, type CrateTree } from '../src/source/index.js';
import { derivedAndFull, dumpGraph } from './helpers/graph-pair.js';

const rules = rulesFor();
const deps = new DependencyCaps(shippedIndex(rules.dir), rules.catalogue);

const dump = dumpGraph;

/** The new release's graph built from the old one's and in full. */
function graphs(oldTree: CrateTree, newTree: CrateTree, withDeps = false) {
  return derivedAndFull(oldTree, newTree, rules.catalogue, { deps: withDeps ? deps : undefined });
}

const toml = '[package]\nname = "g"\nversion = "0.1.0"\nedition = "2021"\n';
const HELPERS = `
pub fn spawn_it() { std::process::Command::new("ls").status().ok(); }
pub fn quiet() {}
`;
const USER = `
use crate::helpers::*;
pub fn run() { spawn_it(); quiet(); crate::helpers::quiet(); }
pub fn other() { let _ = 1; }
`;

function pair(oldFiles: Record<string, string>, newFiles: Record<string, string>) {
  const base = { 'Cargo.toml': toml, 'src/lib.rs': 'pub mod helpers;\npub mod user;\npub mod extra;\n', 'src/user.rs': USER };
  return graphs(treeFromFiles({ ...base, ...oldFiles }, 'old'), treeFromFiles({ ...base, ...newFiles }, 'new'));
}

describe('the new release call graph built from the old one', () => {
  it('copies the files a body-only change does not reach, and matches a full build', () => {
    const { derived, full } = pair(
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'pub fn e() { let _ = 2; }\n' },
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'pub fn e() { let _ = 3; std::fs::remove_file("x").ok(); }\n' },
    );
    expect(derived.copiedFiles).toBeGreaterThan(0);
    expect(dump(derived)).toBe(dump(full));
  });

  it('resolves again the callers of a function a changed file renames', () => {
    // `quiet` becomes `spawn_quietly`: user.rs is unchanged but its call to `quiet` no longer resolves.
    const renamed = HELPERS.replace('pub fn quiet() {}', 'pub fn spawn_quietly() { std::process::exit(1) }');
    const { derived, full } = pair({ 'src/helpers.rs': HELPERS, 'src/extra.rs': '' }, { 'src/helpers.rs': renamed, 'src/extra.rs': '' });
    expect(dump(derived)).toBe(dump(full));
    expect(full.edges.get('crate::user::run')?.map((e) => e.to)).toEqual(['crate::helpers::spawn_it']);
  });

  it('resolves again the callers of a function a changed file adds under a name they already call', () => {
    // A second `spawn_it` (in extra.rs) makes user.rs's bare call ambiguous: two candidates, approximate edges.
    const { derived, full } = pair(
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'pub fn e() {}\n' },
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'pub fn e() {}\npub fn spawn_it() { std::net::TcpStream::connect("h:1").ok(); }\n' },
    );
    expect(dump(derived)).toBe(dump(full));
    expect(full.edges.get('crate::user::run')?.filter((e) => e.approx).length).toBeGreaterThan(0);
  });

  it('keeps the order of a full build when a changed file comes first in path order', () => {
    const { derived, full } = pair(
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'pub fn e() { unsafe { core::hint::unreachable_unchecked() } }\n' },
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'pub fn e() { quiet(); unsafe { core::hint::unreachable_unchecked() } }\nfn quiet() {}\n' },
    );
    expect(dump(derived)).toBe(dump(full));
  });

  it('finds the calls of a foreign function a changed file declares', () => {
    const caller = 'pub fn go(c: *const u8) { unsafe { system(c); } }\n';
    const { derived, full } = pair(
      { 'src/helpers.rs': HELPERS, 'src/ffi.rs': caller, 'src/extra.rs': 'extern "C" { pub fn getpid() -> i32; }\n' },
      { 'src/helpers.rs': HELPERS, 'src/ffi.rs': caller, 'src/extra.rs': 'extern "C" { pub fn getpid() -> i32; pub fn system(c: *const u8) -> i32; }\n' },
    );
    expect(dump(derived)).toBe(dump(full));
    expect(full.caps.get('crate::ffi::go')?.some((u) => u.foreign !== undefined)).toBe(true);
  });

  it('falls back to a full build when a changed file adds a re-export', () => {
    const { derived, full } = pair(
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': '' },
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'pub use std::process::Command as Job;\n' },
    );
    expect(derived.copiedFiles).toBe(0);
    expect(dump(derived)).toBe(dump(full));
  });

  it('copies files when a changed file only changes a `use` that re-exports nothing', () => {
    const { derived, full } = pair(
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'use std::fmt;\npub fn e() {}\n' },
      { 'src/helpers.rs': HELPERS, 'src/extra.rs': 'use std::fmt::Write;\npub fn e() {}\n' },
    );
    expect(derived.copiedFiles).toBeGreaterThan(0);
    expect(dump(derived)).toBe(dump(full));
  });

  it('resolves again when a changed file re-exports another capability under the same name', () => {
    const user = 'pub fn go() { let _ = crate::extra::Job::new("x"); }\n';
    const { derived, full } = pair(
      { 'src/helpers.rs': HELPERS, 'src/go.rs': user, 'src/extra.rs': 'pub use std::string::String as Job;\n' },
      { 'src/helpers.rs': HELPERS, 'src/go.rs': user, 'src/extra.rs': 'pub use std::process::Command as Job;\n' },
    );
    expect(dump(derived)).toBe(dump(full));
    expect(full.caps.get('crate::go::go')?.map((u) => u.cap).join()).toMatch(/process/);
  });

  it('matches a full build on every corpus case', async () => {
    const corpus = path.join(import.meta.dirname, '..', 'corpus');
    let copied = 0;
    for (const c of readdirSync(corpus)) {
      if (!existsSync(path.join(corpus, c, 'old')) || !existsSync(path.join(corpus, c, 'new'))) continue;
      const [a, b] = await Promise.all([loadSource(path.join(corpus, c, 'old')), loadSource(path.join(corpus, c, 'new'))]);
      const { derived, full } = graphs(a, b, true);
      expect(dump(derived), c).toBe(dump(full));
      copied += derived.copiedFiles;
    }
    expect(copied).toBeGreaterThan(0);
  }, 60_000);

  // The calibration pairs are materialized from git mirrors into bench/.cache (never committed).
  const libc = path.join(import.meta.dirname, '..', 'bench', '.cache', 'rust-lang+libc');
  const real = existsSync(path.join(libc, '0.2.186', 'Cargo.toml'));
  if (!real) console.log('graph-reuse: bench/.cache has no libc 0.2.185/0.2.186 (node bench/parse-floor.mjs fetches them): the real-pair case is skipped');
  it.skipIf(!real)('matches a full build on libc 0.2.185 → 0.2.186, copying the unchanged files', async () => {
    const [a, b] = await Promise.all([loadSource(path.join(libc, '0.2.185')), loadSource(path.join(libc, '0.2.186'))]);
    const { derived, full, files } = graphs(a, b, true);
    expect(dump(derived)).toBe(dump(full));
    expect(derived.copiedFiles).toBeGreaterThan(files - 10);
  }, 60_000);
});
