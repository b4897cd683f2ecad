/**
 * Values of the build-script evaluator (see buildeval.ts): strings kept as pieces that remember where
 * each part came from (a literal on some line of the build script, or a value the scan cannot know
 * with the sources it derives from), lists, open files, and formatting as Rust's `format!` does it.
 */

/** A value the evaluator cannot know: what produced it and the sources it derives from (`env:NAME`, `env:*`, `file:PATH`, `process`, `net`, `decode`). */
export interface Dyn {
  what: string;
  taint: string[];
}

/** A stretch of a string: literal text from a line of a build-script file, or an unknown part. */
export interface Piece {
  text: string;
  file: string;
  line: number;
  dyn?: Dyn;
}

/** Where a build script writes: a file it creates (`File::create`), with what was written to it so far. */
export interface Sink {
  path: Piece[];
  out: Piece[];
  file: string;
  line: number;
  how: string;
}

export type Val =
  | { k: 'str'; p: Piece[]; num?: boolean }
  | { k: 'list'; items: Val[]; tuple?: boolean }
  | { k: 'sink'; sink: Sink }
  | { k: 'stdout' }
  | { k: 'opener' }
  | { k: 'fn'; node: unknown; scope: Scope; file: string }
  | { k: 'dyn'; d: Dyn; file: string; line: number; pairs?: boolean }
  | { k: 'unit' };

/** One file of the build script (the script and the modules it declares). */
export interface BuildFile {
  path: string;
  tree: import('tree-sitter').Tree | null;
}

/** A file the build script writes, with its content as far as it can be known. */
export interface BuildWrite {
  path: Piece[];
  content: Piece[];
  file: string;
  line: number;
  how: string;
}

/** A line the build script prints to standard output, which cargo reads (`cargo:` directives). */
export interface BuildPrint {
  value: Piece[];
  file: string;
  line: number;
}

export interface BuildEvaluation {
  writes: BuildWrite[];
  prints: BuildPrint[];
  /** The step budget ran out: what follows the last evaluated statement was not seen. */
  truncated: boolean;
}

export const UNIT: Val = { k: 'unit' };

/** Variables of one block, falling back to the enclosing ones. */
export class Scope {
  private vars = new Map<string, Val>();
  constructor(readonly parent?: Scope) {}
  get(name: string): Val | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }
  let(name: string, v: Val): void {
    this.vars.set(name, v);
  }
  set(name: string, v: Val): void {
    if (this.vars.has(name) || !this.parent) this.vars.set(name, v);
    else if (this.parent.get(name) !== undefined) this.parent.set(name, v);
    else this.vars.set(name, v);
  }
}


export function str(text: string, file: string, line: number): Val {
  return { k: 'str', p: [{ text, file, line }] };
}

export function dyn(what: string, taint: string[], file: string, line: number): Val {
  return { k: 'dyn', d: { what, taint: [...new Set(taint)] }, file, line };
}

/** The sources a value derives from. */
export function taintOf(v: Val): string[] {
  switch (v.k) {
    case 'str':
      return [...new Set(v.p.flatMap((p) => p.dyn?.taint ?? []))];
    case 'list':
      return [...new Set(v.items.flatMap(taintOf))];
    case 'dyn':
      return v.d.taint;
    case 'sink':
      return [...new Set(v.sink.out.flatMap((p) => p.dyn?.taint ?? []))];
    default:
      return [];
  }
}

/** The text of a value when every part of it is known, else null. */
export function literalOf(v: Val): string | null {
  if (v.k !== 'str' || v.p.some((p) => p.dyn)) return null;
  return v.p.map((p) => p.text).join('');
}

/** The value as `{}` formats it. */
export function display(v: Val, file: string, line: number): Piece[] {
  if (v.k === 'str') return v.p;
  if (v.k === 'dyn') return [{ text: '', file: v.file, line: v.line, dyn: v.d }];
  return [{ text: '', file, line, dyn: { what: v.k, taint: taintOf(v) } }];
}

/** Rust's `{:?}` of a string: quoted, with escapes. */
function quote(s: string): string {
  return `"${s.replace(/[\\"\n\r\t\0]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' })[c]!)}"`;
}

/** The value as `{:?}` formats it (strings quoted, lists and tuples bracketed). */
export function debug(v: Val, file: string, line: number, depth = 0): Piece[] {
  if (v.k === 'str') {
    const lit = literalOf(v);
    // Numbers and booleans print bare.
    if (lit !== null) return [{ text: v.num ? lit : quote(lit), file: v.p[0]?.file ?? file, line: v.p[0]?.line ?? line }];
    return [{ text: '"', file, line }, ...v.p, { text: '"', file, line }];
  }
  if (v.k === 'list' && depth < 8) {
    const out: Piece[] = [{ text: v.tuple ? '(' : '[', file, line }];
    v.items.forEach((it, i) => {
      if (i > 0) out.push({ text: ', ', file, line });
      out.push(...debug(it, file, line, depth + 1));
    });
    out.push({ text: v.tuple ? ')' : ']', file, line });
    return out;
  }
  return display(v, file, line);
}

/**
 * `format!`-style formatting: `{}`, `{0}`, `{name}`, `{:?}`, `{name:>8}`, `{{` and `}}`, with
 * positional and named arguments and names captured from the scope (`lookup`).
 */
export function format(fmt: string, file: string, line: number, positional: Val[], named: Map<string, Val>, lookup: (name: string) => Val): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  let next = 0;
  const flush = () => {
    if (lit) out.push({ text: lit, file, line });
    lit = '';
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c === '{' && fmt[i + 1] === '{') {
      lit += '{';
      i++;
    } else if (c === '}' && fmt[i + 1] === '}') {
      lit += '}';
      i++;
    } else if (c === '{') {
      const end = fmt.indexOf('}', i);
      if (end < 0) {
        lit += fmt.slice(i);
        break;
      }
      const spec = fmt.slice(i + 1, end);
      const colon = spec.indexOf(':');
      const arg = (colon < 0 ? spec : spec.slice(0, colon)).trim();
      const opts = colon < 0 ? '' : spec.slice(colon + 1);
      let v: Val;
      if (arg === '') v = positional[next++] ?? dyn('missing format argument', [], file, line);
      else if (/^\d+$/.test(arg)) v = positional[Number(arg)] ?? dyn('missing format argument', [], file, line);
      else v = named.get(arg) ?? lookup(arg);
      flush();
      out.push(...(opts.includes('?') ? debug(v, file, line) : display(v, file, line)));
      i = end;
    } else lit += c;
  }
  flush();
  return out;
}

/** Placeholder for an unknown part of generated code: an identifier, which fits where a value or a name goes. */
export const PLACEHOLDER = '__cratefence_unknown';

/**
 * Generated text from pieces, with each generated line's origin (the build-script line its first
 * known text came from), the number of unknown parts, and the characters of known text.
 */
export function render(pieces: Piece[], maxChars: number): { text: string; origins: Array<{ file: string; line: number }>; unknown: number; known: number; truncated: boolean } {
  let text = '';
  const origins: Array<{ file: string; line: number }> = [];
  let unknown = 0;
  let known = 0;
  let truncated = false;
  let lineOrigin: { file: string; line: number } | null = null;
  let lineHasText = false;
  for (const p of pieces) {
    const t = p.dyn ? PLACEHOLDER : p.text;
    if (p.dyn) unknown++;
    else known += p.text.length;
    if (text.length + t.length > maxChars) {
      truncated = true;
      break;
    }
    const parts = t.split('\n');
    parts.forEach((part, idx) => {
      if (idx > 0) {
        origins.push(lineOrigin ?? { file: p.file, line: p.line });
        lineHasText = false;
        lineOrigin = null;
      }
      if (!lineHasText && part.trim() !== '') {
        lineOrigin = { file: p.file, line: p.line };
        lineHasText = true;
      }
    });
    text += t;
  }
  origins.push(lineOrigin ?? origins[origins.length - 1] ?? { file: pieces[0]?.file ?? '', line: pieces[0]?.line ?? 1 });
  return { text, origins, unknown, known, truncated };
}
