/**
 * What a call into a dependency reaches, composed from capability summaries: the dependency's item's
 * own capabilities, plus what the dependency paths it calls reach in *their* summaries, transitively
 * (`crate::add → duct::cmd → duct::Expression::start → std::process::Command::spawn`). Summaries come
 * from an injected {@link DependencySource}; the core never fetches. Cycles between crates are cut and
 * composition depth is bounded.
 */
import semver from 'semver';
import type { CrateSummary, SummaryDep, SummaryEntry } from './summary.js';
import { capabilityOfPath, type Catalogue } from './catalogue.js';

/** A summary chosen for a dependency requirement, and how well it fits. */
export interface ResolvedSummary {
  summary: CrateSummary;
  /** Where it came from, for messages (`the shipped index`, `~/.cargo/registry/src/…`). */
  origin: string;
  /** True when its version does not satisfy the requirement (the nearest known version was used). */
  approximate?: boolean;
}

/**
 * Summaries of dependencies, looked up synchronously during a scan: the layer above gathers them
 * (lock's fetched releases, the Cargo cache, cratefence's cache, the registry, the shipped index)
 * before calling the core.
 */
export interface DependencySource {
  /** A stable name for what this source holds (part of memo keys). */
  readonly id: string;
  /** The summary of package `name` that requirement `req` selects; null when nothing is known of it. */
  summaryOf(name: string, req: string | undefined): ResolvedSummary | null;
}

/** One capability a dependency path reaches, with the path through the dependencies. */
export interface DepCap {
  cap: string;
  /** `duct::cmd → duct::Expression::start → std::process::Command::spawn (src/lib.rs:120)`. */
  via: string;
  /** The dependency release whose code holds the platform call (`duct@0.13.5`). */
  origin: string;
}

export const MAX_DEPTH = 8;
const MAX_ALIAS_HOPS = 8;

/** Capabilities ranked for picking the one a finding names first. */
const RANK = ['process', 'network', 'ffi.dlopen', 'ffi.mprotect', 'fs.delete', 'fs.write', 'env.secret', 'env.read-all', 'fs.permissions', 'syscall', 'fs.read', 'env', 'host'];

/** Sorts capability uses most dangerous first. */
export function rankCaps<T extends { cap: string }>(list: T[]): T[] {
  const r = (c: string) => {
    const i = RANK.findIndex((p) => c === p || c.startsWith(`${p}.`));
    return i < 0 ? RANK.length : i;
  };
  return [...list].sort((a, b) => r(a.cap) - r(b.cap));
}

interface Deps {
  byName: Map<string, SummaryDep>;
}

/**
 * Capabilities that only a call's arguments make dangerous (`set_verify(SslVerifyMode::NONE)` vs
 * `PEER`): a summary keeps the call, not its arguments, so inside a dependency they say nothing about
 * what the caller asked for, and are not carried into it (native-tls's `connect` would otherwise "turn
 * off TLS verification" for every client). A caller that asks for the mode is reported at its own call.
 */
const ARGUMENT_MODES = new Set(['network.tls-insecure']);

/** Composes dependency summaries for one scan (memoized per summary and key). */
export class DependencyCaps {
  private memo = new WeakMap<CrateSummary, Map<string, DepCap[]>>();
  private depsMemo = new WeakMap<CrateSummary, Deps>();
  private active = new Set<string>();
  /** Dependencies of the scanned crate nothing is known about, by package name. */
  readonly unknown = new Set<string>();
  /**
   * How many times composition was, or would have been, cut short: a cycle, the depth bound, or a
   * kept answer asked deeper than the chain it was composed from allows. Kept answers do not depend
   * on depth, so after a cut what a call reaches depends on the order calls were composed in; while
   * this is 0 every answer is the whole composition, in any order (a stored model relies on it).
   */
  cuts = 0;
  /** Per summary and key: the length of the chain an answer was composed from (itself included). */
  private heights = new WeakMap<CrateSummary, Map<string, number>>();
  /** The deepest depth the composition under way has reached. */
  private reached = 0;

  constructor(readonly source: DependencySource, private readonly cat: Catalogue) {}

  /** The summary a dependency requirement selects, or null (and noted as unknown). */
  resolve(pkg: string, req: string | undefined): ResolvedSummary | null {
    const r = this.source.summaryOf(pkg, req);
    if (!r) this.unknown.add(pkg);
    return r;
  }

  /**
   * Capabilities that `full` (a path whose first segment is a dependency's code name) reaches; `deps`
   * maps code names to the dependencies of the crate that wrote the path. Null when the dependency
   * has no summary.
   */
  capsOfPath(deps: ReadonlyMap<string, { package: string; req?: string }>, full: string, macro: boolean, depth = 0): DepCap[] | null {
    const i = full.indexOf('::');
    const root = i < 0 ? full : full.slice(0, i);
    const dep = deps.get(root);
    if (!dep) return [];
    const rs = depth === 0 ? this.resolve(dep.package, dep.req) : this.source.summaryOf(dep.package, dep.req);
    if (!rs) return null;
    return this.entryCaps(rs.summary, i < 0 ? '' : full.slice(i + 2), macro, depth);
  }

  /**
   * Capabilities of a method called by name on a value of unknown type: the one public method of
   * that name among the crate's dependencies (ambiguous or common names give nothing).
   */
  capsOfMethod(deps: ReadonlyMap<string, { package: string; req?: string }>, name: string, depth = 0): DepCap[] {
    if (depth > MAX_DEPTH) {
      this.cuts++;
      return [];
    }
    let found: DepCap[] = [];
    let hits = 0;
    for (const s of this.methodHolders(deps, name)) {
      hits++;
      found = this.methodCaps(s, name, depth);
    }
    return hits === 1 ? found : [];
  }

  /** A dependency's method, composed once per scan with the cycle cut paths have. */
  private methodCaps(s: CrateSummary, name: string, depth: number): DepCap[] {
    return this.once(s, `.${name}`, depth, () => this.compose(s, `.${name}`, s.methods[name], depth));
  }

  /** Per dependency map: the summary each of its packages selects (null: none), in the map's order. */
  private summariesMemo = new WeakMap<ReadonlyMap<string, { package: string; req?: string }>, Array<CrateSummary | null>>();
  /** Per dependency map and method name: the summaries (in the map's order) that have a public method of that name. */
  private holdersMemo = new WeakMap<ReadonlyMap<string, { package: string; req?: string }>, Map<string, CrateSummary[]>>();

  /**
   * The summaries among `deps` that declare a method `name`. A scan asks this for every method call
   * it cannot place, thousands of times over the same few dependency maps: looking each package up
   * again every time was most of what dependency summaries cost a scan.
   */
  private methodHolders(deps: ReadonlyMap<string, { package: string; req?: string }>, name: string): CrateSummary[] {
    let byName = this.holdersMemo.get(deps);
    if (!byName) this.holdersMemo.set(deps, (byName = new Map()));
    let out = byName.get(name);
    if (out) return out;
    let summaries = this.summariesMemo.get(deps);
    if (!summaries) {
      summaries = uniqueDeps(deps).map((dep) => this.source.summaryOf(dep.package, dep.req)?.summary ?? null);
      this.summariesMemo.set(deps, summaries);
    }
    out = [];
    for (const s of summaries) if (s && s.methods[name]) out.push(s);
    byName.set(name, out);
    return out;
  }

  private depsOf(s: CrateSummary): Deps {
    let d = this.depsMemo.get(s);
    if (!d) {
      d = { byName: new Map() };
      for (const x of s.deps) if (!x.build && !d.byName.has(x.name)) d.byName.set(x.name, x);
      this.depsMemo.set(s, d);
    }
    return d;
  }

  /** What the build script of a dependency reaches (its build-dependencies composed). */
  buildCaps(s: CrateSummary): DepCap[] {
    return s.build ? this.compose(s, 'build.rs', s.build, 0, true) : [];
  }

  /** What the proc-macro entry points of a dependency reach. */
  procMacroCaps(s: CrateSummary): DepCap[] {
    return s.procMacro ? this.compose(s, 'proc-macro', s.procMacro, 0) : [];
  }

  private entryCaps(s: CrateSummary, key: string, macro: boolean, depth: number): DepCap[] {
    return this.once(s, macro ? `${key}!` : key, depth, () => this.lookup(s, key, macro, depth));
  }

  /**
   * An item's or method's capabilities, computed once per scan and summary. A key already being
   * composed (a cycle across crates: summaries from a cache or a registry may be hostile) or a chain
   * deeper than MAX_DEPTH gives nothing, so composition always ends.
   */
  private once(s: CrateSummary, memoKey: string, depth: number, compute: () => DepCap[]): DepCap[] {
    let m = this.memo.get(s);
    if (!m) this.memo.set(s, (m = new Map()));
    const hit = m.get(memoKey);
    if (hit) {
      const h = this.heights.get(s)?.get(memoKey) ?? 1;
      if (depth + h - 1 > MAX_DEPTH) this.cuts++;
      this.reached = Math.max(this.reached, depth + h - 1);
      return hit;
    }
    const guard = `${s.name}@${s.version}#${memoKey}`;
    if (this.active.has(guard) || depth > MAX_DEPTH) {
      this.cuts++;
      return [];
    }
    this.active.add(guard);
    const outer = this.reached;
    this.reached = depth;
    try {
      const out = compute();
      m.set(memoKey, out);
      let hs = this.heights.get(s);
      if (!hs) this.heights.set(s, (hs = new Map()));
      hs.set(memoKey, this.reached - depth + 1);
      return out;
    } finally {
      this.reached = Math.max(outer, this.reached);
      this.active.delete(guard);
    }
  }


  private lookup(s: CrateSummary, key: string, macro: boolean, depth: number): DepCap[] {
    let k = key;
    for (let hop = 0; hop < MAX_ALIAS_HOPS; hop++) {
      const e = macro ? (s.items[`${k}!`] ?? s.items[k]) : s.items[k];
      if (typeof e === 'string') {
        k = e;
        continue;
      }
      if (e) return this.compose(s, k, e, depth, false, macro);
      break;
    }
    // `pub use dep::module::*` in module M: `M::name` may be `dep::module::name`.
    if (s.globs) {
      const cut = k.lastIndexOf('::');
      const mod = cut < 0 ? '' : k.slice(0, cut);
      const rest = cut < 0 ? k : k.slice(cut + 2);
      for (const g of s.globs[mod] ?? []) {
        const r = this.capsOfPath(this.depsOf(s).byName, `${g}::${rest}`, macro, depth + 1);
        if (r && r.length > 0) return r;
      }
    }
    return [];
  }

  /** An entry's capabilities: its own, then those of the dependency paths it calls. */
  private compose(s: CrateSummary, key: string, e: SummaryEntry, depth: number, build = false, macro = false): DepCap[] {
    const origin = `${s.name}@${s.version}`;
    const name = `${s.name}::${key}${macro ? '!' : ''}`;
    const caps = new Map<string, DepCap>();
    for (const [cap, via] of e.caps ?? []) if (!caps.has(cap) && !ARGUMENT_MODES.has(cap)) caps.set(cap, { cap, via: `${name} → ${via}`, origin });
    if (e.calls && e.calls.length > 0) {
      const deps = build ? buildDeps(s) : this.depsOf(s).byName;
      for (const id of e.calls) {
        const p = s.ext[id];
        if (p === undefined) continue;
        let got: DepCap[] | null;
        if (p.startsWith('.')) got = this.capsOfMethod(deps, p.slice(1), depth + 1);
        else if (p.endsWith('!')) got = this.capsOfPath(deps, p.slice(0, -1), true, depth + 1);
        else {
          const c = capabilityOfPath(this.cat, p);
          got = c ? [{ cap: c, via: p, origin }] : this.capsOfPath(deps, p, false, depth + 1);
        }
        for (const d of got ?? []) if (!caps.has(d.cap)) caps.set(d.cap, { cap: d.cap, via: `${name} → ${d.via}`, origin: d.origin });
      }
    }
    return rankCaps([...caps.values()]);
  }
}

const buildDepsMemo = new WeakMap<CrateSummary, Map<string, SummaryDep>>();

function buildDeps(s: CrateSummary): Map<string, SummaryDep> {
  let m = buildDepsMemo.get(s);
  if (m) return m;
  m = new Map<string, SummaryDep>();
  for (const x of s.deps) if (x.build && !m.has(x.name)) m.set(x.name, x);
  buildDepsMemo.set(s, m);
  return m;
}

/** Per dependency map (never changed once built: a resolver's or a summary's): its dependencies, one per package. */
const uniqueMemo = new WeakMap<ReadonlyMap<string, { package: string; req?: string }>, Array<{ package: string; req?: string }>>();

function uniqueDeps(deps: ReadonlyMap<string, { package: string; req?: string }>): Array<{ package: string; req?: string }> {
  const hit = uniqueMemo.get(deps);
  if (hit) return hit;
  const seen = new Set<string>();
  const out: Array<{ package: string; req?: string }> = [];
  for (const d of deps.values()) {
    if (seen.has(d.package)) continue;
    seen.add(d.package);
    out.push(d);
  }
  uniqueMemo.set(deps, out);
  return out;
}

/**
 * Cargo's reading of a version requirement as a node-semver range: a bare version is a caret
 * requirement (`1.2` means `^1.2`), comma-separated parts all apply. Null when it cannot be read.
 */
export function cargoRange(req: string | undefined): string | null {
  if (req === undefined || req.trim() === '' || req.trim() === '*') return '*';
  const parts = req.split(',').map((p) => p.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of parts) {
    if (/^\d/.test(p)) out.push(`^${p}`);
    else out.push(p.replace(/^=\s*/, ''));
  }
  const range = out.join(' ');
  return semver.validRange(range) ? range : null;
}

/** The newest of `versions` that `req` (Cargo's syntax) accepts, else the newest below the lowest it accepts, else null. */
export function pickVersion(versions: string[], req: string | undefined): { version: string; exact: boolean } | null {
  return plainPick(versions, req) ?? semverPick(versions, req);
}

const PLAIN_VERSION = /^(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})$/;
const PLAIN_REQ = /^\^?(0|[1-9]\d{0,14})(?:\.(0|[1-9]\d{0,14})(?:\.(0|[1-9]\d{0,14}))?)?$/;

/**
 * `pickVersion` for what almost every look-up is: plain `x.y.z` versions and a bare or caret
 * requirement (`1.2`, `^0.4.3`) or none. Answers as node-semver's caret ranges do, without building
 * them: gathering picks a version for every crate of a dependency tree, and building semver's range
 * objects was most of that cost in a short process. Undefined for anything else (the caller asks
 * semver). `test/deps-pick.test.ts` holds it equal to semver's answer over generated inputs.
 */
export function plainPick(versions: string[], req: string | undefined): { version: string; exact: boolean } | null | undefined {
  const parsed: Array<[number, number, number, string]> = [];
  for (const v of versions) {
    const m = PLAIN_VERSION.exec(v);
    if (!m) return undefined;
    parsed.push([Number(m[1]), Number(m[2]), Number(m[3]), v]);
  }
  if (parsed.length === 0) return null;
  let lo: [number, number, number] | null = null;
  let hi: [number, number, number] | null = null;
  const r = req === undefined ? '' : req.trim();
  if (r !== '' && r !== '*') {
    const m = PLAIN_REQ.exec(r);
    if (!m) return undefined;
    const major = Number(m[1]);
    const minor = m[2] === undefined ? undefined : Number(m[2]);
    const patch = m[3] === undefined ? undefined : Number(m[3]);
    lo = [major, minor ?? 0, patch ?? 0];
    // Caret: the left-most non-zero part may not change (a missing part counts as any).
    hi = major !== 0 || minor === undefined ? [major + 1, 0, 0] : minor !== 0 || patch === undefined ? [0, minor + 1, 0] : [0, 0, patch + 1];
  }
  type Triple = readonly [number, number, number, ...unknown[]];
  const cmp = (a: Triple, b: Triple) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  let best: [number, number, number, string] | null = null;
  let newest = parsed[0];
  for (const p of parsed) {
    if (cmp(p, newest) > 0) newest = p;
    if ((!lo || cmp(p, lo) >= 0) && (!hi || cmp(p, hi) < 0) && (!best || cmp(p, best) > 0)) best = p;
  }
  return best ? { version: best[3], exact: true } : { version: newest[3], exact: false };
}

/** `pickVersion` with semver's ranges: any requirement and version Cargo or semver can write. */
function semverPick(versions: string[], req: string | undefined): { version: string; exact: boolean } | null {
  const valid = versions.filter((v) => semver.valid(v));
  if (valid.length === 0) return null;
  const range = cargoRange(req);
  if (range) {
    const best = semver.maxSatisfying(valid, range);
    if (best) return { version: best, exact: true };
  }
  return { version: valid.sort(semver.rcompare)[0], exact: false };
}
