import { capMatches } from '../../analysis/catalogue.js';
import type { CallGraph } from '../../analysis/graph.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { short } from './util.js';

const WATCHED = ['network', 'process.spawn', 'fs.write', 'fs.delete', 'fs.permissions', 'ffi.dlopen', 'ffi.mprotect', 'env.read-all', 'decode'];

/** Entry points (in the new graph) from which any added or changed item can be reached. */
function affectedEntries(ctx: ScanContext): Set<string> {
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

/**
 * An entry point that existed before and now reaches a capability it did not reach: the change in
 * what users' calls can do, with the shortest path to the new capability use.
 */
export function reachDeltaAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const watched = (rule.spec.match.params?.capabilities as string[] | undefined) ?? WATCHED;
  const out: Match[] = [];
  for (const entry of affectedEntries(ctx)) {
    if (!ctx.delta.old.items.has(entry)) continue; // new entries are judged by what they contain
    const ref = ctx.delta.new.items.get(entry)!;
    if (!ctx.isProduct(ref.file, ref.item.id)) continue;
    const before = capsReached(ctx.oldGraph, entry);
    const reached = ctx.reachedCaps(entry, watched).filter((r) => r.holder !== entry || r.trace.length > 1);
    const seen = new Set<string>();
    for (const r of reached) {
      if (before.has(r.cap.cap) || seen.has(r.cap.cap) || r.trace.length < 2) continue;
      if ([...before].some((b) => capMatches(b, r.cap.cap))) continue;
      seen.add(r.cap.cap);
      const first = r.trace[0];
      out.push({
        file: first.file, line: first.line, column: 1, endLine: first.line, role: ref.file.role, item: entry,
        text: r.cap.cap, isPub: ref.item.isPub,
        data: { entry, kind: ctx.newGraph.entries.get(entry) ?? '', capability: r.cap.cap, capCall: short(r.cap.resolved, 60), at: `${r.cap.file}:${r.cap.line}`, hops: String(r.trace.length - 1) },
        trace: r.trace,
      });
    }
  }
  return out;
}
