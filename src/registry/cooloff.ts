import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { PolicyNote, Report } from '../index.js';
import { worstVerdict } from '../usage.js';
import { FileReadError, readBoundedSync } from '../files/index.js';
import { defaultCargoHome } from './cache.js';
import { RegistryError } from './errors.js';

/** Seconds per unit; a Map, so a unit such as "constructor" is just an unknown unit. */
const UNIT_SECONDS = new Map<string, number>(Object.entries({
  second: 1,
  seconds: 1,
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86_400,
  days: 86_400,
  week: 604_800,
  weeks: 604_800,
  // Cargo's month is the average Gregorian month: 30.436875 days.
  month: 2_629_746,
  months: 2_629_746,
}));

/**
 * Parses a minimum publish age exactly as Cargo's `min-publish-age` / `global-min-publish-age`
 * does (its `parse_time_span`): `"0"`, or digits, an optional single space, and one of second(s),
 * minute(s), hour(s), day(s), week(s), month(s) — `"14 days"`, `"1week"`. Returns milliseconds.
 */
export function parseMinPublishAge(text: string): number {
  if (text === '0') return 0;
  const m = /^([0-9]+) ?([a-z]+)$/.exec(text);
  const factor = m ? UNIT_SECONDS.get(m[2]) : undefined;
  if (!m || factor === undefined) {
    throw new RegistryError(`expected a minimum publish age of the form "N seconds/minutes/hours/days/weeks/months" (or "0"), got "${text.slice(0, 60)}"`);
  }
  return Number(m[1]) * factor * 1000;
}

/** Where a minimum publish age came from, for messages: the flag, an env var, or a Cargo config file. */
export interface MinPublishAge {
  ms: number;
  text: string;
  source: string;
}

/** A Cargo config file is a few kilobytes; a larger one (or a link to a device, a FIFO) is refused. */
export const MAX_CARGO_CONFIG_BYTES = 1024 * 1024;

/** The Cargo config files that apply from `cwd`, nearest first, then `$CARGO_HOME/config.toml` (cargo's order). */
export function cargoConfigFiles(cwd: string, cargoHome = defaultCargoHome()): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (dir: string) => {
    for (const f of ['config.toml', 'config']) {
      const file = path.join(dir, f);
      if (!seen.has(file) && existsSync(file)) {
        seen.add(file);
        out.push(file);
        return; // cargo reads `config` only when `config.toml` is absent
      }
    }
  };
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    add(path.join(dir, '.cargo'));
    if (path.dirname(dir) === dir) break;
  }
  add(cargoHome);
  return out;
}

/**
 * The minimum publish age Cargo itself would apply to crates.io: `CARGO_REGISTRY_MIN_PUBLISH_AGE`,
 * `CARGO_REGISTRY_GLOBAL_MIN_PUBLISH_AGE`, then `[registry] min-publish-age` over
 * `global-min-publish-age` in the nearest config file that sets one. Null when none is set.
 */
export function cargoMinPublishAge(cwd: string, cargoHome?: string, env: NodeJS.ProcessEnv = process.env): MinPublishAge | null {
  for (const k of ['CARGO_REGISTRY_MIN_PUBLISH_AGE', 'CARGO_REGISTRY_GLOBAL_MIN_PUBLISH_AGE']) {
    const v = env[k];
    if (v) return { ms: parseMinPublishAge(v), text: v, source: `$${k}` };
  }
  let specific: MinPublishAge | null = null;
  let global: MinPublishAge | null = null;
  for (const file of cargoConfigFiles(cwd, cargoHome)) {
    let text: string;
    try {
      // A `.cargo/config.toml` can arrive in a pull request: bounded, regular files only.
      text = readBoundedSync(file, { maxBytes: MAX_CARGO_CONFIG_BYTES, what: 'Cargo config file' }).toString('utf8');
    } catch (e) {
      if (e instanceof FileReadError) throw new RegistryError(e.message);
      throw e;
    }
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      throw new RegistryError(`${file}: not valid TOML (${(e as Error).message.split('\n')[0]})`);
    }
    const reg = doc.registry as Record<string, unknown> | undefined;
    if (!reg || typeof reg !== 'object') continue;
    for (const [key, slot] of [['min-publish-age', 'specific'], ['global-min-publish-age', 'global']] as const) {
      const v = reg[key];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw new RegistryError(`${file}: registry.${key} must be a string such as "7 days"`);
      let ms: number;
      try {
        ms = parseMinPublishAge(v);
      } catch (e) {
        throw new RegistryError(`${file}: registry.${key}: ${(e as Error).message}`);
      }
      const found = { ms, text: v, source: `${file} (registry.${key})` };
      if (slot === 'specific') specific ??= found;
      else global ??= found;
    }
  }
  return specific ?? global;
}

/** What the registry says about the release a report is for. */
export interface PublishFacts {
  yanked: boolean;
  /** Null when neither the index nor the web API knows it. */
  publishedAt: Date | null;
}

/** Adds a policy note (creating `report.policy` with the scan's own verdict and score if absent) and raises the verdict and its reason. */
function addNote(report: Report, note: PolicyNote, raiseTo: Report['verdict']): void {
  report.policy ??= { configFile: null, scanVerdict: report.verdict, scanScore: report.score, approvedBy: [], suppressedFindings: 0, notes: [] };
  report.policy.notes.push(note);
  const raised = worstVerdict(report.verdict, raiseTo);
  // The reason line follows the verdict, so every reporter says why it is what it is.
  if (raised !== report.verdict) report.verdictReason = `${note.message} (scan: ${report.verdict}, ${report.verdictReason})`;
  report.verdict = raised;
}

const DAY = 86_400_000;

function age(ms: number): string {
  if (ms >= 2 * DAY) return `${Math.floor(ms / DAY)} days`;
  if (ms >= 2 * 3_600_000) return `${Math.floor(ms / 3_600_000)} hours`;
  return `${Math.floor(ms / 60_000)} minutes`;
}

/**
 * The adoption policy on top of a scan, as policy notes (rules untouched): a yanked release is
 * `block`; a release younger than the minimum publish age is at least `review`, and the note says
 * when it may be adopted; with a minimum age set and no known publish time, `review` as well (the
 * age cannot be shown). `now` is injected so tests control the clock.
 */
export function applyPublishPolicy(report: Report, label: string, facts: PublishFacts, minAge: MinPublishAge | null, now: Date): void {
  if (facts.yanked) addNote(report, { kind: 'yanked', message: `${label} is yanked from the registry: it should not be adopted` }, 'block');
  if (!minAge || minAge.ms === 0) return;
  if (!facts.publishedAt) {
    addNote(report, { kind: 'cool-off', message: `${label}: publish time unknown, so the minimum publish age of ${minAge.text} (${minAge.source}) cannot be checked` }, 'review');
    return;
  }
  const elapsed = now.getTime() - facts.publishedAt.getTime();
  if (elapsed >= minAge.ms) return;
  const from = new Date(facts.publishedAt.getTime() + minAge.ms);
  // A publish time after "now" is clock skew or a wrong pubtime: still too young, and said so.
  const when = elapsed < 0 ? 'which is in the future (clock skew or a wrong publish time?)' : `${age(elapsed)} ago`;
  addNote(
    report,
    {
      kind: 'cool-off',
      message: `${label} was published ${facts.publishedAt.toISOString()} (${when}), under the minimum publish age of ${minAge.text} (${minAge.source}); it may be adopted from ${from.toISOString()}`,
    },
    'review',
  );
}
