import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import picomatch from 'picomatch';
import YAML from 'yaml';
import Parser from 'tree-sitter';
import { RUST_LANGUAGE } from '../parse/parser.js';
import { loadCatalogue, type Catalogue } from '../analysis/catalogue.js';
import { RULE_SCHEMA } from './schema.js';
import type { Adjustment, Condition, RuleSpec } from './types.js';

/** The rules folder shipped with the package. */
export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../rules', import.meta.url));

/** A rule file is invalid: the message names the file and the key. */
export class RuleError extends Error {
  override name = 'RuleError';
}

export interface CompiledCondition extends Condition {
  argsRe?: RegExp;
  argsNotRe?: RegExp;
  textRe?: RegExp;
  textNotRe?: RegExp;
  dataRe?: Record<string, RegExp>;
}

export interface CompiledRule {
  spec: RuleSpec;
  file: string;
  where?: CompiledCondition;
  adjust: Array<Adjustment & { cond: CompiledCondition }>;
  include?: (p: string) => boolean;
  exclude?: (p: string) => boolean;
  query?: Parser.Query;
  siteText?: RegExp;
}

export interface RuleSet {
  dir: string;
  rules: CompiledRule[];
  catalogue: Catalogue;
}

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
  if (c.dataMatch) {
    out.dataRe = {};
    for (const [k, v] of Object.entries(c.dataMatch)) out.dataRe[k] = compileRegex(v, `${where}.dataMatch.${k}`);
  }
  return out;
}

function listRuleFiles(dir: string): string[] {
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

/**
 * Loads, validates and compiles every rule in a folder, once per process: queries and regexes are
 * compiled here and never per file.
 */
export function loadRules(dir: string = DEFAULT_RULES_DIR, knownAnalyzers?: Set<string>): RuleSet {
  const hit = cache.get(dir);
  if (hit) return hit;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(RULE_SCHEMA);
  const rules: CompiledRule[] = [];
  const ids = new Set<string>();
  for (const file of listRuleFiles(dir)) {
    const rel = path.relative(dir, file);
    let spec: RuleSpec;
    try {
      spec = YAML.parse(readFileSync(file, 'utf8')) as RuleSpec;
    } catch (e) {
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
    const compiled: CompiledRule = {
      spec,
      file: rel,
      where: spec.where ? compileCondition(spec.where, `${rel}: where`) : undefined,
      adjust: (spec.adjust ?? []).map((a, i) => ({ ...a, cond: compileCondition(a.when, `${rel}: adjust[${i}].when`) })),
    };
    if (spec.paths?.include?.length) compiled.include = picomatch(spec.paths.include, { dot: true });
    if (spec.paths?.exclude?.length) compiled.exclude = picomatch(spec.paths.exclude, { dot: true });
    if (spec.match.query) {
      try {
        compiled.query = new Parser.Query(RUST_LANGUAGE, spec.match.query);
      } catch (e) {
        throw new RuleError(`${rel}: match.query does not compile: ${(e as Error).message}`);
      }
      if (!/@match\b/.test(spec.match.query)) throw new RuleError(`${rel}: match.query needs a @match capture`);
    }
    if (spec.match.sites?.text) compiled.siteText = compileRegex(spec.match.sites.text, `${rel}: match.sites.text`);
    rules.push(compiled);
  }
  const set: RuleSet = { dir, rules, catalogue: loadCatalogue(dir) };
  cache.set(dir, set);
  return set;
}
