/**
 * What path a write goes to, as far as the source shows it. The expression at the write is evaluated
 * over the text of its function: string literals are kept, `format!`/`concat!` are filled in, local
 * variables are replaced by what `let`, assignments, `push`, `for … in` and closure parameters give
 * them, constants by their value, and home_dir()/$HOME/CARGO_HOME/env!("CARGO_MANIFEST_DIR") by
 * markers (see persistence-targets.ts). A parameter stays a placeholder that the caller's argument
 * fills in. Linear scans over one function's text, bounded in depth; never a full data-flow analysis.
 */
import type { ItemRef, RustFile } from '../../diff/types.js';
import { literalContent } from '../../parse/text.js';
import { literalSketch, markerSketch } from './persistence-targets.js';

const P = '\u0002';
/** The placeholder of the `i`-th parameter (self not counted) in a sketch. */
export const paramMarker = (i: number) => `/${P}${i}${P}/`;
export const PARAM_RE = new RegExp(`${P}(\\d+)${P}`, 'g');
const UNKNOWN = '/?/';

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
const isIdStart = (c: string) => /[A-Za-z_]/.test(c);
const isId = (c: string) => /[A-Za-z0-9_]/.test(c);

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

/** The shape of a file, computed once per file in one pass. */
export function shapeOf(file: RustFile): Shape {
  const hit = shapes.get(file);
  if (hit) return hit;
  const src = file.text;
  const out: string[] = [];
  const lits = new Map<number, Lit>();
  const lineStarts = [0];
  for (let k = src.indexOf('\n'); k >= 0; k = src.indexOf('\n', k + 1)) lineStarts.push(k + 1);
  let i = 0;
  let from = 0;
  const blank = (a: number, b: number, keep = false) => {
    out.push(src.slice(from, a), keep ? src.slice(a, b).replace(/[^\n]/g, ' ') : ' '.repeat(b - a));
    from = b;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      const nl = src.indexOf('\n', i);
      const e = nl < 0 ? src.length : nl;
      blank(i, e);
      i = e;
    } else if (c === '/' && src[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < src.length && depth > 0) {
        if (src[j] === '/' && src[j + 1] === '*') (depth++, (j += 2));
        else if (src[j] === '*' && src[j + 1] === '/') (depth--, (j += 2));
        else j++;
      }
      blank(i, j, true);
      i = j;
    } else if (c === '"' || ((c === 'b' || c === 'r' || c === 'c') && (i === 0 || !isId(src[i - 1])) && /^(b|c)?r?#*"/.test(src.slice(i, i + 8)))) {
      const e = stringEnd(src, i);
      if (e < 0) {
        i++;
        continue;
      }
      lits.set(i, { end: e, content: literalContent(src.slice(i, e)) });
      out.push(src.slice(from, i), `"${'_'.repeat(Math.max(0, e - i - 2))}"`.slice(0, e - i));
      from = e;
      i = e;
    } else if (c === "'") {
      // A character literal ('x', '\n', '\u{1F600}'), not a lifetime ('a).
      const m = /^'(?:\\(?:u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'/u.exec(src.slice(i, i + 12));
      if (m) {
        blank(i, i + m[0].length);
        i += m[0].length;
      } else i++;
    } else if (isIdStart(c)) {
      let j = i + 1;
      while (j < src.length && isId(src[j])) j++;
      i = j;
    } else i++;
  }
  out.push(src.slice(from));
  const shape: Shape = { text: out.join(''), lits, lineStarts };
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

const OPEN = '([{';
const CLOSE = ')]}';

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

/** Calls that return a place the environment names. */
const CALL_MARKERS: Record<string, string> = {
  home_dir: 'home', config_dir: 'config_dir', config_local_dir: 'config_dir', preference_dir: 'config_dir',
  data_dir: 'data_dir', data_local_dir: 'data_dir', cargo_home: 'cargo_home', cargo_home_with_cwd: 'cargo_home',
  rustup_home: 'rustup_home', ancestors: 'parent', parent: 'parent',
};
/** Methods whose arguments are messages or fallbacks, not path pieces. */
const SKIP_ARGS = new Set(['expect', 'context', 'with_context', 'map_err', 'ok_or', 'ok_or_else', 'unwrap_or_else', 'expect_err', 'contains', 'starts_with', 'ends_with', 'eq', 'ne', 'exists']);
const FORMATS = new Set(['format', 'format_args', 'concat', 'write', 'writeln']);
const KEYWORDS = new Set(['let', 'mut', 'if', 'else', 'match', 'return', 'true', 'false', 'self', 'Self', 'Some', 'None', 'Ok', 'Err', 'as', 'ref', 'move', 'in', 'for', 'while', 'loop', 'fn', 'unsafe', 'async', 'await', 'where', 'impl', 'dyn', 'break', 'continue', 'const', 'static', 'struct', 'enum', 'use', 'mod', 'pub', 'crate', 'super', 'type', 'box']);
const MAX_DEPTH = 6;

/** Where a sketch's literal pieces were read. */
export interface Evidence {
  file: string;
  line: number;
}

/** The release's constants and statics (to read their values) and functions (to read what they return), by name. */
export interface Lookup {
  constant(name: string): ItemRef | undefined;
  fn(name: string, from: RustFile): ItemRef | undefined;
}

/** Evaluates path expressions inside one function. */
export class PathEval {
  readonly shape: Shape;
  readonly evidence: Evidence[] = [];
  private visited = new Set<string>();
  private params: { names: string[]; self: boolean } | undefined;

  constructor(readonly ref: ItemRef, private readonly lookup: Lookup) {
    this.shape = shapeOf(ref.file);
  }

  get start(): number {
    return this.ref.item.span.start;
  }
  get end(): number {
    return this.ref.item.span.end;
  }

  /** The function's parameters by position (`self` not counted), and whether it takes self. */
  paramList(): { names: string[]; self: boolean } {
    if (this.params) return this.params;
    const raw = (this.ref.item.params ?? '').replace(/^\(|\)$/g, '');
    const names: string[] = [];
    let self = false;
    const { args } = argsAt(`(${raw})`, 0);
    for (const [a, b] of args) {
      const p = `(${raw})`.slice(a, b).trim();
      if (/^(&\s*('\w+\s+)?)?(mut\s+)?self\b/.test(p)) self = true;
      else names.push(/^(?:mut\s+)?([A-Za-z_]\w*)\s*:/.exec(p)?.[1] ?? '_');
    }
    return (this.params = { names, self });
  }

  /** The sketch of `text[a, b)` of the function's file. */
  expr(a: number, b: number, depth = 0): string {
    const s = this.shape.text;
    const parts: string[] = [];
    let i = a;
    while (i < b) {
      const lit = this.shape.lits.get(i);
      if (lit) {
        parts.push(literalSketch(lit.content));
        this.evidence.push({ file: this.ref.file.path, line: lineOf(this.shape, i) });
        i = lit.end;
        continue;
      }
      const c = s[i];
      if (!isIdStart(c) || (i > 0 && isId(s[i - 1]))) {
        i++;
        continue;
      }
      let k = i + 1;
      while (k < b && isId(s[k])) k++;
      const word = s.slice(i, k);
      let n = k;
      while (n < b && /\s/.test(s[n])) n++;
      let p = i - 1;
      while (p >= a && /\s/.test(s[p])) p--;
      const prev = p >= a ? s[p] : '';
      if (s[n] === '!' && s[n + 1] !== '=') {
        const open = n + 1 < b && OPEN.includes(s[n + 1]) ? n + 1 : -1;
        if (open >= 0 && FORMATS.has(word)) {
          const { args, end } = argsAt(s, open, b);
          parts.push(this.format(word, args, depth));
          i = end;
        } else i = n + 1;
        continue;
      }
      const call = s[n] === '(' || s.startsWith('::<', n);
      if (call) {
        const m = CALL_MARKERS[word];
        if (m) parts.push(markerSketch(m)!);
        else if (prev !== '.' || /\bself\s*$/.test(s.slice(Math.max(a, p - 8), p))) {
          // A crate function, or a method called on self: what it returns is part of the path.
          const callee = this.lookup.fn(word, this.ref.file);
          const open = callee && callee.key !== this.ref.key ? parenAfter(s, k, b) : -1;
          if (callee && open >= 0) {
            const { args, end } = argsAt(s, open, b);
            parts.push(this.returns(callee, args, prev === ':', depth));
            i = end;
            continue;
          }
        }
        if (prev === '.' && SKIP_ARGS.has(word)) {
          const open = parenAfter(s, k, b);
          i = open >= 0 ? argsAt(s, open, b).end : k;
          continue;
        }
        i = k;
        continue;
      }
      if (prev === '.' || s.startsWith('::', n) || (prev === ':' && s[p - 1] === ':') || KEYWORDS.has(word)) {
        i = k;
        continue;
      }
      if (/^[A-Z][A-Z0-9_]*$/.test(word)) parts.push(this.constant(word, depth));
      else if (/^[a-z_]/.test(word)) parts.push(this.ident(word, i, depth));
      i = k;
    }
    return parts.filter((x) => x !== '').join('/');
  }

  /** `format!`/`concat!`/`write!` filled in: placeholders take their arguments' sketches. */
  private format(mac: string, ranges: Array<[number, number]>, depth: number): string {
    const s = this.shape.text;
    const args = mac === 'write' || mac === 'writeln' ? ranges.slice(1) : ranges;
    if (args.length === 0) return '';
    if (mac === 'concat') return args.map(([x, y]) => this.expr(x, y, depth + 1)).join('');
    let f = args[0][0];
    while (f < args[0][1] && /\s/.test(s[f])) f++;
    const lit = this.shape.lits.get(f);
    if (!lit) return args.map(([x, y]) => this.expr(x, y, depth + 1)).join('/');
    this.evidence.push({ file: this.ref.file.path, line: lineOf(this.shape, f) });
    const positional: Array<[number, number]> = [];
    const named = new Map<string, [number, number]>();
    for (const [x, y] of args.slice(1)) {
      const m = /^\s*([A-Za-z_]\w*)\s*=(?!=)/.exec(s.slice(x, y));
      if (m) named.set(m[1], [x + m[0].length, y]);
      else positional.push([x, y]);
    }
    let next = 0;
    let out = '';
    let first = true;
    let last = 0;
    const text = lit.content;
    const chunk = (t: string) => {
      out += first ? literalSketch(t) : t;
      first = false;
    };
    for (const m of text.matchAll(/\{\{|\}\}|\{([^{}]*)\}/g)) {
      chunk(text.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[1] === undefined) {
        out += m[0][0];
        continue;
      }
      const spec = m[1].split(':')[0].trim();
      const r = spec === '' ? positional[next++] : /^\d+$/.test(spec) ? positional[Number(spec)] : named.get(spec);
      if (r) out += this.expr(r[0], r[1], depth + 1);
      else if (/^[a-z_]\w*$/.test(spec)) out += this.ident(spec, f, depth + 1);
      else out += UNKNOWN;
      first = false;
    }
    chunk(text.slice(last));
    return out;
  }

  /** What a crate function returns (its `return`s and tail expression), its parameters filled with `args`. */
  private returns(callee: ItemRef, args: Array<[number, number]>, pathCall: boolean, depth: number): string {
    const key = `ret|${callee.key}`;
    if (depth >= MAX_DEPTH || this.visited.has(key)) return UNKNOWN;
    this.visited.add(key);
    const sub = new PathEval(callee, this.lookup);
    sub.visited = this.visited;
    const sketch = sub.returned(depth + 1);
    this.evidence.push(...sub.evidence);
    const shift = pathCall && sub.paramList().self ? 1 : 0;
    return sketch.replace(PARAM_RE, (_m, n: string) => {
      const r = args[Number(n) + shift];
      return r ? this.expr(r[0], r[1], depth + 1) : UNKNOWN;
    });
  }

  /** The sketches of this function's `return` expressions and tail expression (the whole body when the tail is a block). */
  returned(depth: number): string {
    const s = this.shape.text;
    const sig = s.indexOf('(', this.start);
    const open = sig < 0 || sig >= this.end ? -1 : s.indexOf('{', argsAt(s, sig, this.end).end);
    if (open < 0 || open >= this.end) return UNKNOWN;
    const close = this.end - 1;
    const parts: string[] = [];
    for (const m of s.slice(open, close).matchAll(/\breturn\b/g)) {
      const from = open + m.index + 6;
      parts.push(this.expr(from, this.stmtEnd(from, false), depth));
    }
    let last = open;
    let d = 0;
    for (let i = open + 1; i < close; i++) {
      const c = s[i];
      if (OPEN.includes(c)) d++;
      else if (CLOSE.includes(c)) {
        d--;
        if (d === 0 && c === '}') last = i;
      } else if (c === ';' && d === 0) last = i;
    }
    const tail = s.slice(last + 1, close).trim() === '' ? [open + 1, close] : [last + 1, close];
    parts.push(this.expr(tail[0], tail[1], depth));
    return parts.filter((x) => x !== '').join('/');
  }

  private constant(name: string, depth: number): string {
    const ref = this.lookup.constant(name);
    if (!ref || depth >= MAX_DEPTH || this.visited.has(`const|${name}`)) return UNKNOWN;
    this.visited.add(`const|${name}`);
    const sub = new PathEval(ref, this.lookup);
    sub.visited = this.visited;
    const s = sub.shape.text;
    const eq = s.indexOf('=', ref.item.span.start);
    const out = eq < 0 || eq >= ref.item.span.end ? UNKNOWN : sub.expr(eq + 1, ref.item.span.end, depth + 1);
    this.evidence.push(...sub.evidence);
    return out;
  }

  /** What a local variable holds, from its definitions before `at`; a parameter's placeholder. */
  ident(name: string, at: number, depth: number): string {
    if (depth >= MAX_DEPTH) return UNKNOWN;
    const key = `${this.ref.key}|${name}`;
    if (this.visited.has(key)) return '';
    this.visited.add(key);
    const defs = this.definitions(name, at);
    if (defs.length === 0) {
      const pi = this.paramList().names.indexOf(name);
      return pi >= 0 ? paramMarker(pi) : UNKNOWN;
    }
    return defs.slice(-4).map(([x, y]) => this.expr(x, y, depth + 1)).filter((x) => x !== '').join('/');
  }

  /** The expressions assigned to `name` in the function before `at`, in source order. */
  private definitions(name: string, at: number): Array<[number, number]> {
    const s = this.shape.text;
    const region = s.slice(this.start, at);
    const out: Array<[number, number, number]> = [];
    const add = (re: RegExp, end: (from: number, idx: number) => [number, number]) => {
      for (const m of region.matchAll(re)) {
        const idx = this.start + m.index;
        const [x, y] = end(idx + m[0].length, idx);
        if (y > x) out.push([idx, x, y]);
      }
    };
    const n = name;
    add(new RegExp(`\\blet\\s+(?:mut\\s+)?${n}\\b\\s*(?::[^=;]*)?=(?![=>])`, 'g'), (f) => [f, this.stmtEnd(f, false)]);
    add(new RegExp(`\\b(?:Some|Ok)\\s*\\(\\s*(?:ref\\s+)?(?:mut\\s+)?${n}\\s*\\)\\s*=(?![=>])`, 'g'), (f) => [f, this.stmtEnd(f, true)]);
    add(new RegExp(`\\bfor\\s+(?:mut\\s+)?${n}\\s+in\\b`, 'g'), (f) => [f, this.stmtEnd(f, true)]);
    add(new RegExp(`(?<![\\w.]|\\blet\\s+|\\bmut\\s+)${n}\\s*(?:\\+=|=(?![=>]))`, 'g'), (f) => [f, this.stmtEnd(f, false)]);
    add(new RegExp(`(?<![\\w.])${n}\\s*\\.\\s*(?:push|push_str|set_file_name|set_extension|insert_str)\\s*\\(`, 'g'), (f) => {
      const { end } = argsAt(s, f - 1, this.end);
      return [f, end - 1];
    });
    add(new RegExp(`\\|\\s*(?:mut\\s+)?${n}\\s*(?::[^|,]*)?\\|`, 'g'), (_f, idx) => [this.stmtStart(idx), idx]);
    return out.sort((x, y) => x[0] - y[0]).map(([, x, y]) => [x, y]);
  }

  /** Where the expression starting at `from` ends: `;`, a closing bracket, a top-level comma, or `{` when asked. */
  private stmtEnd(from: number, atBrace: boolean): number {
    const s = this.shape.text;
    let depth = 0;
    for (let i = from; i < this.end; i++) {
      const c = s[i];
      if (c === '{' && depth === 0 && atBrace) return i;
      if (OPEN.includes(c)) depth++;
      else if (CLOSE.includes(c)) {
        if (depth === 0) return i;
        depth--;
      } else if (depth === 0 && (c === ';' || c === ',')) return i;
    }
    return this.end;
  }

  /** Where the expression holding offset `at` starts (after `=`, `;` or an enclosing block's `{`). */
  private stmtStart(at: number): number {
    const s = this.shape.text;
    let depth = 0;
    for (let i = at - 1; i > this.start; i--) {
      const c = s[i];
      if (CLOSE.includes(c)) depth++;
      else if (OPEN.includes(c)) {
        if (depth > 0) depth--;
        else if (c === '{') return i + 1;
      } else if (depth === 0 && (c === ';' || (c === '=' && !/[=!<>]/.test(s[i - 1]) && !/[=>]/.test(s[i + 1])))) return i + 1;
    }
    return this.start;
  }
}
