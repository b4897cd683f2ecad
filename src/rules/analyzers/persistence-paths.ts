/**
 * What path a write goes to, as far as the source shows it. The expression at the write is evaluated
 * over the text of its function: string literals are kept, `format!`/`concat!` are filled in, local
 * variables are replaced by what `let`, assignments, `push`, `for … in` and closure parameters give
 * them, constants by their value, and home_dir()/$HOME/CARGO_HOME/env!("CARGO_MANIFEST_DIR") by
 * markers (see persistence-targets.ts). A parameter stays a placeholder that the caller's argument
 * fills in. Linear scans over one function's text, bounded in depth; never a full data-flow analysis.
 */
import type { ItemRef, RustFile } from '../../diff/types.js';
import { literalSketch, markerSketch } from './persistence-targets.js';
import { CLOSE, OPEN, argsAt, isId, isIdStart, lineOf, parenAfter, shapeOf, type Shape } from './persistence-shape.js';

export { argsAt, lineOf, offsetOf, parenAfter, shapeOf, type Shape } from './persistence-shape.js';

const P = '\u0002';
/** The placeholder of the `i`-th parameter (self not counted) in a sketch. */
export const paramMarker = (i: number) => `/${P}${i}${P}/`;
export const PARAM_RE = new RegExp(`${P}(\\d+)${P}`, 'g');
const UNKNOWN = '/?/';

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
/** Longest function body (characters) whose returned value is followed. */
const MAX_FOLLOWED_BODY = 4000;

/** Where a sketch's literal pieces were read. */
export interface Evidence {
  file: string;
  line: number;
}

/** The release's constants and statics (to read their values) and functions (to read what they return), by name. */
export interface Lookup {
  constant(name: string): ItemRef | undefined;
  fn(name: string, from: RustFile): ItemRef | undefined;
  /**
   * Characters the scan's path evaluations may still read, shared by all of them: hostile code (a
   * function of 100 000 writes, each naming a long chain of variables) cannot make them quadratic.
   * Past zero every evaluation answers "unknown" and the analyzer reports the gap.
   */
  budget: { left: number; file?: string };
  /** What each function returns, once worked out (see `PathEval.returns`). */
  returns: Map<string, { sketch: string; evidence: Evidence[]; self: boolean }>;
  /** Each function's definitions of each variable, and the value of a variable after given definitions. */
  defs: Map<string, Array<[number, number, number]>>;
  values: Map<string, { sketch: string; evidence: Evidence[] }>;
}

/** Characters of a function searched for a variable's definitions: the nearest ones are what counts. */
const DEF_WINDOW = 64 * 1024;

const paramMemo = new WeakMap<ItemRef, { names: string[]; self: boolean }>();

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
    let p = paramMemo.get(this.ref);
    if (!p) {
      const text = `(${(this.ref.item.params ?? '').replace(/^\(|\)$/g, '')})`;
      p = { names: [], self: false };
      for (const [a, b] of argsAt(text, 0).args) {
        const one = text.slice(a, b).trim();
        if (/^(&\s*('\w+\s+)?)?(mut\s+)?self\b/.test(one)) p.self = true;
        else p.names.push(/^(?:mut\s+)?([A-Za-z_]\w*)\s*:/.exec(one)?.[1] ?? '_');
      }
      paramMemo.set(this.ref, p);
    }
    return (this.params = p);
  }

  /** The sketch of `text[a, b)` of the function's file. */
  expr(a: number, b: number, depth = 0): string {
    const s = this.shape.text;
    if ((this.lookup.budget.left -= b - a) < 0) {
      this.lookup.budget.file ??= this.ref.file.path;
      return UNKNOWN;
    }
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
    // What a function returns is worked out once per scan (its parameters stay placeholders).
    let ret = this.lookup.returns.get(callee.key);
    if (!ret) {
      const sub = new PathEval(callee, this.lookup);
      ret = { sketch: sub.returned(depth + 1), evidence: sub.evidence, self: sub.paramList().self };
      this.lookup.returns.set(callee.key, ret);
    }
    const sketch = ret.sketch;
    this.evidence.push(...ret.evidence);
    const shift = pathCall && ret.self ? 1 : 0;
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
    // Functions that build a path are short; a long one (a compiler driver) is not followed.
    if (close - open > MAX_FOLLOWED_BODY || (this.lookup.budget.left -= close - open) < 0) return UNKNOWN;
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
    // Uses of a variable after the same definitions hold the same value: worked out once per scan.
    const memoKey = `${key}|${defs[defs.length - 1][0]}`;
    const hit = this.lookup.values.get(memoKey);
    if (hit) {
      this.evidence.push(...hit.evidence);
      return hit.sketch;
    }
    const mark = this.evidence.length;
    const sketch = defs.slice(-4).map(([, x, y]) => this.expr(x, y, depth + 1)).filter((x) => x !== '').join('/');
    this.lookup.values.set(memoKey, { sketch, evidence: this.evidence.slice(mark) });
    return sketch;
  }

  /** The definitions of `name` before `at`, as [where, expression start, expression end], in source order. */
  private definitions(name: string, at: number): Array<[number, number, number]> {
    const key = `${this.ref.key}|${name}`;
    let all = this.lookup.defs.get(key);
    if (!all) this.lookup.defs.set(key, (all = this.allDefinitions(name)));
    const from = at - DEF_WINDOW;
    return all.filter(([idx, x]) => idx < at && idx >= from && x <= at);
  }

  /** Every expression assigned to `name` in the function, in source order (found once per scan). */
  private allDefinitions(name: string): Array<[number, number, number]> {
    const s = this.shape.text;
    const from = this.start;
    const at = this.end;
    const out: Array<[number, number, number]> = [];
    // Each mention of the name is looked at in its surroundings: one search for the name, then short
    // anchored tests, rather than a pattern per kind of definition over the whole function.
    let idx = s.indexOf(name, from);
    // A string search costs a fraction of a character step.
    this.lookup.budget.left -= (at - from) >> 3;
    let mentions = 0;
    while (idx >= 0 && idx < at && out.length < 256 && ++mentions < 4096) {
      const end = idx + name.length;
      if (!isId(s[idx - 1]) && !isId(s[end])) {
        const before = s.slice(Math.max(from, idx - 40), idx);
        const after = s.slice(end, Math.min(at, end + 80));
        let m: RegExpExecArray | null;
        if (/\blet\s+(?:mut\s+)?$/.test(before) && (m = /^\s*(?::[^=;]*)?=(?![=>])/.exec(after))) {
          const f = end + m[0].length;
          out.push([idx, f, this.stmtEnd(f, false)]);
        } else if (/\b(?:Some|Ok)\s*\(\s*(?:ref\s+)?(?:mut\s+)?$/.test(before) && (m = /^\s*\)\s*=(?![=>])/.exec(after))) {
          const f = end + m[0].length;
          out.push([idx, f, this.stmtEnd(f, true)]);
        } else if (/\bfor\s+(?:mut\s+)?$/.test(before) && (m = /^\s+in\b/.exec(after))) {
          const f = end + m[0].length;
          out.push([idx, f, this.stmtEnd(f, true)]);
        } else if (/\|\s*(?:mut\s+)?$/.test(before) && /^\s*(?::[^|,]*)?\|/.test(after)) {
          out.push([idx, this.stmtStart(idx), idx]);
        } else if (!/[.]\s*$|\b(let|mut)\s+$/.test(before)) {
          if ((m = /^\s*(?:\+=|=(?![=>]))/.exec(after))) {
            const f = end + m[0].length;
            out.push([idx, f, this.stmtEnd(f, false)]);
          } else if ((m = /^\s*\.\s*(?:push|push_str|set_file_name|set_extension|insert_str)\s*\(/.exec(after))) {
            const f = end + m[0].length;
            out.push([idx, f, argsAt(s, f - 1, this.end).end - 1]);
          }
        }
      }
      idx = s.indexOf(name, end);
    }
    return out.filter(([, x, y]) => y > x).sort((x, y) => x[0] - y[0]);
  }

  /** Where the expression starting at `from` ends: `;`, a closing bracket, a top-level comma, or `{` when asked. */
  private stmtEnd(from: number, atBrace: boolean): number {
    const s = this.shape.text;
    let depth = 0;
    const end = Math.min(this.end, from + DEF_WINDOW);
    this.lookup.budget.left -= end - from;
    for (let i = from; i < end; i++) {
      const c = s[i];
      if (c === '{' && depth === 0 && atBrace) return i;
      if (OPEN.includes(c)) depth++;
      else if (CLOSE.includes(c)) {
        if (depth === 0) return i;
        depth--;
      } else if (depth === 0 && (c === ';' || c === ',')) return i;
    }
    return end;
  }

  /** Where the expression holding offset `at` starts (after `=`, `;` or an enclosing block's `{`). */
  private stmtStart(at: number): number {
    const s = this.shape.text;
    let depth = 0;
    const start = Math.max(this.start, at - DEF_WINDOW);
    this.lookup.budget.left -= at - start;
    for (let i = at - 1; i > start; i--) {
      const c = s[i];
      if (CLOSE.includes(c)) depth++;
      else if (OPEN.includes(c)) {
        if (depth > 0) depth--;
        else if (c === '{') return i + 1;
      } else if (depth === 0 && (c === ';' || (c === '=' && !/[=!<>]/.test(s[i - 1]) && !/[=>]/.test(s[i + 1])))) return i + 1;
    }
    return start;
  }
}
