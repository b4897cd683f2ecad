import type { FileHunks } from '../diff/hunks.js';
import type { Finding } from '../rules/types.js';
import { CATEGORIES, SEVERITIES } from '../rules/types.js';
import { HTML_SCRIPT, HTML_STYLE, contentSecurityPolicy } from './html-assets.js';
import { escapeCode, escapeHtml as esc } from './html-escape.js';
import { traceSvg } from './html-trace.js';
import { entryKey, isLockReport, SEVERITY_RANK, sections, versions, type ReportInput, type Section } from './input.js';
import type { Report } from './types.js';
import type { LockReport } from '../lock/types.js';

export { HTML_SCRIPT, HTML_STYLE } from './html-assets.js';

export interface HtmlOptions {
  /** The release diff of a single report (from `diffReleasesWithHunks` or `analyzeTrees(...).hunks`). */
  hunks?: FileHunks[];
  /** The release diffs of a lock report's entries, keyed by `entryKey(entry)`. */
  lockHunks?: Record<string, FileHunks[]>;
  /** Diff lines the page shows at most, over all crates (default `PAGE_DIFF_LINES`). */
  maxDiffLines?: number;
}

/** Diff lines one page shows at most: a lock report of many crates would otherwise be gigabytes. */
export const PAGE_DIFF_LINES = 60_000;

/** Keeps whole files' diffs while the page's budget lasts; a file past it says so (its findings show their snippets). */
function withinBudget(hunks: FileHunks[] | undefined, budget: { lines: number; max: number }): FileHunks[] | undefined {
  return hunks?.map((fh) => {
    const n = fh.hunks.reduce((a, h) => a + h.lines.length, 0);
    if (n <= budget.lines) {
      budget.lines -= n;
      return fh;
    }
    return { ...fh, hunks: [], truncated: `Diff not shown: the page already holds ${budget.max - budget.lines} diff lines (at most ${budget.max} per page).` };
  });
}

/** Lines highlighted per finding at most (a match can span a whole function). */
const MAX_FLAG_LINES = 12;

interface Placed {
  f: Finding;
  id: string;
}

function verdictBadge(v: string | null): string {
  return `<span class="badge v-${v ? esc(v) : 'none'}">${v ? esc(v.toUpperCase()) : 'NOT SCANNED'}</span>`;
}

function sevBadge(s: string): string {
  return `<span class="sev s-${esc(s)}">${esc(s)}</span>`;
}

function dataAttrs(p: Placed): string {
  return `data-fid="${p.id}" data-category="${esc(p.f.category)}" data-severity="${esc(p.f.severity)}"`;
}

/** Per crate: which line of which file each finding's card follows, and ids for anchors. */
class CrateView {
  readonly placed: Placed[];
  private readonly fileIdx = new Map<string, number>();
  private readonly present = new Map<number, Set<number>>();
  /** Card anchor line per finding id; absent when the finding's lines are not in the shown diff. */
  readonly anchorLine = new Map<string, number>();

  constructor(readonly k: number, readonly report: Report, readonly hunks: FileHunks[] | undefined) {
    this.placed = report.findings.map((f, i) => ({ f, id: `c${k}n${i}` }));
    (hunks ?? []).forEach((fh, i) => {
      this.fileIdx.set(fh.path, i);
      const lines = new Set<number>();
      for (const h of fh.hunks) for (const l of h.lines) if (l.newLine !== null) lines.add(l.newLine);
      this.present.set(i, lines);
    });
    for (const p of this.placed) {
      const lines = this.flagLines(p.f).filter((n) => this.present.get(this.fileIdx.get(p.f.file) ?? -1)?.has(n));
      if (lines.length > 0) this.anchorLine.set(p.id, Math.max(...lines));
    }
  }

  flagLines(f: Finding): number[] {
    const end = Math.min(Math.max(f.endLine, f.line), f.line + MAX_FLAG_LINES - 1);
    const out: number[] = [];
    for (let n = f.line; n <= end; n++) out.push(n);
    return out;
  }

  lineId(file: string, line: number): string | null {
    const i = this.fileIdx.get(file);
    return i !== undefined && this.present.get(i)?.has(line) ? `c${this.k}f${i}L${line}` : null;
  }
}

function findingCard(p: Placed, view: CrateView): string {
  const f = p.f;
  const parts = [
    `<div class="card b-${esc(f.severity)}${f.suppressed ? ' sup' : ''}" id="${p.id}" ${dataAttrs(p)}>`,
    `<div>${sevBadge(f.severity)} <span class="t">${esc(f.ruleId)}</span> <span class="meta">${esc(f.category)} · ${esc(f.confidence)} confidence${f.points ? ` · +${esc(String(f.points))} points` : ''}${f.suppressed ? ' · suppressed' : ''}</span></div>`,
    `<div class="msg">${escapeCode(f.message)}</div>`,
    `<div class="meta mono">${escapeCode(`${f.file}:${f.line}:${f.column}`)}${f.item ? ` in ${escapeCode(f.item)}` : ''}${f.role ? ` (${esc(f.role)} code)` : ''}</div>`,
  ];
  if (f.suppressed) parts.push(`<div class="meta">Suppressed: ${esc(f.suppressed.reason)} (${esc(f.suppressed.source)})</div>`);
  if (!view.anchorLine.has(p.id) && f.snippet) parts.push(`<pre class="mono">${escapeCode(f.snippet)}</pre>`);
  if (f.trace && f.trace.length > 0) parts.push(traceSvg(f.trace, (file, line) => view.lineId(file, line)));
  if (f.note) parts.push(`<div class="why">${esc(f.note)}</div>`);
  parts.push('</div>');
  return parts.join('');
}

function fileBlock(fh: FileHunks, i: number, view: CrateView): string {
  const flagsAt = new Map<number, string[]>();
  const cardsAt = new Map<number, Placed[]>();
  const mine = view.placed.filter((p) => p.f.file === fh.path && view.anchorLine.has(p.id));
  for (const p of mine) {
    for (const n of view.flagLines(p.f)) flagsAt.set(n, [...(flagsAt.get(n) ?? []), p.id]);
    const at = view.anchorLine.get(p.id)!;
    cardsAt.set(at, [...(cardsAt.get(at) ?? []), p]);
  }
  const st = fh.status === 'renamed' ? `renamed from ${fh.oldPath ?? '?'}` : fh.status;
  const out = [
    `<details class="file"${mine.length > 0 ? ' open' : ''}><summary>${escapeCode(fh.path)}<span class="st">${esc(st)}${fh.binary ? ', binary' : ''}</span><span class="nadd">+${fh.linesAdded}</span><span class="ndel">−${fh.linesRemoved}</span>${mine.length > 0 ? `<span class="nf">${mine.length} finding${mine.length === 1 ? '' : 's'}</span>` : ''}</summary>`,
  ];
  if (fh.hunks.length === 0) {
    out.push(`<p class="empty">&nbsp;${fh.truncated ? esc(fh.truncated) : fh.binary ? 'Binary file: not shown.' : fh.status === 'renamed' ? 'Content unchanged.' : 'No text lines.'}</p></details>`);
    return out.join('');
  }
  out.push('<table class="diff"><colgroup><col class="n"><col class="n"><col></colgroup><tbody>');
  for (const h of fh.hunks) {
    out.push(`<tr class="hh"><td colspan="3">@@ −${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@</td></tr>`);
    for (const l of h.lines) {
      const cls = l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'ctx';
      const ids = l.newLine !== null ? flagsAt.get(l.newLine) : undefined;
      const id = l.newLine !== null ? ` id="c${view.k}f${i}L${l.newLine}"` : '';
      out.push(`<tr class="${cls}${ids ? ' flag on' : ''}"${id}${ids ? ` data-fids="${ids.join(' ')}"` : ''}><td class="n">${l.oldLine ?? ''}</td><td class="n">${l.newLine ?? ''}</td><td class="c">${l.op === ' ' ? ' ' : l.op}${escapeCode(l.text)}</td></tr>`);
      const cards = l.newLine !== null && l.op !== '-' ? cardsAt.get(l.newLine) : undefined;
      if (cards) out.push(`<tr class="note"><td colspan="3">${cards.map((p) => findingCard(p, view)).join('')}</td></tr>`);
    }
  }
  out.push('</tbody></table>');
  if (fh.truncated) out.push(`<p class="empty">&nbsp;${esc(fh.truncated)}</p>`);
  out.push('</details>');
  return out.join('');
}

function findingsList(view: CrateView): string {
  const rows = [...view.placed].sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || (b.f.points ?? 0) - (a.f.points ?? 0));
  if (rows.length === 0) return '<p class="empty">No findings.</p>';
  const out = ['<table class="cf-list"><thead><tr><th>severity</th><th>rule</th><th>where</th><th>message</th></tr></thead><tbody>'];
  for (const p of rows) {
    out.push(`<tr ${dataAttrs(p)}><td>${sevBadge(p.f.severity)}</td><td><a href="#${p.id}">${esc(p.f.ruleId)}</a></td><td class="mono">${escapeCode(`${p.f.file}:${p.f.line}`)}</td><td>${escapeCode(p.f.message)}${p.f.suppressed ? ' <span class="mute">(suppressed)</span>' : ''}</td></tr>`);
  }
  out.push('</tbody></table>');
  return out.join('');
}

function crateSection(s: Section, k: number, hunks: FileHunks[] | undefined, lock: boolean, filter = ''): string {
  const out: string[] = [`<section class="${lock ? 'crate' : 'single'}" id="c${k}">`];
  const title = `${escapeCode(s.name)} <span class="mute">${esc(versions(s))}</span> ${verdictBadge(s.verdict)}`;
  out.push(lock ? `<h2>${title}</h2>` : `<div class="cf-head"><h1>${title}</h1>`);
  // Lockfile findings (source or checksum changes) first: no scan of the release shows them.
  const lockFindings = s.entry?.findings ?? [];
  if (lockFindings.length > 0) out.push(`<ul class="notes">${lockFindings.map((f) => `<li><b>${esc(f.ruleId)}</b> (${esc(f.severity)}): ${escapeCode(f.message)}</li>`).join('')}</ul>`);
  const r = s.report;
  if (!r) {
    out.push(`<p>${esc(s.entry?.error ?? s.entry?.note ?? 'not scanned')}</p></section>`);
    return out.join('');
  }
  const sm = r.summary;
  out.push(`<div class="cf-reason"><b>Score ${r.score}/100</b> — ${escapeCode(r.verdictReason)}</div>`);
  out.push(`<div class="stats"><span>${sm.filesChanged} files changed (${sm.filesAdded} added, ${sm.filesRemoved} removed)</span><span>+${sm.linesAdded} −${sm.linesRemoved} lines</span><span>items: ${sm.itemsAdded} added, ${sm.itemsChanged} changed, ${sm.itemsRemoved} removed</span><span>${r.findings.length} findings</span></div>`);
  if (r.capabilities.added.length > 0) out.push(`<div class="caps">New capabilities: ${r.capabilities.added.map((c) => `<code>${esc(c)}</code>`).join(' ')}</div>`);
  const notes: string[] = [];
  const p = r.policy;
  if (p) {
    if (p.scanVerdict !== r.verdict || p.scanScore !== r.score) notes.push(`Scan alone: ${esc(p.scanVerdict)} (score ${p.scanScore}); after policy${p.configFile ? ` from <code>${escapeCode(p.configFile)}</code>` : ''}: ${esc(r.verdict)}.`);
    if (p.approvedBy.length > 0) notes.push(`Approved by ${p.approvedBy.length} audit(s): ${esc(p.approvedBy.join(', '))}.`);
    for (const n of p.notes) notes.push(`<b>${esc(n.kind)}</b>: ${escapeCode(n.message)}`);
  }
  for (const pf of sm.partialFiles) notes.push(`Partially analysed: <code>${escapeCode(pf.file)}</code>: ${esc(pf.reason)}`);
  for (const n of sm.notes) notes.push(esc(n));
  if (notes.length > 0) out.push(`<ul class="notes">${notes.map((n) => `<li>${n}</li>`).join('')}</ul>`);
  if (!lock) out.push(`</div>${filter}`);
  const view = new CrateView(k, r, hunks);
  out.push(`<h3>Findings</h3>${findingsList(view)}`);
  out.push('<h3>Release diff</h3>');
  if (!hunks) out.push('<p class="empty">The release diff was not included with this report.</p>');
  else if (hunks.length === 0) out.push('<p class="empty">No file changed.</p>');
  else hunks.forEach((fh, i) => out.push(fileBlock(fh, i, view)));
  const outside = view.placed.filter((q) => !view.anchorLine.has(q.id));
  if (outside.length > 0) out.push(`<h3>Findings outside the shown diff</h3>${outside.map((q) => findingCard(q, view)).join('')}`);
  out.push('</section>');
  return out.join('');
}

function filterBar(input: ReportInput): string {
  const all = sections(input).flatMap((s) => s.report?.findings ?? []);
  const cats = CATEGORIES.filter((c) => all.some((f) => f.category === c));
  const count = (pred: (f: Finding) => boolean) => all.filter(pred).length;
  const box = (kind: string, value: string, n: number, checked: boolean) =>
    `<label><input type="checkbox" data-filter="${kind}" value="${esc(value)}"${checked ? ' checked' : ''}> ${esc(value)} <span class="mute">${n}</span></label>`;
  return [
    '<form class="cf-filter" aria-label="filter findings">',
    `<fieldset><legend>Severity</legend>${[...SEVERITIES].reverse().map((s) => box('severity', s, count((f) => f.severity === s), s !== 'info')).join('')}</fieldset>`,
    `<fieldset><legend>Category</legend>${cats.length > 0 ? cats.map((c) => box('category', c, count((f) => f.category === c), true)).join('') : '<span class="mute">none</span>'}</fieldset>`,
    `<span class="cf-count" id="cf-count">${all.length} findings</span>`,
    '</form>',
  ].join('');
}

function lockHeader(input: LockReport): string {
  const s = input.summary;
  const rows = sections(input).map((sec, k) => `<tr><td><a href="#c${k}">${escapeCode(sec.name)}</a></td><td>${esc(versions(sec))}</td><td>${verdictBadge(sec.verdict)}</td><td>${sec.report ? sec.report.score : '—'}</td><td>${sec.report ? sec.report.findings.filter((f) => f.severity !== 'info').length : '—'}</td><td>${esc(sec.entry?.error ?? sec.entry?.note ?? '')}</td></tr>`);
  return [
    `<div class="cf-head"><h1>${escapeCode(input.lockfile)} ${verdictBadge(input.verdict)}</h1>`,
    `<div class="stats"><span>${s.changed} changed</span><span>${s.added} added</span><span>${s.removed} removed</span><span>${s.scanned} scanned</span><span>${s.errors} failed</span><span>${s.notScanned} not scanned</span></div></div>`,
    `<table class="cf-list"><thead><tr><th>crate</th><th>version</th><th>verdict</th><th>score</th><th>findings</th><th>note</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  ].join('');
}

/**
 * The report as an HTML fragment (no `<html>`, style or script): the header, the filter, the
 * findings and the release diff of every changed file with flagged lines highlighted and each
 * finding's card under its lines. Every piece of report text is escaped. The serve layer embeds it
 * in its own page together with `HTML_STYLE` and `HTML_SCRIPT`.
 */
export function renderReportBody(input: ReportInput, options: HtmlOptions = {}): string {
  const lock = isLockReport(input);
  const secs = sections(input);
  const parts: string[] = ['<div class="cf-page">'];
  // The filter sits under the header: the lock table's, or the single crate's own.
  if (lock) parts.push(lockHeader(input), filterBar(input));
  const max = options.maxDiffLines ?? PAGE_DIFF_LINES;
  const budget = { lines: max, max };
  secs.forEach((s, k) => {
    const hunks = withinBudget(lock ? (s.entry ? options.lockHunks?.[entryKey(s.entry)] : undefined) : options.hunks, budget);
    parts.push(crateSection(s, k, hunks, lock, lock ? '' : filterBar(input)));
  });
  parts.push(`<p class="mute">cratefence ${esc(input.tool.version)}</p></div>`);
  return parts.join('\n');
}

/** One self-contained HTML file for auditors: no request leaves the page (CSP `default-src 'none'`). */
export function formatHtml(input: ReportInput, options: HtmlOptions = {}): string {
  const title = isLockReport(input) ? `cratefence: ${input.lockfile} — ${input.verdict}` : `cratefence: ${input.crate.name ?? 'crate'} ${input.crate.old ?? ''} → ${input.crate.new ?? ''} — ${input.verdict}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${HTML_STYLE}</style>
</head>
<body>
${renderReportBody(input, options)}
<script>${HTML_SCRIPT}</script>
</body>
</html>
`;
}
