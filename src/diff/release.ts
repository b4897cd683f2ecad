import { isUtf8 } from 'node:buffer';
import type { CrateTree } from '../source/types.js';
import type { ParseCache } from '../parse/parser.js';
import { ManifestError, parseManifest, type Manifest } from './manifest.js';
import type { FileRole, ReleaseView, RustFile } from './types.js';
import type { FileFacts } from '../parse/types.js';
import { buildScriptFacts, GENERATED_PREFIX, includerOf } from './generated.js';

const NOT_SHIPPED = new Set<string>(['test', 'bench', 'example']);

/** Code of this role ends up in what users build (not tests, benches or examples). */
export function isShippedRole(role: string): boolean {
  return !NOT_SHIPPED.has(role);
}

/** True for content a reviewer cannot read as text: NUL bytes or invalid UTF-8. */
export function isBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return true;
  return !isUtf8(bytes);
}

/** True when two contents are byte for byte the same. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

/** Decides when a file's code runs, from its path and the manifest. */
export function roleOf(path: string, buildPath: string | undefined, procMacro: boolean, libPath = 'src/lib.rs'): FileRole {
  if (path === buildPath) return 'build';
  // The library root is wherever `[lib] path` puts it, even under `examples/` or `tests/`.
  if (path === libPath) return procMacro ? 'proc-macro' : 'lib';
  if (path.startsWith('tests/')) return 'test';
  if (path.startsWith('benches/')) return 'bench';
  if (path.startsWith('examples/')) return 'example';
  if (path === 'src/main.rs' || path.startsWith('src/bin/')) return 'bin';
  if (path.startsWith('src/')) return procMacro ? 'proc-macro' : 'lib';
  return 'other';
}

/** Module path for the items of a file, stable across releases for the same file path. */
export function moduleOf(path: string, libPath: string): string {
  if (path === libPath) return 'crate';
  if (path === 'src/main.rs') return 'main';
  const noExt = path.replace(/\.rs$/, '').replace(/\/(mod|main)$/, '');
  const segs = noExt.split('/').map((s) => s.replace(/[^A-Za-z0-9_]/g, '_'));
  if (segs[0] === 'src') {
    if (segs[1] === 'bin') return `bin::${segs.slice(2).join('::')}`;
    return ['crate', ...segs.slice(1)].join('::');
  }
  return segs.join('::');
}

/**
 * The `.rs` files of a release in the order they are parsed: the build script, then the library or
 * proc-macro root, then files that differ from `counterpart` (the other release: changed code is what
 * the review is about) with shipped roles before tests, benches and examples, then the rest; path order
 * within each rank. Parsing is by content and gives the same facts in any order: the order only decides
 * which files a spent scan budget leaves unanalysed.
 */
export function parseOrder(paths: string[], tree: CrateTree, buildPath: string | undefined, procMacro: boolean, libPath: string, counterpart?: CrateTree): string[] {
  const rank = (p: string): number => {
    if (p === buildPath) return 0;
    if (p === libPath) return 1;
    const other = counterpart?.files.get(p);
    const mine = tree.files.get(p)!;
    const changed = !other || !sameBytes(other, mine);
    const shipped = isShippedRole(roleOf(p, buildPath, procMacro, libPath));
    return changed ? (shipped ? 2 : 3) : shipped ? 4 : 5;
  };
  return paths.filter((p) => p.endsWith('.rs')).map((p) => ({ p, r: rank(p) })).sort((a, b) => a.r - b.r || (a.p < b.p ? -1 : a.p > b.p ? 1 : 0)).map((x) => x.p);
}

/** Parses every Rust file of a release (through the shared cache) and indexes its items by qualified path. */
export function buildRelease(tree: CrateTree, cache: ParseCache, progress?: (done: number, total: number) => void, earlier?: CrateTree, counterpart: CrateTree | undefined = earlier): ReleaseView {
  let manifest: Manifest | null = null;
  let manifestError: string | undefined;
  const mbytes = tree.files.get('Cargo.toml');
  if (mbytes) {
    try {
      manifest = parseManifest(Buffer.from(mbytes).toString('utf8'));
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      manifestError = e.message;
    }
  } else if (tree.files.size > 0) manifestError = 'no Cargo.toml at the crate root';
  const buildPath = manifest?.build === false ? undefined : manifest?.build ?? (tree.files.has('build.rs') ? 'build.rs' : undefined);
  const procMacro = manifest?.procMacro ?? false;
  const libPath = manifest?.libPath ?? 'src/lib.rs';
  const view: ReleaseView = {
    label: tree.label,
    tree,
    manifest,
    manifestError,
    name: manifest?.name ?? tree.topFolder?.replace(/-\d+\.\d+\.\d+.*$/, ''),
    version: manifest?.version ?? /-(\d+\.\d+\.\d+.*)$/.exec(tree.topFolder ?? '')?.[1],
    buildPath,
    procMacro,
    rust: new Map(),
    binaries: new Set(),
    items: new Map(),
    keyOf: new Map(),
  };
  const paths = [...tree.files.keys()].sort();
  // The earlier release's syntax trees are kept only as bases for incrementally parsing the files
  // that differ in the later one (a tree costs ~75 bytes per source byte outside the JavaScript heap):
  // a file the other release has unchanged, or does not have, never needs its tree again.
  const keepTree = (path: string): boolean => {
    if (earlier !== undefined) return false;
    if (counterpart === undefined) return true;
    const other = counterpart.files.get(path);
    return other !== undefined && !sameBytes(other, tree.files.get(path)!);
  };
  const parseAs = (path: string, module: string, role: FileRole, bytes?: Uint8Array): RustFile => {
    // A changed file is parsed incrementally from its version in the earlier release.
    const parsed = cache.parse(bytes ?? tree.files.get(path)!, earlier?.files.get(path), keepTree(path));
    const file: RustFile = {
      path, role, module, facts: parsed.facts, lineDiff: parsed.lineDiff,
      // Read from the content's entry: a stored file's text is decoded on first use (see ParseCache.parse).
      get text() {
        return parsed.text;
      },
      // The tree belongs to the content, which other files may share; it can be handed on to an
      // incremental parse later, so it is read from the content's entry, never copied.
      get tree() {
        return cache.treeOf(parsed);
      },
    };
    view.rust.set(path, file);
    return file;
  };
  // Parse first what matters most, so that a scan whose time budget runs out leaves the least important
  // files unanalysed (see parseOrder); the views below are still built in path order from the cache.
  for (const path of parseOrder(paths, tree, buildPath, procMacro, libPath, counterpart)) cache.parse(tree.files.get(path)!, earlier?.files.get(path), keepTree(path));
  const rsTotal = paths.filter((p) => p.endsWith('.rs')).length;
  let rsDone = 0;
  for (const path of paths) {
    const bytes = tree.files.get(path)!;
    if (!path.endsWith('.rs')) {
      if (isBinary(bytes)) view.binaries.add(path);
      continue;
    }
    parseAs(path, moduleOf(path, libPath), roleOf(path, buildPath, procMacro, libPath));
    progress?.(++rsDone, rsTotal);
  }
  // Rust the build script writes into OUT_DIR and the crate include!s is parsed as the crate's own code.
  view.buildScript = buildScriptFacts(view);
  for (const [i, g] of (view.buildScript?.generated ?? []).entries()) {
    const at = g.known > 0 ? includerOf(view, g) : null;
    if (!at) continue;
    g.path = `${GENERATED_PREFIX}${g.name ?? `unnamed-${i + 1}.rs`}`;
    parseAs(g.path, at.module, at.role, Buffer.from(g.text, 'utf8'));
  }
  // `#[path = "..."]` modules and `include!("...")` pull in files by name, whatever their extension.
  // Parse those too (a payload in `assets/icons.dat` is still Rust) and give #[path] modules the
  // module path they are declared with.
  const queue = [...view.rust.values()];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const dir = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : '';
    const targets: Array<{ path: string; module: string }> = [];
    for (const m of file.facts.mods) {
      if (m.pathAttrs.length === 0 || m.inline) continue;
      const declaring = [file.module === 'main' ? 'crate' : file.module, ...m.inlineParents].join('::');
      for (const p of m.pathAttrs) {
        const t = pathTarget(tree, dir, m.inlineParents, p);
        if (t) targets.push({ path: t, module: `${declaring}::${m.name}` });
      }
    }
    // A plain `mod name;` in shipped code makes its file shipped too, wherever it lives (a library
    // whose root `[lib] path` moved under `examples/` keeps its modules there).
    if (isShippedRole(file.role)) {
      for (const m of file.facts.mods) {
        if (m.inline || m.pathAttrs.length > 0 || !m.name || file.facts.items[m.item]?.test) continue;
        const base = file.path.endsWith('/mod.rs') || file.path === libPath || file.path === view.buildPath || /(^|\/)(lib|main)\.rs$/.test(file.path) ? dir : file.path.replace(/\.rs$/, '');
        const nested = [base, ...m.inlineParents].filter(Boolean).join('/');
        for (const cand of [`${nested ? `${nested}/` : ''}${m.name}.rs`, `${nested ? `${nested}/` : ''}${m.name}/mod.rs`]) {
          const existing = view.rust.get(cand);
          if (existing && !isShippedRole(existing.role)) {
            existing.role = file.role;
            existing.module = [file.module === 'main' ? 'crate' : file.module, ...m.inlineParents, m.name].join('::');
            queue.push(existing);
          }
        }
      }
    }
    for (const s of file.facts.sites) {
      if (s.kind !== 'macro' || !/^(std::)?include$/.test(s.text)) continue;
      const lit = /^\(\s*"([^"]+)"\s*\)$/.exec(s.args ?? '')?.[1];
      if (lit) targets.push({ path: joinRel(dir, lit), module: file.module });
    }
    for (const t of targets) {
      if (!t.path || !tree.files.has(t.path)) continue;
      const existing = view.rust.get(t.path);
      if (existing) {
        existing.module = t.module;
        // A test, bench or example file compiled into shipped code ships too (and so do its own
        // `#[path]` modules: look at it again with its new role).
        if (!isShippedRole(existing.role) && isShippedRole(file.role)) {
          existing.role = file.role;
          queue.push(existing);
        }
        continue;
      }
      view.binaries.delete(t.path);
      queue.push(parseAs(t.path, t.module, file.role));
    }
  }
  // Same-named items (cfg variants, repeated macros) get `#2`, `#3`… in file order; the counter keeps
  // this linear however many there are.
  const dupes = new Map<string, number>();
  for (const file of [...view.rust.values()].sort((x, y) => (x.path < y.path ? -1 : 1))) {
    const base = baseKeys(file.module, file.facts);
    let own: string[] | undefined;
    const items = file.facts.items;
    for (let i = 0; i < items.length; i++) {
      let key = base[i];
      if (view.items.has(key)) {
        let n = dupes.get(key) ?? 2;
        while (view.items.has(`${key}#${n}`)) n++;
        dupes.set(key, n + 1);
        key = cache.intern(`${key}#${n}`);
        // The memo's list is shared: a file whose keys take a suffix here gets its own copy.
        own ??= base.slice();
        own[i] = key;
      }
      view.items.set(key, { key, file, item: items[i] });
    }
    view.keyOf.set(file.path, own ?? base);
  }
  markTestModules(view);
  return view;
}

/**
 * Item keys (`module::local`) of a file's items before duplicate suffixes, by the facts object and the
 * module path: the same list of the same string objects for the same content in both releases, and in
 * every scan of this process that shares the facts (a batch worker's facts in memory). The diff looks
 * keys up across the two releases hundreds of thousands of times on large crates, and the same string
 * object compares at once; and a file unchanged between releases costs no key building the second time.
 * Never mutated (see buildRelease).
 */
const keyMemo = new WeakMap<FileFacts, Map<string, readonly string[]>>();

function baseKeys(module: string, facts: FileFacts): readonly string[] {
  let byModule = keyMemo.get(facts);
  if (!byModule) keyMemo.set(facts, (byModule = new Map()));
  let keys = byModule.get(module);
  if (!keys) {
    // Flattened once here (a template literal is a rope until first hashed).
    keys = facts.items.map((item) => `${module}::${item.local || `${item.kind}#${item.span.line}`}`);
    byModule.set(module, keys);
  }
  return keys;
}

/**
 * Where a `#[path]` module lives. The base folder is the declaring file's folder, extended by the
 * inline `mod x { }` blocks around the declaration; both are tried. '' when neither is in the crate.
 */
export function pathTarget(tree: CrateTree, dir: string, inlineParents: string[], rel: string): string {
  const nested = [dir, ...inlineParents].filter(Boolean).join('/');
  for (const base of inlineParents.length > 0 ? [nested, dir] : [dir]) {
    const t = joinRel(base, rel);
    if (t && tree.files.has(t)) return t;
  }
  return '';
}

/** Resolves `rel` against folder `dir` inside the crate; '' when it leaves the crate. */
export function joinRel(dir: string, rel: string): string {
  if (rel.startsWith('/')) return '';
  const parts = dir === '' ? [] : dir.split('/');
  for (const seg of rel.split('/')) {
    if (seg === '..') {
      if (parts.length === 0) return '';
      parts.pop();
    } else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

/** Files of modules declared `#[cfg(test)] mod name;` elsewhere are test code, whatever their path. */
function markTestModules(view: ReleaseView): void {
  const testMods: string[] = [];
  for (const file of view.rust.values()) {
    for (const m of file.facts.mods) {
      if (m.inline || !file.facts.items[m.item]?.test) continue;
      testMods.push(`${file.module === 'main' ? 'crate' : file.module}::${m.name}`);
    }
  }
  if (testMods.length === 0) return;
  for (const file of view.rust.values()) {
    if (file.role !== 'lib' && file.role !== 'proc-macro' && file.role !== 'bin') continue;
    if (testMods.some((t) => file.module === t || file.module.startsWith(`${t}::`))) file.role = 'test';
  }
}
