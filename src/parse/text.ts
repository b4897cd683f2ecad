import { createHash } from 'node:crypto';
import { diffArrays, type ChangeObject } from 'diff';

/**
 * Content hash used as the identity of a file or item body: equal hashes are treated as equal
 * content (a file parsed once, a file renamed unchanged, graphs shared). It must resist collisions a
 * publisher could craft, so it is a full SHA-256, not a truncated or non-cryptographic hash.
 */
export function hashText(s: string | Uint8Array): string {
  if (typeof s === 'string') return createHash('sha256').update(s).digest('hex');
  // File contents are hashed by the parse cache, the incremental parse and the rename check: once each.
  let h = byteHashes.get(s);
  if (h === undefined) byteHashes.set(s, (h = createHash('sha256').update(s).digest('hex')));
  return h;
}

const byteHashes = new WeakMap<Uint8Array, string>();

/** Collapses all whitespace runs so formatting-only changes do not count as changes. */
export function normalizeWs(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** True for the characters `\s` matches in a JavaScript regular expression. */
function isWs(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * `normalizeWs(a) === normalizeWs(b)`, found by one pass over both strings without building the
 * normalized copies: comparing the items of a large changed file allocates nothing.
 */
export function sameIgnoringWs(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  const n = a.length;
  const m = b.length;
  while (i < n && isWs(a.charCodeAt(i))) i++;
  while (j < m && isWs(b.charCodeAt(j))) j++;
  for (;;) {
    // normalizeWs trims: once one side has ended, the other may only have whitespace left.
    if (i >= n) {
      while (j < m && isWs(b.charCodeAt(j))) j++;
      return j >= m;
    }
    if (j >= m) {
      while (i < n && isWs(a.charCodeAt(i))) i++;
      return i >= n;
    }
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    const wa = isWs(ca);
    const wb = isWs(cb);
    if (wa || wb) {
      // One side has a space here (or, for a trailing run, has ended), the other a character.
      if (!(wa && wb)) return false;
      // An inner run is one space on both sides; a trailing one is dealt with at the top.
      while (i < n && isWs(a.charCodeAt(i))) i++;
      while (j < m && isWs(b.charCodeAt(j))) j++;
      continue;
    }
    if (ca !== cb) return false;
    i++;
    j++;
  }
}

/** Whitespace-collapsed and cut to `max` characters, for args and snippets. */
export function clip(s: string, max = 240): string {
  const n = normalizeWs(s);
  return n.length > max ? `${n.slice(0, max)}…` : n;
}

/** Decodes the common Rust escapes of a string literal's content; unknown escapes are kept as written. */
export function unescapeRust(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|[nrt0\\'"]|\n\s*)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case '0':
        return '\0';
      case 'x':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'u': {
        const cp = parseInt(e.slice(2, -1), 16);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      }
      case '\n':
        return '';
      default:
        return e;
    }
  });
}

/** Content of a string literal token (`"..."`, `b"..."`, `r#"..."#`, `c"..."`). */
export function literalContent(lit: string): string {
  let s = lit;
  if (s[0] === 'b' || s[0] === 'c') s = s.slice(1);
  if (s[0] === 'r') {
    const m = /^r(#*)"([\s\S]*)"\1$/.exec(s);
    return m ? m[2] : s;
  }
  if (s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"') return unescapeRust(s.slice(1, -1));
  return s;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Escapes text for use inside a regular expression. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits text into lines, keeping each line's newline so a change of the last newline still shows. */
export function splitLines(t: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', at)) {
    out.push(t.slice(at, i + 1));
    at = i + 1;
  }
  if (at < t.length) out.push(t.slice(at));
  return out;
}

/** A line diff: equal leading lines, the differing middles, and their alignment (undefined: not searched, or gave up). */
export interface LineDiff {
  pre: number;
  midA: string[];
  midB: string[];
  changes: ChangeObject<string[]>[] | undefined;
  /** Lines added plus lines removed, when `changes` is defined. */
  edits: number;
}

/**
 * Line diff of two line lists, bounded by edit count rather than time so that one input always gives
 * one result. Equal leading and trailing lines are set aside first; the edit search runs on the middle
 * with at most `maxEdits` edits and at most what is left of `budget` (squared edits for one scan, which
 * it reduces: the search costs about the square of the edits). `changes` is undefined when the search
 * was not run (`maxEdits` 0, an empty side) or gave up: then the whole middle counts as changed.
 */
export function boundedLineDiff(a: string[], b: string[], maxEdits: number, budget: { work: number }, known?: LineDiff): LineDiff {
  // A diff of the same two texts found before (by the incremental parse) is reused when this search
  // would have found it too: the search is deterministic and stops at the same edit count.
  if (known?.changes !== undefined && known.edits <= Math.min(maxEdits, Math.floor(Math.sqrt(Math.max(0, budget.work))))) {
    budget.work -= known.edits * known.edits;
    return known;
  }
  const { pre, suf } = commonEnds(a, b);
  const midA = a.slice(pre, a.length - suf);
  const midB = b.slice(pre, b.length - suf);
  if (maxEdits <= 0 || midA.length === 0 || midB.length === 0) return { pre, midA, midB, changes: undefined, edits: 0 };
  const max = Math.min(maxEdits, Math.floor(Math.sqrt(Math.max(0, budget.work))));
  const changes = max > 0 ? diffArrays(midA, midB, { maxEditLength: max }) : undefined;
  const edits = changes ? changes.reduce((n, c) => n + (c.added || c.removed ? c.count : 0), 0) : max;
  budget.work -= edits * edits;
  return { pre, midA, midB, changes, edits };
}

/** Numbers of equal leading and trailing lines of two line lists (not overlapping). */
function commonEnds(a: string[], b: string[]): { pre: number; suf: number } {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  return { pre, suf };
}

/**
 * A path as written, reduced to what the compiler reads: comments, whitespace and raw-identifier
 * prefixes removed (`std::` + a block comment + `r#process::Command` reads `std::process::Command`), so a path cannot
 * hide its name from the resolver by formatting.
 */
export function cleanPath(s: string): string {
  let t = s;
  if (t.includes('/')) t = t.replace(/\/\*[^]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  t = t.replace(/\s+/g, '');
  if (t.includes('r#')) t = t.replace(/(^|[^\w])r#(?=[A-Za-z_])/g, '$1');
  return t;
}
