import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import picomatch from 'picomatch';
import type Parser from 'tree-sitter';
import { FileReadError, readBoundedSync } from '../files/index.js';
import { RUST_LANGUAGE } from '../parse/parser.js';
import { treeSitterBinding } from '../parse/syntax.js';
import { catalogueFrom, type Catalogue, type CatalogueData } from '../analysis/catalogue.js';
import { readPlatformData, platformFiles } from './platform-data.js';
import { packageRoot } from '../root.js';
import { RULE_SCHEMA } from './schema.js';
import type { Adjustment, Condition, RuleSpec } from './types.js';
import { TARGETS_SCHEMA, compileTargets, type TargetFile, type TargetTable } from './analyzers/persistence-targets.js';

const require = createRequire(import.meta.url);

/** The rules folder shipped with the package. */
export const DEFAULT_RULES_DIR = path.join(packageRoot(), 'rules');
/** The bundled rules, validated and serialized at build time (scripts/bundle-rules.mjs). */
export const RULES_BUNDLE = path.join(packageRoot(), 'dist', 'rules.bundle.json');

/** What the build step writes: validated rule specs plus a fingerprint of the files they came from. */
export interface RuleBundle {
  fingerprint: string;
  specs: Array<{ spec: RuleSpec; file: string }>;
  catalogue: CatalogueData;
  /** rules/data/sensitive-targets.yaml, validated. */
  targets: TargetFile;
  /** {@link catalogueDigest} of `catalogue`, worked out by the build (absent in bundles of earlier builds). */
  catalogueDigest?: string;
}

/** A rule file is invalid: the message names the file and the key. */
export class RuleError extends Error {
  override name = 'RuleError';
}

export interface CompiledCondition extends Condition {
  argsRe?: RegExp;
  argsNotRe?: RegExp;
  textRe?: RegExp;
  textNotRe?: RegExp;
  lineRe?: RegExp;
  itemRe?: RegExp;
  dataRe?: Record<string, RegExp>;
}

export interface CompiledRule {
  spec: RuleSpec;
  file: string;
  where?: CompiledCondition;
  adjust: Array<Adjustment & { cond: CompiledCondition }>;
  include?: (p: string) => boolean;
  exclude?: (p: string) => boolean;
  /** The rule's compiled query (compiled on first use for rules from the build-time bundle). */
  query?: () => Parser.Query;
  siteText?: RegExp;
}

export interface RuleSet {
  dir: string;
  rules: CompiledRule[];
  catalogue: Catalogue;
  /** Sensitive write targets (rules/data/sensitive-targets.yaml). */
  targets: TargetTable;
  /** {@link catalogueDigest} of `catalogue` when the build already worked it out (the bundled folder). */
  catalogueDigest?: string;
}

/**
 * SHA-256 (hex) of a capability catalogue's paths and methods, sorted: what identifies the catalogue a
 * dependency summary was computed with (see `summaryTool`).
 */
export function catalogueDigest(catalogue: Catalogue): string {
  const h = createHash('sha256');
  for (const [k, v] of [...catalogue.paths].sort()) h.update(`${k}=${v}\n`);
  for (const [k, v] of [...catalogue.methods].sort()) h.update(`.${k}=${v}\n`);
  return h.digest('hex');
}

/** The sensitive-targets table of a rules folder (the bundled folder's when the folder has none). */
export const TARGETS_FILE = path.join('data', 'sensitive-targets.yaml');

/** Compiles a rule regex. `(?i)` at the start means case-insensitive. */
export function compileRegex(src: string, where: string): RegExp {
  let flags = 'u';
  let body = src;
  if (body.startsWith('(?i)')) {
    flags += 'i';
    body = body.slice(4);
  }
  try {
    return new RegExp(body, flags);
  } catch (e) {
    throw new RuleError(`${where}: invalid regular expression: ${(e as Error).message}`);
  }
}

function compileCondition(c: Condition, where: string): CompiledCondition {
  const out: CompiledCondition = { ...c };
  if (c.argsMatch) out.argsRe = compileRegex(c.argsMatch, `${where}.argsMatch`);
  if (c.argsNotMatch) out.argsNotRe = compileRegex(c.argsNotMatch, `${where}.argsNotMatch`);
  if (c.textMatch) out.textRe = compileRegex(c.textMatch, `${where}.textMatch`);
  if (c.textNotMatch) out.textNotRe = compileRegex(c.textNotMatch, `${where}.textNotMatch`);
  if (c.lineMatch) out.lineRe = compileRegex(c.lineMatch, `${where}.lineMatch`);
  if (c.itemMatch) out.itemRe = compileRegex(c.itemMatch, `${where}.itemMatch`);
  if (c.dataMatch) {
    // Keys are field names from the rule file: no prototype for `constructor` or `__proto__` to meet.
    out.dataRe = Object.create(null) as Record<string, RegExp>;
    for (const [k, v] of Object.entries(c.dataMatch)) out.dataRe[k] = compileRegex(v, `${where}.dataMatch.${k}`);
  }
  return out;
}

/** Cheap identity of a rules folder: every rule file's path, size and modification time. */
export function fingerprint(dir: string): string {
  const targets = path.join(dir, TARGETS_FILE);
  // Every file is path.join(dir, …): its relative path is what follows the joined prefix, without
  // path.relative resolving both paths against the working folder (a tenth of a scan's start-up).
  const prefix = path.join(dir, path.sep);
  return [...listRuleFiles(dir), path.join(dir, 'capabilities.yaml'), ...platformFiles(dir), ...(existsSync(targets) ? [targets] : [])]
    .map((f) => {
      const st = statSync(f);
      return `${f.startsWith(prefix) ? f.slice(prefix.length) : path.relative(dir, f)}:${st.size}:${Math.floor(st.mtimeMs)}`;
    })
    .join('|');
}

export function listRuleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'data') walk(p);
      } else if (/\.ya?ml$/.test(e.name) && e.name !== 'capabilities.yaml') out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

const cache = new Map<string, RuleSet>();

/** A rule file is a few kilobytes; the catalogue a few dozen. Larger ones are not rule files. */
const MAX_RULE_FILE_BYTES = 1024 * 1024;
const MAX_CATALOGUE_BYTES = 8 * 1024 * 1024;

/**
 * A file of a rules folder (`--rules DIR` is the user's): bounded, a regular file and not a link —
 * a FIFO or a link to /dev/zero is refused at once, by name, and the batch digest of the folder
 * (which does not follow links either) always covers what was read.
 */
function readRulesFile(file: string, rel: string, maxBytes: number): string {
  try {
    return readBoundedSync(file, { maxBytes, what: 'rule file', noFollow: true }).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError) throw new RuleError(`${rel}: ${e.reason}`);
    throw e;
  }
}

/** Reads and validates every rule file of a folder (YAML and JSON-schema checks); no compilation. */
export function readRuleSpecs(dir: string, knownAnalyzers?: Set<string>): Array<{ spec: RuleSpec; file: string }> {
  const YAML = require('yaml') as typeof import('yaml');
  const { Ajv } = require('ajv') as typeof import('ajv');
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(RULE_SCHEMA);
  const out: Array<{ spec: RuleSpec; file: string }> = [];
  const ids = new Set<string>();
  for (const file of listRuleFiles(dir)) {
    const rel = path.relative(dir, file);
    let spec: RuleSpec;
    try {
      spec = YAML.parse(readRulesFile(file, rel, MAX_RULE_FILE_BYTES)) as RuleSpec;
    } catch (e) {
      if (e instanceof RuleError) throw e;
      throw new RuleError(`${rel}: not valid YAML: ${(e as Error).message}`);
    }
    if (!validate(spec)) {
      const msgs = (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
      throw new RuleError(`${rel}: ${msgs.join('; ')}`);
    }
    const base = path.basename(file).replace(/\.ya?ml$/, '');
    if (spec.id !== base) throw new RuleError(`${rel}: id "${spec.id}" must equal the file name "${base}"`);
    if (ids.has(spec.id)) throw new RuleError(`${rel}: duplicate rule id "${spec.id}"`);
    ids.add(spec.id);
    const kinds = ['capability', 'sites', 'query', 'analyzer'].filter((k) => k in spec.match);
    if (kinds.length !== 1) throw new RuleError(`${rel}: match must have exactly one of capability, sites, query, analyzer (has ${kinds.join(', ') || 'none'})`);
    if (spec.match.analyzer && knownAnalyzers && !knownAnalyzers.has(spec.match.analyzer)) {
      throw new RuleError(`${rel}: match.analyzer "${spec.match.analyzer}" is not a known analyzer`);
    }
    out.push({ spec, file: rel });
  }
  return out;
}

/**
 * Reads the capability catalogue of a rules folder: capabilities.yaml (hand-written paths, methods and
 * symbols) merged with the generated platform tables of data/platform/ (see scripts/gen-platform.mjs).
 */
export function readCatalogue(dir: string): RuleBundle['catalogue'] {
  const YAML = require('yaml') as typeof import('yaml');
  const file = path.join(dir, 'capabilities.yaml');
  let doc: { paths?: Record<string, unknown>; methods?: Record<string, unknown>; symbols?: Record<string, unknown> };
  try {
    doc = YAML.parse(readRulesFile(file, 'capabilities.yaml', MAX_CATALOGUE_BYTES));
  } catch (e) {
    if (e instanceof RuleError) throw e;
    throw new RuleError(`capabilities.yaml: ${(e as Error).message}`);
  }
  const check = (m: Record<string, unknown> | undefined, key: string): Record<string, string> => {
    for (const [k, v] of Object.entries(m ?? {})) if (typeof v !== 'string') throw new RuleError(`capabilities.yaml: ${key}.${k} must name a capability`);
    return (m ?? {}) as Record<string, string>;
  };
  return readPlatformData(dir, { paths: check(doc.paths, 'paths'), methods: check(doc.methods, 'methods'), symbols: check(doc.symbols, 'symbols') });
}

/** Reads and validates the sensitive-targets table of a folder, or of the bundled folder when it has none. */
export function readTargets(dir: string): TargetFile {
  const own = path.join(dir, TARGETS_FILE);
  const file = existsSync(own) ? own : path.join(DEFAULT_RULES_DIR, TARGETS_FILE);
  const YAML = require('yaml') as typeof import('yaml');
  const { Ajv } = require('ajv') as typeof import('ajv');
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RuleError(`${TARGETS_FILE}: not valid YAML: ${(e as Error).message}`);
  }
  const validate = new Ajv({ allErrors: true, strict: false }).compile(TARGETS_SCHEMA);
  if (!validate(doc)) {
    const msgs = (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
    throw new RuleError(`${TARGETS_FILE}: ${msgs.join('; ')}`);
  }
  const table = doc as TargetFile;
  compileTable(table);
  return table;
}

function compileTable(table: TargetFile): TargetTable {
  try {
    return compileTargets(table, compileRegex);
  } catch (e) {
    throw e instanceof RuleError ? e : new RuleError(`${TARGETS_FILE}: ${(e as Error).message}`);
  }
}

/**
 * Compiles a rule. With `lazyQuery` (rules from the build-time bundle, whose queries the build already
 * compiled) the tree-sitter query is compiled the first time a scan needs it: most scans run few of them.
 */
export function compileRule({ spec, file: rel }: { spec: RuleSpec; file: string }, lazyQuery = false): CompiledRule {
  const compiled: CompiledRule = {
    spec,
    file: rel,
    where: spec.where ? compileCondition(spec.where, `${rel}: where`) : undefined,
    adjust: (spec.adjust ?? []).map((a, i) => ({ ...a, cond: compileCondition(a.when, `${rel}: adjust[${i}].when`) })),
  };
  if (spec.paths?.include?.length) compiled.include = picomatch(spec.paths.include, { dot: true });
  if (spec.paths?.exclude?.length) compiled.exclude = picomatch(spec.paths.exclude, { dot: true });
  const source = spec.match.query;
  if (source !== undefined) {
    if (!/@match\b/.test(source)) throw new RuleError(`${rel}: match.query needs a @match capture`);
    let q: Parser.Query | undefined;
    const compile = (): Parser.Query => {
      if (!q) {
        try {
          q = new (treeSitterBinding().Query)(RUST_LANGUAGE, source);
        } catch (e) {
          throw new RuleError(`${rel}: match.query does not compile: ${(e as Error).message}`);
        }
      }
      return q;
    };
    if (!lazyQuery) compile();
    compiled.query = compile;
  }
  if (spec.match.sites?.text) compiled.siteText = compileRegex(spec.match.sites.text, `${rel}: match.sites.text`);
  return compiled;
}

/**
 * Loads, validates and compiles every rule in a folder, once per process: queries and regexes are
 * compiled here and never per file. The bundled folder is read from its build-time bundle when the
 * bundle's fingerprint still matches the files; any other folder is read and validated in full.
 */
export function loadRules(dir: string = DEFAULT_RULES_DIR, knownAnalyzers?: Set<string>): RuleSet {
  const hit = cache.get(dir);
  if (hit) return hit;
  let bundle: RuleBundle | null = null;
  if (dir === DEFAULT_RULES_DIR && existsSync(RULES_BUNDLE)) {
    // The build writes the bundle as ASCII (non-ASCII characters escaped): a one-byte string parses faster.
    const bytes = readFileSync(RULES_BUNDLE);
    const b = JSON.parse(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8')) as RuleBundle;
    if (b.fingerprint === fingerprint(dir)) bundle = b;
  }
  const specs = bundle ? bundle.specs : readRuleSpecs(dir, knownAnalyzers);
  const cat = bundle ? bundle.catalogue : readCatalogue(dir);
  const targets = compileTable(bundle?.targets ?? readTargets(dir));
  // Rules read from YAML were checked by readRuleSpecs; the bundle was written by an earlier build.
  if (bundle && knownAnalyzers) {
    for (const s of specs) {
      if (s.spec.match.analyzer && !knownAnalyzers.has(s.spec.match.analyzer)) throw new RuleError(`${s.file}: match.analyzer "${s.spec.match.analyzer}" is not a known analyzer`);
    }
  }
  const rules = specs.map((s) => compileRule(s, bundle !== null));
  const catalogue: Catalogue = catalogueFrom(cat);
  const set: RuleSet = { dir, rules, catalogue, targets };
  if (bundle?.catalogueDigest !== undefined) set.catalogueDigest = bundle.catalogueDigest;
  cache.set(dir, set);
  return set;
}
