import type { FileHunks, HunkLine } from '../index.js';
import { escapeCode, escapeHtml as esc } from './html-escape.js';
import type { FileRisk } from './html-rank.js';
import { sevBadge } from './html-cards.js';

/**
 * Unchanged or unflagged lines kept on each side of a flagged line when a file's diff is shown in
 * part: enough to read the statement and the function around it.
 */
export const FLAG_CONTEXT = 4;

/** How much of one file's diff the page shows. */
export interface FilePlan {
  /** `full`: every hunk line; `windows`: flagged lines and FLAG_CONTEXT around them; `none`: no line. */
  mode: 'none' | 'windows' | 'full';
  /** Per hunk, per line: shown. Absent for `full` and `none`. */
  keep?: boolean[][];
  shown: number;
  total: number;
}

/** One crate's release diff as the page lays it out. */
export interface DiffView {
  k: number;
  hunks: FileHunks[];
  /** Files most dangerous first (see `filesByDanger`). */
  risks: FileRisk[];
  /** Per file index: new-release line → ids of the findings that flag it. */
  flags: Map<number, Map<number, string[]>>;
  /** Per file index, filled by {@link planDiffs}. */
  plans: FilePlan[];
}

const linesOf = (fh: FileHunks) => fh.hunks.reduce((n, h) => n + h.lines.length, 0);

function windows(fh: FileHunks, flagged: Map<number, string[]>): { keep: boolean[][]; shown: number } {
  let shown = 0;
  const keep = fh.hunks.map((h) => {
    const k = new Array<boolean>(h.lines.length).fill(false);
    h.lines.forEach((l, i) => {
      if (l.newLine === null || !flagged.has(l.newLine)) return;
      for (let j = Math.max(0, i - FLAG_CONTEXT); j <= Math.min(h.lines.length - 1, i + FLAG_CONTEXT); j++) k[j] = true;
    });
    shown += k.filter(Boolean).length;
    return k;
  });
  return { keep, shown };
}

/**
 * Share of a page's diff lines that whole diffs of files without findings may take: they start
 * collapsed and are read least, and every line on the page costs its load time.
 */
export const QUIET_SHARE = 0.25;

/**
 * Decides which diff lines the page shows, over all crates in page order, within `max` lines: first
 * the flagged lines of every file with some context (most dangerous files first), then whole diffs
 * of files with findings the default filter shows, then of files without findings (at most
 * `QUIET_SHARE` of `max`) while lines are left. Files whose only findings are `info` keep their
 * flagged windows only. A file that got no line says so; its findings' cards carry their snippets.
 */
export function planDiffs(views: readonly DiffView[], max: number): void {
  let left = max;
  let quiet = Math.floor(max * QUIET_SHARE);
  for (const v of views) {
    v.plans = v.hunks.map((fh) => ({ mode: 'none', shown: 0, total: linesOf(fh) }));
    for (const r of v.risks) {
      const flagged = v.flags.get(r.index);
      if (!flagged || flagged.size === 0) continue;
      const w = windows(r.fh, flagged);
      if (w.shown > 0 && w.shown <= left) {
        v.plans[r.index] = { mode: 'windows', keep: w.keep, shown: w.shown, total: v.plans[r.index].total };
        left -= w.shown;
      }
    }
  }
  for (const loud of [true, false]) {
    for (const v of views) {
      for (const r of v.risks) {
        if ((r.loud > 0) !== loud || (r.count > 0 && r.loud === 0)) continue;
        const p = v.plans[r.index];
        const extra = p.total - p.shown;
        if (extra <= 0 || extra > left || (!loud && extra > quiet)) continue;
        v.plans[r.index] = { mode: 'full', shown: p.total, total: p.total };
        left -= extra;
        if (!loud) quiet -= extra;
      }
    }
  }
}

/** True when line `i` of hunk `h` is on the page. */
function shows(p: FilePlan, h: number, i: number): boolean {
  return p.mode === 'full' || (p.mode === 'windows' && p.keep![h][i]);
}

/** New-release line numbers the page shows for one file (where cards can sit and traces can link). */
export function shownNewLines(fh: FileHunks, p: FilePlan): Set<number> {
  const out = new Set<number>();
  fh.hunks.forEach((h, hi) => h.lines.forEach((l, i) => {
    if (l.newLine !== null && shows(p, hi, i)) out.add(l.newLine);
  }));
  return out;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
const gapRow = (text: string) => `<tr class="gap"><td colspan="3">⋯ ${text}</td></tr>`;

export interface FileRender {
  /** Card markup to put under a shown new-release line. */
  cardsAt: Map<number, string>;
  /** Row ids to give shown new-release lines (targets of call-path links). */
  rowId: (line: number) => string | null;
  open: boolean;
}

function statusText(fh: FileHunks): string {
  return `${fh.status === 'renamed' ? `renamed from ${fh.oldPath ?? '?'}` : fh.status}${fh.binary ? ', binary' : ''}`;
}

/**
 * One file of the release diff: a sticky header (path, change, counts) and the shown lines, flagged
 * ones highlighted with their cards below, the lines left out counted where they were. Rust files
 * are marked for the page script to colour.
 */
export function fileBlock(v: DiffView, r: FileRisk, fr: FileRender, max: number): string {
  const { fh, index: i } = r;
  const plan = v.plans[i];
  const flagged = v.flags.get(i) ?? new Map<number, string[]>();
  const found = r.count > 0 ? `<span class="nf">${r.worst ? sevBadge(r.worst.severity) : ''}${plural(r.count, 'finding')}${r.loud === 0 ? ' (info)' : ''}</span>` : '';
  const part = plan.shown < plan.total ? `<span class="part">${plan.shown} of ${plural(plan.total, 'diff line')} shown</span>` : '';
  const out = [
    `<details class="file" id="c${v.k}f${i}"${fr.open ? ' open' : ''}><summary><span class="fp">${escapeCode(fh.path)}</span><span class="st">${esc(statusText(fh))}</span><span class="nadd">+${fh.linesAdded}</span><span class="ndel">−${fh.linesRemoved}</span>${found}${part}</summary>`,
  ];
  if (fh.hunks.length === 0) {
    out.push(`<p class="empty">${fh.truncated ? esc(fh.truncated) : fh.binary ? 'Binary file: not shown.' : fh.status === 'renamed' ? 'Content unchanged.' : 'No text lines.'}</p></details>`);
    return out.join('');
  }
  if (plan.mode === 'none') {
    out.push(`<p class="empty">Diff not shown (${plural(plan.total, 'line')} in ${plural(fh.hunks.length, 'hunk')}): the page shows at most ${max} diff lines, the flagged lines of the most dangerous files first.${r.count > 0 ? ' This file\'s findings carry their snippets under “Findings outside the shown diff”.' : ''}</p></details>`);
    return out.join('');
  }
  out.push(`<table class="diff${/\.rs$/i.test(fh.path) ? ' rs' : ''}"><colgroup><col class="n"><col class="n"><col></colgroup><tbody>`);
  let skippedHunks = 0;
  let skippedLines = 0;
  const flushSkipped = () => {
    if (skippedHunks > 0) out.push(gapRow(`${plural(skippedHunks, 'hunk')} (${plural(skippedLines, 'line')}) not shown`));
    skippedHunks = 0;
    skippedLines = 0;
  };
  fh.hunks.forEach((h, hi) => {
    const anyShown = h.lines.some((_, li) => shows(plan, hi, li));
    if (!anyShown) {
      skippedHunks++;
      skippedLines += h.lines.length;
      return;
    }
    flushSkipped();
    out.push(`<tr class="hh"><td colspan="3">@@ −${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@</td></tr>`);
    let gap = 0;
    h.lines.forEach((l, li) => {
      if (!shows(plan, hi, li)) {
        gap++;
        return;
      }
      if (gap > 0) out.push(gapRow(`${plural(gap, 'line')} not shown`));
      gap = 0;
      out.push(lineRow(l, l.newLine !== null ? flagged.get(l.newLine) : undefined, l.newLine !== null ? fr.rowId(l.newLine) : null));
      const cards = l.newLine !== null && l.op !== '-' ? fr.cardsAt.get(l.newLine) : undefined;
      if (cards) out.push(`<tr class="note"><td colspan="3">${cards}</td></tr>`);
    });
    if (gap > 0) out.push(gapRow(`${plural(gap, 'line')} not shown`));
  });
  flushSkipped();
  out.push('</tbody></table>');
  if (fh.truncated) out.push(`<p class="empty">${esc(fh.truncated)}</p>`);
  out.push('</details>');
  return out.join('');
}

const OP_CLASS: Record<HunkLine['op'], string> = { '+': 'a', '-': 'd', ' ': 'x' };

function lineRow(l: HunkLine, ids: string[] | undefined, id: string | null): string {
  // The +/− sign is drawn by the style sheet, so the code cell holds only code (for colouring and copying).
  return `<tr class="${OP_CLASS[l.op]}${ids ? ' flag on' : ''}"${id ? ` id="${id}"` : ''}${ids ? ` data-fids="${ids.join(' ')}"` : ''}><td>${l.oldLine ?? ''}</td><td>${l.newLine ?? ''}</td><td>${escapeCode(l.text)}</td></tr>`;
}

function indexRow(v: DiffView, r: FileRisk): string {
  const w = r.worst;
  return `<tr class="r-${w ? esc(w.severity) : r.count > 0 ? 'info' : 'none'}"><td class="mono"><a href="#c${v.k}f${r.index}">${escapeCode(r.fh.path)}</a></td><td>${esc(statusText(r.fh))}</td><td class="num"><span class="nadd">+${r.fh.linesAdded}</span> <span class="ndel">−${r.fh.linesRemoved}</span></td><td>${w ? `${sevBadge(w.severity)} ${esc(w.ruleId)}` : r.count > 0 ? '<span class="mute">info only</span>' : ''}</td><td class="num">${r.count || ''}</td></tr>`;
}

const INDEX_HEAD = '<thead><tr><th scope="col">file</th><th scope="col">change</th><th scope="col">lines</th><th scope="col">most telling finding</th><th scope="col">findings</th></tr></thead>';

/**
 * The index of changed files, most dangerous first, each linking to its diff: files with findings
 * the default filter shows in the open table, the others (info only, none) in a collapsed one.
 */
export function fileIndex(v: DiffView): string {
  const loud = v.risks.filter((r) => r.worst);
  const rest = v.risks.filter((r) => !r.worst);
  const info = rest.filter((r) => r.count > 0).length;
  const table = (rows: FileRisk[]) => `<table class="cf-list cf-files">${INDEX_HEAD}<tbody>${rows.map((r) => indexRow(v, r)).join('')}</tbody></table>`;
  const out = [`<details class="cf-index" open><summary>Changed files (${v.risks.length})</summary>`];
  if (loud.length > 0) out.push(table(loud));
  if (rest.length > 0) {
    const what = [info > 0 ? `${info} with info findings only` : '', rest.length - info > 0 ? `${rest.length - info} without findings` : ''].filter(Boolean).join(', ');
    out.push(`<details class="cf-more"${loud.length === 0 && rest.length <= 30 ? ' open' : ''}><summary>${loud.length > 0 ? `${rest.length} more` : rest.length} file${rest.length === 1 ? '' : 's'}: ${what}</summary>${table(rest)}</details>`);
  }
  out.push('</details>');
  return out.join('');
}
