import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { hazardOf, isUntrustedEntry } from './dos.js';
import { short } from './util.js';

/** Parameter types that carry input to parse (the `&mut [u8]` output buffers are taken out first). */
const INPUT_PARAM = /&\s*\[u8\]|&\s*str\b|&\s*String\b|impl\s+(std::io::)?(Buf)?Read\b|:\s*(R|B)\s*[,)]|Bytes\b|Vec<u8>|&\s*\[char\]|Iterator<Item\s*=\s*(u8|&str|char)>/;

/** Checks that usually guard the indexing after them. */
const GUARD = /starts_with\(|ends_with\(|\.len\(\)\s*(?:[<>]|[=!]=)|(?:[<>]=?|[=!]=)\s*[\w.]+\.len\(\)|\.find\(|\.position\(|\.get\(|is_empty\(\)|split_at\(/;

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
  const byItem = new Map<string, Array<{ line: number; what: string; index: boolean }>>();
  for (const ns of ctx.newSites()) {
    const { file, site } = ns;
    if (file.role !== 'lib' || !ns.itemKey || !ctx.isProduct(file, site.item)) continue;
    const h = hazardOf(site);
    if (!h || h.kind !== 'panic' || /assert/.test(site.text)) continue;
    // Overflow panics only in debug builds; a division panics only by a divisor that can be zero:
    // a variable, not a literal or a CONSTANT.
    if (site.kind === 'arith' && !(/^[/%]$/.test(site.text) && /[/%]\s*\(?\s*[a-z_][\w.]*\s*\)?\s*$/.test(site.args ?? ''))) continue;
    let l = byItem.get(ns.itemKey);
    if (!l) byItem.set(ns.itemKey, (l = []));
    l.push({ line: site.line, what: h.what, index: site.kind === 'index' });
  }
  // Indexing in a function that checks lengths, prefixes or positions first is usually guarded by them.
  const counted = (key: string) => {
    const sites = byItem.get(key) ?? [];
    const guarded = GUARD.test(ctx.itemText(key));
    return guarded ? sites.filter((x) => !x.index) : sites;
  };
  const out: Match[] = [];
  const g = ctx.newGraph;
  for (const ch of ctx.delta.items) {
    if ((ch.status !== 'added' && ch.status !== 'changed') || !ch.newRef) continue;
    const { file, item } = ch.newRef;
    if (item.kind !== 'fn' || file.role !== 'lib' || !ctx.isProduct(file, item.id) || !isUntrustedEntry(ctx, ch.key)) continue;
    // Input, not output: `dst: &mut [u8]` is a buffer the caller gives to be filled.
    if (!INPUT_PARAM.test((item.params ?? '').replace(/&\s*mut\s+\[u8\]/g, ''))) continue;
    const sites = [...counted(ch.key)];
    // New or changed private helpers that only this function calls are part of it.
    for (const e of g.edges.get(ch.key) ?? []) {
      const hc = ctx.delta.itemByKey.get(e.to);
      if (e.approx || !hc || (hc.status !== 'added' && hc.status !== 'changed') || g.entries.has(e.to) || (g.callers.get(e.to) ?? 0) > 1) continue;
      sites.push(...counted(e.to));
    }
    if (sites.length < min) continue;
    if (/#\s*Panics/.test(docsAbove(ctx.linesOf(file), item.span.line))) continue;
    sites.sort((a, b) => a.line - b.line);
    const kinds = [...new Set(sites.map((x) => x.what.replace(/\[.*$/, '[…]').replace(/^division .*/, 'division')))].slice(0, 4).join(', ');
    const own = byItem.get(ch.key)?.[0]?.line ?? item.span.line;
    out.push({
      file: file.path, line: own, column: 1, endLine: own, role: file.role, item: ch.key, text: item.name, isPub: item.isPub,
      data: { count: String(sites.length), kinds: short(kinds, 80), entry: ch.key, params: short(item.params ?? '', 60), status: ch.status === 'added' ? 'new' : 'changed' },
    });
  }
  return out;
}
