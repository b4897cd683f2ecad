import type { ScanContext } from '../context.js';
import type { Match } from '../types.js';
import { findUntrustedEntry } from './dos.js';
import { short, siteMatch } from './util.js';

/** Names of counters that guard a limit: nesting depth, sizes, remaining budgets. */
const COUNTER = /^(?:self\.)?\w*(depth|level|nesting|count|len|length|size|remaining|budget|limit|total|consumed|used|fuel)\w*$/i;

/**
 * A counter that a limit check reads (`depth`, `remaining`, `len`…) now changes with wrapping or
 * overflowing arithmetic in a function reachable from untrusted input, where the old function
 * counted it with checked, saturating or plain arithmetic: once it wraps, the check can never fire
 * (RUSTSEC-2018-0006 style).
 */
export function wrappingCounterAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const ns of ctx.newSitesOfKind('method')) {
    const { file, site } = ns;
    if (!/^(wrapping|overflowing)_(add|sub|mul|shl|neg)$/.test(site.text) || file.role !== 'lib' || !ns.itemKey || !ctx.isProduct(file, site.item)) continue;
    const ch = ctx.delta.itemByKey.get(ns.itemKey);
    if (!ch || ch.status !== 'changed' || !ch.oldRef) continue;
    const line = ctx.snippet(file.path, site.line, site.line);
    // `depth = depth.wrapping_add(1)`, `self.remaining = self.remaining.wrapping_sub(n)`, `let depth = self.depth.wrapping_add(1)`.
    const m = new RegExp(`([\\w.]+)\\s*\\.\\s*${site.text}\\s*\\(`).exec(line);
    const counter = m?.[1];
    if (!counter || !COUNTER.test(counter)) continue;
    const leaf = counter.split('.').pop()!;
    const oldText = ch.oldRef.file.text.slice(ch.oldRef.item.span.start, ch.oldRef.item.span.end);
    const esc = leaf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // The old function counted the same name without wrapping: checked, saturating, `+=` or `-=`.
    const was = new RegExp(`\\b${esc}\\s*(\\+|-|\\*)=|\\b${esc}\\s*\\.\\s*(checked|saturating)_\\w+\\(|\\b${esc}\\s*=\\s*[\\w.]*${esc}\\s*[-+*]`).exec(oldText);
    if (!was) continue;
    // The counter must feed a comparison somewhere in the new function, or the wrap is harmless.
    if (!new RegExp(`\\b${esc}\\b\\s*(>=?|<=?|==)|(>=?|<=?|==)\\s*[\\w.]*\\b${esc}\\b`).test(ctx.itemText(ns.itemKey))) continue;
    const path = findUntrustedEntry(ctx, ns.itemKey);
    if (!path) continue;
    const entry = path[0]?.item ?? ns.itemKey;
    const trace = [...path, { item: ns.itemKey, file: file.path, line: site.line }];
    out.push(siteMatch(ctx, file, ns.index, { counter, method: site.text, was: short(was[0], 40), entry }, { trace: trace.length > 1 ? trace : undefined }));
  }
  return out;
}
