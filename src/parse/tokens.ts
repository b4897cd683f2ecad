/**
 * Macro arguments and `macro_rules!` bodies are token soup to the grammar. Walking their tokens
 * through the parser binding costs more than parsing them, so they are lexed here, in one linear
 * pass over the text, to recover calls, paths, method calls, nested macros, literals and byte arrays.
 */

import { clip } from './text.js';

/** Offsets of line starts, for turning string offsets into 1-based lines and columns. */
export class LineIndex {
  private starts: number[] = [0];
  private hint = 0;
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  get lines(): number {
    return this.starts.length;
  }
  /** 1-based line of an offset. */
  line(offset: number): number {
    return this.find(offset) + 1;
  }

  /** [line, column], both 1-based. */
  pos(offset: number): [number, number] {
    const i = this.find(offset);
    return [i + 1, offset - this.starts[i] + 1];
  }

  /** Index of the line holding `offset`. */
  private find(offset: number): number {
    const starts = this.starts;
    // Walks ask in nearly increasing order: try the line of the previous answer and the next one first.
    const h = this.hint;
    if (starts[h] <= offset) {
      if (h + 1 >= starts.length || offset < starts[h + 1]) return h;
      if (h + 2 >= starts.length || offset < starts[h + 2]) return (this.hint = h + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return (this.hint = lo);
  }
}

export type TokenSiteKind = 'call' | 'method' | 'macro' | 'path' | 'string' | 'bytes';

export interface TokenSite {
  kind: TokenSiteKind;
  text: string;
  start: number;
  end: number;
  args?: string;
  bytes?: boolean;
  len?: number;
}

const isIdStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
const isId = (c: number) => isIdStart(c) || (c >= 48 && c <= 57);
const isDigit = (c: number) => c >= 48 && c <= 57;

/** Finds the end of a string literal starting at `i` (at the opening quote, or at `r`/`b`/`c` prefixes). */
function stringEnd(src: string, i: number, end: number): number {
  let j = i;
  while (j < end && (src[j] === 'b' || src[j] === 'c')) j++;
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
    return k < 0 || k + close.length > end ? end : k + close.length;
  }
  if (src[j] !== '"') return -1;
  for (j++; j < end; j++) {
    const c = src[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  return end;
}

/**
 * Lexes `src[start, end)` and reports what a rule may care about. `clipArgs` shortens argument text.
 * Linear in the length of the text.
 */
export function lexTokenTree(src: string, start: number, end: number, maxArgs: number): TokenSite[] {
  const found: TokenSite[] = [];
  const emit = (t: TokenSite) => found.push(t);
  const clipArgs = (t: string) => clip(t, maxArgs);
  let buf: string[] = [];
  let bufStart = -1;
  let colons = false;
  let dot = false;
  let method: string | null = null;
  let methodStart = -1;
  // Integer literal counts per open bracket, to spot byte arrays.
  const groups: Array<{ open: number; ints: number }> = [];

  const flush = () => {
    if (buf.length >= 2) emit({ kind: 'path', text: buf.join('::'), start: bufStart, end: bufStart });
    buf = [];
    colons = false;
    dot = false;
    method = null;
  };

  let i = start;
  while (i < end) {
    const c = src.charCodeAt(i);
    // Whitespace
    if (c === 32 || c === 10 || c === 9 || c === 13) {
      i++;
      continue;
    }
    // Comments
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      const nl = src.indexOf('\n', i);
      i = nl < 0 || nl > end ? end : nl + 1;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      let depth = 1;
      let j = i + 2;
      while (j < end && depth > 0) {
        if (src.charCodeAt(j) === 47 && src.charCodeAt(j + 1) === 42) {
          depth++;
          j += 2;
        } else if (src.charCodeAt(j) === 42 && src.charCodeAt(j + 1) === 47) {
          depth--;
          j += 2;
        } else j++;
      }
      i = j;
      continue;
    }
    // String literals (with b/c/r prefixes)
    if (c === 34 || ((c === 98 || c === 114 || c === 99) && /^(b|c)?r?#*"|^b"|^c"/.test(src.slice(i, i + 4)))) {
      const e = stringEnd(src, i, end);
      if (e > 0) {
        flush();
        const raw = src.slice(i, e);
        emit({ kind: 'string', text: raw, start: i, end: e, bytes: raw[0] === 'b', len: e - i });
        i = e;
        continue;
      }
    }
    // Char literals and lifetimes
    if (c === 39) {
      flush();
      if (src.charCodeAt(i + 2) === 39) i += 3;
      else if (src.charCodeAt(i + 1) === 92) {
        const k = src.indexOf("'", i + 2);
        i = k < 0 || k > end ? end : k + 1;
      } else {
        i++;
        while (i < end && isId(src.charCodeAt(i))) i++;
      }
      continue;
    }
    // `r#process` is the identifier `process`.
    if (c === 114 && src.charCodeAt(i + 1) === 35 && isIdStart(src.charCodeAt(i + 2))) {
      i += 2;
      continue;
    }
    // A metavariable used as a path segment (`std::$m::$t::new`) stays in the path, so the
    // resolver can substitute the macro's arguments; `$crate` reads as `crate`, and elsewhere the `$`
    // is dropped as before.
    if (c === 36 && isIdStart(src.charCodeAt(i + 1))) {
      let j = i + 2;
      while (j < end && isId(src.charCodeAt(j))) j++;
      const name = src.slice(i + 1, j);
      if (name !== 'crate' && ((colons && buf.length > 0) || (src.charCodeAt(j) === 58 && src.charCodeAt(j + 1) === 58))) {
        if (method !== null || (!colons && buf.length > 0)) flush();
        if (buf.length === 0) bufStart = i;
        buf.push(`$${name}`);
        colons = false;
        i = j;
        continue;
      }
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < end && isId(src.charCodeAt(j))) j++;
      const word = src.slice(i, j);
      if (dot) {
        method = word;
        methodStart = i;
        dot = false;
        buf = [];
      } else {
        if (method !== null || (!colons && buf.length > 0)) flush();
        if (buf.length === 0) bufStart = i;
        buf.push(word);
        colons = false;
      }
      i = j;
      continue;
    }
    if (isDigit(c)) {
      flush();
      let j = i + 1;
      while (j < end && (isId(src.charCodeAt(j)) || (src[j] === '.' && isDigit(src.charCodeAt(j + 1))))) j++;
      if (groups.length > 0) groups[groups.length - 1].ints++;
      i = j;
      continue;
    }
    if (c === 58 && src.charCodeAt(i + 1) === 58) {
      colons = true;
      i += 2;
      continue;
    }
    if (c === 46 && src.charCodeAt(i + 1) !== 46) {
      if (method !== null || buf.length > 0) flush();
      dot = true;
      i++;
      continue;
    }
    if (c === 33 && src.charCodeAt(i + 1) !== 61) {
      if (buf.length > 0) {
        emit({ kind: 'macro', text: buf.join('::'), start: bufStart, end: i });
        buf = [];
        colons = false;
      }
      i++;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) {
      if (c === 40 && (method !== null || buf.length > 0)) {
        const close = matchClose(src, i, Math.min(end, i + 600));
        const args = clipArgs(src.slice(i, close));
        if (method !== null) emit({ kind: 'method', text: method, start: methodStart, end: i, args });
        else emit({ kind: 'call', text: buf.join('::'), start: bufStart, end: i, args });
        buf = [];
        colons = false;
        method = null;
        dot = false;
      } else flush();
      groups.push({ open: i, ints: 0 });
      i++;
      continue;
    }
    if (c === 41 || c === 93 || c === 125) {
      flush();
      const g = groups.pop();
      if (g && g.ints >= 16) emit({ kind: 'bytes', text: `${g.ints} integer literals`, start: g.open, end: i + 1, len: g.ints, args: clipArgs(src.slice(g.open, Math.min(i + 1, g.open + 400))) });
      i++;
      continue;
    }
    // Any other punctuation ends a path.
    if (buf.length > 0 || method !== null || dot) flush();
    i++;
  }
  flush();
  return found;
}

/** Offset just past the bracket matching the one at `open` (or `end`), skipping strings and comments. */
function matchClose(src: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 34) {
      const e = stringEnd(src, i, end);
      i = e > 0 ? e - 1 : i;
    } else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return end;
}
