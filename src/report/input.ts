import { byDanger, type Finding, type LockEntry, type LockReport, type Report, type Verdict } from '../index.js';

/** What the SARIF, Markdown and HTML reporters accept: one release's report, or `cratefence lock`'s combined one. */
export type ReportInput = Report | LockReport;

export function isLockReport(input: ReportInput): input is LockReport {
  return (input as LockReport).kind === 'lock';
}

/** One crate of the input, whatever its kind: a single report is one section, a lock report one per entry. */
export interface Section {
  name: string;
  old: string | null;
  new: string | null;
  /** `changed`, `added`, `removed` for lock entries; `diff` or `scan` for a single report. */
  change: string;
  verdict: Verdict | null;
  report?: Report;
  /** Set for lock reports. */
  entry?: LockEntry;
}

/** The crates of the input in a stable order (the lock report's order, which its builder fixed). */
export function sections(input: ReportInput): Section[] {
  if (isLockReport(input)) {
    return input.entries.map((e) => ({ name: e.name, old: e.old, new: e.new, change: e.change, verdict: e.verdict, report: e.report, entry: e }));
  }
  return [{ name: input.crate.name ?? '(unnamed crate)', old: input.crate.old, new: input.crate.new, change: input.summary.firstRelease ? 'scan' : 'diff', verdict: input.verdict, report: input }];
}

/** The key the HTML reporter uses to find a lock entry's hunks: `name@new` (`name@old` for removed). */
export function entryKey(e: { name: string; old: string | null; new: string | null }): string {
  return `${e.name}@${e.new ?? e.old ?? ''}`;
}

/**
 * Findings worth a reader's attention (above `info`), in the core's one ranking (`byDanger`: severity,
 * then the category that explains an attack best, then points; then place), suppressed ones last: the
 * first is the headline the verdict reason names whenever that one is not of low confidence.
 */
export function loudFindings(findings: Finding[]): Finding[] {
  return findings
    .filter((f) => f.severity !== 'info')
    .sort((a, b) => Number(Boolean(a.suppressed)) - Number(Boolean(b.suppressed)) || byDanger(a, b) || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** `old → new`, `new (first release)`, or `old (removed)`. */
export function versions(s: { old: string | null; new: string | null; change: string }): string {
  if (s.change === 'removed') return `${s.old ?? '?'} (removed)`;
  if (s.old === null) return `${s.new ?? '?'} (new)`;
  return `${s.old} → ${s.new ?? '?'}`;
}
