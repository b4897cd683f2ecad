import { capMatches } from '../../analysis/catalogue.js';
import type { CallGraph } from '../../analysis/graph.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Reached } from '../context.js';
import { short } from './util.js';

const WATCHED = ['network', 'process.spawn', 'fs.write', 'fs.delete', 'fs.permissions', 'ffi.dlopen', 'ffi.mprotect', 'env.read-all', 'decode'];

/** Entry points (in the new graph) from which any added or changed item can be reached. */
export function affectedEntries(ctx: ScanContext): Set<string> {
  const g = ctx.newGraph;
  const rev = g.reverse();
  const seen = new Set<string>();
  let frontier = ctx.delta.items.filter((c) => c.newRef && (c.status === 'added' || c.status === 'changed')).map((c) => c.key);
  for (const k of frontier) seen.add(k);
  for (let d = 0; d < 12 && frontier.length > 0 && seen.size < 20_000; d++) {
    const next: string[] = [];
    for (const k of frontier) {
      for (const e of rev.get(k) ?? []) {
        if (seen.has(e.from)) continue;
        seen.add(e.from);
        next.push(e.from);
      }
    }
    frontier = next;
  }
  return new Set([...seen].filter((k) => g.entries.has(k) && g.entries.get(k) !== 'test'));
}

/** Capability names an item reaches in a graph. */
function capsReached(g: CallGraph, key: string): Set<string> {
  const out = new Set<string>();
  for (const holder of g.reach(key).keys()) for (const u of g.caps.get(holder) ?? []) out.add(u.cap);
  return out;
}

const PRIORITY = ['process', 'network', 'ffi', 'env.read-all', 'fs.delete', 'fs.write', 'fs.permissions', 'decode'];
const rank = (cap: string) => {
  const i = PRIORITY.findIndex((p) => capMatches(cap, p));
  return i < 0 ? PRIORITY.length : i;
};

/**
 * An entry point that existed before and now reaches capabilities it did not reach: one finding per
 * entry, listing the new capabilities, with the shortest path to the most dangerous one. High when
 * the crate never used a capability before, info when it already did elsewhere.
 */
export function reachDeltaAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const watched = (rule.spec.match.params?.capabilities as string[] | undefined) ?? WATCHED;
  const out: Match[] = [];
  for (const entry of affectedEntries(ctx)) {
    if (!ctx.delta.old.items.has(entry)) continue; // new entries are judged by what they contain
    const ref = ctx.delta.new.items.get(entry)!;
    if (!ctx.isProduct(ref.file, ref.item.id)) continue;
    let before: string[] | undefined;
    const fresh = new Map<string, Reached>();
    for (const r of ctx.reachedCaps(entry, watched)) {
      if (r.trace.length < 2 || fresh.has(r.cap.cap)) continue;
      // Capabilities inside the build script itself are its own findings; only paths out of it count here.
      if (ref.file.role === 'build' && r.cap.file === ref.file.path) continue;
      // What the entry reached before is looked up only when it reaches something worth comparing.
      before ??= [...capsReached(ctx.oldGraph, entry)];
      if (before.some((b) => capMatches(b, r.cap.cap) || capMatches(r.cap.cap, b))) continue;
      fresh.set(r.cap.cap, r);
    }
    if (fresh.size === 0) continue;
    const list = [...fresh.values()].sort((a, b) => rank(a.cap.cap) - rank(b.cap.cap) || a.trace.length - b.trace.length);
    const best = list[0];
    const novel = list.filter((r) => !ctx.had(r.cap.cap.split('.')[0]) && !ctx.had(r.cap.cap));
    const first = best.trace[0];
    out.push({
      file: first.file, line: first.line, column: 1, endLine: first.line, role: ref.file.role, item: entry,
      text: best.cap.cap, isPub: ref.item.isPub,
      data: {
        entry, kind: ctx.newGraph.entries.get(entry) ?? '', capabilities: list.map((r) => r.cap.cap).join(', '),
        capCall: short(best.cap.resolved, 60), at: `${best.cap.file}:${best.cap.line}`, hops: String(best.trace.length - 1),
      },
      severity: novel.length > 0 ? undefined : 'info',
      extra: novel.length > 0 ? undefined : 'the crate already used these capabilities elsewhere',
      trace: best.trace,
    });
  }
  return out;
}
