import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError } from './errors.js';

/**
 * Appends one audit to cargo-vet's `audits.toml` as text, so every comment, blank line and the order of
 * the existing entries stay as they were. Only fields cargo-vet knows are written (it rejects others):
 * who, criteria, version or delta, notes.
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

/** A TOML basic string. JSON's escapes are TOML's, except that TOML also wants DEL escaped. */
export function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\x7f/g, '\\u007f');
}

const tomlKey = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));

/** The text of the entry, starting with its `[[audits.NAME]]` header. */
export function auditEntryText(a: NewAudit): string {
  const lines = [
    `[[audits.${tomlKey(a.crate)}]]`,
    `who = ${tomlString(a.who)}`,
    `criteria = ${a.criteria.length === 1 ? tomlString(a.criteria[0]) : `[${a.criteria.map(tomlString).join(', ')}]`}`,
    a.from === null ? `version = ${tomlString(a.to)}` : `delta = ${tomlString(`${a.from} -> ${a.to}`)}`,
  ];
  if (a.notes) lines.push(`notes = ${tomlString(a.notes)}`);
  return `${lines.join('\n')}\n`;
}

/** What the file becomes: the old text, untouched, then a blank line and the entry. */
export function appendAuditText(before: string, a: NewAudit): string {
  const eol = before.includes('\r\n') ? '\r\n' : '\n';
  let text = before;
  if (text.length > 0 && !text.endsWith('\n')) text += eol;
  if (text.length > 0 && !/(\r?\n){2}$/.test(text)) text += eol;
  return text + auditEntryText(a).replace(/\n/g, eol);
}

type AuditsDoc = { audits?: Record<string, unknown[]> } & Record<string, unknown>;

/**
 * Appends the audit to `file` (created with cargo-vet's header when missing). Before writing, the new
 * text is parsed and checked: every old entry unchanged and the new one present at the end of its list;
 * anything else leaves the file as it was. Returns the entry text written.
 */
export function appendAudit(file: string, a: NewAudit): string {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '# cargo-vet audits file\n\n[audits]\n';
  let old: AuditsDoc;
  try {
    old = parseToml(before) as AuditsDoc;
  } catch (e) {
    throw new ConfigError(`${file}: not valid TOML, refusing to append to it (${(e as Error).message.split('\n')[0]})`, file);
  }
  const after = appendAuditText(before, a);
  let parsed: AuditsDoc;
  try {
    parsed = parseToml(after) as AuditsDoc;
  } catch (e) {
    // A file whose `audits` is not an array-of-tables layout (hand edited) cannot take an appended entry.
    throw new ConfigError(`${file}: appending the audit would not give valid TOML (${(e as Error).message.split('\n')[0]}); add it with cargo vet certify instead`, file);
  }
  const oldList = old.audits?.[a.crate] ?? [];
  const newList = parsed.audits?.[a.crate] ?? [];
  const expected = parseToml(auditEntryText(a)) as AuditsDoc;
  const { audits: _o, ...oldRest } = old;
  const { audits: _n, ...newRest } = parsed;
  const othersSame = Object.keys({ ...old.audits, ...parsed.audits }).every((k) => k === a.crate || isDeepStrictEqual(old.audits?.[k], parsed.audits?.[k]));
  if (!isDeepStrictEqual(oldRest, newRest) || !othersSame || !isDeepStrictEqual(newList, [...oldList, expected.audits![a.crate][0]])) {
    throw new ConfigError(`${file}: appending the audit would change existing entries; the file was left as it was`, file);
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, after);
  renameSync(tmp, file);
  return auditEntryText(a);
}
