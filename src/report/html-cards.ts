import { byDanger, SEVERITY_RANK, type Finding } from '../index.js';
import { escapeCode, escapeHtml as esc } from './html-escape.js';
import { traceSvg } from './html-trace.js';

/** A finding with the id of its row in a card (`c<crate>n<index in the report>`). */
export interface Placed {
  f: Finding;
  id: string;
}

/** The findings that start on one line of one file: one card on the page, listing every rule. */
export interface CardGroup {
  id: string;
  file: string;
  line: number;
  /** Most telling first. */
  items: Placed[];
}

/**
 * Bounds that keep a page readable and loadable whatever a release holds (thousands of findings):
 * rows of the findings table, findings in one card, cards outside the shown diff. What is left out
 * is counted on the page; the JSON report has every finding.
 */
export const MAX_LISTED = 1000;
export const MAX_CARD_ITEMS = 50;
export const MAX_OUTSIDE_CARDS = 200;

/** Lines highlighted per finding at most (a match can span a whole function). */
export const MAX_FLAG_LINES = 12;

/** The new-release lines a finding highlights. */
export function flagLines(f: Finding): number[] {
  const end = Math.min(Math.max(f.endLine, f.line), f.line + MAX_FLAG_LINES - 1);
  const out: number[] = [];
  for (let n = f.line; n <= end; n++) out.push(n);
  return out;
}

/** Findings grouped by the line they start on (three rules on one call make one card, not three). */
export function groupCards(placed: readonly Placed[], k: number): CardGroup[] {
  const byPlace = new Map<string, Placed[]>();
  for (const p of placed) {
    const key = `${p.f.file}\n${p.f.line}`;
    const list = byPlace.get(key);
    if (list) list.push(p);
    else byPlace.set(key, [p]);
  }
  return [...byPlace.values()].map((items, j) => ({ id: `c${k}g${j}`, file: items[0].f.file, line: items[0].f.line, items: [...items].sort((a, b) => byDanger(a.f, b.f)) }));
}

export function sevBadge(s: string): string {
  return `<span class="sev s-${esc(s)}">${esc(s)}</span>`;
}

export function verdictBadge(v: string | null): string {
  return `<span class="badge v-${v ? esc(v) : 'none'}">${v ? esc(v.toUpperCase()) : 'NOT SCANNED'}</span>`;
}

/** The attributes the page's filter reads (category and severity of one finding). */
export function dataAttrs(p: Placed): string {
  return `data-fid="${p.id}" data-category="${esc(p.f.category)}" data-severity="${esc(p.f.severity)}"`;
}

function worstOf(items: readonly Placed[]): string {
  return items.reduce((w, p) => (SEVERITY_RANK[p.f.severity] > SEVERITY_RANK[w as Finding['severity']] ? p.f.severity : w), 'info' as string);
}

/**
 * One card for the findings on one line: the place once, then each finding's rule, message, call
 * path and (once per rule) why it matters. `anchored` cards sit under their lines in the diff; the
 * others carry the code snippet, since no diff line shows it.
 */
export function renderCard(card: CardGroup, anchored: boolean, lineId: (file: string, line: number) => string | null): string {
  const first = card.items[0].f;
  const allSuppressed = card.items.every((p) => p.f.suppressed);
  const out = [
    `<div class="card b-${esc(worstOf(card.items))}${allSuppressed ? ' sup' : ''}" id="${card.id}">`,
    `<div class="meta mono">${escapeCode(`${card.file}:${card.line}`)}${first.item ? ` in ${escapeCode(first.item)}` : ''}${first.role ? ` (${esc(first.role)} code)` : ''}${card.items.length > 1 ? ` · ${card.items.length} findings` : ''}</div>`,
  ];
  const noted = new Set<string>();
  for (const p of card.items.slice(0, MAX_CARD_ITEMS)) {
    const f = p.f;
    out.push(`<div class="fr${f.suppressed ? ' sup' : ''}" id="${p.id}" ${dataAttrs(p)}>`);
    out.push(`<div>${sevBadge(f.severity)} <span class="t">${esc(f.ruleId)}</span> <span class="meta">${esc(f.category)} · ${esc(f.confidence)} confidence${f.points ? ` · +${esc(String(f.points))} points` : ''} · column ${f.column}${f.item && f.item !== first.item ? ` · in ${escapeCode(f.item)}` : ''}${f.suppressed ? ' · suppressed' : ''}</span></div>`);
    out.push(`<div class="msg">${escapeCode(f.message)}</div>`);
    if (f.suppressed) out.push(`<div class="meta">Suppressed: ${esc(f.suppressed.reason)} (${esc(f.suppressed.source)})</div>`);
    if (f.trace && f.trace.length > 0) out.push(traceSvg(f.trace, lineId));
    if (f.note && !noted.has(f.ruleId)) out.push(`<div class="why">${esc(f.note)}</div>`);
    noted.add(f.ruleId);
    out.push('</div>');
  }
  if (card.items.length > MAX_CARD_ITEMS) out.push(`<div class="meta">${card.items.length - MAX_CARD_ITEMS} more findings on this line are not shown; the JSON report has them all.</div>`);
  if (!anchored) {
    const snippets = [...new Set(card.items.map((p) => p.f.snippet).filter((s) => s))];
    for (const s of snippets) out.push(`<pre class="mono">${escapeCode(s)}</pre>`);
  }
  out.push('</div>');
  return out.join('');
}

/** The table of every finding of a crate, most telling first, each linking to its row in a card. */
export function findingsList(placed: readonly Placed[]): string {
  if (placed.length === 0) return '<p class="empty">No findings.</p>';
  const rows = [...placed].sort((a, b) => byDanger(a.f, b.f)).slice(0, MAX_LISTED);
  const out = ['<table class="cf-list"><thead><tr><th scope="col">severity</th><th scope="col">rule</th><th scope="col">where</th><th scope="col">message</th></tr></thead><tbody>'];
  for (const p of rows) {
    out.push(`<tr ${dataAttrs(p)}><td>${sevBadge(p.f.severity)}</td><td><a href="#${p.id}">${esc(p.f.ruleId)}</a></td><td class="mono">${escapeCode(`${p.f.file}:${p.f.line}`)}</td><td>${escapeCode(p.f.message)}${p.f.suppressed ? ' <span class="mute">(suppressed)</span>' : ''}</td></tr>`);
  }
  out.push('</tbody></table>');
  if (placed.length > rows.length) out.push(`<p class="empty">${placed.length - rows.length} less telling findings are not listed; the JSON report has them all.</p>`);
  return out.join('');
}
