import type { TraceHop } from '../index.js';
import { escapeHtml } from './html-escape.js';

const ROW = 36;
const BOX = 24;
const STEP = 18;
const CHAR = 7.3;

/**
 * A call path drawn as boxes joined by elbow arrows, one step to the right per hop (entry in blue,
 * capability use in red). Each box links to its line in the diff when `anchor` knows it (a group,
 * not an image, so the links stay reachable by keyboard and screen reader). Text is escaped; nothing
 * in the SVG comes from the report unescaped.
 */
export function traceSvg(trace: TraceHop[], anchor: (file: string, line: number) => string | null): string {
  const labels = trace.map((h) => `${h.item}  ${h.file}:${h.line}`);
  const widths = labels.map((l) => Math.min(900, Math.round(l.length * CHAR) + 18));
  const width = Math.max(...widths.map((w, i) => w + i * STEP)) + 4;
  const height = trace.length * ROW - (ROW - BOX) + 4;
  const parts: string[] = [`<svg class="trace" role="group" aria-label="call path" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">`];
  trace.forEach((h, i) => {
    const x = 2 + i * STEP;
    const y = 2 + i * ROW;
    if (i > 0) {
      // From below the previous box's left edge down, then right into this box.
      const px = 2 + (i - 1) * STEP + 8;
      parts.push(`<path d="M${px} ${y - (ROW - BOX)} V${y + BOX / 2} H${x - 6}"/><polygon points="${x} ${y + BOX / 2} ${x - 7} ${y + BOX / 2 - 4} ${x - 7} ${y + BOX / 2 + 4}"/>`);
    }
    const cls = i === 0 ? 'first' : i === trace.length - 1 ? 'last' : 'mid';
    const box = `<g class="${cls}"><title>${escapeHtml(labels[i])}</title><rect x="${x}" y="${y}" rx="4" width="${widths[i]}" height="${BOX}"/><text x="${x + 9}" y="${y + 16}">${escapeHtml(labels[i].length > 120 ? `${labels[i].slice(0, 119)}…` : labels[i])}</text></g>`;
    const href = anchor(h.file, h.line);
    parts.push(href ? `<a href="#${href}" aria-label="${escapeHtml(labels[i])}">${box}</a>` : box);
  });
  parts.push('</svg>');
  return parts.join('');
}
