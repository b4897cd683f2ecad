import type { LockEntry, LockReport } from './types.js';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

function versions(e: LockEntry): string {
  if (e.change === 'changed') return `${e.old} → ${e.new}`;
  if (e.change === 'added') return `${e.new} (added)`;
  return `${e.old} (removed)`;
}

/**
 * The text form of a lock report: one line per package (verdict, name, versions, score), then the
 * policy notes, errors and the most severe findings of each scanned package. Pure: report in, text out.
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
    `cratefence lock ${r.lockfile}: ${verdictText(r.verdict).trim()}`,
    `${s.changed} changed, ${s.added} added, ${s.removed} removed; ${s.scanned} scanned, ${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.notScanned} not scanned`,
    '',
  ];
  const width = Math.min(32, Math.max(4, ...r.entries.map((e) => e.name.length)));
  for (const e of r.entries) {
    const score = e.report ? `  score ${e.report.score}` : '';
    lines.push(`${verdictText(e.error ? 'block' : e.verdict)} ${e.name.padEnd(width)}  ${versions(e)}${score}`);
    const indent = ' '.repeat(7);
    if (e.error) lines.push(`${indent}${paint('31', 'error:')} ${e.error}`);
    if (e.note) lines.push(`${indent}${e.note}`);
    for (const f of e.findings ?? []) lines.push(`${indent}${f.severity.padEnd(8)} ${f.ruleId}  ${r.lockfile}${e.lockLine ? `:${e.lockLine}` : ''}  ${f.message}`);
    for (const n of e.report?.policy?.notes ?? []) lines.push(`${indent}${n.kind}: ${n.message}`);
    const findings = (e.report?.findings ?? [])
      .filter((f) => f.severity !== 'info' && !f.suppressed)
      .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
    for (const f of findings.slice(0, 5)) lines.push(`${indent}${f.severity.padEnd(8)} ${f.ruleId}  ${f.file}:${f.line}  ${f.message}`);
    if (findings.length > 5) lines.push(`${indent}… ${findings.length - 5} more finding${findings.length - 5 === 1 ? '' : 's'} (--format json for all)`);
  }
  if (r.policyNotes?.length) {
    lines.push('');
    for (const n of r.policyNotes) lines.push(`${n.kind}: ${n.message}`);
  }
  if (r.server) {
    lines.push('', `checked ${r.server.checked} pinned release${r.server.checked === 1 ? '' : 's'} against ${r.server.url}: ${r.server.refused.length} refused`);
    for (const x of r.server.refused) lines.push(`${verdictText('block')} ${x.name} ${x.version} is ${x.state} on the ingest service${x.lockLine ? ` (${r.lockfile}:${x.lockLine})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
