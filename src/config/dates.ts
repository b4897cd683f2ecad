/**
 * Dates in the policy files must be on the calendar. Both JavaScript's `Date` and the TOML parser
 * roll an impossible date over (`2027-02-31` becomes March 3rd), so a suppression written to expire
 * at the end of February would quietly live into March. This module checks the written text: a
 * string value through {@link calendarProblem}, and TOML date literals — whose text the parser does
 * not keep — by scanning the file for them ({@link badDateLiterals}).
 */

import { configError } from './errors.js';
import { locateKeys } from './toml-lines.js';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[zZ]|[+-](\d{2}):(\d{2}))?)?$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * Why `text` (a date `2026-12-31` or a date-time `2026-12-31T12:00:00Z`) is not on the calendar, or
 * null when it is, or when it does not have the shape of a date at all (the caller says so its own way).
 */
export function calendarProblem(text: string): string | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12) return `"${text}" is not a calendar date (there is no month ${mo})`;
  const days = daysIn(y, mo);
  if (d < 1 || d > days) return `"${text}" is not a calendar date (${MONTHS[mo - 1]} ${y} has ${days} days)`;
  const [h, mi, s, oh, om] = [m[4], m[5], m[6], m[7], m[8]].map((x) => (x === undefined ? 0 : Number(x)));
  if (h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) return `"${text}" is not a valid time of day`;
  return null;
}

/** A date literal in TOML text that is not on the calendar, with its 1-based line. */
export interface BadDate {
  line: number;
  literal: string;
  problem: string;
}

const LITERAL = /\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[zZ]|[+-]\d{2}:\d{2})?)?/y;

/**
 * Every unquoted date or date-time literal in value position (after `=`, `[` or `,`, blanks and
 * comments aside) that is not on the calendar. Strings, comments and keys are skipped; the scan is
 * one linear pass over the text.
 */
export function badDateLiterals(text: string): BadDate[] {
  const out: BadDate[] = [];
  let line = 1;
  let last = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      let j = i + close.length;
      while (j < n) {
        if (c === '"' && text[j] === '\\') {
          if (text[j + 1] === '\n') line++;
          j += 2;
          continue;
        }
        if (text.startsWith(close, j)) break;
        if (text[j] === '\n') {
          if (!triple) break; // an unterminated string: the parser reports it
          line++;
        }
        j++;
      }
      // A multi-line string may end with up to two extra quotes of its kind.
      i = j + close.length;
      while (triple && text[i] === c) i++;
      last = c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c >= '0' && c <= '9' && (last === '=' || last === '[' || last === ',')) {
      LITERAL.lastIndex = i;
      const m = LITERAL.exec(text);
      if (m) {
        const problem = calendarProblem(m[0]);
        if (problem) out.push({ line, literal: m[0], problem });
        i += m[0].length;
        last = '0';
        continue;
      }
    }
    last = c;
    i++;
  }
  return out;
}

/**
 * Refuses a TOML date literal that is not on the calendar (`expires = 2027-02-31`), which the TOML
 * parser would roll over into March: a ConfigError naming the file, the key and the line.
 */
export function checkDateLiterals(file: string, text: string): void {
  const bad = badDateLiterals(text)[0];
  if (!bad) return;
  // The key written on that line, else the one whose value spans it (a multi-line array or table).
  const key = locateKeys(text).filter((k) => k.line <= bad.line).at(-1);
  const shown = key ? key.path.map((k) => (typeof k === 'number' ? `[${k}]` : k)).join('.').replace(/\.\[/g, '[') : null;
  throw configError(file, shown, bad.line, bad.problem);
}
