/**
 * C, C++ and assembly sources a build script compiles into the crate: which files they are (from the
 * build script's own string literals: file names, folders, globs) and their facts, parsed with the
 * same per-file time budget as Rust files and charged to the same scan budget. Only what the release
 * changes is parsed: new or changed compiled sources of the new release, and the earlier versions a
 * comparison needs.
 */

import picomatch from 'picomatch';
import { C_FAMILY, parseC, type CFacts } from '../parse/c.js';
import type { ParseCache } from '../parse/parser.js';
import { hashText } from '../parse/text.js';
import { sameBytes } from '../diff/release.js';
import { buildScriptFiles } from '../diff/generated.js';
import type { ReleaseView } from '../diff/types.js';

/** What the scan read of one release's compiled native sources. */
export interface NativeSources {
  /** Compiled sources (path → how the build script names it). */
  compiled: Map<string, string>;
  /** Facts of the compiled sources that were read, by path. */
  facts: Map<string, CFacts>;
  /** The C build tool the build script uses (`cc`, `cmake`…), or null. */
  tool: string | null;
  /** Milliseconds spent parsing native sources of this release. */
  ms: number;
}

const scans = new WeakMap<ReleaseView, NativeSources>();

/** The native sources of a release, as `attachNative` read them (empty when it was not called). */
export function nativeOf(view: ReleaseView): NativeSources {
  return scans.get(view) ?? { compiled: new Map(), facts: new Map(), tool: null, ms: 0 };
}

/** Build-dependency crates and build-script paths that compile native code. */
const TOOL_CRATES = /^(cc|cmake|cxx-build|cxx_build|nasm-rs|nasm_rs|autotools|gcc|cc-version|meson|build-helper)$/;
const TOOL_TEXT = /\b(cc|cmake|cxx_build|nasm_rs|autotools|gcc|meson)\s*::|\bCommand::new\(\s*"(?:cc|gcc|g\+\+|c\+\+|clang|clang\+\+|make|gmake|cmake|ninja|nasm|yasm|meson|cl(?:\.exe)?)"/;
const MAX_COMPILED = 20_000;

/** Native sources the build script compiles: files, folders and globs its string literals name. */
export function compiledSources(view: ReleaseView): { compiled: Map<string, string>; tool: string | null } {
  const compiled = new Map<string, string>();
  const files = buildScriptFiles(view);
  if (files.length === 0) return { compiled, tool: null };
  const text = files.map((f) => f.text).join('\n');
  const dep = view.manifest?.deps.find((d) => d.section === 'build' && TOOL_CRATES.test(d.package));
  const tool = dep?.package ?? TOOL_TEXT.exec(text)?.[0].replace(/\s*::$/, '') ?? null;
  if (!tool) return { compiled, tool };
  const native = [...view.tree.files.keys()].filter((p) => C_FAMILY.test(p));
  if (native.length === 0) return { compiled, tool };
  const add = (p: string, why: string) => {
    if (compiled.size < MAX_COMPILED && !compiled.has(p)) compiled.set(p, why);
  };
  for (const f of files) {
    for (const s of f.facts.sites) {
      if (s.kind !== 'string' || s.text.length > 300 || s.text.includes('\n')) continue;
      const lit = s.text.replace(/^\{[^}]*\}\/?/, '').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
      if (!lit || lit.startsWith('/') || lit.includes('..')) continue;
      const why = `named in ${f.path}:${s.line} ("${s.text.length > 60 ? `${s.text.slice(0, 59)}…` : s.text}")`;
      if (/[*?[\]{}]/.test(lit)) {
        let match: (p: string) => boolean;
        try {
          match = picomatch(lit, { dot: true });
        } catch {
          continue;
        }
        for (const p of native) if (match(p)) add(p, why);
        continue;
      }
      if (view.tree.files.has(lit)) {
        if (C_FAMILY.test(lit)) add(lit, why);
        continue;
      }
      const prefix = lit === '.' ? '' : `${lit}/`;
      let under = false;
      for (const p of native) {
        if (p.startsWith(prefix)) {
          under = true;
          add(p, why);
        }
      }
      // A bare file name joined to a folder elsewhere (`dir.join("adler32.c")`).
      if (!under && C_FAMILY.test(lit) && !lit.includes('/')) for (const p of native) if (p.endsWith(`/${lit}`)) add(p, why);
    }
  }
  return { compiled, tool };
}

/** Parsed native facts by content, shared by the scans of one process (a batch worker sees each release twice). */
const memo = new Map<string, CFacts>();
const MEMO_MAX = 4096;

function factsOf(bytes: Uint8Array, path: string, cache: ParseCache, spent: { ms: number }): CFacts {
  const key = `${hashText(bytes)}|${/\.(s|S|asm)$/.test(path) ? 'asm' : /\.(cc|cpp|cxx|c\+\+|hh|hpp|hxx|ipp|mm)$/.test(path) ? 'c++' : 'c'}`;
  const hit = memo.get(key);
  if (hit) return hit;
  // Native sources share the scan's parsing budget with the Rust files: past it they are not read.
  if (cache.spentMs > cache.options.crateBudgetMs) {
    return { functions: [], calls: {}, refs: [], ctors: [], asm: [], macros: {}, strings: [], errorBytes: 0, partial: true, unparsed: true, assembly: false, lines: 0, bytes: bytes.length, partialReason: `not analysed: the scan's ${cache.options.crateBudgetMs} ms parsing budget ran out before this file` };
  }
  const t0 = performance.now();
  const facts = parseC(bytes, path, cache.options.fileBudgetMs);
  const ms = performance.now() - t0;
  cache.spentMs += ms;
  spent.ms += ms;
  // Facts cut short by a time budget depend on the machine's speed: never kept.
  if (!facts.unparsed && !/budget/.test(facts.partialReason ?? '')) {
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value!);
    memo.set(key, facts);
  }
  return facts;
}

/** True when facts hold anything a native-code rule looks at. */
function eventful(f: CFacts): boolean {
  return !f.skipped && (f.refs.length > 0 || f.ctors.length > 0 || f.asm.length > 0 || f.partial);
}

/**
 * Reads the compiled native sources that the release pair needs: on the new side, those that are new
 * or changed or newly compiled (and, when one of them has a constructor, every compiled source, so
 * that the functions it calls are known); on the old side, the earlier versions of those that hold
 * something, and old sources the new release no longer has (code that may have moved).
 */
export function attachNative(oldV: ReleaseView, newV: ReleaseView, cache: ParseCache): void {
  const o = compiledSources(oldV);
  const n = compiledSources(newV);
  const newScan: NativeSources = { compiled: n.compiled, facts: new Map(), tool: n.tool, ms: 0 };
  const oldScan: NativeSources = { compiled: o.compiled, facts: new Map(), tool: o.tool, ms: 0 };
  scans.set(newV, newScan);
  scans.set(oldV, oldScan);
  if (n.compiled.size === 0) return;
  const spentNew = { ms: 0 };
  const spentOld = { ms: 0 };
  const unchanged = (p: string) => {
    const ob = oldV.tree.files.get(p);
    return o.compiled.has(p) && !!ob && sameBytes(ob, newV.tree.files.get(p)!);
  };
  const paths = [...n.compiled.keys()].sort();
  for (const p of paths) if (!unchanged(p)) newScan.facts.set(p, factsOf(newV.tree.files.get(p)!, p, cache, spentNew));
  if ([...newScan.facts.values()].some((f) => f.ctors.length > 0)) {
    for (const p of paths) if (!newScan.facts.has(p)) newScan.facts.set(p, factsOf(newV.tree.files.get(p)!, p, cache, spentNew));
  }
  for (const [p, f] of newScan.facts) {
    const ob = oldV.tree.files.get(p);
    if (eventful(f) && o.compiled.has(p) && ob) oldScan.facts.set(p, factsOf(ob, p, cache, spentOld));
  }
  for (const p of o.compiled.keys()) {
    if (newV.tree.files.has(p) || oldScan.facts.has(p)) continue;
    oldScan.facts.set(p, factsOf(oldV.tree.files.get(p)!, p, cache, spentOld));
  }
  newScan.ms = spentNew.ms;
  oldScan.ms = spentOld.ms;
}
