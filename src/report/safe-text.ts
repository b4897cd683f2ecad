/**
 * Text from a crate, a lockfile, a config file or a server (crate and file names, item paths,
 * messages quoting code, notes, errors) is the publisher's, and ends up in places that read some
 * characters as commands: a terminal (ESC and C1 sequences, a carriage return that rewrites the
 * line), the GitHub Actions log (a line starting with `::` is a workflow command — `::warning::`,
 * `::add-mask::`, `::stop-commands::` — and `##[` opens the older form anywhere in a line; the
 * runner also breaks lines at a lone CR), and any reader's eye (bidi overrides and zero-width
 * characters that reorder or hide text). Every text formatter passes such strings through here, so
 * they reach the output visibly escaped, never raw.
 *
 * Escapes are `\n`, `\r`, `\t`, `\xNN` for other C0/C1 controls and DEL, and `\u{NNNN}` for the
 * invisible and direction-changing characters. A backslash already in the text is left as it is:
 * paths and messages stay readable, and what matters here is that nothing is hidden or executed.
 * Leaf module: imports nothing.
 */

/**
 * Characters that change how text is displayed or hide it: bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069), direction marks (U+200E, U+200F, U+061C), zero-width and
 * invisible format characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E, U+00AD), the line and
 * paragraph separators (U+2028, U+2029), and the Hangul fillers and blank Braille pattern that
 * render as nothing (U+115F, U+1160, U+3164, U+FFA0, U+2800).
 */
const INVISIBLE = '\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\u2800\u3164\ufeff\uffa0';
/** C0 controls, DEL and C1 controls (U+0080–U+009F: CSI, OSC, NEL… in 8-bit form). */
const CONTROL = '\u0000-\u001f\u007f-\u009f';

const UNSAFE = new RegExp(`[${CONTROL}${INVISIBLE}]`, 'gu');
const UNSAFE_BUT_TAB = new RegExp(`[\u0000-\u0008\u000a-\u001f\u007f-\u009f${INVISIBLE}]`, 'gu');
/** Invisible characters only (no controls), for {@link hasVisibleText}. */
const INVISIBLE_RE = new RegExp(`[${INVISIBLE}]`, 'gu');

function escapeChar(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  const c = ch.codePointAt(0)!;
  return c <= 0x9f ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u{${c.toString(16)}}`;
}

/**
 * Workflow commands: a line whose first non-blank characters are `:` (the runner trims leading
 * blanks and reads `::name …::`; a field that is only `:` could meet a second colon from the next
 * field) gets a backslash in front, and `##[` anywhere loses its meaning the same way.
 */
function defuseCommands(s: string): string {
  return s.replace(/^(\s*):/, '$1\\:').replace(/##\[/g, '#\\#[');
}

/**
 * A name, path, version or one-line message made safe for a text output: every control character
 * (newlines included), every invisible or direction-changing character escaped, and workflow-command
 * prefixes defused. The result is one line whatever the input.
 */
export function safeText(s: string): string {
  return defuseCommands(s.replace(UNSAFE, escapeChar));
}

/**
 * One line of source code for a snippet: like {@link safeText}, but a tab stays a tab (code is
 * indented with them, and a tab changes nothing but the indentation).
 */
export function safeCodeLine(s: string): string {
  return defuseCommands(s.replace(UNSAFE_BUT_TAB, escapeChar));
}

/**
 * True when `s` has something a reader can see: not only blanks, controls, zero-width or other
 * invisible characters (a suppression's reason must say something).
 */
export function hasVisibleText(s: string): boolean {
  return /[^\s\p{Cc}\p{Cf}\p{Z}\p{M}]/u.test(s.replace(INVISIBLE_RE, ''));
}
