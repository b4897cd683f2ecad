/**
 * The parts of reading native sources that work on their text: comments blanked and string literals
 * collected in one linear pass, inline assembly, `#define` bodies, and assembly files line by line.
 * Used by c.ts, which parses C and C++ with tree-sitter.
 */

import type { CFacts } from './c.js';
import { CTOR_SECTION, platformCapability, SYSCALL_INSN } from './c-names.js';
import type { LineIndex } from './tokens.js';

const MAX_STRINGS = 4000;
const MAX_STRING = 400;
const MAX_MACROS = 5000;

/**
 * The text with comments blanked (same length, newlines kept) and the string literals with their
 * offsets, in one linear pass over the characters.
 */
export function lexC(text: string): { code: string; strings: Array<{ start: number; text: string }> } {
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  const strings: Array<{ start: number; text: string }> = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (codes[k] !== 10) codes[k] = 32;
  };
  const n = codes.length;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (c === 47 /* / */ && codes[i + 1] === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop - 1;
    } else if (c === 47 && codes[i + 1] === 47) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop - 1;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      let j = i + 1;
      while (j < n && codes[j] !== c && codes[j] !== 10) j += codes[j] === 92 ? 2 : 1;
      if (c === 34 && strings.length < MAX_STRINGS) strings.push({ start: i, text: text.slice(i + 1, Math.min(j, i + 1 + MAX_STRING)) });
      i = j;
    }
  }
  return { code: UTF16.decode(codes), strings };
}

const UTF16 = new TextDecoder('utf-16le');

/** Inline assembly, found in the text so that a construct the grammar misreads still counts. */
export function inlineAssembly(code: string, facts: CFacts, lines: LineIndex): void {
  const ranges = facts.functions.map((f) => f);
  for (const m of code.matchAll(/\b(?:__asm__|__asm|asm)\b(?:\s+(?:volatile|__volatile__|goto|inline))*\s*[({]/g)) {
    const inner = code.slice(m.index, m.index + balancedEnd(code.slice(m.index, m.index + 4000)));
    // Instructions in asm strings are separated by `\n\t` escapes, which are not word boundaries as text.
    const flat = inner.replace(/\\[ntr]/g, ' ');
    const line = lines.line(m.index);
    const fn = ranges.find((f) => f.line <= line && line <= f.endLine)?.name ?? null;
    if (SYSCALL_INSN.test(flat)) facts.asm.push({ line, fn, text: clipText(inner) });
    if (CTOR_SECTION.test(flat) && /\.section\b|\.pushsection\b/.test(flat)) facts.ctors.push({ name: null, line, how: 'an inline-assembly entry in a constructor section' });
  }
}

/** `#define` bodies: the names each macro calls, and assembly macros that make system calls. */
export function macros(code: string, facts: CFacts): void {
  let n = 0;
  for (const m of code.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?:\([^)\n]*\))?((?:[^\n]*\\\r?\n)*[^\n]*)/gm)) {
    if (++n > MAX_MACROS) break;
    const body = m[2].slice(0, 4000);
    const names = new Set<string>();
    for (const c of body.matchAll(/\b([A-Za-z_]\w{0,63})\s*\(/g)) names.add(c[1]);
    // A macro that stands for a platform function (`#define RUN system`) calls it when invoked.
    const alias = /^\s*([A-Za-z_]\w*)\s*$/.exec(body.replace(/\\\r?\n/g, ' '))?.[1];
    if (alias && platformCapability(alias)) names.add(alias);
    if (names.size > 0) facts.macros[m[1]] = [...names];
  }
}

/** End of the first balanced parenthesis or brace group in `s` (or all of `s`). */
function balancedEnd(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return s.length;
}

/** Whitespace collapsed, cut to 160 characters, for quoting source in findings. */
export function clipText(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 159)}…` : t;
}

/** Assembly source: system-call instructions, constructor sections and calls to named functions. */
export function assemblyFacts(text: string, facts: CFacts): CFacts {
  let row = 0;
  let label = '';
  for (const raw of text.split('\n')) {
    row++;
    const line = raw.replace(/\/\*.*?\*\//g, '').replace(/(?:\/\/|;|@|#(?![ \t]*[\d$-])).*$/, '');
    const lm = /^\s*([A-Za-z_.$][\w.$]*):/.exec(line);
    if (lm && !lm[1].startsWith('.L')) {
      label = lm[1];
      facts.functions.push({ name: label, line: row, endLine: row });
    }
    if (SYSCALL_INSN.test(line)) facts.asm.push({ line: row, fn: label || null, text: clipText(raw) });
    if (/^\s*\.(?:section|pushsection)\b/.test(line) && CTOR_SECTION.test(line)) facts.ctors.push({ name: null, line: row, how: `an entry in the ${CTOR_SECTION.exec(line)![0]} section` });
    const cm = /^\s*(?:call|callq|bl|blx|jmp|b)\s+_?([A-Za-z_]\w*)(?:@PLT)?\b/.exec(line);
    if (cm) {
      (facts.calls[label] ??= []).push(cm[1]);
      if (platformCapability(cm[1])) facts.refs.push({ kind: 'call', name: cm[1], line: row, fn: label || null });
    }
  }
  return facts;
}
