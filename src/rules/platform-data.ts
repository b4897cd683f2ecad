import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { OPEN_CAP, type CatalogueData } from '../analysis/catalogue.js';
import { RuleError } from './loader.js';

/** The folder of generated platform tables inside a rules folder (scripts/gen-platform.mjs writes it). */
export function platformDir(dir: string): string {
  return path.join(dir, 'data', 'platform');
}

/** The platform table files of a rules folder, sorted (part of the rules fingerprint). */
export function platformFiles(dir: string): string[] {
  const d = platformDir(dir);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(d, f));
}

type Table = Record<string, string>;

function table(v: unknown, where: string): Table {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RuleError(`${where} must be an object of names to capabilities`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw new RuleError(`${where}.${k} must be a string`);
  return v as Table;
}

/**
 * Merges the generated platform tables of `dir` under the hand-written catalogue `own` (which wins on
 * a conflict, so a wrong generated entry can be corrected by hand). Files: `syscalls.json` (names and
 * per-architecture numbers), every other one `paths` (full Rust paths), `symbols` (C / Win32 names) and
 * `names` (a wrapper crate's function names, for the crate the file is named after). A file opener
 * (`fs.open`) is filed as `fs.read` and listed in `opens`.
 */
export function readPlatformData(dir: string, own: { paths: Table; methods: Table; symbols: Table }): CatalogueData {
  const out: CatalogueData = { paths: {}, methods: { ...own.methods }, symbols: {}, opens: [], wrapperNames: {}, syscalls: { names: {}, arches: {} } };
  const opens = new Set<string>();
  const put = (into: Table, key: string, cap: string, openKey = key) => {
    if (cap === OPEN_CAP) {
      opens.add(openKey);
      into[key] = 'fs.read';
    } else into[key] = cap;
  };
  for (const file of platformFiles(dir)) {
    const rel = path.relative(dir, file);
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new RuleError(`${rel}: not valid JSON: ${(e as Error).message}`);
    }
    const base = path.basename(file, '.json');
    if (base === 'syscalls') {
      for (const [n, cap] of Object.entries(table(doc.names, `${rel}: names`))) put(out.syscalls.names, n, cap);
      for (const [k, v] of Object.entries(doc)) {
        if (typeof v !== 'object' || v === null || k === 'names') continue;
        const t = table(v, `${rel}: ${k}`);
        for (const n of Object.keys(t)) if (!/^\d+$/.test(n)) throw new RuleError(`${rel}: ${k}.${n} must be a system call number`);
        out.syscalls.arches[k] = t;
      }
      continue;
    }
    for (const [p, cap] of Object.entries(table(doc.paths, `${rel}: paths`))) put(out.paths, p, cap);
    for (const [s, cap] of Object.entries(table(doc.symbols, `${rel}: symbols`))) put(out.symbols, s, cap);
    const names = table(doc.names, `${rel}: names`);
    if (Object.keys(names).length > 0) {
      const t: Table = (out.wrapperNames[base] = {});
      for (const [n, cap] of Object.entries(names)) put(t, n, cap, `${base}::${n}`);
    }
  }
  for (const [p, cap] of Object.entries(own.paths)) put(out.paths, p, cap);
  for (const [s, cap] of Object.entries(own.symbols)) put(out.symbols, s, cap);
  out.opens = [...opens].sort();
  return out;
}
