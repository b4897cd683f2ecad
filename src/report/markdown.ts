import type { Finding, Report, Verdict } from '../index.js';
import { isLockReport, loudFindings, sections, versions, type ReportInput, type Section } from './input.js';
import { safeCodeLine, safeText } from './safe-text.js';
import { cutWords } from './cut.js';

/** The line a CI job looks for to update its one sticky comment instead of adding another. */
export const MARKDOWN_MARKER = '<!-- cratefence -->';
/** GitHub refuses comments over 65 536 characters; this leaves room for what a workflow adds around it. */
export const MARKDOWN_LIMIT = 65_000;

export interface MarkdownOptions {
  /** Maximum length in characters (default `MARKDOWN_LIMIT`). */
  limit?: number;
  /**
   * Where the full report can be read (the GitHub Action uploads the HTML report and passes its run's
   * page): linked from the heading and from each crate's section. Only http(s) URLs are linked.
   */
  reportUrl?: string;
}

const ICON: Record<Verdict, string> = { block: '🛑', review: '⚠️', pass: '✅' };
const ORDER: Record<string, number> = { block: 0, review: 1, pass: 2 };
/** Findings of one rule shown per crate; the rest are counted as left out (they are in the JSON). */
const PER_RULE = 5;
/** Findings shown per crate of a lock report, most severe first: the full report has the others. */
const LOCK_PER_CRATE = 6;

/** Breaks `@name` so a publisher's text cannot notify people or teams from the comment (as Dependabot does). */
const MENTION_BREAK = '@<!-- -->';

/**
 * Text from the report is the publisher's: control and invisible characters made visible (safe-text.ts),
 * then escaped so it cannot open HTML, links, tables or emphasis.
 */
function esc(s: string): string {
  return safeText(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#~!(){}])/g, '\\$1')
    .replace(/@/g, MENTION_BREAK);
}

/** `esc` for text that starts a paragraph: a leading list or heading marker would turn it into structure. */
function escPara(s: string): string {
  return esc(s).replace(/^(\s*)([-+=])/, '$1\\$2').replace(/^(\s*\d+)\./, '$1\\.');
}

/** For HTML contexts such as `<summary>`, where Markdown is not rendered. */
function escHtml(s: string): string {
  return safeText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/@/g, MENTION_BREAK);
}

/** Inline code that no backtick in `s` can close early. */
function code(s: string): string {
  const one = safeText(s);
  const run = Math.max(0, ...(one.match(/`+/g) ?? []).map((m) => m.length));
  const tick = '`'.repeat(run + 1);
  return `${tick}${run > 0 || one.startsWith('`') || one.endsWith('`') ? ` ${one} ` : one}${tick}`;
}

/** A fenced block whose fence is longer than any backtick run inside, so the snippet cannot end it. */
function fence(body: string, lang: string): string {
  const run = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(run + 1);
  return `${f}${lang}\n${body}\n${f}`;
}

function langOf(file: string): string {
  if (file.endsWith('.rs')) return 'rust';
  if (file.endsWith('.toml')) return 'toml';
  return '';
}

function counts(findings: Finding[]): string {
  const by = new Map<string, number>();
  for (const f of findings) if (f.severity !== 'info' && !f.suppressed) by.set(f.severity, (by.get(f.severity) ?? 0) + 1);
  const parts = ['critical', 'high', 'medium', 'low'].filter((s) => by.has(s)).map((s) => `${by.get(s)} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function verdictCell(v: Verdict | null): string {
  return v ? `${ICON[v]} ${v}` : '—';
}

/** `+23 −1 lines in 3 files`: how much of the release changed, so a reader knows what reviewing it costs. */
export function diffSize(r: Report): string {
  const s = r.summary;
  const files = s.filesChanged + s.filesAdded + s.filesRemoved;
  return `+${s.linesAdded} −${s.linesRemoved} lines in ${files} file${files === 1 ? '' : 's'}`;
}

/** Longest error or lockfile message kept in a table cell; the JSON report has it whole. */
const CELL_TEXT = 240;

function row(s: Section): string {
  const r = s.report;
  const note = s.entry?.error ? `failed: ${esc(cutWords(s.entry.error, CELL_TEXT))}` : s.entry?.note ? esc(cutWords(s.entry.note, CELL_TEXT)) : r?.policy?.approvedBy.length ? `approved by ${r.policy.approvedBy.length} audit(s): ${esc(r.policy.approvedBy.join(', '))}` : '';
  // Lockfile findings (source or checksum changes) come first: no scan shows them.
  const lockFindings = (s.entry?.findings ?? []).map((f) => `**${f.ruleId}** (${f.severity}): ${esc(cutWords(f.message, CELL_TEXT))}`).join('<br>');
  const cell = lockFindings && note ? `${lockFindings}<br>${note}` : lockFindings || note;
  // GFM splits table cells at every unescaped `|`, even inside a code span.
  return `| ${code(s.name).replace(/\|/g, '\\|')} | ${esc(versions(s))} | ${verdictCell(s.verdict)} | ${r ? r.score : '—'} | ${r ? diffSize(r) : '—'} | ${r ? counts(r.findings) : '—'} | ${cell} |`;
}

/** Names and versions of many crates in one line, at most `max` of them named, the rest counted. */
function crateList(secs: Section[], max: number): string {
  const named = secs.slice(0, max).map((s) => `${code(s.name)} ${esc(s.new ?? s.old ?? '')}`.trim());
  return `${named.join(', ')}${secs.length > max ? `, and ${secs.length - max} more` : ''}`;
}

/** One finding, collapsed: severity, rule and place in the summary; message, code, trace and note inside. */
function findingBlock(f: Finding, withNote = true): string {
  const where = `${f.file}:${f.line}`;
  const label = f.suppressed ? ' (suppressed)' : '';
  const out = [`<details><summary><b>${escHtml(f.severity)}</b> ${escHtml(f.ruleId)} — <code>${escHtml(where)}</code>${f.item ? ` in <code>${escHtml(f.item)}</code>` : ''}${label}</summary>`, ''];
  out.push(escPara(f.message), '');
  if (f.suppressed) out.push(`Suppressed: ${esc(f.suppressed.reason)} (${esc(f.suppressed.source)})`, '');
  if (f.snippet) {
    const lines = f.snippet.split('\n');
    const w = String(f.line + lines.length - 1).length;
    out.push(fence(lines.map((l, i) => `${String(f.line + i).padStart(w)} | ${safeCodeLine(l)}`).join('\n'), langOf(f.file)), '');
  }
  if (f.trace && f.trace.length > 0) {
    out.push('Reached through:', '');
    f.trace.forEach((h, i) => out.push(`${i + 1}. ${code(h.item)} (${esc(`${h.file}:${h.line}`)})`));
    out.push('');
  }
  out.push(`${esc(f.category)}, ${esc(f.confidence)} confidence${f.points ? `, +${f.points} points` : ''}. ${f.note && withNote ? `_${esc(f.note)}_` : ''}`.trim(), '', '</details>', '');
  return out.join('\n');
}

function crateHeading(s: Section, reportUrl: string | undefined): string {
  const r = s.report!;
  const size = `${diffSize(r)}${reportUrl ? ` · [full report](${reportUrl})` : ''}`;
  const lines = [`### ${ICON[r.verdict]} ${code(s.name)} ${esc(versions(s))}: ${r.verdict} (score ${r.score})`, '', size, '', `> ${esc(r.verdictReason)}`, ''];
  if (r.capabilities.added.length > 0) lines.push(`New capabilities: ${r.capabilities.added.map(code).join(', ')}`, '');
  const p = r.policy;
  if (p) {
    if (p.scanVerdict !== r.verdict || p.scanScore !== r.score) lines.push(`Scan alone: ${p.scanVerdict} (score ${p.scanScore}); policy${p.configFile ? ` from ${code(p.configFile)}` : ''} gives ${r.verdict}.`, '');
    if (p.approvedBy.length > 0) lines.push(`Approved by ${p.approvedBy.length} audit(s): ${esc(p.approvedBy.join(', '))}.`, '');
    for (const n of p.notes) lines.push(`- **${n.kind}**: ${esc(n.message)}`);
    if (p.notes.length > 0) lines.push('');
  }
  return lines.join('\n');
}

/** The findings a crate's section shows, and how many of its loud ones it leaves out. */
function pick(findings: Finding[], perCrate = Infinity): { shown: Finding[]; hidden: number } {
  const loud = loudFindings(findings);
  const active = loud.filter((f) => !f.suppressed);
  const perRule = new Map<string, number>();
  const shown: Finding[] = [];
  for (const f of active) {
    const n = perRule.get(f.ruleId) ?? 0;
    perRule.set(f.ruleId, n + 1);
    if (n < PER_RULE) shown.push(f);
  }
  // Suppressed ones last: the team decided on them, the reader may still want to see what they were.
  shown.push(...loud.filter((f) => f.suppressed).slice(0, PER_RULE));
  // Most severe first (loudFindings' order), so a cap keeps what matters.
  const kept = shown.slice(0, perCrate);
  return { shown: kept, hidden: loud.length - kept.length };
}

/** Names of passing crates given in the summary line; the rest are counted. */
const PASS_NAMED = 40;

/**
 * A pull-request comment: the marker line, the verdict, then a table of the crates a reviewer must
 * look at (block, then review; a lock report's passing packages are one summary line and its
 * unscanned ones another), then each such crate's section: diff size, a link to the full report when
 * there is one, verdict reason and its findings above `info`, collapsed, with their code and trace.
 * Kept under `limit` characters: whole finding blocks are left out (never part of one, never
 * mid-code-block) and counted at the end.
 */
export function formatMarkdown(input: ReportInput, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? MARKDOWN_LIMIT;
  const reportUrl = options.reportUrl && /^https?:\/\/[^\s()<>]+$/.test(options.reportUrl) ? options.reportUrl : undefined;
  const all = sections(input);
  // Worst first: by verdict, failed scans before the others, then by score, then by name.
  const weight = (s: Section) => (s.entry?.error ? 1000 : (s.report?.score ?? -1));
  const secs = [...all].sort(
    (a, b) => (ORDER[a.verdict ?? ''] ?? 3) - (ORDER[b.verdict ?? ''] ?? 3) || weight(b) - weight(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const lock = isLockReport(input);
  // A lock report lists in its table only what a reviewer must read; a single report is always its one row.
  const listed = lock ? secs.filter((s) => s.verdict === 'block' || s.verdict === 'review' || s.entry?.error || (s.entry?.findings?.length ?? 0) > 0 || (s.verdict === 'pass' && s.entry?.note)) : secs;
  const passing = lock ? secs.filter((s) => !listed.includes(s) && s.verdict === 'pass') : [];
  const unscanned = lock ? secs.filter((s) => !listed.includes(s) && s.verdict !== 'pass') : [];
  const link = reportUrl ? ` [Full report](${reportUrl}).` : '';
  const head: string[] = [MARKDOWN_MARKER];
  if (isLockReport(input)) {
    const s = input.summary;
    head.push(`## ${ICON[input.verdict]} cratefence: ${input.verdict} — ${code(input.lockfile)}`, '');
    head.push(`${s.changed} changed, ${s.added} added, ${s.removed} removed; ${s.scanned} scanned, ${s.errors} failed, ${s.notScanned} not scanned.${link}`, '');
  } else {
    head.push(`## ${ICON[input.verdict]} cratefence: ${input.verdict} — ${code(all[0].name)} ${esc(versions(all[0]))} (score ${input.score})`, '');
    if (link) head.push(link.trim(), '');
  }
  if (listed.length > 0) head.push('| crate | version | verdict | score | diff | findings | note |', '|---|---|---|---:|---|---|---|');
  // Room kept for the closing line that counts what was left out.
  const reserve = 400;
  let out = head.join('\n');
  let rowsLeft = 0;
  for (const s of listed) {
    const r = `\n${row(s)}`;
    if (out.length + r.length > limit / 2) rowsLeft++;
    else out += r;
  }
  if (rowsLeft > 0) out += `\n\n_${rowsLeft} more crate(s) not listed in this table._`;
  if (listed.length > 0) out += '\n';
  if (passing.length > 0) out += `\n${ICON.pass} ${passing.length} package${passing.length === 1 ? '' : 's'} pass: ${crateList(passing, PASS_NAMED)}.\n`;
  if (unscanned.length > 0) {
    const why = unscanned.map((s) => `${code(s.name)} ${esc(versions(s))}${s.entry?.note && s.entry.note !== 'removed' ? ` (${esc(cutWords(s.entry.note, 80))})` : ''}`);
    out += `\nNot scanned: ${why.slice(0, PASS_NAMED).join(', ')}${why.length > PASS_NAMED ? `, and ${why.length - PASS_NAMED} more` : ''}.\n`;
  }
  out += '\n';
  let blocksLeft = 0;
  const cratesCut = new Set<string>();
  for (const s of secs) {
    if (!s.report) continue;
    // A lock report's passing packages have nothing a reviewer must read: no section.
    if (lock && s.verdict === 'pass') continue;
    const { shown, hidden } = pick(s.report.findings, lock ? LOCK_PER_CRATE : Infinity);
    if (shown.length === 0 && !s.report.policy?.notes.length) continue;
    const heading = `${crateHeading(s, reportUrl)}\n`;
    // A rule's note (why it matters) is given once per crate: the same sentence under every finding is noise.
    const noted = new Set<string>();
    const blocks = shown.map((f) => {
      const first = !noted.has(f.ruleId);
      noted.add(f.ruleId);
      return `${findingBlock(f, first)}\n`;
    });
    // A crate's heading goes in only with its first finding: never a heading with nothing under it.
    if (out.length + heading.length + (blocks[0]?.length ?? 0) + reserve > limit) {
      blocksLeft += shown.length + hidden;
      cratesCut.add(s.name);
      continue;
    }
    out += heading;
    for (const b of blocks) {
      if (out.length + b.length + reserve > limit) {
        blocksLeft++;
        cratesCut.add(s.name);
      } else out += b;
    }
    if (hidden > 0) out += `_${hidden} more finding(s) of this crate are in the ${reportUrl ? `[full report](${reportUrl})` : 'JSON report'}._\n\n`;
  }
  if (blocksLeft > 0) out += `---\n_Left out to stay under ${limit} characters: ${blocksLeft} finding(s) of ${cratesCut.size} crate(s). The JSON, SARIF and HTML reports have all of them._\n`;
  const total = all.reduce((n, s) => n + (s.report?.findings.length ?? 0) + (s.entry?.findings?.length ?? 0), 0);
  if (total === 0 && !all.some((s) => s.entry?.error)) out += '_No findings._\n';
  return out;
}
