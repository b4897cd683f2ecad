import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DepSpec } from '../../diff/manifest.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { escapeRegex } from '../../parse/text.js';
import { manifestMatch } from './util.js';

const popularCache = new Map<string, Set<string>>();
/** Per set from {@link popularCrates}: a name's canonical form → its spelling in the registry (`serde_json`). */
const spellings = new WeakMap<Set<string>, Map<string, string>>();

/** The bundled list of widely used crate names, in canonical form (see scripts/build-popular-crates.sh). */
export function popularCrates(rulesDir: string): Set<string> {
  let s = popularCache.get(rulesDir);
  if (!s) {
    const text = readFileSync(path.join(rulesDir, 'data', 'popular-crates.txt'), 'utf8');
    const names = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    s = new Set(names.map(canon));
    spellings.set(s, new Map(names.map((n) => [canon(n), n])));
    popularCache.set(rulesDir, s);
  }
  return s;
}

/** Cargo treats `-` and `_` in crate names as the same; compare names in one form. */
export function canon(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), stopping early past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let prevRow2 = prev2;
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prevRow2[j - 2] + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prevRow2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The popular crate a name imitates, if any: close by edit distance, or the same after removing
 * separators. Named as the registry spells it (`serde_json`) when the list says.
 */
export function typosquatOf(name: string, popular: Set<string>): string | undefined {
  const p = imitated(name, popular);
  return p === undefined ? undefined : (spellings.get(popular)?.get(p) ?? p);
}

function imitated(name: string, popular: Set<string>): string | undefined {
  const n = canon(name);
  if (popular.has(n)) return undefined;
  const squash = (s: string) => s.replace(/[-_]/g, '');
  const max = n.length <= 4 ? 0 : n.length <= 11 ? 1 : 2;
  // Family members of a popular crate (`serde_core`, `tokio-macros`) are not imitations of it.
  const family = /[-_](core|derive|macros?|impl|sys|internals?|shared|util|utils|types|codegen|attributes|proc[-_]macros?|common|backend)$/;
  const stem = n.replace(family, '');
  if (stem !== n && popular.has(stem)) return undefined;
  for (const p of popular) {
    if (squash(p) === squash(n)) return p;
    if (max > 0 && editDistance(n, p, max) <= max) return p;
    // Affix tricks: `serde-rs`, `rust-serde`, `tokio2`.
    if (p.length >= 4 && (n === `${p}-rs` || n === `rust-${p}` || n === `${p}-rust` || /^\d$/.test(n.slice(p.length)) && n.startsWith(p))) return p;
  }
  return undefined;
}

const depLine = (d: DepSpec) => new RegExp(`^\\s*(\\[[^\\]]*\\.)?["']?${escapeRegex(d.name)}["']?\\s*(=|\\])`);

function depData(d: DepSpec): Record<string, string> {
  const where = `${d.section === 'normal' ? '' : `${d.section}-`}dependencies${d.target ? ` for ${d.target}` : ''}`;
  const src = d.source === 'git' ? `git ${d.git}${d.rev ? ` (${d.rev})` : ''}` : d.source === 'path' ? `path ${d.path}` : d.source === 'alt-registry' ? `registry ${d.registry}` : `crates.io ${d.version ?? '*'}`;
  return { dep: d.name, package: d.package, section: d.section, where, version: d.version ?? '*', source: src };
}

/** Manifest checks; `params.check` picks one. */
export function manifestAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const md = ctx.delta.manifest;
  const check = String(rule.spec.match.params?.check ?? '');
  const out: Match[] = [];
  const addedOrChanged: DepSpec[] = [...md.added, ...md.changed.map((c) => c.new)];
  const role = (d: DepSpec): Match['role'] => (d.section === 'dev' ? 'test' : 'manifest');
  switch (check) {
    case 'dependency-added':
      for (const d of md.added) out.push(manifestMatch(ctx, depLine(d), depData(d), { role: role(d), text: d.section }));
      break;
    case 'dependency-source':
      for (const d of addedOrChanged) {
        if (d.source === 'registry' || d.workspace) continue;
        const old = md.changed.find((c) => c.new === d)?.old;
        if (old && old.source === d.source && old.git === d.git && old.path === d.path) continue;
        out.push(manifestMatch(ctx, depLine(d), depData(d), { role: role(d), text: d.source }));
      }
      break;
    case 'package-rename':
      for (const d of addedOrChanged) {
        if (canon(d.package) === canon(d.name)) continue;
        const old = md.changed.find((c) => c.new === d)?.old;
        if (old && old.package === d.package) continue;
        const popular = popularCrates(ctx.rules.dir);
        out.push(
          manifestMatch(ctx, depLine(d), depData(d), {
            role: role(d),
            text: d.package,
            // Naming a dependency after a different popular crate hides what the code really uses.
            severity: popular.has(canon(d.name)) && canon(d.name) !== canon(d.package) ? 'high' : undefined,
          }),
        );
      }
      break;
    case 'typosquat': {
      const popular = popularCrates(ctx.rules.dir);
      for (const d of md.added) {
        const target = typosquatOf(d.package, popular);
        if (target) out.push(manifestMatch(ctx, depLine(d), { ...depData(d), target }, { role: role(d), text: d.package }));
      }
      const own = ctx.delta.new.name;
      const ownTarget = ctx.firstRelease && own ? typosquatOf(own, popular) : undefined;
      if (ownTarget) out.push(manifestMatch(ctx, /^\s*name\s*=/, { dep: own!, package: own!, target: ownTarget, where: 'the crate name', source: '', section: 'package', version: '' }, { text: own }));
      break;
    }
    case 'build-key': {
      const { old, new: nw } = md.build;
      if (typeof nw === 'string' && nw !== old && nw !== 'build.rs') out.push(manifestMatch(ctx, /^\s*build\s*=/, { path: nw, old: String(old ?? 'build.rs') }, { text: nw }));
      break;
    }
    case 'links':
      if (md.links.new && md.links.new !== md.links.old) out.push(manifestMatch(ctx, /^\s*links\s*=/, { links: md.links.new }, { text: md.links.new }));
      break;
    case 'proc-macro':
      if (md.procMacro.new && !md.procMacro.old) out.push(manifestMatch(ctx, /proc[-_]macro\s*=\s*true/, {}, { text: 'proc-macro' }));
      break;
    case 'lib-path': {
      const { old, new: nw } = md.libPath;
      if (nw && nw !== old && nw !== 'src/lib.rs') out.push(manifestMatch(ctx, /^\s*path\s*=/, { path: nw, old: old ?? 'src/lib.rs' }, { text: nw }));
      break;
    }
    case 'invalid':
      if (ctx.delta.new.manifestError) out.push(manifestMatch(ctx, null, { error: ctx.delta.new.manifestError }));
      break;
    default:
      throw new Error(`rule ${rule.spec.id}: unknown manifest check "${check}"`);
  }
  return out;
}
