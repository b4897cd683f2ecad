import type { ReleaseView, RustFile } from '../diff/types.js';
import { sitesByItem } from '../diff/index.js';
import { capabilityOfPath, type Catalogue } from './catalogue.js';

/** How many alias hops a path may take across modules (`a::Job` → `b::Job` → `std::process::Command`). */
const MAX_HOPS = 8;

/** What the resolver lends this module: per-file path resolution and the external-root test. */
export interface PathResolution {
  resolvePath(file: RustFile, written: string): string;
  isExternal(full: string): boolean;
}

/** The crate-absolute module path of a file's items (`src/main.rs` is the crate root too). */
function moduleOf(file: RustFile): string {
  return file.module === 'main' ? 'crate' : file.module;
}

/**
 * Names that a module of the crate makes stand for std or dependency paths: `pub use
 * std::process::Command as Job;`, `pub type Task = std::process::Command;`, `pub use std::process;`,
 * `pub use std::process::*;`, and chains of them across modules. Only names that lead towards a
 * catalogued capability are kept, so a crate without such re-exports pays nothing at look-up.
 */
export class LocalNames {
  /** Module path → name → the external path it stands for. */
  private names = new Map<string, Map<string, string>>();
  /** Module path → external modules glob-imported into it. */
  private globs = new Map<string, string[]>();
  /** Every proper prefix of a catalogued path (`std`, `std::process`...). */
  private prefixes: Set<string>;
  /** Local `macro_rules!` whose body builds a path from metavariables, by macro name. */
  private macros = new Map<string, Array<{ file: RustFile; params: string[]; paths: string[] }>>();
  readonly empty: boolean;

  constructor(private readonly view: ReleaseView, private readonly cat: Catalogue, private readonly res: PathResolution) {
    this.prefixes = new Set();
    for (const p of cat.paths.keys()) {
      const segs = p.split('::');
      for (let i = 1; i <= segs.length; i++) this.prefixes.add(segs.slice(0, i).join('::'));
    }
    const local: Array<{ mod: string; name: string; target: string }> = [];
    for (const file of view.rust.values()) {
      const mod = moduleOf(file);
      for (const name of Object.keys(file.facts.aliases)) {
        const full = this.absolute(file, res.resolvePath(file, file.facts.aliases[name]));
        if (full === `${mod}::${name}`) continue;
        if (this.leadsToCap(full)) this.put(mod, name, full);
        else if (full.startsWith('crate::')) local.push({ mod, name, target: full });
      }
      for (const g of file.facts.globs) {
        const full = this.absolute(file, res.resolvePath(file, g));
        if (this.leadsToCap(full)) push(this.globs, mod, full);
      }
    }
    // Chains: `pub use crate::inner::Job;` where `inner` re-exports a capability.
    for (let round = 0; round < 4 && local.length > 0; round++) {
      let grew = false;
      for (let i = local.length - 1; i >= 0; i--) {
        const x = this.expand(local[i].target);
        if (x !== local[i].target && this.leadsToCap(x)) {
          this.put(local[i].mod, local[i].name, x);
          local.splice(i, 1);
          grew = true;
        }
      }
      if (!grew) break;
    }
    this.collectMacros();
    this.expanded = new Map();
    this.empty = this.names.size === 0 && this.globs.size === 0 && this.macros.size === 0;
  }

  /** A resolved path made crate-absolute when it names something in the crate. */
  private absolute(file: RustFile, full: string): string {
    if (full.startsWith('crate::') || this.res.isExternal(full)) return full;
    return `${moduleOf(file)}::${full}`;
  }

  private leadsToCap(full: string): boolean {
    return this.res.isExternal(full) && (this.prefixes.has(full) || capabilityOfPath(this.cat, full) !== undefined);
  }

  private put(mod: string, name: string, target: string): void {
    let m = this.names.get(mod);
    if (!m) this.names.set(mod, (m = new Map()));
    m.set(name, target);
  }

  /** expand's results once the names are complete (during construction they still grow). */
  private expanded: Map<string, string> | undefined;
  /** Each file's glob imports of crate-local modules, resolved and made absolute once. */
  private localGlobs = new WeakMap<RustFile, string[]>();

  /** Rewrites the longest module prefix that re-exports the next segment, repeatedly. */
  private expand(full: string): string {
    if (!full.startsWith('crate::')) return full;
    const hit = this.expanded?.get(full);
    if (hit !== undefined) return hit;
    const out = this.expandUncached(full);
    this.expanded?.set(full, out);
    return out;
  }

  private expandUncached(full: string): string {
    let p = full;
    // Where each `::` separator starts, left to right as `split('::')` finds them: the prefix before
    // separator i is segments 0..i joined, the next segment runs to separator i + 1.
    const seps: number[] = [];
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (!p.startsWith('crate::')) return p;
      seps.length = 0;
      for (let at = p.indexOf('::'); at >= 0; at = p.indexOf('::', at + 2)) seps.push(at);
      let changed = false;
      for (let i = seps.length; i >= 1 && !changed; i--) {
        const m = this.names.get(p.slice(0, seps[i - 1]));
        if (m === undefined) continue;
        const target = m.get(p.slice(seps[i - 1] + 2, i < seps.length ? seps[i] : p.length));
        if (target !== undefined) {
          p = i < seps.length ? target + p.slice(seps[i]) : target;
          changed = true;
        }
      }
      if (!changed) {
        // `pub use std::process::*;` in module M: `M::Command` is `std::process::Command`.
        if (this.globs.size > 0) {
          for (let i = seps.length; i >= 1; i--) {
            for (const g of this.globs.get(p.slice(0, seps[i - 1])) ?? []) {
              const cand = `${g}::${p.slice(seps[i - 1] + 2)}`;
              if (capabilityOfPath(this.cat, cand) !== undefined) return cand;
            }
          }
        }
        return p;
      }
    }
    return p;
  }

  /**
   * The external path that a crate-local path as resolved in `file` stands for, or undefined when it
   * goes through no re-export. `useGlobs` also tries the file's glob imports of local modules.
   */
  lookup(file: RustFile, full: string, written: string): string | undefined {
    if (this.res.isExternal(full)) return undefined;
    const abs = this.absolute(file, full);
    const x = this.expand(abs);
    if (x !== abs) return x;
    // `use crate::reexports::*;` then `Command::new`: the glob names a local module.
    let globs = this.localGlobs.get(file);
    if (!globs) {
      globs = file.facts.globs.map((g) => this.absolute(file, this.res.resolvePath(file, g))).filter((g) => g.startsWith('crate::'));
      this.localGlobs.set(file, globs);
    }
    for (const gAbs of globs) {
      const y = this.expand(`${gAbs}::${written.replace(/^::/, '')}`);
      if (!y.startsWith('crate::')) return y;
    }
    return undefined;
  }

  /** Macros whose bodies have paths with metavariable segments, with the metavariables of their first arm. */
  private collectMacros(): void {
    for (const ref of this.view.items.values()) {
      if (ref.item.kind !== 'macro') continue;
      const sites = ref.file.facts.sites;
      const paths: string[] = [];
      for (const i of sitesByItem(sites).get(ref.item.id) ?? []) {
        const s = sites[i];
        if ((s.kind === 'call' || s.kind === 'path') && s.text.includes('$')) paths.push(s.text);
      }
      if (paths.length === 0) continue;
      const text = ref.file.text.slice(ref.item.span.start, Math.min(ref.item.span.end, ref.item.span.start + 4000));
      // The first arm's matcher: `($m:ident, $t:ident) =>`.
      const arm = /\{\s*\(([^()]*)\)\s*=>/.exec(text);
      if (!arm) continue;
      const params = [...arm[1].matchAll(/\$([A-Za-z_]\w*)\s*:\s*\w+/g)].map((m) => m[1]);
      if (params.length === 0) continue;
      push(this.macros, ref.item.name, { file: ref.file, params, paths });
    }
  }

  /**
   * True when `other` answers every look-up as this does: the same names, globs and macros (each
   * macro's file by path, module and aliases, which resolve the paths it builds).
   */
  sameAs(other: LocalNames): boolean {
    const tables = (t: LocalNames) =>
      JSON.stringify([
        [...t.names].map(([m, n]) => [m, [...n]]),
        [...t.globs],
        [...t.macros].map(([n, defs]) => [n, defs.map((d) => [d.file.path, d.file.module, d.file.facts.aliases, d.params, d.paths])]),
      ]);
    return tables(this) === tables(other);
  }

  /**
   * Paths a call of macro `name` with argument text `args` builds from its arguments
   * (`mk!(process, Command)` with `std::$a::$b::new` in the body gives `std::process::Command::new`).
   */
  macroPaths(name: string, args: string | undefined): Array<{ file: RustFile; path: string }> {
    const defs = this.macros.get(name.split('::').pop()!);
    if (!defs || !args) return [];
    const inner = args.replace(/^[([{]\s*/, '').replace(/\s*[)\]}]$/, '');
    const values = inner.split(/\s*[,;]\s*/).map((v) => v.replace(/\s+/g, '').replace(/^r#/, ''));
    const out: Array<{ file: RustFile; path: string }> = [];
    for (const d of defs) {
      if (values.length < d.params.length || !values.every((v) => /^[\w:]+$/.test(v))) continue;
      for (const p of d.paths) {
        const path = p.replace(/\$([A-Za-z_]\w*)/g, (m, n: string) => {
          const k = d.params.indexOf(n);
          return k >= 0 ? values[k] : m;
        });
        if (!path.includes('$')) out.push({ file: d.file, path });
      }
    }
    return out;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
