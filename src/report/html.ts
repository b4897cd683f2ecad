import { byDanger, CATEGORIES, headlineFinding, SEVERITIES, type FileHunks, type Finding, type LockReport } from '../index.js';
import { HTML_SCRIPT, HTML_STYLE, contentSecurityPolicy } from './html-assets.js';
import { escapeCode, escapeHtml as esc } from './html-escape.js';
import { findingsList, flagLines, groupCards, MAX_OUTSIDE_CARDS, renderCard, sevBadge, verdictBadge, type CardGroup, type Placed } from './html-cards.js';
import { fileBlock, fileIndex, planDiffs, shownNewLines, type DiffView, type FileRender } from './html-diff.js';
import { filesByDanger, sectionsByDanger } from './html-rank.js';
import { entryKey, isLockReport, sections, versions, type ReportInput, type Section } from './input.js';

export { HTML_SCRIPT, HTML_STYLE } from './html-assets.js';

export interface HtmlOptions {
  /** The release diff of a single report (from `diffReleasesWithHunks` or `analyzeTrees(...).hunks`). */
  hunks?: FileHunks[];
  /** The release diffs of a lock report's entries, keyed by `entryKey(entry)`. */
  lockHunks?: Record<string, FileHunks[]>;
  /** Diff lines the page shows at most, over all crates (default `PAGE_DIFF_LINES`). */
  maxDiffLines?: number;
}

/**
 * Diff lines one page shows at most, over all crates: the flagged lines of every file come first,
 * whole diffs after them while lines are left. Sized so a release as large as libc's (40,000 diff
 * lines) makes a page of about 1 MB that a browser opens in about a second.
 */
export const PAGE_DIFF_LINES = 6_000;

/** One crate of the page, with everything its markup needs decided up front. */
interface CrateModel {
  s: Section;
  k: number;
  placed: Placed[];
  cards: CardGroup[];
  diff?: DiffView;
}

function model(s: Section, k: number, hunks: FileHunks[] | undefined): CrateModel {
  const findings = s.report?.findings ?? [];
  const placed = findings.map((f, i) => ({ f, id: `c${k}n${i}` }));
  const m: CrateModel = { s, k, placed, cards: groupCards(placed, k) };
  if (hunks) {
    const fileIdx = new Map(hunks.map((fh, i) => [fh.path, i]));
    const flags = new Map<number, Map<number, string[]>>();
    for (const p of placed) {
      const i = fileIdx.get(p.f.file);
      if (i === undefined) continue;
      const at = flags.get(i) ?? new Map<number, string[]>();
      flags.set(i, at);
      for (const n of flagLines(p.f)) at.set(n, [...(at.get(n) ?? []), p.id]);
    }
    m.diff = { k, hunks, risks: filesByDanger(hunks, findings), flags, plans: [] };
  }
  return m;
}

/** Where each card sits, which rows links target, and the file blocks of one crate. */
function releaseDiff(m: CrateModel, max: number): { files: string; outside: CardGroup[]; lineId: (file: string, line: number) => string | null } {
  const v = m.diff;
  if (!v) return { files: '', outside: m.cards, lineId: () => null };
  const fileIdx = new Map(v.hunks.map((fh, i) => [fh.path, i]));
  const shown = v.hunks.map((fh, i) => shownNewLines(fh, v.plans[i]));
  const lineId = (file: string, line: number) => {
    const i = fileIdx.get(file);
    return i !== undefined && shown[i].has(line) ? `c${v.k}f${i}L${line}` : null;
  };
  // Rows that call-path boxes link to get an id; no other row needs one.
  const targets = new Set<string>();
  for (const p of m.placed) for (const h of p.f.trace ?? []) if (lineId(h.file, h.line)) targets.add(`${h.file}\n${h.line}`);
  const cardsAt = new Map<number, Map<number, string>>();
  const outside: CardGroup[] = [];
  for (const c of m.cards) {
    const i = fileIdx.get(c.file);
    const lines = i === undefined ? [] : c.items.flatMap((p) => flagLines(p.f)).filter((n) => shown[i].has(n));
    if (i === undefined || lines.length === 0) {
      outside.push(c);
      continue;
    }
    const at = lines.reduce((x, y) => (y > x ? y : x));
    const byLine = cardsAt.get(i) ?? new Map<number, string>();
    cardsAt.set(i, byLine);
    byLine.set(at, (byLine.get(at) ?? '') + renderCard(c, true, lineId));
  }
  const files = v.risks.map((r) => {
    const fr: FileRender = {
      cardsAt: cardsAt.get(r.index) ?? new Map(),
      rowId: (line) => (targets.has(`${r.fh.path}\n${line}`) ? `c${v.k}f${r.index}L${line}` : null),
      // Open what the default filter shows findings in; info-only and quiet files start collapsed.
      open: r.loud > 0 || (r.count === 0 && v.risks.length === 1),
    };
    return fileBlock(v, r, fr, max);
  });
  return { files: files.join(''), outside, lineId };
}

function headline(m: CrateModel): string {
  const f = headlineFinding(m.s.report?.findings ?? []);
  if (!f) return '';
  const p = m.placed.find((q) => q.f === f)!;
  return `<p class="cf-lead l-${esc(f.severity)}">${sevBadge(f.severity)} <a href="#${p.id}">${esc(f.ruleId)}</a> ${escapeCode(f.message)} <span class="mute mono">${escapeCode(`${f.file}:${f.line}`)}</span></p>`;
}

const crateTitle = (s: Section) => `${escapeCode(s.name)} <span class="mute">${esc(versions(s))}</span> ${verdictBadge(s.verdict)}`;

/** One crate's part of the page, under its title (a lock report's crate) or with it (a single report). */
function crateSection(m: CrateModel, lock: boolean, filter: string, max: number): string {
  const { s } = m;
  const out: string[] = lock ? [] : [`<div class="cf-head"><h1>${crateTitle(s)}</h1>`];
  // Lockfile findings (source or checksum changes) first: no scan of the release shows them.
  const lockFindings = s.entry?.findings ?? [];
  if (lockFindings.length > 0) out.push(`<ul class="notes">${lockFindings.map((f) => `<li><b>${esc(f.ruleId)}</b> (${esc(f.severity)}): ${escapeCode(f.message)}</li>`).join('')}</ul>`);
  const r = s.report;
  if (!r) {
    out.push(`<p>${esc(s.entry?.error ?? s.entry?.note ?? 'not scanned')}</p>`);
    return out.join('');
  }
  const sm = r.summary;
  out.push(headline(m));
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
  for (const n of sm.notes) {
    // A note that leaves files out lists them, collapsed (a package's exclude list can be long).
    const files = sm.leftOut?.find((l) => l.message === n);
    notes.push(files && files.paths.length > 0 ? `<details class="cf-left"><summary>${esc(n)}</summary><ul>${files.paths.map((f) => `<li><code>${escapeCode(f)}</code></li>`).join('')}</ul></details>` : esc(n));
  }
  if (notes.length > 0) out.push(`<ul class="notes">${notes.map((n) => `<li>${n}</li>`).join('')}</ul>`);
  if (!lock) out.push(`</div>${filter}`);
  out.push(`<h3>Findings</h3>${findingsList(m.placed)}`);
  const diff = releaseDiff(m, max);
  out.push('<h3>Release diff</h3>');
  if (!m.diff) out.push('<p class="empty">The release diff was not included with this report.</p>');
  else if (m.diff.hunks.length === 0) out.push('<p class="empty">No file changed.</p>');
  else out.push(fileIndex(m.diff), diff.files);
  if (diff.outside.length > 0) {
    const cards = [...diff.outside].sort((a, b) => byDanger(a.items[0].f, b.items[0].f));
    const more = cards.length > MAX_OUTSIDE_CARDS ? `<p class="empty">${cards.length - MAX_OUTSIDE_CARDS} more places with findings are not shown; the findings table and the JSON report list them.</p>` : '';
    out.push(`<h3>Findings outside the shown diff</h3>${cards.slice(0, MAX_OUTSIDE_CARDS).map((c) => renderCard(c, false, diff.lineId)).join('')}${more}`);
  }
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
    `<span class="cf-count" id="cf-count" role="status">${all.length} findings</span>`,
    '</form>',
  ].join('');
}

function lockRow(sec: Section, k: number): string {
  return `<tr><td><a href="#c${k}">${escapeCode(sec.name)}</a></td><td>${esc(versions(sec))}</td><td>${verdictBadge(sec.verdict)}</td><td>${sec.report ? sec.report.score : '—'}</td><td>${sec.report ? sec.report.findings.filter((f) => f.severity !== 'info').length : '—'}</td><td>${esc(sec.entry?.error ?? sec.entry?.note ?? '')}</td></tr>`;
}

const LOCK_HEAD = '<thead><tr><th scope="col">crate</th><th scope="col">version</th><th scope="col">verdict</th><th scope="col">score</th><th scope="col">findings</th><th scope="col">note</th></tr></thead>';

/** The lockfile's header: counts, then its packages `block` first; those that pass in a collapsed table. */
function lockHeader(input: LockReport, order: Array<{ s: Section; k: number }>): string {
  const s = input.summary;
  const loud = order.filter((o) => o.s.verdict !== 'pass');
  const quiet = order.filter((o) => o.s.verdict === 'pass');
  const out = [
    `<div class="cf-head"><h1>${escapeCode(input.lockfile)} ${verdictBadge(input.verdict)}</h1>`,
    `<div class="stats"><span>${s.changed} changed</span><span>${s.added} added</span><span>${s.removed} removed</span><span>${s.scanned} scanned</span><span>${s.errors} failed</span><span>${s.notScanned} not scanned</span></div></div>`,
  ];
  if (loud.length > 0) out.push(`<table class="cf-list">${LOCK_HEAD}<tbody>${loud.map((o) => lockRow(o.s, o.k)).join('')}</tbody></table>`);
  if (quiet.length > 0) out.push(`<details class="cf-more"><summary>${quiet.length} package${quiet.length === 1 ? '' : 's'} pass</summary><table class="cf-list">${LOCK_HEAD}<tbody>${quiet.map((o) => lockRow(o.s, o.k)).join('')}</tbody></table></details>`);
  return out.join('');
}

/**
 * The report as an HTML fragment (no `<html>`, style or script), wrapped in `<div class="cf-page">`
 * (the style sheet applies inside it only): the header with the finding that explains the release,
 * the filter, the findings, an index of changed files most dangerous first, and the release diff in
 * that order with flagged lines highlighted and one card per flagged line. A lock report's crates
 * come `block` first, then `review`, and those that pass collapsed at the end. Every piece of report
 * text is escaped. The serve layer embeds it in its own page with `HTML_STYLE` and `HTML_SCRIPT`.
 */
export function renderReportBody(input: ReportInput, options: HtmlOptions = {}): string {
  const lock = isLockReport(input);
  const secs = sections(input);
  const order = lock ? sectionsByDanger(secs) : [{ s: secs[0], k: 0 }];
  const models = order.map(({ s, k }) => model(s, k, lock ? (s.entry ? options.lockHunks?.[entryKey(s.entry)] : undefined) : options.hunks));
  const max = options.maxDiffLines ?? PAGE_DIFF_LINES;
  planDiffs(models.flatMap((m) => (m.diff ? [m.diff] : [])), max);
  const parts: string[] = ['<div class="cf-page">'];
  // The filter sits under the header: the lock table's, or the single crate's own.
  if (lock) parts.push(lockHeader(input, order), filterBar(input));
  const quiet = models.filter((m) => lock && m.s.verdict === 'pass').length;
  for (const m of models) {
    if (quiet > 0 && m === models.find((q) => q.s.verdict === 'pass')) parts.push(`<h2 class="cf-quiet">${quiet === 1 ? '1 package passes' : `${quiet} packages pass`}</h2>`);
    const body = crateSection(m, lock, lock ? '' : filterBar(input), max);
    if (!lock) parts.push(`<section class="single" id="c${m.k}">${body}</section>`);
    else if (m.s.verdict === 'pass') parts.push(`<details class="crate quiet" id="c${m.k}"><summary><h3>${crateTitle(m.s)}</h3></summary>${body}</details>`);
    else parts.push(`<section class="crate" id="c${m.k}"><h2>${crateTitle(m.s)}</h2>${body}</section>`);
  }
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
<body class="cf-doc">
<main>
${renderReportBody(input, options)}
</main>
<script>${HTML_SCRIPT}</script>
</body>
</html>
`;
}
