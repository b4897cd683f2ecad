/**
 * The table of sensitive write targets (rules/data/sensitive-targets.yaml) and the matcher that
 * decides whether a path, as code builds it, lands on one of them. A path is first turned into a
 * "sketch": the text of its literal pieces joined as the code joins them, with the places that come
 * from the environment (home_dir(), $CARGO_HOME, env!("CARGO_MANIFEST_DIR")…) as markers.
 */
import { SEVERITIES, type Severity } from '../../contract/finding.js';

export type TargetKind = 'file' | 'registry';

/** A program whose start writes a target (`crontab -`, `reg add`), with the arguments that decide it. */
export interface TargetProgram {
  name: string;
  /** The start writes only when some argument matches. */
  only?: string;
  /** The start does not write when some argument matches (`crontab -l`). */
  unless?: string;
}

/** One entry of the table, as written. */
export interface TargetSpec {
  id: string;
  /** What the place is, as a message says it ("cargo's configuration"). */
  name: string;
  kind: TargetKind;
  patterns: string[];
  gives: string;
  severity: Severity;
  job?: string;
  programs?: TargetProgram[];
  examples: { match: string[]; noMatch?: string[] };
}

/** The file as written. */
export interface TargetFile {
  targets: TargetSpec[];
}

type Anchor = 'home' | 'cargo_home' | 'rustup_home' | 'appdata' | 'root' | 'hive';

interface CompiledPattern {
  text: string;
  anchor?: Anchor;
  /** Anchors that must stand right before the body; the others may come from a value the code does not show. */
  required: boolean;
  body: Array<string | RegExp>;
}

export interface CompiledTarget {
  spec: TargetSpec;
  patterns: CompiledPattern[];
  job?: RegExp;
  programs: Array<{ name: string; only?: RegExp; unless?: RegExp }>;
}

export interface TargetTable {
  targets: CompiledTarget[];
}

export interface TargetHit {
  target: CompiledTarget;
  pattern: string;
}

/** Marker characters: never in source text, so a marker in a sketch cannot be forged by a literal. */
const M = '\u0001';
export const marker = (name: string) => `/${M}${name}${M}/`;

/** What each environment-given place stands for in a sketch. */
const MARKERS: Record<string, string> = {
  home: marker('home'),
  config_dir: `${marker('home')}.config/`,
  data_dir: `${marker('home')}.local/share/`,
  cargo_home: marker('cargo_home'),
  rustup_home: marker('rustup_home'),
  appdata: marker('appdata'),
  manifest: marker('manifest'),
  parent: '/../',
};

/** Environment variables that name those places. */
const ENV_MARKERS: Record<string, string> = {
  HOME: 'home', USERPROFILE: 'home', HOMEPATH: 'home', XDG_CONFIG_HOME: 'config_dir', XDG_DATA_HOME: 'data_dir',
  CARGO_HOME: 'cargo_home', RUSTUP_HOME: 'rustup_home', APPDATA: 'appdata', CARGO_MANIFEST_DIR: 'manifest',
};

/** The sketch of a place by marker name (`home`, `config_dir`…), or undefined. */
export function markerSketch(name: string): string | undefined {
  return Object.hasOwn(MARKERS, name) ? MARKERS[name] : undefined;
}

/** The sketch of one string literal's content: environment names and `~`, `$HOME`, `%APPDATA%` become markers. */
export function literalSketch(raw: string): string {
  // A literal may spell the marker characters with escapes (`"\u{1}home\u{1}"`): they are dropped.
  const text = raw.replace(/[\u0001\u0002]/g, '');
  if (Object.hasOwn(ENV_MARKERS, text)) return MARKERS[ENV_MARKERS[text]];
  // A literal that starts at `/` is absolute wherever it is joined (`Path::join` replaces the base).
  let t = text.startsWith('/') ? `${marker('root')}${text}` : text.replace(/^~(?=$|[/\\])/, MARKERS.home);
  t = t.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?|%([A-Z_][A-Z0-9_]*)%/g, (all, a: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? '';
    return Object.hasOwn(ENV_MARKERS, name) ? MARKERS[ENV_MARKERS[name]] : all;
  });
  return t;
}

/** An example path of the table: `{home}`-style names are markers, other `{x}` are values not shown. */
export function exampleSketch(text: string): string {
  return literalSketch(text).replace(/\{([a-z_]+)\}/g, (_all, n: string) => markerSketch(n) ?? '/?/');
}

/** The segments of a sketch, lower-cased. */
export function segments(sketch: string): string[] {
  const out: string[] = [];
  for (const s of sketch.split(/[/\\]+/)) {
    if (s === '' || s === '.') continue;
    out.push(s.toLowerCase());
  }
  return out;
}

const ANCHORS: Array<[RegExp, Anchor, boolean]> = [
  [/^~[/\\]/, 'home', false],
  [/^\$CARGO_HOME[/\\]/, 'cargo_home', true],
  [/^\$RUSTUP_HOME[/\\]/, 'rustup_home', true],
  [/^%APPDATA%[/\\]/, 'appdata', false],
  [/^(HKCU|HKLM|HKEY_[A-Z_]+)[/\\]/, 'hive', false],
  [/^\//, 'root', true],
];

function compilePattern(text: string): CompiledPattern {
  let rest = text;
  let anchor: Anchor | undefined;
  let required = false;
  for (const [re, a, req] of ANCHORS) {
    const m = re.exec(rest);
    if (m) {
      anchor = a;
      required = req;
      rest = rest.slice(m[0].length);
      break;
    }
  }
  const parts = rest.split(/[/\\]+/).filter((s) => s !== '');
  if (parts[parts.length - 1] === '*') parts.pop();
  const body = parts.map((p) => (p.includes('*') ? new RegExp(`^${p.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`) : p.toLowerCase()));
  if (body.length === 0) throw new Error(`pattern "${text}" names no folder or file`);
  return { text, anchor, required, body };
}

const anchorMarker = (a: Anchor) => `${M}${a}${M}`;

function matchesAt(segs: string[], i: number, p: CompiledPattern): boolean {
  if (i + p.body.length > segs.length) return false;
  for (let k = 0; k < p.body.length; k++) {
    const b = p.body[k];
    if (typeof b === 'string' ? segs[i + k] !== b : !b.test(segs[i + k])) return false;
  }
  if (p.required && p.anchor) return i > 0 && segs[i - 1] === anchorMarker(p.anchor);
  return true;
}

/** The first target of `kind` whose pattern the segments contain, or undefined. */
export function matchTarget(table: TargetTable, segs: string[], kind: TargetKind): TargetHit | undefined {
  for (const t of table.targets) {
    if (t.spec.kind !== kind) continue;
    for (const p of t.patterns) {
      for (let i = 0; i < segs.length; i++) if (matchesAt(segs, i, p)) return { target: t, pattern: p.text };
    }
  }
  return undefined;
}

/** JSON schema of the table; errors name the offending key. */
export const TARGETS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['targets'],
  properties: {
    targets: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'kind', 'patterns', 'gives', 'severity', 'examples'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' },
          name: { type: 'string', minLength: 1 },
          kind: { enum: ['file', 'registry'] },
          patterns: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          gives: { type: 'string', minLength: 1 },
          severity: { enum: [...SEVERITIES] },
          job: { type: 'string' },
          programs: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              properties: { name: { type: 'string', minLength: 1 }, only: { type: 'string' }, unless: { type: 'string' } },
            },
          },
          examples: {
            type: 'object',
            additionalProperties: false,
            required: ['match'],
            properties: { match: { type: 'array', minItems: 1, items: { type: 'string' } }, noMatch: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    },
  },
} as const;

/**
 * Compiles a validated table. `regex` compiles the table's regexes the way rule files' are compiled
 * (`(?i)` prefix); errors name the entry and key.
 */
export function compileTargets(file: TargetFile, regex: (src: string, where: string) => RegExp): TargetTable {
  const ids = new Set<string>();
  const targets = file.targets.map((spec, i): CompiledTarget => {
    const where = `targets[${i}] (${spec.id})`;
    if (ids.has(spec.id)) throw new Error(`${where}: duplicate id`);
    ids.add(spec.id);
    const patterns = spec.patterns.map((p, k) => {
      try {
        return compilePattern(p);
      } catch (e) {
        throw new Error(`${where}.patterns[${k}]: ${(e as Error).message}`);
      }
    });
    return {
      spec,
      patterns,
      job: spec.job ? regex(spec.job, `${where}.job`) : undefined,
      programs: (spec.programs ?? []).map((p, k) => ({
        name: p.name,
        only: p.only ? regex(p.only, `${where}.programs[${k}].only`) : undefined,
        unless: p.unless ? regex(p.unless, `${where}.programs[${k}].unless`) : undefined,
      })),
    };
  });
  return { targets };
}
