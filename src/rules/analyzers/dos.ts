import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { TraceHop } from '../../contract/finding.js';
import type { Site } from '../../parse/types.js';
import type { RustFile } from '../../diff/types.js';
import { siteMatch, short } from './util.js';

/** Parameter types through which callers pass data they may not control. */
const UNTRUSTED = /&\s*(mut\s+)?\[u8\]|&\s*(mut\s+)?str\b|&\s*String\b|impl\s+(std::io::)?(Buf)?Read\b|:\s*(R|B)\s*[,)]|Bytes\b|Vec<u8>|&\s*\[char\]|Iterator<Item\s*=\s*(u8|&str|char)>|&\s*(mut\s+)?\[\w+\]/;
const PANIC_MACROS = /^(std::|core::)?(panic|unreachable|todo|unimplemented|assert|assert_eq|assert_ne)$/;

export type DosKind = 'panic' | 'alloc' | 'recursion';

/** What kind of hazard a site is, if any, with a description. */
export function hazardOf(s: Site): { kind: DosKind; what: string } | null {
  // Each DoS rule asks about the same new sites: work each one out once.
  let h = hazards.get(s);
  if (h === undefined) hazards.set(s, (h = computeHazard(s)));
  return h;
}

const hazards = new WeakMap<Site, { kind: DosKind; what: string } | null>();

function computeHazard(s: Site): { kind: DosKind; what: string } | null {
  switch (s.kind) {
    case 'method':
      if (s.text === 'unwrap' || s.text === 'expect') return { kind: 'panic', what: `.${s.text}()` };
      if (s.text === 'reserve' || s.text === 'reserve_exact' || s.text === 'with_capacity' || s.text === 'repeat' || s.text === 'resize') {
        return /^\(\s*[0-9_]+(usize|u32|u64)?\s*\)$/.test(s.args ?? '') ? null : { kind: 'alloc', what: `.${s.text}${short(s.args ?? '()', 40)}` };
      }
      return null;
    case 'call':
      if (s.text.endsWith('with_capacity') && /(^|::)(Vec|String|VecDeque|HashMap|BytesMut)::with_capacity$/.test(s.text) && !/^\(\s*[0-9_]+\s*\)$/.test(s.args ?? '')) {
        return { kind: 'alloc', what: `${s.text}${short(s.args ?? '', 40)}` };
      }
      return null;
    case 'macro':
      if (PANIC_MACROS.test(s.text)) return { kind: 'panic', what: `${s.text}!` };
      if (s.text === 'vec' && /;\s*[a-z_][\w.()]*(\s+as\s+usize)?\s*[\])]$/.test(s.args ?? '')) return { kind: 'alloc', what: `vec!${short(s.args ?? '', 40)}` };
      return null;
    case 'index':
      if (s.args === 'range_expression' && /^\.\.$/.test(s.text)) return null;
      return { kind: 'panic', what: `indexing [${short(s.text, 30)}]` };
    case 'arith':
      if (s.text === '^') return null;
      return { kind: 'panic', what: s.text === '/' || s.text === '%' ? `division ${short(s.args ?? '', 40)}` : `arithmetic on a length ${short(s.args ?? '', 40)}` };
    default:
      return null;
  }
}

/**
 * New panics or input-sized allocations reachable from a public function that takes untrusted input
 * (`&[u8]`, `&str`, readers). Tests, examples, benches, build scripts and consts are not DoS surfaces.
 */
export function dosAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const want = String(rule.spec.match.params?.kind ?? 'panic') as DosKind;
  const g = ctx.newGraph;
  const out: Match[] = [];
  const entryCache = new Map<string, TraceHop[] | null>();
  for (const ns of ctx.newSites()) {
    const { file, index, site } = ns;
    if (file.role !== 'lib' || !ctx.isProduct(file, site.item) || site.item < 0 || !ns.itemKey) continue;
    const item = file.facts.items[site.item];
    if (item.kind !== 'fn') continue;
    let h = want === 'recursion' ? null : hazardOf(site);
    if (want === 'recursion') {
      // A new direct self-call in a function without a depth or limit parameter.
      const self = g.selfCalls.get(ns.itemKey);
      h = self?.includes(index) && !/\b(depth|level|limit|budget|remaining|max\w*|fuel)\b/i.test(item.params ?? '') ? { kind: 'recursion', what: `recursion into ${item.name}` } : null;
    }
    if (!h || h.kind !== want) continue;
    let capped = '';
    if (h.kind === 'alloc') {
      // `let n = len.min(MAX); vec![0; n]` or `if n > MAX { return Err(..) }` first: the size is bounded.
      if (/\.min\(|\bmin\(|\.clamp\(/.test(site.args ?? '')) continue;
      const size = sizeName(site);
      if (size && isBounded(ctx.itemText(ns.itemKey), size)) continue;
      const old = ctx.delta.itemByKey.get(ns.itemKey)?.oldRef;
      if (size && old) {
        const oldText = old.file.text.slice(old.item.span.start, old.item.span.end);
        const last = escapeName(size.split('.').pop()!);
        if (isBounded(oldText, size) || new RegExp(`\\b${last}\\s*\\.\\s*(?:min|clamp)\\(`).test(oldText)) capped = 'the previous release capped this size';
      }
    }
    let path = entryCache.get(ns.itemKey);
    if (path === undefined) {
      path = findUntrustedEntry(ctx, ns.itemKey);
      entryCache.set(ns.itemKey, path);
    }
    if (!path) continue;
    const trace = [...path, { item: ns.itemKey, file: file.path, line: site.line }];
    const entry = path[0]?.item ?? ns.itemKey;
    const entryRef = g.view.items.get(entry);
    out.push(siteMatch(ctx, file, index, { what: h.what, entry, params: short(entryRef?.item.params ?? '', 60), capped }, { trace: trace.length > 1 ? trace : undefined, extra: capped || undefined }));
  }
  if (want === 'alloc') out.push(...unboundedAgain(ctx, entryCache));
  return out;
}

/**
 * Allocation sites that did not change in a changed function whose bound on the size did: the check
 * or `min` before `vec![0; len]` is gone, so the unchanged allocation is now sized by the input.
 */
function unboundedAgain(ctx: ScanContext, entryCache: Map<string, TraceHop[] | null>): Match[] {
  const out: Match[] = [];
  // Changed functions whose old body bounded something, by file, so each file's sites are walked once.
  const byFile = new Map<RustFile, Map<number, { key: string; oldText: string }>>();
  // Functions that hold an unchanged allocation site, by file: only their old bodies are read (a
  // function's text holds every item nested in it, so reading every changed one is quadratic in depth).
  const allocFns = new Map<RustFile, Set<number>>();
  const allocIn = (file: RustFile) => {
    let set = allocFns.get(file);
    if (!set) {
      const ids = new Set<number>();
      file.facts.sites.forEach((site, index) => {
        if (!ctx.isNew(file.path, index) && hazardOf(site)?.kind === 'alloc') ids.add(site.item);
      });
      allocFns.set(file, (set = ids));
    }
    return set;
  };
  for (const ch of ctx.delta.items) {
    if (ch.status !== 'changed' || !ch.newRef || !ch.oldRef || ch.newRef.item.kind !== 'fn') continue;
    const { file, item } = ch.newRef;
    if (file.role !== 'lib' || !ctx.isProduct(file, item.id) || !allocIn(file).has(item.id)) continue;
    const oldText = ch.oldRef.file.text.slice(ch.oldRef.item.span.start, ch.oldRef.item.span.end);
    if (!/\.min\(|\bmin\(|\.clamp\(|\bif\b[^{;]*[<>]|assert!/.test(oldText)) continue;
    let m = byFile.get(file);
    if (!m) byFile.set(file, (m = new Map()));
    m.set(item.id, { key: ch.key, oldText });
  }
  for (const [file, fns] of byFile) {
    file.facts.sites.forEach((site, index) => {
      const fn = fns.get(site.item);
      if (!fn || ctx.isNew(file.path, index)) return;
      const h = hazardOf(site);
      if (!h || h.kind !== 'alloc') return;
      const size = sizeName(site);
      if (!size || !isBounded(fn.oldText, size) || isBounded(ctx.itemText(fn.key), size)) return;
      let path = entryCache.get(fn.key);
      if (path === undefined) entryCache.set(fn.key, (path = findUntrustedEntry(ctx, fn.key)));
      if (!path) return;
      const trace = [...path, { item: fn.key, file: file.path, line: site.line }];
      const entry = path[0]?.item ?? fn.key;
      const capped = `the check on \`${size}\` before it is gone`;
      out.push(siteMatch(ctx, file, index, { what: h.what, entry, params: short(ctx.newGraph.view.items.get(entry)?.item.params ?? '', 60), capped }, { trace: trace.length > 1 ? trace : undefined, extra: capped }));
    });
  }
  return out;
}

/** The variable or field that sizes an allocation site (`n` in `vec![0; n]`, `Vec::with_capacity(hdr.len)`). */
export function sizeName(s: Site): string | undefined {
  const a = s.args ?? '';
  const expr = s.kind === 'macro' ? /;\s*([^\]]+?)\s*[\])]$/.exec(a)?.[1] : /^\(\s*([^,)]+)/.exec(a)?.[1];
  const m = expr ? /^([a-z_][\w.]*?)(?:\s+as\s+usize)?$/i.exec(expr.trim()) : null;
  return m ? m[1] : undefined;
}

/**
 * True when the function bounds `name` before it allocates: `name = x.min(..)`, `min(name, ..)`,
 * `.clamp(..)`, an `if name > .. { return / Err / None / bail / panic }`, or an assert on it.
 */
export function isBounded(text: string, name: string): boolean {
  const n = escapeName(name);
  const last = escapeName(name.split('.').pop()!);
  return (
    new RegExp(`\\blet\\s+(?:mut\\s+)?${last}\\b[^;]{0,200}?\\.(?:min|clamp)\\(`).test(text) ||
    new RegExp(`\\b${last}\\s*=\\s*[^;]{0,200}?\\.(?:min|clamp)\\(`).test(text) ||
    new RegExp(`\\bmin\\(\\s*${n}\\s*,|\\bmin\\([^;)]{0,80},\\s*${n}\\s*\\)`).test(text) ||
    new RegExp(`\\bif\\s+[^{;]{0,120}?\\b${n}\\s*(?:>=?|!=)\\s*[^{;]{1,120}\\{\\s*(?:return\\b|Err\\b|None\\b|bail!|panic!|break\\b|continue\\b)`).test(text) ||
    new RegExp(`\\bif\\s+[^{;]{0,120}?[<]=?\\s*${n}\\b[^{;]{0,40}\\{\\s*(?:return\\b|Err\\b|None\\b|bail!|panic!)`).test(text) ||
    new RegExp(`(?:assert|ensure|debug_assert)!\\s*\\(\\s*${n}\\s*<`).test(text)
  );
}

function escapeName(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Walks callers backwards from `key` to the nearest public function taking untrusted input; returns the hops to `key` (exclusive). */
export function findUntrustedEntry(ctx: ScanContext, key: string): TraceHop[] | null {
  const g = ctx.newGraph;
  const rev = g.reverse();
  const prev = new Map<string, { from: string; file: string; line: number } | null>([[key, null]]);
  let frontier = [key];
  for (let d = 0; d < 10 && frontier.length > 0 && prev.size < 5000; d++) {
    const next: string[] = [];
    for (const k of frontier) {
      if (isUntrustedEntry(ctx, k)) {
        const hops: TraceHop[] = [];
        let cur = k;
        for (let i = 0; i < 20; i++) {
          const p = prev.get(cur);
          if (!p) break;
          hops.push({ item: cur, file: p.file, line: p.line });
          cur = p.from;
        }
        return hops;
      }
      for (const e of rev.get(k) ?? []) {
        if (prev.has(e.from) || e.approx) continue;
        prev.set(e.from, { from: k, file: e.file, line: e.line });
        next.push(e.from);
      }
    }
    frontier = next;
  }
  return null;
}

export function isUntrustedEntry(ctx: ScanContext, key: string): boolean {
  if (ctx.newGraph.entries.get(key) !== 'public') return false;
  const ref = ctx.newGraph.view.items.get(key)!;
  return UNTRUSTED.test(ref.item.params ?? '');
}

const LIMIT_WORDS = /\b(depth|limit|max_?\w*|MAX_\w+|recursion|nesting|too_?(deep|large|long|many)|budget)\b/i;
const CHECK_WORDS = /\b(if|return|Err|bail!|ensure!|assert!|break|panic!)\b/;

const sortedRemoved = new WeakMap<Set<number>, number[]>();

/** The lines of `set` from `first` to `last`, ascending. */
function removedInRange(set: Set<number>, first: number, last: number): number[] {
  let sorted = sortedRemoved.get(set);
  if (!sorted) sortedRemoved.set(set, (sorted = [...set].sort((a, b) => a - b)));
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < first) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < sorted.length && sorted[i] <= last; i++) out.push(sorted[i]);
  return out;
}

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let l = first; l <= last; l++) out.push(l);
  return out;
}

/**
 * A changed function on an untrusted-input path loses lines that checked a depth, size or count
 * limit: the protection against exhaustion is gone.
 */
export function limitRemovedAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const ch of ctx.delta.items) {
    // Parsers often keep their recursion guard in a `macro_rules!` body: judged like a function, reached through its callers.
    if (ch.status !== 'changed' || !ch.newRef || !ch.oldRef || (ch.newRef.item.kind !== 'fn' && ch.newRef.item.kind !== 'macro')) continue;
    const { file, item } = ch.newRef;
    if (file.role !== 'lib' || !ctx.isProduct(file, item.id)) continue;
    const fc = ctx.delta.fileByPath.get(file.path);
    const oldText = ctx.linesOf(ch.oldRef.file);
    const removed: Array<{ line: number; text: string }> = [];
    const sameFile = ch.oldRef.file.path === file.path && fc;
    const { line: first, endLine: last } = ch.oldRef.item.span;
    // In the same file, only the removed lines of the span are read (found by binary search): a span
    // holds its nested functions, so reading every line of every changed function would cost the
    // square of the nesting depth.
    const lines = sameFile ? removedInRange(fc.removedLines, first, last) : range(first, last);
    for (const l of lines) {
      const t = (oldText[l - 1] ?? '').trim();
      if (LIMIT_WORDS.test(t) && CHECK_WORDS.test(t)) removed.push({ line: l, text: t });
    }
    if (removed.length === 0) continue;
    const newBody = file.text.slice(item.span.start, item.span.end).replace(/\s+/g, ' ');
    // A check counts as gone only when none of its limit names survive in the new body: rewritten
    // checks (`core::u64::MAX` → `u64::MAX`) keep their names.
    const gone = removed.filter((r) => {
      const bounds = r.text.match(/\b(MAX_\w+|\w*(max|limit|budget)\w*)\b/gi) ?? [];
      const names = bounds.length > 0 ? bounds : (r.text.match(new RegExp(LIMIT_WORDS.source, 'gi')) ?? []);
      return names.every((n) => !newBody.includes(n));
    });
    if (gone.length === 0) continue;
    const path = findUntrustedEntry(ctx, ch.key);
    if (!path && !(ctx.newGraph.entries.get(ch.key) === 'public')) continue;
    if (item.kind === 'macro' && !path) continue;
    const line = item.span.line;
    out.push({
      file: file.path, line, column: 1, endLine: line, role: file.role, item: ch.key, text: gone[0].text,
      data: { check: short(gone[0].text, 80), oldLine: String(gone[0].line), entry: path?.[0]?.item ?? ch.key, where: item.kind === 'macro' ? 'macro' : 'fn' },
      extra: item.kind === 'macro' ? `inside the macro_rules! body, expanded in \`${path?.[0]?.item ?? ch.key}\`` : undefined,
      trace: path && path.length > 0 ? [...path, { item: ch.key, file: file.path, line }] : undefined,
    });
  }
  return out;
}
