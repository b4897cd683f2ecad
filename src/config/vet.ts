import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import semver from 'semver';
import { FileReadError, readBoundedSyncIfExists } from '../files/index.js';
import { configError, ConfigError } from './errors.js';
import { lineOfKey } from './toml-lines.js';
import { calendarProblem, checkDateLiterals } from './dates.js';
import { dict } from './dict.js';

/**
 * Reads a cargo-vet store (`supply-chain/audits.toml`, `config.toml`, `imports.lock`) in the format the
 * cargo-vet book documents. Only what cratefence needs is kept: audits (full, delta, violation), trusted
 * and wildcard entries, criteria and what they imply, import criteria maps, exemptions and publishers.
 */

/** The built-in criteria; `safe-to-deploy` implies `safe-to-run`. No prototype: look names up with `Object.hasOwn`. */
export const BUILTIN_CRITERIA: Record<string, string[]> = dict([
  ['safe-to-deploy', ['safe-to-run']],
  ['safe-to-run', []],
]);

/** True when `c` is a built-in criteria name (never an inherited member such as `constructor`). */
export const isBuiltinCriteria = (c: string) => Object.hasOwn(BUILTIN_CRITERIA, c);

/** One `[[audits.NAME]]` entry. Exactly one of version, delta and violation is set. */
export interface VetAudit {
  who: string[];
  criteria: string[];
  version?: string;
  delta?: { from: string; to: string };
  /** A Cargo version requirement (`"<1.2.3"`, `"=0.4.0"`, `"*"`). */
  violation?: string;
  notes?: string;
}

/** A `[[trusted.NAME]]` or `[[wildcard-audits.NAME]]` entry: versions a crates.io user published in a time window. */
export interface VetTrust {
  criteria: string[];
  userId: number | null;
  start: Date;
  end: Date;
}

/**
 * One party's audits: `own` (audits.toml) or an import (by its name in config.toml). Every record
 * here is keyed by names from the files (crates, criteria) and has no prototype (see dict.ts).
 */
export interface AuditSet {
  name: string;
  /** Criteria this party defines, with what each implies (in its own namespace). */
  criteria: Record<string, string[]>;
  audits: Record<string, VetAudit[]>;
  trusted: Record<string, VetTrust[]>;
  /** For imports: their criteria → our criteria (`criteria-map` in config.toml). */
  criteriaMap: Record<string, string[]>;
}

/** Everything read from a supply-chain folder. */
export interface Audits {
  dir: string;
  /** `own` first, then imports in config.toml order. */
  sets: AuditSet[];
  /** `[[exemptions.NAME]]` from config.toml: versions the team accepted without an audit. */
  exemptions: Record<string, Array<{ version: string; criteria: string[] }>>;
  /** `[[publisher.NAME]]` from imports.lock: who published a version on crates.io, and when. */
  publishers: Record<string, Array<{ version: string; userId: number | null; when: Date }>>;
}

/**
 * The most bytes each file of a supply-chain folder may hold. Large projects' files are a few
 * megabytes (imports.lock carries every imported audit); anything beyond these is not a cargo-vet file.
 */
export const MAX_VET_BYTES = { 'audits.toml': 16 * 1024 * 1024, 'config.toml': 8 * 1024 * 1024, 'imports.lock': 32 * 1024 * 1024 } as const;

/**
 * Reads one file of the store: bounded, regular files only (a link in a pull request to /dev/zero, or
 * a FIFO, is refused at once with the file named), dates checked against the calendar. Null: missing.
 */
export function readVetToml(file: string, maxBytes: number): { data: Record<string, unknown>; text: string } | null {
  let bytes: Buffer | null;
  try {
    bytes = readBoundedSyncIfExists(file, { maxBytes, what: 'cargo-vet file' });
  } catch (e) {
    if (e instanceof FileReadError) throw new ConfigError(e.message, file);
    throw e;
  }
  if (bytes === null) return null;
  const text = bytes.toString('utf8');
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) throw configError(file, null, e.line, `not valid TOML: ${e.message.split('\n')[0]}`);
    throw e;
  }
  checkDateLiterals(file, text);
  return { data, text };
}

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Reads fields with errors that name the file, the key and its line. */
class Reader {
  constructor(readonly file: string, readonly text: string) {}
  fail(keyPath: Array<string | number>, what: string): never {
    const shown = keyPath.map((k) => (typeof k === 'number' ? `[${k}]` : k)).join('.').replace(/\.\[/g, '[');
    throw configError(this.file, shown, lineOfKey(this.text, keyPath), what);
  }
  table(v: unknown, at: Array<string | number>): Record<string, unknown> {
    if (v === undefined) return {};
    if (!isTable(v)) this.fail(at, 'expected a table');
    return v;
  }
  list(v: unknown, at: Array<string | number>): unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(at, 'expected an array of tables');
    return v;
  }
  strings(v: unknown, at: Array<string | number>): string[] {
    if (v === undefined) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    return this.fail(at, 'expected a string or an array of strings');
  }
  optString(v: unknown, at: Array<string | number>): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(at, 'expected a string');
    return v;
  }
  date(v: unknown, at: Array<string | number>): Date {
    // A string is checked on the calendar first: Date would roll 2027-02-31 over into March.
    const wrong = typeof v === 'string' ? calendarProblem(v.trim()) : null;
    if (wrong) this.fail(at, wrong);
    const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : null;
    if (!d || Number.isNaN(d.getTime())) this.fail(at, 'expected a date');
    return d;
  }
  version(v: string, at: Array<string | number>): string {
    const clean = semver.valid(v.trim());
    if (!clean) this.fail(at, `"${v}" is not a version`);
    return clean;
  }
}

function readAuditsTable(r: Reader, table: Record<string, unknown>, prefix: Array<string | number>): Pick<AuditSet, 'criteria' | 'audits' | 'trusted'> {
  const criteria: Record<string, string[]> = dict();
  for (const [name, entry] of Object.entries(r.table(table.criteria, [...prefix, 'criteria']))) {
    criteria[name] = r.strings(r.table(entry, [...prefix, 'criteria', name]).implies, [...prefix, 'criteria', name, 'implies']);
  }
  const audits: Record<string, VetAudit[]> = dict();
  for (const [crate, list] of Object.entries(r.table(table.audits, [...prefix, 'audits']))) {
    audits[crate] = r.list(list, [...prefix, 'audits', crate]).map((e, i) => {
      const at = [...prefix, 'audits', crate, i];
      const t = r.table(e, at);
      const a: VetAudit = { who: r.strings(t.who, [...at, 'who']), criteria: r.strings(t.criteria, [...at, 'criteria']), notes: r.optString(t.notes, [...at, 'notes']) };
      const version = r.optString(t.version, [...at, 'version']);
      const delta = r.optString(t.delta, [...at, 'delta']);
      const violation = r.optString(t.violation, [...at, 'violation']);
      if ([version, delta, violation].filter((x) => x !== undefined).length !== 1) r.fail(at, 'an audit needs exactly one of version, delta and violation');
      if (version !== undefined) a.version = r.version(version, [...at, 'version']);
      if (delta !== undefined) {
        const parts = delta.split('->');
        if (parts.length !== 2) r.fail([...at, 'delta'], `"${delta}" is not of the form "OLD -> NEW"`);
        a.delta = { from: r.version(parts[0], [...at, 'delta']), to: r.version(parts[1], [...at, 'delta']) };
      }
      if (violation !== undefined) {
        if (cargoReqToRange(violation) === null) r.fail([...at, 'violation'], `"${violation}" is not a version requirement`);
        a.violation = violation;
      }
      return a;
    });
  }
  const trusted: Record<string, VetTrust[]> = dict();
  for (const key of ['trusted', 'wildcard-audits'] as const) {
    for (const [crate, list] of Object.entries(r.table(table[key], [...prefix, key]))) {
      for (const [i, e] of r.list(list, [...prefix, key, crate]).entries()) {
        const at = [...prefix, key, crate, i];
        const t = r.table(e, at);
        const uid = t['user-id'];
        (trusted[crate] ??= []).push({
          criteria: r.strings(t.criteria, [...at, 'criteria']),
          userId: typeof uid === 'number' ? uid : typeof uid === 'bigint' ? Number(uid) : null,
          start: r.date(t.start, [...at, 'start']),
          end: r.date(t.end, [...at, 'end']),
        });
      }
    }
  }
  return { criteria, audits, trusted };
}

/** Converts a Cargo version requirement (`1.2`, `^1.2`, `>=1, <2`, `=1.0.3`, `*`) into a node-semver range. */
export function cargoReqToRange(req: string): string | null {
  const parts = req.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) return null;
  const out = parts.map((p) => (/^\d/.test(p) ? `^${p}` : p.replace(/^=\s*/, '')));
  const range = out.join(' ');
  return semver.validRange(range) !== null ? range : null;
}

/** Reads a supply-chain folder. Missing files are empty; a missing folder gives null. */
export function readAudits(dir: string): Audits | null {
  if (!existsSync(dir)) return null;
  const own = readVetToml(path.join(dir, 'audits.toml'), MAX_VET_BYTES['audits.toml']);
  const config = readVetToml(path.join(dir, 'config.toml'), MAX_VET_BYTES['config.toml']);
  const lock = readVetToml(path.join(dir, 'imports.lock'), MAX_VET_BYTES['imports.lock']);
  const sets: AuditSet[] = [];
  if (own) sets.push({ name: 'own', ...readAuditsTable(new Reader(path.join(dir, 'audits.toml'), own.text), own.data, []), criteriaMap: dict() });
  const exemptions: Audits['exemptions'] = dict();
  const importMaps = new Map<string, Record<string, string[]>>();
  if (config) {
    const r: Reader = new Reader(path.join(dir, 'config.toml'), config.text);
    for (const [name, imp] of Object.entries(r.table(config.data.imports, ['imports']))) {
      const map: Record<string, string[]> = dict();
      for (const [theirs, ours] of Object.entries(r.table(r.table(imp, ['imports', name])['criteria-map'], ['imports', name, 'criteria-map']))) {
        map[theirs] = r.strings(ours, ['imports', name, 'criteria-map', theirs]);
      }
      importMaps.set(name, map);
    }
    for (const [crate, list] of Object.entries(r.table(config.data.exemptions, ['exemptions']))) {
      exemptions[crate] = r.list(list, ['exemptions', crate]).map((e, i) => {
        const t = r.table(e, ['exemptions', crate, i]);
        const v = r.optString(t.version, ['exemptions', crate, i, 'version']) ?? r.fail(['exemptions', crate, i, 'version'], 'missing');
        return { version: r.version(v, ['exemptions', crate, i, 'version']), criteria: r.strings(t.criteria, ['exemptions', crate, i, 'criteria']) };
      });
    }
  }
  const publishers: Audits['publishers'] = dict();
  if (lock) {
    const r: Reader = new Reader(path.join(dir, 'imports.lock'), lock.text);
    for (const [crate, list] of Object.entries(r.table(lock.data.publisher, ['publisher']))) {
      publishers[crate] = r.list(list, ['publisher', crate]).map((e, i) => {
        const t = r.table(e, ['publisher', crate, i]);
        const uid = t['user-id'];
        return {
          version: r.version(r.optString(t.version, ['publisher', crate, i, 'version']) ?? '', ['publisher', crate, i, 'version']),
          userId: typeof uid === 'number' ? uid : null,
          when: r.date(t.when, ['publisher', crate, i, 'when']),
        };
      });
    }
    // Imports named in imports.lock but no longer in config.toml are ignored: cargo-vet would drop them.
    for (const [name, table] of Object.entries(r.table(lock.data.audits, ['audits']))) {
      if (config && !importMaps.has(name)) continue;
      sets.push({ name, ...readAuditsTable(r, r.table(table, ['audits', name]), ['audits', name]), criteriaMap: importMaps.get(name) ?? dict() });
    }
  }
  if (!own && !config && !lock) return null;
  return { dir, sets, exemptions, publishers };
}

export { ConfigError };
