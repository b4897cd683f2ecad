import type { ItemRef, ReleaseView, RustFile } from '../diff/types.js';
import type { ForeignDecl } from './foreign.js';

/**
 * What one graph's indexing of a file's sites read from the rest of the crate, besides the file itself
 * and the resolver's signature: the crate-wide name tables (see CallGraph).
 */
export interface GraphTables {
  view: ReleaseView;
  byName: Map<string, ItemRef[]>;
  macros: Map<string, ItemRef[]>;
  localModules: Set<string>;
  foreign: Map<string, ForeignDecl[]>;
  /** The resolved full path of a site (shared by file content between releases of equal renames). */
  fullPath: (file: RustFile, index: number) => string;
}

const lastSeg = (p: string): string => {
  const i = p.lastIndexOf('::');
  return i < 0 ? p : p.slice(i + 2);
};

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What a file gives the re-export tables (LocalNames): its aliases, globs and `macro_rules!` texts. */
function localNamesPart(file: RustFile): string {
  const macros = file.facts.items.filter((it) => it.kind === 'macro').map((it) => [it.name, file.text.slice(it.span.start, it.span.end)]);
  return JSON.stringify([file.facts.aliases, file.facts.globs, macros]);
}

/** The parts of by-name candidates that call-target resolution reads. */
function sameRefs(a: ItemRef[] | undefined, b: ItemRef[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.key !== y.key || x.item.kind !== y.item.kind || x.item.selfType !== y.item.selfType || x.file.path !== y.file.path) return false;
  }
  return true;
}

/**
 * The files of `now` whose site index (edges, capability uses, unknown calls, callers, self-calls) is
 * the same as in `before`'s graph, so it can be copied instead of resolved again; undefined when a
 * crate-wide table that every site may read differs (then the whole graph is built).
 *
 * A file qualifies when its content, module path, role and item keys are the same on both sides and
 * none of its sites names (by its written or resolved last segment) a name whose meaning changed:
 * an item key added, removed or of another kind, a by-name candidate list (functions, statics,
 * consts, macros) that differs, or a foreign declaration that differs. Call-target resolution finds
 * items only by those names (exact keys end in the site's last segment), so a site naming none of
 * them resolves the same. The re-export tables and local module names must be the same as a whole.
 */
export function reusableFiles(now: GraphTables, before: GraphTables): Set<string> | undefined {
  const a = now.view;
  const b = before.view;
  if (a.rust.size !== b.rust.size || now.localModules.size !== before.localModules.size) return undefined;
  for (const m of now.localModules) if (!before.localModules.has(m)) return undefined;
  if ((now.foreign.size > 0) !== (before.foreign.size > 0)) return undefined;
  const keep: RustFile[] = [];
  const oldKinds = new Map<string, string>();
  const newKinds = new Map<string, string>();
  const names = new Set<string>();
  const candidates = new Set<string>();
  const others = b.rust.values();
  // Same files in the same order (the re-export tables are built in this order).
  for (const fa of a.rust.values()) {
    const fb = others.next().value as RustFile | undefined;
    if (!fb || fb.path !== fa.path || fb.module !== fa.module) return undefined;
    const ka = a.keyOf.get(fa.path);
    const kb = b.keyOf.get(fb.path);
    if (!ka || !kb) return undefined;
    const sameContent = fa.facts.hash === fb.facts.hash;
    if (sameContent && sameList(ka, kb)) {
      if (fa.role === fb.role) keep.push(fa);
      continue;
    }
    if (!sameContent && localNamesPart(fa) !== localNamesPart(fb)) return undefined;
    for (const [file, keys, kinds] of [[fa, ka, newKinds], [fb, kb, oldKinds]] as const) {
      const items = file.facts.items;
      for (let i = 0; i < items.length; i++) {
        kinds.set(keys[i], items[i].kind);
        const k = items[i].kind;
        if (k === 'fn' || k === 'static' || k === 'const' || k === 'macro') candidates.add(items[i].name);
      }
    }
  }
  // Keys of one side only (or of another kind): an exact path look-up may now find another item.
  for (const [k, kind] of newKinds) if (oldKinds.get(k) !== kind) names.add(lastSeg(k));
  for (const [k, kind] of oldKinds) if (newKinds.get(k) !== kind) names.add(lastSeg(k));
  for (const n of candidates) {
    if (!sameRefs(now.byName.get(n), before.byName.get(n)) || !sameRefs(now.macros.get(n), before.macros.get(n))) names.add(n);
  }
  for (const n of new Set([...now.foreign.keys(), ...before.foreign.keys()])) {
    if (JSON.stringify(now.foreign.get(n)) !== JSON.stringify(before.foreign.get(n))) names.add(n);
  }
  const out = new Set<string>();
  for (const file of keep) if (names.size === 0 || !namesAny(file, names, now.fullPath)) out.add(file.path);
  return out;
}

/** True when a site of `file` that indexing resolves names one of `names`, as written or resolved. */
function namesAny(file: RustFile, names: Set<string>, fullPath: (file: RustFile, index: number) => string): boolean {
  const sites = file.facts.sites;
  for (let i = 0; i < sites.length; i++) {
    const s = sites[i];
    if (s.item < 0) continue;
    const k = s.kind;
    if (k !== 'call' && k !== 'path' && k !== 'ident' && k !== 'method' && k !== 'macro') continue;
    if (names.has(s.text) || names.has(lastSeg(s.text))) return true;
    if (k !== 'method' && names.has(lastSeg(fullPath(file, i)))) return true;
  }
  return false;
}
