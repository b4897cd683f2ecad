import { Chalk, type ChalkInstance } from 'chalk';
import type { Finding, LockReport, Report } from '../index.js';
import { safeCodeLine, safeText as t } from './safe-text.js';

export interface TextOptions {
  color: boolean;
}

const SEV_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;

function sevColor(c: ChalkInstance, sev: Finding['severity']): (s: string) => string {
  switch (sev) {
    case 'critical':
      return c.bgRed.white.bold;
    case 'high':
      return c.red.bold;
    case 'medium':
      return c.yellow.bold;
    case 'low':
      return c.cyan;
    default:
      return c.gray;
  }
}

/**
 * Compiler-style text: a verdict line, then findings grouped by file with their source lines and traces.
 * Every string from the report goes through `t` (safe-text.ts): it may be the publisher's.
 */
export function formatText(report: Report, options: TextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  const name = t(report.crate.name ?? '(unnamed crate)');
  const ver = (v: string | null) => (v === null ? '(no version)' : t(v));
  const versions = report.summary.firstRelease ? `${ver(report.crate.new)} (first release)` : `${ver(report.crate.old)} → ${ver(report.crate.new)}`;
  const verdictColor = report.verdict === 'block' ? c.bgRed.white.bold : report.verdict === 'review' ? c.bgYellow.black.bold : c.bgGreen.black.bold;
  out.push(`${c.bold(name)} ${versions}`);
  out.push(`${verdictColor(` ${report.verdict.toUpperCase()} `)} score ${report.score}/100 — ${t(report.verdictReason)}`);
  const s = report.summary;
  out.push(c.gray(`${s.filesChanged} files changed (+${s.linesAdded} −${s.linesRemoved} lines), ${s.itemsAdded} items added, ${s.itemsChanged} changed, ${s.itemsRemoved} removed`));
  if (report.capabilities.added.length > 0) out.push(`new capabilities: ${report.capabilities.added.map((x) => c.magenta(t(x))).join(', ')}`);
  for (const p of s.partialFiles) out.push(c.yellow(`partially analysed: ${t(p.file)}: ${t(p.reason)}`));
  out.push('');
  // At most PER_RULE findings of one rule are drawn (the highest-scoring ones); the JSON has them all.
  const PER_RULE = 10;
  const loud = report.findings.filter((f) => f.severity !== 'info');
  const keep = new Set<Finding>();
  const byRule = new Map<string, Finding[]>();
  for (const f of loud) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  const hidden: Array<[string, number]> = [];
  for (const [rule, list] of byRule) {
    const top = [...list].sort((a, b) => (b.points ?? 0) - (a.points ?? 0)).slice(0, PER_RULE);
    for (const f of top) keep.add(f);
    if (list.length > PER_RULE) hidden.push([rule, list.length - PER_RULE]);
  }
  const shown = loud.filter((f) => keep.has(f));
  const byFile = new Map<string, Finding[]>();
  for (const f of shown) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, list] of byFile) {
    out.push(c.underline(t(file)));
    for (const f of list) {
      const sev = sevColor(c, f.severity)(f.severity.padEnd(8));
      out.push(`${sev} ${c.bold(t(f.ruleId))} ${c.gray(`[${t(f.category)}, ${t(f.confidence)} confidence${f.points ? `, +${f.points}` : ''}]`)}`);
      out.push(`  ${t(f.message)}`);
      out.push(c.gray(`  --> ${t(f.file)}:${f.line}:${f.column}${f.item ? ` in ${t(f.item)}` : ''}`));
      if (f.snippet) {
        const width = String(f.line + f.snippet.split('\n').length).length;
        f.snippet.split('\n').forEach((l, i) => out.push(`${c.gray(`${String(f.line + i).padStart(width)} |`)} ${safeCodeLine(l)}`));
      }
      if (f.trace && f.trace.length > 0) {
        out.push(c.gray('  reached through:'));
        f.trace.forEach((h, i) => out.push(`  ${i === 0 ? '  ' : '  └→ '.padStart(4 + i * 2)}${c.cyan(t(h.item))} ${c.gray(`(${t(h.file)}:${h.line})`)}`));
      }
      out.push('');
    }
  }
  for (const [rule, n] of hidden) out.push(c.gray(`… ${n} more ${t(rule)} finding${n === 1 ? '' : 's'} (in the JSON report)`));
  const info = report.findings.length - loud.length;
  const counts = SEV_ORDER.map((sv) => [sv, report.findings.filter((f) => f.severity === sv).length] as const).filter(([, n]) => n > 0);
  out.push(counts.length > 0 ? `${report.findings.length} findings: ${counts.map(([sv, n]) => `${n} ${sv}`).join(', ')}${info > 0 ? ' (info findings are in the JSON report)' : ''}` : 'no findings');
  const top = report.scoreBreakdown.filter((b) => b.points > 0).slice(0, 5);
  if (top.length > 0) out.push(c.gray(`score from: ${top.map((b) => `${t(b.ruleId ?? b.capability ?? '')} +${b.points}`).join(', ')}`));
  return `${out.join('\n')}\n`;
}

/** A lock report as text: one line per package, then each scanned package's own text report. */
export function formatLockText(lock: LockReport, options: TextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const s = lock.summary;
  const out = [`${c.bold(t(lock.lockfile))}: ${lock.verdict.toUpperCase()} — ${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.scanned} scanned, ${s.errors} failed, ${s.notScanned} not scanned`];
  for (const e of lock.entries) {
    const v = t(e.old && e.new ? `${e.old} → ${e.new}` : (e.new ?? e.old ?? ''));
    out.push(`  ${(e.verdict ?? e.change).padEnd(7)} ${t(e.name)} ${v}${e.error ? ` — ${t(e.error)}` : e.note ? ` — ${t(e.note)}` : ''}`);
  }
  const parts = [`${out.join('\n')}\n`];
  for (const e of lock.entries) if (e.report && e.report.verdict !== 'pass') parts.push(`\n${formatText(e.report, options)}`);
  return parts.join('');
}
