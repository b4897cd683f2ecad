import { z } from 'zod';
import semver from 'semver';
import picomatch from 'picomatch';
import { parseCargoDuration, DurationError } from './duration.js';
import { hasVisibleText } from '../report/safe-text.js';
import { DEFAULT_POLICY, ServePolicySchema, type ServePolicy } from './serve.js';
import { calendarProblem } from './dates.js';

/**
 * The schema of `cratefence.toml` (kebab-case keys, as in Cargo's own files). Unknown keys are errors:
 * a misspelt `reason` or `expires` must not silently widen a suppression.
 */

const SEVERITY = z.enum(['info', 'low', 'medium', 'high', 'critical']);
const CRATE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** node-semver range syntax; Cargo-style commas (`>=1.2, <2`) are accepted as spaces. */
export const normalizeRange = (s: string) => s.replace(/,/g, ' ');
const semverRange = z.string().refine((s) => semver.validRange(normalizeRange(s)) !== null, { message: 'is not a semver version range (e.g. ">=1.2, <2" or "1.4.*")' });

/**
 * A TOML date (`2026-12-31`) or date-time, or the same written as a string. A bare date lasts the whole
 * day (UTC): the value becomes the first instant at which the entry no longer applies, and its text.
 */
const dateValue = z.union([z.date(), z.string()]).transform((v, ctx) => {
  const text = v instanceof Date ? ('isDate' in v && typeof v.isDate === 'function' && v.isDate() ? v.toISOString().slice(0, 10) : v.toISOString()) : v.trim();
  // Date's parser rolls 2027-02-31 over into March; a date that is not on the calendar is refused.
  // (A TOML date literal is checked on its text by the loader: the TOML parser rolls it over too.)
  const wrong = calendarProblem(text);
  if (wrong) {
    ctx.addIssue({ code: 'custom', message: wrong });
    return z.NEVER;
  }
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  // A date-time without an offset is read as UTC, so expiry does not depend on the machine's time zone.
  const zoned = /([zZ]|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`;
  const d = dateOnly ? new Date(`${text}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text) ? new Date(zoned.replace(' ', 'T')) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'is not a date (write e.g. 2026-12-31)' });
    return z.NEVER;
  }
  return { text, endsAt: new Date(d.getTime() + (dateOnly ? 24 * 3600 * 1000 : 0)) };
});

const duration = z.string().min(1).superRefine((s, ctx) => {
  try {
    parseCargoDuration(s);
  } catch (e) {
    if (e instanceof DurationError) ctx.addIssue({ code: 'custom', message: e.message });
    else throw e;
  }
});

const glob = z.string().min(1).refine((s) => {
  try {
    picomatch(s);
    return true;
  } catch {
    return false;
  }
}, { message: 'is not a valid glob' });

const capabilityPattern = z.string().regex(/^(\*|[a-z0-9-]+(\.[a-z0-9-]+)*(\.\*)?)$/, 'is not a capability pattern (e.g. "network.*", "network.http", "fs.write")');

const rule = z.strictObject({ enabled: z.boolean().optional(), severity: SEVERITY.optional() });

/**
 * A table keyed by names from the file (crate names, rule ids, registry names), kept in a record
 * without a prototype: `[crates.constructor]` or `[crates.__proto__]` is a crate like any other, never
 * Object's own member (zod's record drops a `__proto__` key). Issues keep the key in their path.
 */
function nameRecord<V extends z.ZodType>(key: z.ZodType<string>, value: V) {
  return z
    .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date), { message: 'expected a table' })
    .transform((obj, ctx) => {
      const out = Object.create(null) as Record<string, z.output<V>>;
      for (const [k, v] of Object.entries(obj)) {
        const kr = key.safeParse(k);
        if (!kr.success) {
          ctx.addIssue({ code: 'custom', message: `"${k}" ${kr.error.issues[0].message}`, path: [k] });
          continue;
        }
        const vr = value.safeParse(v, { reportInput: true });
        if (!vr.success) {
          for (const i of vr.error.issues) ctx.addIssue({ ...i, path: [k, ...i.path] } as Parameters<typeof ctx.addIssue>[0]);
          continue;
        }
        out[k] = vr.data;
      }
      return out;
    });
}

const suppression = z.strictObject({
  // Blanks, zero-width and other invisible characters say nothing: a reason needs visible text.
  reason: z.string().trim().refine(hasVisibleText, { message: 'must say why the finding is accepted (visible text, not only blanks or invisible characters)' }),
  crate: z.string().regex(CRATE_NAME, 'is not a crate name'),
  versions: semverRange.optional(),
  rule: z.string().min(1).optional(),
  files: glob.optional(),
  expires: dateValue.optional(),
});

const crate = z.strictObject({
  'expected-capabilities': z.array(capabilityPattern).optional(),
  trusted: z.boolean().optional(),
});

const url = z.string().refine((s) => {
  try {
    const u = new URL(s.replace(/^sparse\+/, ''));
    return u.protocol === 'https:' || u.protocol === 'http:' || u.protocol === 'file:';
  } catch {
    return false;
  }
}, { message: 'is not an http(s) URL' });

/** The raw file, as zod checks it. */
export const CONFIG_SCHEMA = z.strictObject({
  'fail-on': z.enum(['review', 'block', 'never']).optional(),
  rules: nameRecord(z.string(), rule).optional(),
  suppress: z.array(suppression).optional(),
  crates: nameRecord(z.string().regex(CRATE_NAME, 'is not a crate name'), crate).optional(),
  registry: z.strictObject({ url: url.optional(), 'min-publish-age': duration.optional() }).optional(),
  registries: nameRecord(z.string().regex(/^[A-Za-z0-9_-]+$/, 'is not a registry name'), z.strictObject({ index: url, 'min-publish-age': duration.optional() })).optional(),
  'cool-off': z.strictObject({ 'min-publish-age': duration.optional() }).optional(),
  audits: z.strictObject({ criteria: z.string().min(1).optional(), 'supply-chain': z.string().min(1).optional() }).optional(),
  serve: ServePolicySchema.optional(),
  lock: z.strictObject({ 'source-change': z.enum(['review', 'block']).optional() }).optional(),
});

/** One `[[suppress]]` entry, with where it was written (for reports and rot checks). */
export interface Suppression {
  reason: string;
  crate: string;
  versions?: string;
  rule?: string;
  files?: string;
  /** The expiry as written (`2026-12-31`) and the first instant at which the suppression no longer applies. */
  expires?: { text: string; endsAt: Date };
  /** `cratefence.toml:12`: the file and line of its `[[suppress]]` header; also its identity. */
  source: string;
}

/**
 * The validated config in the shape the code uses (camelCase). The records keyed by names from the
 * file (`rules`, `crates`, `registries`) have no prototype: look names up with `Object.hasOwn`.
 */
export interface Config {
  failOn?: 'review' | 'block' | 'never';
  rules: Record<string, { enabled?: boolean; severity?: z.infer<typeof SEVERITY> }>;
  suppress: Suppression[];
  crates: Record<string, { expectedCapabilities: string[]; trusted: boolean }>;
  /** `[registry]`: the default registry's index URL (crates.io when absent) and its own cool-off. */
  registry: { url?: string; minPublishAge?: string };
  /** `[registries.<name>]`: alternate registries and mirrors by name, as in `.cargo/config.toml`. */
  registries: Record<string, { index: string; minPublishAge?: string }>;
  /** `[cool-off] min-publish-age`, in Cargo's duration syntax (see duration.ts). */
  coolOff: { minPublishAge?: string };
  /** cargo-vet: the criteria a delta must be audited for, and the supply-chain folder (absolute). */
  audits: { criteria: string; supplyChain: string };
  /** `[serve]`: the ingest service's policy (defaults filled in). */
  serve: ServePolicy;
  /** `[lock] source-change`: the verdict of a dependency moved to another source in `cratefence lock` (default review). */
  lock?: { sourceChange?: 'review' | 'block' };
}

/** The config used when no file is found. */
export function defaultConfig(baseDir: string, join: (a: string, b: string) => string): Config {
  const none = () => Object.create(null) as Record<string, never>;
  return { rules: none(), suppress: [], crates: none(), registry: {}, registries: none(), coolOff: {}, audits: { criteria: 'safe-to-deploy', supplyChain: join(baseDir, 'supply-chain') }, serve: DEFAULT_POLICY };
}

export type RawConfig = z.infer<typeof CONFIG_SCHEMA>;
