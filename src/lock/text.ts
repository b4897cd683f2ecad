import type { LockEntry, LockReport } from '../index.js';
import { safeText as t } from '../report/safe-text.js';
import { cutWords } from '../report/cut.js';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];
/** Verdict groups, most urgent first; packages without a verdict (removed, git, path) before the passing ones. */
const GROUP: Record<string, number> = { block: 0, review: 1, none: 2, pass: 3 };
/** A finding's message in the text summary is cut here, on a word boundary; the JSON report has it whole. */
const MESSAGE_WIDTH = 200;
/** Passing packages named on their one line; the rest are counted. */
const PASS_NAMED = 12;

function versions(e: LockEntry): string {
  const v = (x: string | null) => t(String(x));
  if (e.change === 'changed') return `${v(e.old)} → ${v(e.new)}`;
  if (e.change === 'added') return `${v(e.new)} (added)`;
  return `${v(e.old)} (removed)`;
}

/** Block, review, unscanned, pass; within a group failed scans first, then by score, then by name (stable otherwise). */
function ordered(entries: LockEntry[]): LockEntry[] {
  const group = (e: LockEntry) => GROUP[e.error ? 'block' : (e.verdict ?? 'none')];
  const weight = (e: LockEntry) => (e.error ? 1000 : (e.report?.score ?? -1));
  return [...entries].sort((a, b) => group(a) - group(b) || weight(b) - weight(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The text form of a lock report: the packages a reviewer must read first (block, then review), each
 * with its policy notes, errors and most severe findings, then the packages that were not scanned,
 * the passing ones that carry a note, and every other passing package on one line with their count. Pure: report in, text out. Every string
 * from the report (names and versions come from the lockfile) goes through `t`.
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
  const all = ordered(r.entries);
  // A passing package with something to say (a policy it could not check, a note from the policy)
  // keeps its own line; the others are one line together.
  const passing = all.filter((e) => !e.error && e.verdict === 'pass' && !e.note && !e.report?.policy?.notes.length);
  const shown = all.filter((e) => !passing.includes(e));
  const width = Math.min(32, Math.max(4, ...shown.map((e) => t(e.name).length)));
  const indent = ' '.repeat(7);
  const msg = (m: string) => t(cutWords(m, MESSAGE_WIDTH));
  for (const e of shown) {
    const score = e.report ? `  score ${e.report.score}` : '';
    lines.push(`${verdictText(e.error ? 'block' : e.verdict)} ${t(e.name).padEnd(width)}  ${versions(e)}${score}`);
    if (e.error) lines.push(`${indent}${paint('31', 'error:')} ${t(e.error)}`);
    if (e.note) lines.push(`${indent}${t(e.note)}`);
    for (const f of e.findings ?? []) lines.push(`${indent}${f.severity.padEnd(8)} ${t(f.ruleId)}  ${t(r.lockfile)}${e.lockLine ? `:${e.lockLine}` : ''}  ${msg(f.message)}`);
    for (const n of e.report?.policy?.notes ?? []) lines.push(`${indent}${t(n.kind)}: ${t(n.message)}`);
    const findings = (e.report?.findings ?? [])
      .filter((f) => f.severity !== 'info' && !f.suppressed)
      .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
    for (const f of findings.slice(0, 5)) lines.push(`${indent}${t(f.severity).padEnd(8)} ${t(f.ruleId)}  ${t(f.file)}:${f.line}  ${msg(f.message)}`);
    if (findings.length > 5) lines.push(`${indent}… ${findings.length - 5} more finding${findings.length - 5 === 1 ? '' : 's'} (--format json for all)`);
  }
  if (passing.length > 0) {
    const named = passing.slice(0, PASS_NAMED).map((e) => `${t(e.name)} ${t(String(e.new ?? e.old))}`);
    const more = passing.length > PASS_NAMED ? `, and ${passing.length - PASS_NAMED} more` : '';
    lines.push(`${verdictText('pass')} ${passing.length} package${passing.length === 1 ? '' : 's'}: ${named.join(', ')}${more}`);
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
