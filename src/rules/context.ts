import type { ReleaseDelta, RustFile } from '../diff/types.js';
import type { Site } from '../parse/types.js';
import { CallGraph, type CapUse, type Edge } from '../analysis/graph.js';
import type { CapHit } from '../analysis/resolve.js';
import { capMatches } from '../analysis/catalogue.js';
import { isShippedRole } from '../diff/release.js';
import type { RuleSet } from './loader.js';
import type { DependencyCaps } from '../analysis/deps.js';
import type { TraceHop } from '../contract/finding.js';
import { C_FAMILY } from '../parse/c.js';


export interface NewSite {
  file: RustFile;
  index: number;
  site: Site;
  itemKey: string | null;
}

export interface Reached {
  cap: CapUse;
  /** The item holding the capability use. */
  holder: string;
  trace: TraceHop[];
}

/** The first argument of a call's argument text, whitespace-normalized (`("git")` → `"git"`). */
function firstArg(args: string | undefined): string {
  const a = (args ?? '').replace(/^\(/, '');
  let depth = 0;
  for (let i = 0; i < a.length; i++) {
    const c = a[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return a.slice(0, i).trim();
      depth--;
    } else if (c === ',' && depth === 0) return a.slice(0, i).trim();
  }
  return a.trim();
}

/** Hops from the search start to the capability use: every item on the path with the line of the next call. */
function traceTo(reached: ReturnType<CallGraph['reach']>, holder: string, use: CapUse): TraceHop[] {
  const path = CallGraph.path(reached, holder);
  const hops: TraceHop[] = path.map((e) => ({ item: e.from, file: e.file, line: e.line }));
  hops.push({ item: holder, file: use.file, line: use.line });
  const dep = dependencyHop(use);
  if (dep) hops.push(dep);
  return hops;
}

/**
 * The last hop of a trace that goes on inside dependencies: the chain of dependency items, located at
 * the platform call in the dependency release that holds it (`runproc@0.3.1:src/imp.rs`, line 4).
 */
export function dependencyHop(use: CapHit & { via?: string }): TraceHop | undefined {
  const d = use.viaDependency?.find((x) => x.cap === use.cap) ?? use.viaDependency?.[0];
  if (!d) return undefined;
  const m = /^(.*) \(([^()]*):(\d+)\)$/.exec(use.via ?? d.via);
  return m ? { item: m[1], file: `${d.origin}:${m[2]}`, line: Number(m[3]) } : { item: d.via, file: d.origin, line: 0 };
}

/** A short note for a capability reached inside a dependency: which release holds it, and the path. */
export function dependencyNote(hit: CapHit): string | undefined {
  const d = hit.viaDependency?.find((x) => x.cap === hit.cap) ?? hit.viaDependency?.[0];
  if (!d) return undefined;
  const via = d.via.length > 220 ? `${d.via.slice(0, 220)}…` : d.via;
  return `reached inside the dependency ${d.origin.replace('@', ' ')}: ${via}`;
}

/** Capabilities a release uses in code that ships (not tests, benches or examples). */
function crateCaps(graph: CallGraph): Set<string> {
  const out = new Set<string>();
  for (const [key, uses] of graph.caps) {
    const ref = graph.view.items.get(key);
    if (!ref || ref.item.test || !isShippedRole(ref.file.role)) continue;
    for (const u of uses) out.add(u.cap);
  }
  // What the crate's own foreign declarations name counts as used: a bindings crate declares, others call.
  for (const [key, decls] of graph.declared) {
    const ref = graph.view.items.get(key);
    if (ref && !ref.item.test && isShippedRole(ref.file.role)) for (const d of decls) out.add(d.cap);
  }
  if (graph.view.buildPath && graph.view.rust.has(graph.view.buildPath)) out.add('build.script');
  if (graph.view.procMacro) out.add('build.proc-macro');
  return out;
}

/** Everything rules may ask about one comparison. Built once per scan; rules never re-parse or re-diff. */
export class ScanContext {
  readonly oldGraph: CallGraph;
  readonly newGraph: CallGraph;
  readonly capsBefore: Set<string>;
  readonly capsAfter: Set<string>;
  readonly firstRelease: boolean;
  /** Parts of the analysis that could not finish (query budgets), reported as unanalysed code. */
  readonly gaps: Array<{ file: string; reason: string }> = [];
  private reachCache = new Map<string, ReturnType<CallGraph['reach']>>();

  /**
   * `deps` composes dependency summaries: calls into dependencies carry what the dependency's code
   * reaches. Without it only the catalogue names capabilities.
   */
  constructor(readonly delta: ReleaseDelta, readonly rules: RuleSet, reachability = true, readonly deps?: DependencyCaps, oldGraph?: CallGraph) {
    // `oldGraph`: the older release's graph from a stored model (src/analysis/graph-model.ts), the same as this build.
    this.oldGraph = oldGraph ?? new CallGraph(delta.old, rules.catalogue, reachability, undefined, deps);
    this.newGraph = new CallGraph(delta.new, rules.catalogue, reachability, this.oldGraph, deps);
    this.capsBefore = crateCaps(this.oldGraph);
    this.capsAfter = crateCaps(this.newGraph);
    this.firstRelease = delta.old.tree.files.size === 0;
  }

  private oldCalls: Set<string> | null = null;

  /**
   * True when the old release already made this call with the same first argument (`Command::new("git")`
   * again): the new site repeats known behaviour.
   */
  seenBefore(resolved: string, args: string | undefined): boolean {
    if (!this.oldCalls) {
      this.oldCalls = new Set();
      for (const uses of this.oldGraph.caps.values()) {
        for (const u of uses) {
          const f = this.delta.old.rust.get(u.file);
          const s = u.site >= 0 ? f?.facts.sites[u.site] : undefined;
          if (s) this.oldCalls.add(`${u.resolved}|${firstArg(s.args)}`);
        }
      }
    }
    return this.oldCalls.has(`${resolved}|${firstArg(args)}`);
  }

  /** True when the old release used a capability under `pattern` in shipped code. */
  had(pattern: string): boolean {
    for (const c of this.capsBefore) if (capMatches(c, pattern)) return true;
    return false;
  }

  private oldRuntimeCaps: Set<string> | null = null;

  /**
   * True when the old release's run-time code used capability `cap` where it runs: a shipped,
   * non-test item reached from an entry other than the build script (public, bin, implicit, ctor,
   * proc-macro). A build script probing `$RUSTC`, or a helper nothing called, does not count.
   */
  hadAtRuntime(cap: string): boolean {
    if (!this.oldRuntimeCaps) {
      const g = this.oldGraph;
      const seen = new Set<string>();
      const queue: string[] = [];
      for (const [key, kind] of g.entries) {
        if (kind === 'build' || kind === 'test') continue;
        seen.add(key);
        queue.push(key);
      }
      for (let i = 0; i < queue.length; i++) {
        for (const e of g.edges.get(queue[i]) ?? []) {
          if (!seen.has(e.to)) {
            seen.add(e.to);
            queue.push(e.to);
          }
        }
      }
      const caps = new Set<string>();
      for (const key of seen) {
        const ref = g.view.items.get(key);
        if (!ref || ref.item.test || !isShippedRole(ref.file.role) || ref.file.role === 'build') continue;
        for (const u of g.caps.get(key) ?? []) caps.add(u.cap);
        for (const d of g.declared.get(key) ?? []) caps.add(d.cap);
      }
      this.oldRuntimeCaps = caps;
    }
    return this.oldRuntimeCaps.has(cap);
  }

  has(pattern: string): boolean {
    for (const c of this.capsAfter) if (capMatches(c, pattern)) return true;
    return false;
  }

  itemKey(file: RustFile, item: number): string | null {
    if (item < 0) return null;
    return this.delta.new.keyOf.get(file.path)?.[item] ?? null;
  }

  /** Shipped code: not a test, bench or example file, and not a `#[test]` / `#[cfg(test)]` item. */
  isProduct(file: RustFile, item: number): boolean {
    if (!isShippedRole(file.role)) return false;
    return item < 0 || !file.facts.items[item]?.test;
  }

  private newSiteList: NewSite[] | null = null;
  private newSitesByKind: Map<string, NewSite[]> | null = null;
  private newCapSiteList: NewSite[] | null = null;

  /** Sites that the new release adds, in changed files, in path order. Listed once per scan. */
  newSites(): readonly NewSite[] {
    if (!this.newSiteList) {
      const list: NewSite[] = [];
      for (const [path, set] of this.delta.newSites) {
        const file = this.delta.new.rust.get(path)!;
        for (const index of [...set].sort((a, b) => a - b)) {
          const site = file.facts.sites[index];
          list.push({ file, index, site, itemKey: this.itemKey(file, site.item) });
        }
      }
      this.newSiteList = list;
    }
    return this.newSiteList;
  }

  /** The new sites of one kind (`call`, `macro`, `string`…), in the same order. */
  newSitesOfKind(kind: string): readonly NewSite[] {
    if (!this.newSitesByKind) {
      this.newSitesByKind = new Map();
      for (const ns of this.newSites()) {
        const l = this.newSitesByKind.get(ns.site.kind);
        if (l) l.push(ns);
        else this.newSitesByKind.set(ns.site.kind, [ns]);
      }
    }
    return this.newSitesByKind.get(kind) ?? [];
  }

  /** The new sites that resolve to a catalogued capability, in the same order. */
  newCapabilitySites(): readonly NewSite[] {
    this.newCapSiteList ??= this.newSites().filter((ns) => this.newGraph.resolver.capOf(ns.file, ns.index) !== undefined);
    return this.newCapSiteList;
  }

  private allLines = new Map<string, Set<number>>();

  /**
   * Added lines of the new file `path`: the line diff's, or every line of a file whose code now ships
   * or runs at build time without having changed (see `ReleaseDelta.promoted`).
   */
  addedLines(path: string): ReadonlySet<number> | undefined {
    if (!this.delta.promoted.has(path)) return this.delta.fileByPath.get(path)?.addedLines;
    let all = this.allLines.get(path);
    if (!all) {
      all = new Set();
      for (let i = 1; i <= (this.delta.new.rust.get(path)?.facts.lineCount ?? 0); i++) all.add(i);
      this.allLines.set(path, all);
    }
    return all;
  }

  /** True when line `line` of the new file `path` is added code. */
  isAddedLine(path: string, line: number): boolean {
    return this.addedLines(path)?.has(line) ?? false;
  }

  /** True when the site at `index` of `path` is one the new release adds. */
  isNew(path: string, index: number): boolean {
    return this.delta.newSites.get(path)?.has(index) ?? false;
  }

  /** Items reachable from `key` in the new release, with the edge that first reached each. */
  reachFrom(key: string): ReturnType<CallGraph['reach']> {
    let r = this.reachCache.get(key);
    if (!r) {
      r = this.newGraph.reach(key);
      this.reachCache.set(key, r);
    }
    return r;
  }

  /**
   * Capability uses under `patterns` that `key` reaches in the new release, nearest first, each with
   * the call path from `key` to the item that holds it.
   */
  reachedCaps(key: string, patterns: string[], filter?: (u: CapUse, holder: string) => boolean): Reached[] {
    const reached = this.reachFrom(key);
    const out: Array<Reached & { hops: number }> = [];
    for (const holder of reached.keys()) {
      for (const u of this.newGraph.caps.get(holder) ?? []) {
        if (!patterns.some((p) => capMatches(u.cap, p))) continue;
        if (filter && !filter(u, holder)) continue;
        // Traces are built when a rule reads one: most reached uses are only counted or compared.
        let trace: TraceHop[] | undefined;
        const hops = this.depth(reached, holder) + 1;
        out.push({
          cap: u,
          holder,
          hops,
          get trace(): TraceHop[] {
            return (trace ??= traceTo(reached, holder, u));
          },
        });
      }
    }
    // Stable sort by path length (what `trace.length` is), nearest first.
    out.sort((a, b) => a.hops - b.hops);
    return out;
  }

  private depths = new WeakMap<ReturnType<CallGraph['reach']>, Map<string, number>>();

  /** Number of calls from the search start to `holder` in a `reach` result, memoized. */
  private depth(reached: ReturnType<CallGraph['reach']>, holder: string): number {
    let m = this.depths.get(reached);
    if (!m) this.depths.set(reached, (m = new Map()));
    const known = m.get(holder);
    if (known !== undefined) return known;
    let d = 0;
    let k = holder;
    for (let guard = 0; guard < 1000; guard++) {
      const e = reached.get(k) as (Edge & { from: string }) | null | undefined;
      if (!e) break;
      const above = m.get(e.from);
      if (above !== undefined) {
        d += above + 1;
        break;
      }
      d++;
      k = e.from;
    }
    m.set(holder, d);
    return d;
  }

  /**
   * Like `reachedCaps`, but for data items (consts, statics) also through the functions that use them:
   * a blob is as dangerous as the code that consumes it.
   */
  reachedCapsViaUsers(key: string, patterns: string[]): Reached[] {
    const direct = this.reachedCaps(key, patterns);
    if (direct.length > 0) return direct;
    const ref = this.delta.new.items.get(key);
    if (!ref || (ref.item.kind !== 'const' && ref.item.kind !== 'static')) return direct;
    for (const e of this.newGraph.reverse().get(key) ?? []) {
      const r = this.reachedCaps(e.from, patterns);
      if (r.length > 0) return r;
    }
    return direct;
  }

  /** Text of a new-side item (at most 20 000 characters), '' when unknown. */
  itemText(key: string | null): string {
    const ref = key ? this.delta.new.items.get(key) : undefined;
    if (!ref) return '';
    return ref.file.text.slice(ref.item.span.start, Math.min(ref.item.span.end, ref.item.span.start + 20_000));
  }

  private lineCache = new WeakMap<RustFile, string[]>();

  /** The lines of a file, split once per scan however many findings quote it. */
  linesOf(file: RustFile): string[] {
    let l = this.lineCache.get(file);
    if (!l) {
      l = file.text.split('\n');
      this.lineCache.set(file, l);
    }
    return l;
  }

  private otherLines = new Map<string, string[]>();

  /** Source lines `line..endLine` (at most three) of a new-side file (Rust, or another text file such as C). */
  snippet(path: string, line: number, endLine = line): string {
    const file = this.delta.new.rust.get(path);
    if (line <= 0) return '';
    let lines: string[] | undefined = file ? this.linesOf(file) : this.otherLines.get(path);
    if (!lines) {
      const bytes = this.delta.new.tree.files.get(path);
      // Native sources only (C findings point into them); other files keep their snippet empty.
      if (!bytes || this.delta.new.binaries.has(path) || !C_FAMILY.test(path)) return '';
      lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8').split('\n');
      this.otherLines.set(path, lines);
    }
    return lines
      .slice(line - 1, Math.min(endLine, line + 2))
      .map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l))
      .join('\n');
  }
}
