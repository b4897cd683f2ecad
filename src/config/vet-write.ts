import { FileReadError, readBoundedSyncIfExists, writeInsideSync } from '../files/index.js';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import semver from 'semver';
import { ConfigError } from './errors.js';
import { MAX_VET_BYTES } from './vet.js';

/**
 * Adds one audit to cargo-vet's `audits.toml` as text, so every comment, blank line and existing entry
 * stays as it was. Only fields cargo-vet knows are written (it rejects others): who, criteria, version
 * or delta, notes. The entry goes where cargo-vet itself would put it (crates in name order, a crate's
 * entries sorted by kind, versions, criteria, who and notes) and strings are written in its style, so a
 * file cargo-vet wrote stays in the exact form `cargo vet --locked` checks for.
 */

export interface NewAudit {
  crate: string;
  who: string;
  criteria: string[];
  /** The audited release (full audit), or the delta from `from` to `to`. */
  from: string | null;
  to: string;
  notes?: string;
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/**
 * A TOML string as cargo-vet (toml_edit) writes it: a literal string when the text holds `\` or `"`
 * and no control characters, triple quotes when it spans lines, escapes otherwise.
 */
export function tomlString(s: string, allowMultiline = true): string {
  // A CRLF file would turn the raw newlines of a multi-line string into CRLF inside the value.
  const multi = allowMultiline && s.includes('\n');
  const canLiteral = !CONTROL.test(s) && (multi || !s.includes('\n')) && !s.includes("'''") && !s.endsWith("'") && /["\\]/.test(s);
  if (canLiteral) {
    if (multi) return `'''\n${s}'''`;
    return s.includes("'") ? `'''${s}'''` : `'${s}'`;
  }
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n') out += multi ? '\n' : '\\n';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\r') out += '\\r';
    else if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c <= 0x1f || c === 0x7f) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return multi ? `"""\n${out}"""` : `"${out}"`;
}

const tomlKey = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : `"${k.replace(/["\\]/g, (c) => `\\${c}`)}"`);

/** The text of the entry, starting with its `[[audits.NAME]]` header, ending with a newline. */
export function auditEntryText(a: NewAudit, eol = '\n'): string {
  const lines = [
    `[[audits.${tomlKey(a.crate)}]]`,
    `who = ${tomlString(a.who)}`,
    `criteria = ${a.criteria.length === 1 ? tomlString(a.criteria[0]) : `[${a.criteria.map((c) => tomlString(c)).join(', ')}]`}`,
    a.from === null ? `version = ${tomlString(a.to)}` : `delta = ${tomlString(`${a.from} -> ${a.to}`)}`,
  ];
  if (a.notes) lines.push(`notes = ${tomlString(a.notes, eol === '\n')}`);
  return `${lines.join('\n')}\n`;
}

type Entry = { who?: string | string[]; criteria?: string | string[]; version?: string; delta?: string; violation?: string; notes?: string };
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** cargo-vet's order of a crate's entries: full < delta < violation, then versions, criteria, who, notes. */
function compareEntries(x: Entry, y: Entry): number {
  const kind = (e: Entry) => (e.version !== undefined ? 0 : e.delta !== undefined ? 1 : 2);
  const vers = (e: Entry) => (e.version !== undefined ? [e.version] : e.delta !== undefined ? e.delta.split('->').map((v) => v.trim()) : []);
  const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const cmpList = (a: string[], b: string[], cmp: (p: string, q: string) => number) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = cmp(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  };
  const cmpVer = (a: string, b: string) => (semver.valid(a) && semver.valid(b) ? semver.compareBuild(a, b) : cmpStr(a, b));
  return (
    kind(x) - kind(y) ||
    cmpList(vers(x), vers(y), cmpVer) ||
    (kind(x) === 2 ? cmpStr(x.violation ?? '', y.violation ?? '') : 0) ||
    cmpList(list(x.criteria), list(y.criteria), cmpStr) ||
    cmpList(list(x.who), list(y.who), cmpStr) ||
    (x.notes === undefined ? (y.notes === undefined ? 0 : -1) : y.notes === undefined ? 1 : cmpStr(x.notes, y.notes))
  );
}

interface Header {
  line: number;
  /** The first line of the block: the header, or the comments written right above it. */
  start: number;
  crate: string | null;
  top: string;
}

/** Table headers of the file, with the comment lines attached above each. */
function headers(lines: string[]): Header[] {
  const out: Header[] = [];
  let inMulti: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (inMulti) {
      if (l.includes(inMulti)) inMulti = null;
      continue;
    }
    const m = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(l);
    if (m) {
      let start = i;
      while (start > 0 && /^\s*#/.test(lines[start - 1])) start--;
      const parts = m[1].split('.').map((p) => p.trim().replace(/^"(.*)"$/, '$1'));
      out.push({ line: i, start, crate: parts[0] === 'audits' && parts.length === 2 && l.trimStart().startsWith('[[') ? parts[1] : null, top: parts[0] });
      continue;
    }
    for (const q of ['"""', "'''"]) {
      const at = l.indexOf(q);
      if (at >= 0 && !l.slice(at + 3).includes(q)) inMulti = q;
    }
  }
  return out;
}

/**
 * The new text of the file: the entry inserted as text at cargo-vet's place for it, everything else as
 * it was. `parsed` is the file already parsed (to order a crate's existing entries).
 */
export function insertAuditText(before: string, parsed: { audits?: Record<string, Entry[]> }, a: NewAudit): string {
  const eol = before.includes('\r\n') ? '\r\n' : '\n';
  const lines = before.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const hs = headers(lines);
  const entry = auditEntryText(a, eol).trimEnd().split('\n');
  const mine = hs.filter((h) => h.crate === a.crate);
  const existing = parsed.audits?.[a.crate] ?? [];
  const newEntry = parseToml(auditEntryText(a)) as { audits: Record<string, Entry[]> };
  let at: number;
  if (mine.length > 0 && mine.length === existing.length) {
    const k = existing.filter((e) => compareEntries(e, newEntry.audits[a.crate][0]) <= 0).length;
    at = k < mine.length ? mine[k].start : blockEnd(lines, hs, mine[mine.length - 1]);
  } else {
    const auditHeaders = hs.filter((h) => h.crate !== null);
    const next = auditHeaders.find((h) => h.crate! > a.crate);
    if (next) at = next.start;
    else if (auditHeaders.length > 0) at = blockEnd(lines, hs, auditHeaders[auditHeaders.length - 1]);
    else {
      // No audit yet: an empty `[audits]` table gives its place to the first entry, as cargo-vet writes it.
      const empty = hs.find((h) => h.top === 'audits' && !lines[h.line].trimStart().startsWith('[[') && /^\s*\[\s*audits\s*\]/.test(lines[h.line]));
      const nextAfterEmpty = empty ? hs[hs.indexOf(empty) + 1] : undefined;
      const emptyHasKeys = empty ? lines.slice(empty.line + 1, nextAfterEmpty?.start ?? lines.length).some((l) => /^\s*[^#\s]/.test(l)) : true;
      if (empty && !emptyHasKeys) {
        lines.splice(empty.line, 1);
        return insertAuditText(joinLines(lines, eol), parsed, a);
      }
      const trusted = hs.find((h) => h.top === 'trusted');
      at = trusted ? trusted.start : lines.length;
    }
  }
  // Exactly one blank line on each side of the entry, as cargo-vet separates tables.
  let lo = at;
  while (lo > 0 && lines[lo - 1].trim() === '') lo--;
  let hi = at;
  while (hi < lines.length && lines[hi].trim() === '') hi++;
  const head = lines.slice(0, lo);
  const tail = lines.slice(hi);
  const out = [...head, ...(head.length > 0 ? [''] : []), ...entry, ...(tail.length > 0 ? ['', ...tail] : [])];
  return joinLines(out, eol);
}

const joinLines = (lines: string[], eol: string) => `${lines.join(eol)}${eol}`;

/** The line after an entry's block: before the next header's attached comments, or the end of the file. */
function blockEnd(lines: string[], hs: Header[], h: Header): number {
  const next = hs[hs.indexOf(h) + 1];
  let end = next ? next.start : lines.length;
  while (end > h.line + 1 && lines[end - 1].trim() === '') end--;
  return end;
}

type AuditsDoc = { audits?: Record<string, Entry[]> } & Record<string, unknown>;

/** A new file, as cargo-vet starts one. */
const NEW_FILE = '\n# cargo-vet audits file\n\n[audits]\n';

/**
 * Adds the audit to `file` (created as cargo-vet starts it when missing). Before writing, the new text
 * is parsed and checked: every other value unchanged, the crate's old entries all still there and the
 * new one added; anything else leaves the file as it was. Returns the entry text written.
 */
export function appendAudit(file: string, a: NewAudit): string {
  let existing: Buffer | null;
  try {
    existing = readBoundedSyncIfExists(file, { maxBytes: MAX_VET_BYTES['audits.toml'], what: 'cargo-vet file' });
  } catch (e) {
    if (e instanceof FileReadError) throw new ConfigError(e.message, file);
    throw e;
  }
  const before = existing === null ? NEW_FILE : existing.toString('utf8');
  let old: AuditsDoc;
  try {
    old = parseToml(before) as AuditsDoc;
  } catch (e) {
    throw new ConfigError(`${file}: not valid TOML, refusing to change it (${(e as Error).message.split('\n')[0]})`, file);
  }
  let after: string;
  let parsed: AuditsDoc;
  try {
    after = insertAuditText(before, old, a);
    parsed = parseToml(after) as AuditsDoc;
  } catch (e) {
    throw new ConfigError(`${file}: adding the audit would not give valid TOML (${(e as Error).message.split('\n')[0]}); add it with cargo vet certify instead`, file);
  }
  const expected = (parseToml(auditEntryText(a)) as { audits: Record<string, Entry[]> }).audits[a.crate][0];
  const { audits: oldAudits = {}, ...oldRest } = old;
  const { audits: newAudits = {}, ...newRest } = parsed;
  const othersSame = Object.keys({ ...oldAudits, ...newAudits }).every((k) => k === a.crate || isDeepStrictEqual(oldAudits[k], newAudits[k]));
  const mineNow = newAudits[a.crate] ?? [];
  const mineBefore = oldAudits[a.crate] ?? [];
  const kept = mineNow.filter((e) => !isDeepStrictEqual(e, expected) || mineBefore.some((o) => isDeepStrictEqual(o, e)));
  const sameMine = mineNow.length === mineBefore.length + 1 && mineNow.some((e) => isDeepStrictEqual(e, expected)) && mineBefore.every((o) => kept.some((e) => isDeepStrictEqual(e, o)));
  if (!isDeepStrictEqual(oldRest, newRest) || !othersSame || !sameMine) {
    throw new ConfigError(`${file}: adding the audit would change existing entries; the file was left as it was`, file);
  }
  // An exclusive temporary file renamed over the old one: a link at either name is replaced, never
  // written through. The mode is an ordinary file's (the umask applies), as git would check it out.
  writeInsideSync(path.dirname(file), path.basename(file), after, { mode: 0o666 });
  return auditEntryText(a);
}
