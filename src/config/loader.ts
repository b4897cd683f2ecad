import path from 'node:path';
import { FileReadError, readBoundedSync } from '../files/index.js';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { CONFIG_SCHEMA, defaultConfig, type Config, type RawConfig } from './schema.js';
import { configError, ConfigError } from './errors.js';
import { lineOfKey } from './toml-lines.js';
import { checkDateLiterals } from './dates.js';
import { dict } from './dict.js';
import { findConfigFile } from './find.js';

export { findConfigFile, CONFIG_FILE_NAME } from './find.js';

/** Larger config files are refused: a policy file is a few kilobytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const keyPathText = (p: ReadonlyArray<PropertyKey>) => p.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replace(/\.\[/g, '[');

/** Turns the first zod issue into a ConfigError naming file, key and line. */
function schemaError(file: string, text: string, issue: z.core.$ZodIssue): ConfigError {
  let keyPath = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
  let what = issue.message;
  if (issue.code === 'unrecognized_keys') {
    keyPath = [...keyPath, issue.keys[0]];
    what = `unknown key "${issue.keys[0]}"${issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : ''}`;
  } else if (issue.code === 'invalid_type') {
    what = `expected ${issue.expected}${issue.input === undefined ? ' (missing)' : `, got ${describe(issue.input)}`}`;
  } else if (issue.code === 'invalid_value') {
    what = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return configError(file, keyPathText(keyPath) || null, lineOfKey(text, keyPath), what);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Parses and validates config text. `file` names it in errors and sets the folder relative paths
 * (the supply-chain folder) are resolved against.
 */
export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) throw configError(file, null, e.line, `not valid TOML: ${e.message.split('\n')[0]} (column ${e.column})`);
    throw e;
  }
  checkDateLiterals(file, text);
  const res = CONFIG_SCHEMA.safeParse(raw, { reportInput: true });
  if (!res.success) throw schemaError(file, text, res.error.issues[0]);
  return toConfig(res.data, file, text);
}

function toConfig(raw: RawConfig, file: string, text: string): Config {
  const base = path.dirname(file);
  const cfg = defaultConfig(base, path.join);
  cfg.failOn = raw['fail-on'];
  cfg.rules = raw.rules ?? dict();
  cfg.suppress = (raw.suppress ?? []).map((s, i) => ({
    reason: s.reason,
    crate: s.crate,
    versions: s.versions,
    rule: s.rule,
    files: s.files,
    expires: s.expires,
    source: `${path.basename(file)}:${lineOfKey(text, ['suppress', i]) ?? '?'}`,
  }));
  // Records keyed by names from the file have no prototype (see schema.ts).
  cfg.crates = dict(Object.entries(raw.crates ?? {}).map(([name, c]) => [name, { expectedCapabilities: c['expected-capabilities'] ?? [], trusted: c.trusted ?? false }]));
  cfg.registry = { url: raw.registry?.url, minPublishAge: raw.registry?.['min-publish-age'] };
  cfg.registries = dict(Object.entries(raw.registries ?? {}).map(([n, r]) => [n, { index: r.index, minPublishAge: r['min-publish-age'] }]));
  cfg.coolOff = { minPublishAge: raw['cool-off']?.['min-publish-age'] };
  if (raw.serve) cfg.serve = raw.serve;
  if (raw.lock) cfg.lock = { sourceChange: raw.lock['source-change'] };
  if (raw.audits?.criteria) cfg.audits.criteria = raw.audits.criteria;
  if (raw.audits?.['supply-chain']) cfg.audits.supplyChain = path.resolve(base, raw.audits['supply-chain']);
  return cfg;
}

/**
 * Loads the team's config: `file` when given (it must exist), else `cratefence.toml` found from `cwd`
 * up (see {@link findConfigFile}), else the defaults (`file: null`). Throws ConfigError on any problem.
 */
export function loadConfig(opts: { cwd: string; file?: string }): { config: Config; file: string | null } {
  const file = opts.file !== undefined ? path.resolve(opts.cwd, opts.file) : findConfigFile(opts.cwd);
  if (file === null) return { config: defaultConfig(path.resolve(opts.cwd), path.join), file: null };
  let text: string;
  try {
    // Bounded, regular files only: a config linked to /dev/zero or made a FIFO is refused at once.
    text = readBoundedSync(file, { maxBytes: MAX_CONFIG_BYTES, what: 'config file' }).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError) throw new ConfigError(e.message, file);
    throw e;
  }
  return { config: parseConfig(text, file), file };
}
