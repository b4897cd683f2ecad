import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { hazardOf, isUntrustedEntry } from './dos.js';
import { short } from './util.js';

/** Lines of `///` docs and attributes right above an item: where `# Panics` is documented. */
function docsAbove(lines: string[], line: number): string {
  const out: string[] = [];
  for (let l = line - 2; l >= 0 && out.length < 200; l--) {
    const t = lines[l].trim();
    if (!(t.startsWith('///') || t.startsWith('#[') || t.startsWith('//!') || t === '')) break;
    out.push(t);
  }
  return out.join('\n');
}

/**
 * Several new panic sites (unwrap, expect, indexing, division, panic!) in one new or changed public
 * function that takes untrusted input (`&[u8]`, `&str`, readers): one panic is a slip, several in a
 * parser's entry are a crash anyone who controls the input can trigger. Asserts state preconditions
 * and functions that document `# Panics` say so on purpose; neither counts.
 */
export function panicClusterAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const min = Number(rule.spec.match.params?.minSites ?? 3);
  const byItem = new Map<string, Array<{ line: number; what: string }>>();
  for (const ns of ctx.newSites()) {
    const { file, site } = ns;
    if (file.role !== 'lib' || !ns.itemKey || !ctx.isProduct(file, site.item)) continue;
    const h = hazardOf(site);
    if (!h || h.kind !== 'panic' || /^(debug_)?assert/.test(h.what) || /assert/.test(site.text)) continue;
    let l = byItem.get(ns.itemKey);
    if (!l) byItem.set(ns.itemKey, (l = []));
    l.push({ line: site.line, what: h.what });
  }
  const out: Match[] = [];
  for (const [key, sites] of byItem) {
    if (sites.length < min) continue;
    const ch = ctx.delta.itemByKey.get(key);
    if (!ch || (ch.status !== 'added' && ch.status !== 'changed') || !ch.newRef) continue;
    const { file, item } = ch.newRef;
    if (item.kind !== 'fn' || !isUntrustedEntry(ctx, key)) continue;
    if (/#\s*Panics/.test(docsAbove(ctx.linesOf(file), item.span.line))) continue;
    const kinds = [...new Set(sites.map((s) => s.what.replace(/\[.*$/, '[…]').replace(/^division .*/, 'division')))].slice(0, 4).join(', ');
    out.push({
      file: file.path, line: sites[0].line, column: 1, endLine: sites[0].line, role: file.role, item: key, text: item.name, isPub: item.isPub,
      data: { count: String(sites.length), kinds: short(kinds, 80), entry: key, params: short(item.params ?? '', 60), status: ch.status === 'added' ? 'new' : 'changed' },
    });
  }
  return out;
}
