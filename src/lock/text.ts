import { safeText as t } from '../report/safe-text.js';
import type { LockEntry, LockReport } from './types.js';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

function versions(e: LockEntry): string {
  const v = (x: string | null) => t(String(x));
  if (e.change === 'changed') return `${v(e.old)} → ${v(e.new)}`;
  if (e.change === 'added') return `${v(e.new)} (added)`;
  return `${v(e.old)} (removed)`;
}

/**
 * The text form of a lock report: one line per package (verdict, name, versions, score), then the
 * policy notes, errors and the most severe findings of each scanned package. Pure: report in, text out.
 * Every string from the report (names and versions come from the lockfile) goes through `t`.
 */
export function formatLockText(r: LockReport, o: { color: boolean } = { color: false }): string {
  const paint = (code: string, s: string) => (o.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const verdictText = (v: string | null) => {
    if (v === null) return '-     ';
    const t = v.toUpperCase().padEnd(6);
    return v === 'block' ? paint('31;1', t) : v === 'review' ? paint('33;1', t) : paint('32', t);
  };
  const s = r.summary;
  const lines = [
    `cratefence lock ${t(r.lockfile)}: ${verdictText(r.verdict).trim()}`,
    `${s.changed} changed, ${s.added} added, ${s.removed} removed; ${s.scanned} scanned, ${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.notScanned} not scanned`,
    '',
  ];
  const width = Math.min(32, Math.max(4, ...r.entries.map((e) => t(e.name).length)));
  for (const e of r.entries) {
    const score = e.report ? `  score ${e.report.score}` : '';
    lines.push(`${verdictText(e.error ? 'block' : e.verdict)} ${t(e.name).padEnd(width)}  ${versions(e)}${score}`);
    const indent = ' '.repeat(7);
    if (e.error) lines.push(`${indent}${paint('31', 'error:')} ${t(e.error)}`);
    if (e.note) lines.push(`${indent}${t(e.note)}`);
    for (const f of e.findings ?? []) lines.push(`${indent}${f.severity.padEnd(8)} ${t(f.ruleId)}  ${t(r.lockfile)}${e.lockLine ? `:${e.lockLine}` : ''}  ${t(f.message)}`);
    for (const n of e.report?.policy?.notes ?? []) lines.push(`${indent}${t(n.kind)}: ${t(n.message)}`);
    const findings = (e.report?.findings ?? [])
      .filter((f) => f.severity !== 'info' && !f.suppressed)
      .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
    for (const f of findings.slice(0, 5)) lines.push(`${indent}${t(f.severity).padEnd(8)} ${t(f.ruleId)}  ${t(f.file)}:${f.line}  ${t(f.message)}`);
    if (findings.length > 5) lines.push(`${indent}… ${findings.length - 5} more finding${findings.length - 5 === 1 ? '' : 's'} (--format json for all)`);
  }
  if (r.policyNotes?.length) {
    lines.push('');
    for (const n of r.policyNotes) lines.push(`${t(n.kind)}: ${t(n.message)}`);
  }
  if (r.server) {
    lines.push('', `checked ${r.server.checked} pinned release${r.server.checked === 1 ? '' : 's'} against ${t(r.server.url)}: ${r.server.refused.length} refused`);
    for (const x of r.server.refused) lines.push(`${verdictText('block')} ${t(x.name)} ${t(x.version)} is ${t(x.state)} on the ingest service${x.lockLine ? ` (${t(r.lockfile)}:${x.lockLine})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
