/**
 * The text of a Rust file as the path evaluator reads it: comments and character literals blanked,
 * string contents masked (the literals kept aside by offset), so that brackets, commas and `;` can be
 * counted without a parser. One linear pass per file; offsets and lines stay those of the file.
 */
import type { RustFile } from '../../diff/types.js';
import { literalContent } from '../../parse/text.js';

interface Lit {
  end: number;
  content: string;
}

/** A file's text with comments and character literals blanked and string contents masked, same length. */
export interface Shape {
  text: string;
  lits: Map<number, Lit>;
  lineStarts: number[];
}

const shapes = new WeakMap<RustFile, Shape>();
/** ASCII identifier characters (what path pieces and variable names are made of). */
export const isIdStart = (c: string | undefined): boolean => {
  const x = c === undefined ? 0 : c.charCodeAt(0);
  return (x >= 97 && x <= 122) || (x >= 65 && x <= 90) || x === 95;
};
export const isId = (c: string | undefined): boolean => isIdStart(c) || (c !== undefined && c >= '0' && c <= '9');

function stringEnd(src: string, i: number): number {
  let j = i;
  while (src[j] === 'b' || src[j] === 'c') j++;
  if (src[j] === 'r') {
    j++;
    let hashes = 0;
    while (src[j] === '#') {
      hashes++;
      j++;
    }
    if (src[j] !== '"') return -1;
    const close = `"${'#'.repeat(hashes)}`;
    const k = src.indexOf(close, j + 1);
    return k < 0 ? src.length : k + close.length;
  }
  if (src[j] !== '"') return -1;
  for (j++; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === '"') return j + 1;
  }
  return src.length;
}

const SPACE = 32;
const NL = 10;
const QUOTE = 34;
const UTF16 = new TextDecoder('utf-16le');
const codeIsId = (x: number) => (x >= 97 && x <= 122) || (x >= 65 && x <= 90) || x === 95 || (x >= 48 && x <= 57);

/** True when a `b`, `r` or `c` at `i` starts a string literal (`b"`, `r"`, `r#"`, `br"`, `c"`, `cr#"`). */
function stringPrefix(buf: Uint16Array, i: number): boolean {
  let j = i;
  if (buf[j] === 98 || buf[j] === 99) j++;
  if (buf[j] === QUOTE) return j > i;
  if (buf[j] !== 114) return false;
  j++;
  while (buf[j] === 35 /* # */) j++;
  return buf[j] === QUOTE;
}

/** The shape of a file, computed once per file in one pass over its character codes. */
export function shapeOf(file: RustFile): Shape {
  const hit = shapes.get(file);
  if (hit) return hit;
  const src = file.text;
  const n = src.length;
  const buf = new Uint16Array(n);
  for (let k = 0; k < n; k++) buf[k] = src.charCodeAt(k);
  const lits = new Map<number, Lit>();
  const lineStarts = [0];
  for (let k = src.indexOf('\n'); k >= 0; k = src.indexOf('\n', k + 1)) lineStarts.push(k + 1);
  const blank = (a: number, b: number) => {
    for (let k = a; k < b; k++) if (buf[k] !== NL) buf[k] = SPACE;
  };
  let i = 0;
  while (i < n) {
    const c = buf[i];
    if (c === 47 /* / */ && buf[i + 1] === 47) {
      const nl = src.indexOf('\n', i);
      const e = nl < 0 ? n : nl;
      blank(i, e);
      i = e;
    } else if (c === 47 && buf[i + 1] === 42 /* * */) {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (buf[j] === 47 && buf[j + 1] === 42) (depth++, (j += 2));
        else if (buf[j] === 42 && buf[j + 1] === 47) (depth--, (j += 2));
        else j++;
      }
      blank(i, j);
      i = j;
    } else if (c === QUOTE || ((c === 98 || c === 114 || c === 99) /* b r c */ && (i === 0 || !codeIsId(buf[i - 1])) && stringPrefix(buf, i))) {
      const e = stringEnd(src, i);
      if (e < 0) {
        i++;
        continue;
      }
      lits.set(i, { end: e, content: literalContent(src.slice(i, e)) });
      // The literal becomes `"___"` of its own length: brackets and commas inside it no longer count.
      buf[i] = QUOTE;
      for (let k = i + 1; k < e - 1; k++) buf[k] = 95;
      if (e - 1 > i) buf[e - 1] = QUOTE;
      i = e;
    } else if (c === 39 /* ' */) {
      // A character literal ('x', '\n', '\u{1F600}'), not a lifetime ('a).
      const m = /^'(?:\\(?:u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'/u.exec(src.slice(i, i + 12));
      if (m) {
        blank(i, i + m[0].length);
        i += m[0].length;
      } else i++;
    } else if (codeIsId(c)) {
      let j = i + 1;
      while (j < n && codeIsId(buf[j])) j++;
      i = j;
    } else i++;
  }
  const shape: Shape = { text: UTF16.decode(buf), lits, lineStarts };
  shapes.set(file, shape);
  return shape;
}

/** Offset of a 1-based line and column in a file. */
export function offsetOf(shape: Shape, line: number, column: number): number {
  return (shape.lineStarts[line - 1] ?? 0) + column - 1;
}

/** The 1-based line of an offset. */
export function lineOf(shape: Shape, at: number): number {
  let lo = 0;
  let hi = shape.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (shape.lineStarts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export const OPEN = '([{';
export const CLOSE = ')]}';

/** The argument ranges of the bracket at `open` (top-level commas), and the offset after the closing bracket. */
export function argsAt(s: string, open: number, limit = s.length): { args: Array<[number, number]>; end: number } {
  const args: Array<[number, number]> = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < limit; i++) {
    const c = s[i];
    if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c)) {
      depth--;
      if (depth === 0) {
        if (s.slice(start, i).trim() !== '') args.push([start, i]);
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push([start, i]);
      start = i + 1;
    }
  }
  return { args, end: limit };
}

/** The first `(` after `from` (skipping a turbofish), or -1 when something else comes first. */
export function parenAfter(s: string, from: number, limit: number): number {
  let i = from;
  while (i < limit && /\s/.test(s[i])) i++;
  if (s.startsWith('::<', i)) {
    let depth = 0;
    for (i += 2; i < limit; i++) {
      if (s[i] === '<') depth++;
      else if (s[i] === '>' && --depth === 0) break;
    }
    i++;
    while (i < limit && /\s/.test(s[i])) i++;
  }
  return s[i] === '(' ? i : -1;
}
