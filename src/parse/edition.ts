/**
 * Edition 2024 syntax the pinned grammar (tree-sitter-rust 0.24) rejects, respelled for the parser
 * with spaces of the same length so every offset, line and column stays exact:
 * - `unsafe extern "C" { … }`: the `unsafe` before an extern block (required in edition 2024);
 * - `safe fn` / `safe static` / `unsafe static` inside such a block (items callable without `unsafe`).
 * Without this the whole block is a syntax error, its FFI declarations are lost and calls to them
 * resolve to nothing: a shell command run through `system` would be left to an unanalysed-code finding.
 * The walker reads the original text, so what the code says is unchanged; only the parse is made possible.
 */

const UNSAFE_EXTERN = /\bunsafe(\s+extern(?:\s*"[^"\\\n]*")?\s*)\{/g;
const QUALIFIER = /\bsafe(?=\s+(?:fn|static)\b)|\bunsafe(?=\s+static\b)/g;

/** Offset just past the `}` that closes the block opened at `open`, skipping strings and comments; -1 when unclosed. */
function blockEnd(t: string, open: number): number {
  let depth = 0;
  for (let i = open; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < t.length && t.charCodeAt(i) !== 0x22; i++) if (t.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x2f /* / */ && t.charCodeAt(i + 1) === 0x2f) {
      const nl = t.indexOf('\n', i);
      i = nl < 0 ? t.length : nl;
    } else if (c === 0x2f && t.charCodeAt(i + 1) === 0x2a /* * */) {
      const e = t.indexOf('*/', i + 2);
      i = e < 0 ? t.length : e + 1;
    } else if (c === 0x7b /* { */) depth++;
    else if (c === 0x7d /* } */ && --depth === 0) return i + 1;
  }
  return -1;
}

/** The text with edition-2024 extern-block qualifiers blanked (the same string when there are none). */
export function blankEdition2024(text: string): string {
  if (!text.includes('unsafe') || !/\bunsafe\s+extern\b/.test(text)) return text;
  let out = '';
  let copied = 0;
  UNSAFE_EXTERN.lastIndex = 0;
  for (let m = UNSAFE_EXTERN.exec(text); m !== null; m = UNSAFE_EXTERN.exec(text)) {
    const open = m.index + m[0].length - 1;
    const end = blockEnd(text, open);
    if (end < 0) break;
    // Qualifiers of the block's items, blanked only inside this block.
    const body = text.slice(open, end).replace(QUALIFIER, (q) => ' '.repeat(q.length));
    out += text.slice(copied, m.index) + '      ' + m[1] + body;
    copied = end;
    UNSAFE_EXTERN.lastIndex = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
