/**
 * Output formats of `cratefence results`: pure functions from a table to text. The text table fits
 * the terminal's width by cutting the flexible columns (messages, capability lists) with an ellipsis.
 */
import type { Cell, Table } from './results.js';

const str = (c: Cell) => (c === null || c === undefined ? '' : String(c));

/** A table for a terminal `width` columns wide. */
export function textTable(t: Table, width: number): string {
  const cells = t.rows.map((r) => t.columns.map((c) => str(r[c]).replace(/\s+/g, ' ')));
  const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const gap = 2;
  let over = widths.reduce((a, w) => a + w, 0) + gap * (t.columns.length - 1) - width;
  // Shrink flexible columns, widest first, down to a floor that still says something.
  for (const name of [...t.flex].sort((a, b) => widths[t.columns.indexOf(b)] - widths[t.columns.indexOf(a)])) {
    if (over <= 0) break;
    const i = t.columns.indexOf(name);
    const floor = Math.max(name.length, 12);
    const cut = Math.min(over, widths[i] - floor);
    if (cut > 0) {
      widths[i] -= cut;
      over -= cut;
    }
  }
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, Math.max(0, w - 1))}…` : s.padEnd(w));
  const line = (r: string[]) => r.map((s, i) => fit(s, widths[i])).join(' '.repeat(gap)).trimEnd();
  const out = [t.title, line(t.columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  return `${out.join('\n')}\n`;
}

/** A GitHub-flavoured markdown table. */
export function markdownTable(t: Table): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const rows = t.rows.map((r) => `| ${t.columns.map((c) => esc(str(r[c]))).join(' | ')} |`);
  return `**${esc(t.title)}**\n\n| ${t.columns.join(' | ')} |\n|${t.columns.map(() => '---').join('|')}|\n${rows.join('\n')}\n`;
}

/** RFC 4180 CSV with a header line. */
export function csvTable(t: Table): string {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${[t.columns.join(','), ...t.rows.map((r) => t.columns.map((c) => q(str(r[c]))).join(','))].join('\r\n')}\r\n`;
}

/** The rows as JSON (an array of objects keyed by column). */
export function jsonTable(t: Table): string {
  return `${JSON.stringify({ title: t.title, rows: t.rows }, null, 2)}\n`;
}
