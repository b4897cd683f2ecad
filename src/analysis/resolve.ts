import type { ReleaseView, RustFile } from '../diff/types.js';
import type { FileFacts } from '../parse/types.js';
import { capabilityOfPath, type Catalogue } from './catalogue.js';
import { LocalNames } from './reexports.js';
import type { DepCap, DependencyCaps } from './deps.js';
import { macroHit, refineHit } from './platform.js';

/** A site whose path resolves to a catalogued capability, or to a dependency item that reaches one. */
export interface CapHit {
  cap: string;
  /** The full path the site resolved to, or `.method` for method-name matches. */
  resolved: string;
  /**
   * Set when the capability comes from a dependency's summary: every capability the dependency item
   * reaches (`cap` is the most dangerous), each with its path through the dependencies.
   */
  viaDependency?: DepCap[];
}

const STD_ROOTS = new Map([['core', 'std'], ['alloc', 'std']]);

/** A site's full path and the capability the catalogue gives that path (before any root check). */
interface PathCap {
  full: string;
  cap: string | undefined;
}

/** Per-site results of one file content, by module path. */
type BySignature<T> = WeakMap<FileFacts, Map<string, T[]>>;

/**
 * Per catalogue and signature, per file content and module path: what resolvers have computed for
 * each site. Weak on the catalogue and the facts, so entries go when the facts are dropped.
 */
const capMemo = new WeakMap<Catalogue, Map<string, BySignature<CapHit | null | undefined>>>();
const pathMemo = new WeakMap<Catalogue, Map<string, BySignature<PathCap | undefined>>>();

function memoFor<T>(memo: WeakMap<Catalogue, Map<string, BySignature<T>>>, cat: Catalogue, signature: string): BySignature<T> {
  let bySig = memo.get(cat);
  if (!bySig) memo.set(cat, (bySig = new Map()));
  let m = bySig.get(signature);
  if (!m) {
    // One per dependency set seen: a long-running process that scans many crates starts over now and then.
    if (bySig.size >= 256) bySig.clear();
    bySig.set(signature, (m = new WeakMap()));
  }
  return m;
}

function slotsFor<T>(m: BySignature<T>, file: RustFile, make: () => T[]): T[] {
  let byModule = m.get(file.facts);
  if (!byModule) m.set(file.facts, (byModule = new Map()));
  let slots = byModule.get(file.module);
  if (!slots) byModule.set(file.module, (slots = make()));
  return slots;
}

/**
 * Resolves paths as written to full paths, per release: `use` aliases of the file, renamed
 * dependencies (`foo = { package = "reqwest" }`), `core::`/`alloc::` as `std::`, and glob imports.
 */
export class Resolver {
  private depRenames = new Map<string, string>();
  /** Crate roots a path may start with: std and the declared dependencies (null when there is no manifest). */
  private roots: Set<string> | null = null;
  /** Per file content and module path: the capability of each site (null: none; undefined: not looked up yet). */
  private cache: BySignature<CapHit | null | undefined>;
  private byFile = new WeakMap<RustFile, Array<CapHit | null | undefined>>();
  /** What resolution depends on besides the file: dependency roots and renames. Equal signatures share a cache. */
  readonly signature: string;
  /**
   * Per file content and module path: each site's full path and the capability the catalogue gives
   * it, before the release's dependency roots are consulted. Depends on renames only, so the two
   * releases share it whenever their renames agree, even when a dependency was added or removed.
   */
  private paths: BySignature<PathCap | undefined>;
  private pathsByFile = new WeakMap<RustFile, Array<PathCap | undefined>>();
  readonly renameSignature: string;

  /**
   * Results are kept by file content (the facts object) and module path for each signature, in
   * memos shared by every resolver of the process: the two releases of a scan, and the scans of a
   * batch worker whose facts stay in memory, resolve a file that did not change once.
   */
  /** Dependencies by the name code uses, for summary look-ups (dev-dependencies left out: tests only). */
  private depsByName = new Map<string, { package: string; req?: string }>();
  /** Method names of the crate's own items: a method call by such a name is not looked up in dependencies. */
  private ownMethods: Set<string> | undefined;

  constructor(readonly view: ReleaseView, readonly cat: Catalogue, readonly deps?: DependencyCaps) {
    for (const d of view.manifest?.deps ?? []) {
      if (d.section !== 'dev' && d.section !== 'build') {
        const code = d.name.replace(/-/g, '_');
        if (!this.depsByName.has(code)) this.depsByName.set(code, { package: d.package, req: d.version });
      }
      const n = d.name.replace(/-/g, '_');
      const p = d.package.replace(/-/g, '_');
      if (n !== p) this.depRenames.set(n, p);
    }
    if (view.manifest) {
      this.roots = new Set(['std', 'core', 'alloc', 'proc_macro']);
      for (const d of view.manifest.deps) this.roots.add(d.package.replace(/-/g, '_'));
    }
    // JSON, not a joined string: dependency names come from the scanned Cargo.toml, and a name with
    // a separator in it (`"reqwest,s"`) must never give the signature of another dependency set.
    this.renameSignature = JSON.stringify([...this.depRenames].sort());
    // Which summary each dependency resolves to is part of what a site's capability depends on.
    const depVersions = deps ? [...this.depsByName].map(([n, d]) => {
      const r = deps.source.summaryOf(d.package, d.req);
      return `${n}=${d.package}@${r ? `${r.summary.version}/${r.summary.tool}` : '?'}`;
    }).sort() : null;
    this.signature = JSON.stringify([this.roots ? [...this.roots].sort() : null, this.renameSignature, deps ? deps.source.id : null, depVersions]);
    this.cache = memoFor(capMemo, cat, this.signature);
    this.paths = memoFor(pathMemo, cat, this.renameSignature);
  }

  /** The dependency alias a written path goes through when it names a crate renamed with `package =`. */
  renamedAlias(file: RustFile, written: string): string | undefined {
    const first = written.replace(/^::/, '').split('::')[0];
    const expanded = ((Object.hasOwn(file.facts.aliases, first) ? file.facts.aliases[first] : undefined) ?? first).replace(/^::/, '').split('::')[0];
    const pkg = this.depRenames.get(expanded);
    if (!pkg) return undefined;
    // `reqwest_011 = { package = "reqwest" }` renames to keep two versions apart; only names that
    // share nothing with the real crate disguise it.
    const squash = (x: string) => x.toLowerCase().replace(/[-_0-9]/g, '');
    const a = squash(expanded);
    const b = squash(pkg);
    if (a.includes(b) || b.includes(a)) return undefined;
    return `${expanded} = ${pkg}`;
  }

  /** Full path of a path as written in `file` (no catalogue involved). */
  resolvePath(file: RustFile, written: string): string {
    // `<std::process::Command>::new` and `<T as Trait>::f` name the same thing as `T::new` / `T::f`.
    let p = written;
    if (p.includes('<')) p = p.replace(/^<\s*([^<>]*?)(?:\s+as\s+[^<>]*)?\s*>::/, '$1::').replace(/::<[^>]*>/g, '');
    if (p.startsWith('::')) p = p.slice(2);
    const segs = p.split('::');
    // `$crate::x` in a macro body names the macro's own crate.
    if (segs[0] === '$crate') segs[0] = 'crate';
    const alias = Object.hasOwn(file.facts.aliases, segs[0]) ? file.facts.aliases[segs[0]] : undefined;
    if (alias !== undefined && alias !== segs[0]) {
      segs.splice(0, 1, ...alias.replace(/^::/, '').split('::'));
    } else if (alias === undefined && segs[0] === 'self' && file.module) {
      segs.splice(0, 1, ...file.module.split('::'));
    } else if (segs[0] === 'super') {
      const mod = file.module.split('::');
      while (segs[0] === 'super') {
        segs.shift();
        mod.pop();
      }
      segs.unshift(...mod);
    }
    const root = STD_ROOTS.get(segs[0]);
    if (root) segs[0] = root;
    const ren = this.depRenames.get(segs[0]);
    if (ren) segs[0] = ren;
    p = segs.join('::');
    return p;
  }

  /** The capability a site exercises, if any. Cached per file and site. */
  capOf(file: RustFile, index: number): CapHit | undefined {
    let m = this.byFile.get(file);
    if (!m) {
      m = slotsFor(this.cache, file, () => new Array<CapHit | null | undefined>(file.facts.sites.length));
      this.byFile.set(file, m);
    }
    let hit = m[index];
    if (hit === undefined) hit = m[index] = this.compute(file, index) ?? null;
    // The shared cache holds a method's dependency answer whatever this release defines; a method of
    // the crate's own with that name takes the call (checked per release: the other release sharing
    // the cache may define other methods).
    if (hit !== null && hit.viaDependency && file.facts.sites[index].kind === 'method' && this.isOwnMethod(file.facts.sites[index].text)) return undefined;
    if (hit !== null) return hit;
    return this.viaLocalNames(file, index);
  }

  /** Whether this release defines a method (an `fn` with a self type) of that name. */
  private isOwnMethod(name: string): boolean {
    if (!this.ownMethods) {
      this.ownMethods = new Set();
      for (const r of this.view.items.values()) if (r.item.kind === 'fn' && r.item.selfType !== undefined) this.ownMethods.add(r.item.name);
    }
    return this.ownMethods.has(name);
  }

  private localNames: LocalNames | undefined;

  /**
   * Takes the other release's re-export tables (when built), for a release whose files give the same
   * aliases, globs, macros and module paths (see `reusableFiles`) under the same signature.
   */
  shareLocalNames(other: Resolver): void {
    if (other.signature === this.signature) this.localNames ??= other.localNames;
  }

  /** True when this release's re-export tables answer as `other`'s (both built if need be) under the same signature. */
  sameLocalNames(other: Resolver): boolean {
    if (other.signature !== this.signature) return false;
    this.localNames ??= new LocalNames(this.view, this.cat, this);
    other.localNames ??= new LocalNames(other.view, other.cat, other);
    return this.localNames.sameAs(other.localNames);
  }

  /** Takes the other release's set of the crate's method names (when built), for a release that defines the same. */
  shareOwnMethods(other: Resolver): void {
    this.ownMethods ??= other.ownMethods;
  }
  private localHits = new WeakMap<RustFile, Array<CapHit | null | undefined>>();

  /**
   * Capabilities reached through names defined elsewhere in this release: re-exports across modules
   * and paths built in `macro_rules!` bodies. They depend on other files than the site's own, so
   * they are kept per release, never in the cache shared by file content.
   */
  private viaLocalNames(file: RustFile, index: number): CapHit | undefined {
    this.localNames ??= new LocalNames(this.view, this.cat, this);
    if (this.localNames.empty) return undefined;
    const s = file.facts.sites[index];
    if (s.kind !== 'call' && s.kind !== 'path' && s.kind !== 'ident' && s.kind !== 'macro') return undefined;
    let m = this.localHits.get(file);
    if (!m) this.localHits.set(file, (m = new Array<CapHit | null | undefined>(file.facts.sites.length)));
    const known = m[index];
    if (known !== undefined) return known ?? undefined;
    let r: CapHit | undefined;
    if (s.kind === 'macro') {
      for (const x of this.localNames.macroPaths(s.text, s.args)) {
        const full = this.resolvePath(x.file, x.path);
        const cap = capabilityOfPath(this.cat, full);
        if (cap && this.external(full)) {
          r = { cap, resolved: full };
          break;
        }
      }
    } else {
      const full = this.localNames.lookup(file, this.fullPath(file, index), s.text);
      const cap = full !== undefined ? capabilityOfPath(this.cat, full) : undefined;
      if (full !== undefined && cap && this.external(full)) r = { cap, resolved: full };
    }
    m[index] = r ?? null;
    return r;
  }

  /** The full path of site `index` of `file` (as `resolvePath` gives it), cached with its capability. */
  fullPath(file: RustFile, index: number): string {
    return this.pathCap(file, index).full;
  }

  /** A site's full path and its catalogue capability (if any), cached across releases (see `paths`). */
  private pathCap(file: RustFile, index: number): PathCap {
    let m = this.pathsByFile.get(file);
    if (!m) {
      m = slotsFor(this.paths, file, () => new Array<PathCap | undefined>(file.facts.sites.length));
      this.pathsByFile.set(file, m);
    }
    let pc = m[index];
    if (pc === undefined) {
      const full = this.resolvePath(file, file.facts.sites[index].text);
      pc = m[index] = { full, cap: capabilityOfPath(this.cat, full) };
    }
    return pc;
  }

  /** True when a resolved path starts with std or a declared dependency (so it is not crate-local). */
  isExternal(full: string): boolean {
    const i = full.indexOf('::');
    if (i < 0) return false;
    const root = full.slice(0, i);
    return root === 'std' || (this.roots !== null && this.roots.has(root));
  }

  /** A path can only reach an external crate that the manifest declares; anything else is crate-local. */
  private external(full: string): boolean {
    const i = full.indexOf('::');
    return this.roots === null || i < 0 || this.roots.has(full.slice(0, i));
  }

  private globsByFile = new WeakMap<RustFile, string[]>();

  /** The file's glob imports (`use std::process::*`) that lead into std or a dependency, resolved once per file. */
  private externalGlobs(file: RustFile): string[] {
    let g = this.globsByFile.get(file);
    if (!g) {
      g = file.facts.globs.map((x) => this.resolvePath(file, x)).filter((x) => this.external(`${x}::_`));
      this.globsByFile.set(file, g);
    }
    return g;
  }

  private catalogueMemo = new WeakMap<RustFile, Array<CapHit | null | undefined>>();

  /** The capability the catalogue alone gives a site (no dependency summaries, no local re-exports). */
  catalogueCapOf(file: RustFile, index: number): CapHit | undefined {
    if (!this.deps) {
      const hit = this.capOf(file, index);
      return hit?.viaDependency ? undefined : hit;
    }
    let m = this.catalogueMemo.get(file);
    if (!m) this.catalogueMemo.set(file, (m = new Array<CapHit | null | undefined>(file.facts.sites.length)));
    let hit = m[index];
    if (hit === undefined) hit = m[index] = this.fromCatalogue(file, index) ?? null;
    return hit ?? undefined;
  }

  private compute(file: RustFile, index: number): CapHit | undefined {
    return this.fromCatalogue(file, index) ?? this.fromDependencies(file, index);
  }

  private fromCatalogue(file: RustFile, index: number): CapHit | undefined {
    const s = file.facts.sites[index];
    if (s.kind === 'method') {
      const c = this.cat.methods.get(s.text);
      return c ? { cap: c, resolved: `.${s.text}` } : undefined;
    }
    if (s.kind === 'macro') {
      // Assembly and system call macros: what the platform call really is (src/analysis/platform.ts).
      const platform = macroHit(this.cat, file, index, (w) => {
        const full = this.resolvePath(file, w);
        return this.external(full) ? full : undefined;
      });
      if (platform) return platform;
      // A dependency's macro under a catalogued path (`duct::cmd!`, `reqwest::…!`): the expansion is that crate's code.
      const { full, cap } = this.pathCap(file, index);
      if (!full.includes('::') || !this.isExternal(full)) return undefined;
      return cap && cap !== 'syscall.raw' ? { cap, resolved: `${full}!` } : undefined;
    }
    if (s.kind !== 'call' && s.kind !== 'path' && s.kind !== 'ident') return undefined;
    const { full, cap } = this.pathCap(file, index);
    if (cap && this.external(full)) return refineHit(this.cat, file, index, { cap, resolved: full });
    for (const g of this.externalGlobs(file)) {
      const cand = `${g}::${s.text}`;
      const gc = capabilityOfPath(this.cat, cand);
      if (gc) return refineHit(this.cat, file, index, { cap: gc, resolved: cand });
    }
    return undefined;
  }

  /** A call, path, macro or method that lands in a dependency whose summary reaches a capability. */
  private fromDependencies(file: RustFile, index: number): CapHit | undefined {
    if (!this.deps || this.depsByName.size === 0) return undefined;
    const s = file.facts.sites[index];
    let caps: DepCap[] | null = null;
    let resolved: string;
    if (s.kind === 'method') {
      // Not filtered by the crate's own methods here: this answer is shared by file content between
      // the two releases, which may define different methods (capOf filters per release).
      caps = this.deps.capsOfMethod(this.depsByName, s.text);
      resolved = `.${s.text}`;
    } else if (s.kind === 'call' || s.kind === 'path' || s.kind === 'macro') {
      const full = this.fullPath(file, index);
      const root = full.slice(0, Math.max(0, full.indexOf('::')));
      if (!root || !this.depsByName.has(root)) return undefined;
      caps = this.deps.capsOfPath(this.depsByName, full, s.kind === 'macro');
      resolved = s.kind === 'macro' ? `${full}!` : full;
    } else {
      return undefined;
    }
    if (!caps || caps.length === 0) return undefined;
    return { cap: caps[0].cap, resolved, viaDependency: caps };
  }

  /** The dependency (package and requirement) that a resolved path's first segment names, if any. */
  dependencyOf(full: string): { code: string; package: string; req?: string } | undefined {
    const root = full.slice(0, Math.max(0, full.indexOf('::')));
    const d = root ? this.depsByName.get(root) : undefined;
    return d ? { code: root, ...d } : undefined;
  }
}
