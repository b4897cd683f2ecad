import { capMatches } from '../analysis/catalogue.js';
import { isShippedRole } from '../diff/release.js';
import { dependencyNote, type ScanContext } from './context.js';
import type { CompiledCondition, CompiledRule } from './loader.js';
import { ANALYZERS } from './analyzers/index.js';
import { short, siteMatch } from './analyzers/util.js';
import { removedUnsafeLints } from './analyzers/files.js';
import { placeGenerated } from './analyzers/generated.js';
import type { Match } from './types.js';
import { SEVERITIES, type Finding } from '../contract/finding.js';


/** Runs every rule over the delta and returns findings in file and line order. */
export function runRules(ctx: ScanContext): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  // The unanalysed-code check runs last so that it also reports what other rules could not finish.
  const ordered = [...ctx.rules.rules].sort((a, b) => Number(a.spec.match.analyzer === 'unanalysed') - Number(b.spec.match.analyzer === 'unanalysed'));
  for (const rule of ordered) {
    for (const m of matchesOf(ctx, rule)) {
      const raw = toFinding(ctx, rule, m);
      if (!raw) continue;
      const f = placeGenerated(ctx, raw);
      const k = `${f.ruleId}|${f.file}|${f.line}|${f.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      findings.push(f);
    }
  }
  const sev = (f: Finding) => SEVERITIES.indexOf(f.severity);
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || sev(b) - sev(a) || a.ruleId.localeCompare(b.ruleId)));
  return findings;
}

function matchesOf(ctx: ScanContext, rule: CompiledRule): Match[] {
  const m = rule.spec.match;
  if (m.analyzer) {
    const fn = Object.hasOwn(ANALYZERS, m.analyzer) ? ANALYZERS[m.analyzer] : undefined;
    if (!fn) throw new Error(`rule ${rule.spec.id}: unknown analyzer ${m.analyzer}`);
    return fn(ctx, rule);
  }
  if (m.query) return queryMatches(ctx, rule);
  const out: Match[] = [];
  const kinds = m.sites?.kind;
  const candidates = m.capability
    ? ctx.newCapabilitySites()
    : kinds
      ? kinds.length === 1 ? ctx.newSitesOfKind(kinds[0]) : ctx.newSites().filter((ns) => kinds.includes(ns.site.kind))
      : [];
  for (const ns of candidates) {
    const { file, index, site } = ns;
    let data: Record<string, string>;
    let extra: string | undefined;
    if (m.capability) {
      const found = ctx.newGraph.resolver.capOf(file, index);
      if (!found) continue;
      // A dependency item reaches several capabilities: the rule sees the first one it asks about.
      const cap = found.viaDependency ? found.viaDependency.find((d) => m.capability!.some((p) => capMatches(d.cap, p)))?.cap : found.cap;
      if (!cap || !m.capability.some((p) => capMatches(cap, p))) continue;
      const hit = cap === found.cap ? found : { ...found, cap };
      data = { capability: hit.cap, resolved: hit.resolved, callee: site.text };
      extra = dependencyNote(hit);
      const renamed = ctx.newGraph.resolver.renamedAlias(file, site.text);
      if (renamed) data.renamed = renamed;
    } else if (m.sites) {
      if (!m.sites.kind.includes(site.kind)) continue;
      if (rule.siteText && !rule.siteText.test(site.text)) continue;
      data = { callee: site.text };
    } else continue;
    out.push({
      ...siteMatch(ctx, file, index, { ...data, text: short(site.text), args: short(site.args ?? '') }),
      ...(extra ? { extra } : {}),
      // Test items inside library code count as tests; other roles keep their own.
      role: ctx.isProduct(file, site.item) || (file.role !== 'lib' && file.role !== 'proc-macro') ? file.role : 'test',
    });
  }
  return out;
}

/** Contiguous runs of line numbers, as 0-based row ranges for a query. */
function lineRuns(lines: ReadonlySet<number>): Array<[number, number]> {
  const sorted = [...lines].sort((x, y) => x - y);
  const runs: Array<[number, number]> = [];
  for (const l of sorted) {
    const last = runs[runs.length - 1];
    if (last && l === last[1] + 1) last[1] = l;
    else runs.push([l, l]);
  }
  return runs;
}

/** Time one query may spend on one file, and how deep a match may start: hostile nesting cannot stall a scan. */
export const QUERY_BUDGET_MS = 2000;
const QUERY_MAX_START_DEPTH = 200;

function capturesIn(ctx: ScanContext, rule: CompiledRule, file: string, tree: import('tree-sitter').Tree, lines: ReadonlySet<number>): Array<{ text: string; node: import('tree-sitter').SyntaxNode }> {
  const out: Array<{ text: string; node: import('tree-sitter').SyntaxNode }> = [];
  const seen = new Set<number>();
  const t0 = performance.now();
  for (const [a, b] of lineRuns(lines)) {
    const left = QUERY_BUDGET_MS - (performance.now() - t0);
    if (left <= 0) {
      ctx.gaps.push({ file, reason: `rule ${rule.spec.id} ran out of its ${QUERY_BUDGET_MS} ms query budget` });
      break;
    }
    const opts = { startPosition: { row: a - 1, column: 0 }, endPosition: { row: b, column: 0 }, maxStartDepth: QUERY_MAX_START_DEPTH, timeoutMicros: Math.ceil(left * 1000) };
    for (const c of rule.query!().captures(tree.rootNode, opts)) {
      if (c.name !== 'match' || seen.has(c.node.startIndex)) continue;
      const line = c.node.startPosition.row + 1;
      if (line < a || line > b) continue;
      seen.add(c.node.startIndex);
      out.push({ text: c.node.text.replace(/\s+/g, ' '), node: c.node });
    }
  }
  return out;
}

/**
 * Query rules: matches starting on added lines, less those whose text starts on removed lines of the
 * old file (moved code). The query only runs over the changed line ranges, so cost follows the change.
 */
function queryMatches(ctx: ScanContext, rule: CompiledRule): Match[] {
  const out: Match[] = [];
  for (const path of ctx.delta.newSites.keys()) {
    const file = ctx.delta.new.rust.get(path)!;
    const fc = ctx.delta.fileByPath.get(path);
    const added = ctx.addedLines(path);
    if (!added || added.size === 0) continue;
    // No tree: the file was never parsed (a time budget ran out), which the unanalysed rule reports.
    const tree = file.tree;
    if (!tree) continue;
    const captures = capturesIn(ctx, rule, path, tree, added);
    if (captures.length === 0) continue;
    // Only when the added lines match is the old file's tree needed: matches on its removed lines
    // are code that moved, not new code.
    const oldFile = ctx.delta.old.rust.get(path);
    const oldCounts = new Map<string, number>();
    const oldTree = oldFile && fc && !ctx.delta.promoted.has(path) && fc.removedLines.size > 0 ? oldFile.tree : null;
    if (oldTree && fc) {
      for (const c of capturesIn(ctx, rule, path, oldTree, fc.removedLines)) oldCounts.set(c.text, (oldCounts.get(c.text) ?? 0) + 1);
    }
    for (const { text: t, node } of captures) {
      const n = oldCounts.get(t) ?? 0;
      if (n > 0) {
        oldCounts.set(t, n - 1);
        continue;
      }
      const line = node.startPosition.row + 1;
      const itemId = innermostItem(file, node.startIndex);
      out.push({
        file: path,
        line,
        column: node.startPosition.column + 1,
        endLine: node.endPosition.row + 1,
        role: ctx.isProduct(file, itemId) ? file.role : 'test',
        item: ctx.itemKey(file, itemId),
        text: t,
        data: { text: short(t) },
      });
    }
  }
  return out;
}

/** The innermost item of a file containing offset `at` (-1 when none). */
export function innermostItem(file: { facts: { items: Array<{ span: { start: number; end: number } }> } }, at: number): number {
  let best = -1;
  let bestLen = Infinity;
  file.facts.items.forEach((it, i) => {
    if (it.span.start <= at && at < it.span.end && it.span.end - it.span.start < bestLen) {
      best = i;
      bestLen = it.span.end - it.span.start;
    }
  });
  return best;
}


/** Evaluates a `where` or `adjust.when` condition against a match. */
export function holds(ctx: ScanContext, c: CompiledCondition, m: Match): boolean {
  if (c.role && !c.role.includes(m.role as never)) return false;
  if (c.hadCapability && !c.hadCapability.some((p) => ctx.had(p))) return false;
  if (c.crateHasCapability && !c.crateHasCapability.some((p) => ctx.has(p))) return false;
  if (c.firstRelease !== undefined && c.firstRelease !== ctx.firstRelease) return false;
  if (c.seenBefore !== undefined && c.seenBefore !== (m.data.resolved !== undefined && ctx.seenBefore(m.data.resolved, m.args))) return false;
  if (c.lintRemoved !== undefined && c.lintRemoved !== removedUnsafeLints(ctx).length > 0) return false;
  if (c.argsRe && !c.argsRe.test(m.args ?? '')) return false;
  if (c.argsNotRe && c.argsNotRe.test(m.args ?? '')) return false;
  if (c.textRe && !c.textRe.test(m.text ?? '')) return false;
  if (c.textNotRe && c.textNotRe.test(m.text ?? '')) return false;
  if (c.lineRe && !c.lineRe.test(ctx.snippet(m.file, m.line, m.endLine))) return false;
  if (c.itemRe && !c.itemRe.test(ctx.itemText(m.item ?? null))) return false;
  if (c.minLength !== undefined && (m.text ?? '').length < c.minLength) return false;
  if (c.inMacro !== undefined && c.inMacro !== (m.inMacro ?? false)) return false;
  if (c.isPub !== undefined && c.isPub !== (m.isPub ?? false)) return false;
  if (c.dataRe) {
    for (const [k, re] of Object.entries(c.dataRe)) if (!re.test(m.data[k] ?? '')) return false;
  }
  if (c.safetyComment !== undefined) {
    const file = ctx.delta.new.rust.get(m.file);
    const has = !!file && file.facts.safetyLines.some((l) => l >= m.line - 4 && l <= m.line);
    if (has !== c.safetyComment) return false;
  }
  if (c.itemReaches) {
    if (!m.item) return false;
    if (ctx.reachedCapsViaUsers(m.item, c.itemReaches).length === 0) return false;
  }
  return true;
}

function fill(template: string, data: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => (Object.hasOwn(data, k) ? data[k] : undefined) ?? `{?${k}}`);
}

function toFinding(ctx: ScanContext, rule: CompiledRule, m: Match): Finding | null {
  const spec = rule.spec;
  if (rule.include && !rule.include(m.file)) return null;
  if (rule.exclude && rule.exclude(m.file)) return null;
  if (!spec.includeTests && !isShippedRole(m.role)) return null;
  if (rule.where && !holds(ctx, rule.where, m)) return null;
  let severity = m.severity ?? spec.severity;
  let confidence = m.confidence ?? spec.confidence;
  const notes: string[] = [];
  if (m.extra) notes.push(m.extra);
  for (const a of rule.adjust) {
    if (!holds(ctx, a.cond, m)) continue;
    if (a.suppress) return null;
    if (a.severity) severity = a.severity;
    if (a.confidence) confidence = a.confidence;
    if (a.note) notes.push(fill(a.note, m.data));
  }
  const data = { ...m.data, item: m.item ?? '(file level)', file: m.file };
  let message = fill(spec.message, data);
  if (notes.length > 0) message += ` (${notes.join('; ')})`;
  return {
    ruleId: spec.id,
    category: spec.category,
    severity,
    confidence,
    message,
    file: m.file,
    line: m.line,
    column: m.column,
    endLine: m.endLine,
    snippet: ctx.snippet(m.file, m.line, m.endLine),
    item: m.item ?? null,
    ...(m.trace && m.trace.length > 0 ? { trace: m.trace } : {}),
    note: spec.note,
    role: m.role === 'manifest' || m.role === 'archive' ? undefined : m.role,
  };
}
