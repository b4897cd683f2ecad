import { splitLines } from '../parse/text.js';
import type { FileStatus, ReleaseDelta } from './types.js';

/** One line of a hunk: `+` added in the new release, `-` removed from the old one, ` ` context. */
export interface HunkLine {
  op: '+' | '-' | ' ';
  /** The line's text without its line ending, cut to `HunkLimits.lineChars`. */
  text: string;
  /** 1-based line number in the old release (null for `+`). */
  oldLine: number | null;
  /** 1-based line number in the new release (null for `-`). */
  newLine: number | null;
}

/** A run of changed lines with up to `context` unchanged lines around it, as in a unified diff. */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: HunkLine[];
}

/** The release diff of one changed file, as the scan's own file diff found it. */
export interface FileHunks {
  path: string;
  oldPath?: string;
  status: FileStatus;
  binary: boolean;
  linesAdded: number;
  linesRemoved: number;
  hunks: Hunk[];
  /** Set when lines were left out (file or total cap); says how many. */
  truncated?: string;
}

/** Size bounds of the hunks handed beside a report: an HTML page must stay loadable for any release. */
export interface HunkLimits {
  context: number;
  /** Hunk lines kept per file. */
  fileLines: number;
  /** Hunk lines kept over all files. */
  totalLines: number;
  /** Characters kept per line (minified or generated lines can be megabytes). */
  lineChars: number;
}

export const DEFAULT_HUNK_LIMITS: HunkLimits = { context: 3, fileLines: 3000, totalLines: 40_000, lineChars: 400 };

function textOf(delta: ReleaseDelta, side: 'old' | 'new', p: string): string {
  const v = delta[side];
  const rust = v.rust.get(p);
  if (rust) return rust.text;
  const bytes = v.tree.files.get(p);
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}

function lineText(raw: string, max: number): string {
  const t = raw.endsWith('\r\n') ? raw.slice(0, -2) : raw.endsWith('\n') ? raw.slice(0, -1) : raw;
  return t.length > max ? `${t.slice(0, max)}… (${t.length - max} more characters)` : t;
}

/**
 * Walks the alignment the file diff already found: its removed old lines and added new lines are the
 * edits, every other line is matched in order on both sides (that is what a line diff is). Returns
 * the ops in order, removals of a block before its additions.
 */
function* alignment(oldCount: number, newCount: number, removed: Set<number>, added: Set<number>): Generator<HunkLine['op'] | '=', void> {
  let i = 1;
  let j = 1;
  while (i <= oldCount || j <= newCount) {
    if (i <= oldCount && removed.has(i)) {
      i++;
      yield '-';
    } else if (j <= newCount && added.has(j)) {
      j++;
      yield '+';
    } else if (i <= oldCount && j <= newCount) {
      i++;
      j++;
      yield '=';
    } else if (i <= oldCount) {
      // Unmatched tail (cannot happen for a consistent diff): show it as removed, never drop it.
      i++;
      yield '-';
    } else {
      j++;
      yield '+';
    }
  }
}

/**
 * The release diff of every changed text file, as hunks, read from the delta's own line diff (no
 * second diff). Renamed-unchanged and binary files get no hunks. Bounded by `limits`; a file whose
 * hunks were cut says so in `truncated`.
 */
export function fileHunks(delta: ReleaseDelta, limits: HunkLimits = DEFAULT_HUNK_LIMITS): FileHunks[] {
  const out: FileHunks[] = [];
  let budget = limits.totalLines;
  for (const fc of delta.files) {
    const fh: FileHunks = { path: fc.path, status: fc.status, binary: fc.binary, linesAdded: fc.linesAdded, linesRemoved: fc.linesRemoved, hunks: [] };
    if (fc.oldPath) fh.oldPath = fc.oldPath;
    out.push(fh);
    if (fc.binary || fc.status === 'renamed') continue;
    const oldLines = fc.status === 'added' ? [] : splitLines(textOf(delta, 'old', fc.oldPath ?? fc.path));
    const newLines = fc.status === 'removed' ? [] : splitLines(textOf(delta, 'new', fc.path));
    // A removed file's lines are all removed; the delta does not list them one by one.
    const removed = fc.status === 'removed' ? new Set(oldLines.map((_, k) => k + 1)) : fc.removedLines;
    const cap = Math.min(limits.fileLines, budget);
    let kept = 0;
    let left = 0;
    let cur: Hunk | null = null;
    // Equal lines since the last change: trailing context of the open hunk, or leading context of the next.
    let equal: Array<[number, number]> = [];
    let i = 0;
    let j = 0;
    const push = (l: HunkLine) => {
      if (kept >= cap) {
        left++;
        return;
      }
      cur!.lines.push(l);
      kept++;
      if (l.op !== '+') cur!.oldLines++;
      if (l.op !== '-') cur!.newLines++;
    };
    const context = (pairs: Array<[number, number]>) => {
      for (const [a, b] of pairs) push({ op: ' ', text: lineText(oldLines[a - 1], limits.lineChars), oldLine: a, newLine: b });
    };
    for (const op of alignment(oldLines.length, newLines.length, removed, fc.addedLines)) {
      if (op === '=') {
        equal.push([++i, ++j]);
        // Two hunks closer than twice the context are one hunk; farther apart, the open one is closed.
        if (cur && equal.length > 2 * limits.context) {
          context(equal.slice(0, limits.context));
          cur = null;
          equal = equal.slice(limits.context);
        }
        if (!cur && equal.length > limits.context) equal.shift();
        continue;
      }
      if (!cur) {
        const [a, b] = equal[0] ?? [i + 1, j + 1];
        cur = { oldStart: a, oldLines: 0, newStart: b, newLines: 0, lines: [] };
        if (kept < cap) fh.hunks.push(cur);
      }
      context(equal);
      equal = [];
      if (op === '-') {
        i++;
        push({ op: '-', text: lineText(oldLines[i - 1], limits.lineChars), oldLine: i, newLine: null });
      } else {
        j++;
        push({ op: '+', text: lineText(newLines[j - 1], limits.lineChars), oldLine: null, newLine: j });
      }
    }
    if (cur) context(equal.slice(0, limits.context));
    budget -= kept;
    if (left > 0) fh.truncated = `${left} more diff line(s) of this file left out (at most ${cap} are shown${cap < limits.fileLines ? ', the limit over all files was reached' : ''})`;
  }
  return out;
}
