import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { affectedEntries } from './reach.js';
import { short, siteMatch } from './util.js';

/**
 * Capability sites that did not change, in code nothing called before, that an existing entry point
 * now reaches: a dormant payload woken by a new call. The far-jump and reach findings name the entry;
 * this gives the site itself a finding in its own category (process, network, file system), so a
 * reviewer filtering by category, or code scanning listing rules, sees it.
 */
export function reachedSitesAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const caps = (rule.spec.match.params?.capabilities as string[] | undefined) ?? ['process'];
  const out: Match[] = [];
  const seen = new Set<string>();
  for (const entry of affectedEntries(ctx)) {
    if (!ctx.delta.old.items.has(entry)) continue;
    const ref = ctx.delta.new.items.get(entry)!;
    if (!ctx.isProduct(ref.file, ref.item.id)) continue;
    let oldReach: ReturnType<typeof ctx.oldGraph.reach> | undefined;
    for (const r of ctx.reachedCaps(entry, caps)) {
      const u = r.cap;
      if (u.site < 0 || ctx.isNew(u.file, u.site)) continue;
      const key = `${u.file}|${u.site}`;
      if (seen.has(key)) continue;
      // Only dormant code: the holder existed, nothing called it and it was no entry of its own. A
      // helper that another entry already used is live code that gains one more caller.
      if (ctx.delta.old.items.has(r.holder) && ((ctx.oldGraph.callers.get(r.holder) ?? 0) > 0 || ctx.oldGraph.entries.has(r.holder))) continue;
      // And only sites the entry did not reach in the old release: the path to them is what is new.
      oldReach ??= ctx.oldGraph.reach(entry);
      if (oldReach.has(r.holder) && ctx.delta.old.items.has(r.holder)) continue;
      const file = ctx.delta.new.rust.get(u.file);
      if (!file || !ctx.isProduct(file, file.facts.sites[u.site].item)) continue;
      seen.add(key);
      out.push(siteMatch(ctx, file, u.site, { capability: u.cap, resolved: short(u.resolved, 60), entry, hops: String(r.trace.length - 1) }, { trace: r.trace }));
    }
  }
  return out;
}
