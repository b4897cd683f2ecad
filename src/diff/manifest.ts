import { parse as parseToml } from 'smol-toml';

export type DepSection = 'normal' | 'dev' | 'build';
export type DepSource = 'registry' | 'git' | 'path' | 'alt-registry';

/** One dependency line of Cargo.toml, normalized. */
export interface DepSpec {
  /** The name the code uses (the table key). */
  name: string;
  /** The crate actually fetched (`package = "..."`, else the key). */
  package: string;
  section: DepSection;
  target?: string;
  version?: string;
  source: DepSource;
  git?: string;
  rev?: string;
  path?: string;
  registry?: string;
  optional: boolean;
  features: string[];
  defaultFeatures: boolean;
  workspace: boolean;
}

export interface Manifest {
  name?: string;
  version?: string;
  /** Build script path, `false` when disabled, undefined when not declared (cargo then uses build.rs if present). */
  build?: string | false;
  links?: string;
  procMacro: boolean;
  libPath?: string;
  deps: DepSpec[];
  features: Record<string, string[]>;
  include?: string[];
  exclude?: string[];
  /** The raw parsed table, for analyzers that need more. */
  raw: Record<string, unknown>;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function readDeps(table: unknown, section: DepSection, target: string | undefined, out: DepSpec[]): void {
  if (!isTable(table)) return;
  for (const [name, spec] of Object.entries(table)) {
    const d: DepSpec = { name, package: name, section, target, source: 'registry', optional: false, features: [], defaultFeatures: true, workspace: false };
    if (typeof spec === 'string') d.version = spec;
    else if (isTable(spec)) {
      if (typeof spec.version === 'string') d.version = spec.version;
      if (typeof spec.package === 'string') d.package = spec.package;
      if (typeof spec.git === 'string') {
        d.source = 'git';
        d.git = spec.git;
        d.rev = [spec.rev, spec.tag, spec.branch].find((x) => typeof x === 'string') as string | undefined;
      } else if (typeof spec.path === 'string') {
        d.source = 'path';
        d.path = spec.path;
      } else if (typeof spec.registry === 'string' || typeof spec['registry-index'] === 'string') {
        d.source = 'alt-registry';
        d.registry = (spec.registry ?? spec['registry-index']) as string;
      }
      // Published manifests keep `path` next to `version`; the registry version is what users get.
      if (d.source === 'path' && d.version !== undefined) d.source = 'registry';
      d.optional = spec.optional === true;
      d.features = Array.isArray(spec.features) ? spec.features.filter((f): f is string => typeof f === 'string') : [];
      d.defaultFeatures = spec['default-features'] !== false && spec.default_features !== false;
      d.workspace = spec.workspace === true;
    }
    out.push(d);
  }
}

/** Parses Cargo.toml text into the fields the diff cares about. Throws ManifestError on invalid TOML. */
export function parseManifest(text: string): Manifest {
  let raw: Table;
  try {
    raw = parseToml(text) as Table;
  } catch (e) {
    throw new ManifestError(`Cargo.toml is not valid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
  const pkg = isTable(raw.package) ? raw.package : {};
  const lib = isTable(raw.lib) ? raw.lib : {};
  const deps: DepSpec[] = [];
  readDeps(raw.dependencies, 'normal', undefined, deps);
  readDeps(raw['dev-dependencies'] ?? raw.dev_dependencies, 'dev', undefined, deps);
  readDeps(raw['build-dependencies'] ?? raw.build_dependencies, 'build', undefined, deps);
  if (isTable(raw.target)) {
    for (const [target, t] of Object.entries(raw.target)) {
      if (!isTable(t)) continue;
      readDeps(t.dependencies, 'normal', target, deps);
      readDeps(t['dev-dependencies'] ?? t.dev_dependencies, 'dev', target, deps);
      readDeps(t['build-dependencies'] ?? t.build_dependencies, 'build', target, deps);
    }
  }
  const features: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  if (isTable(raw.features)) {
    for (const [k, v] of Object.entries(raw.features)) features[k] = Array.isArray(v) ? v.map(String) : [];
  }
  const build = pkg.build === false ? false : typeof pkg.build === 'string' ? pkg.build : undefined;
  return {
    name: typeof pkg.name === 'string' ? pkg.name : undefined,
    version: typeof pkg.version === 'string' ? pkg.version : undefined,
    build,
    links: typeof pkg.links === 'string' ? pkg.links : undefined,
    procMacro: lib['proc-macro'] === true || lib.proc_macro === true,
    libPath: typeof lib.path === 'string' ? lib.path : undefined,
    deps,
    features,
    include: Array.isArray(pkg.include) ? pkg.include.map(String) : undefined,
    exclude: Array.isArray(pkg.exclude) ? pkg.exclude.map(String) : undefined,
    raw,
  };
}

export interface DepChange {
  old: DepSpec;
  new: DepSpec;
  what: string[];
}

export interface ManifestDelta {
  added: DepSpec[];
  removed: DepSpec[];
  changed: DepChange[];
  build: { old: string | false | undefined; new: string | false | undefined };
  links: { old?: string; new?: string };
  procMacro: { old: boolean; new: boolean };
  libPath: { old?: string; new?: string };
  featuresAdded: string[];
  featuresRemoved: string[];
  featuresChanged: string[];
}

const depKey = (d: DepSpec) => `${d.section}|${d.target ?? ''}|${d.name}`;

/** Compares two manifests. A missing old manifest (first release) makes everything "added". */
export function diffManifests(oldM: Manifest | null, newM: Manifest | null): ManifestDelta {
  const oldDeps = new Map((oldM?.deps ?? []).map((d) => [depKey(d), d]));
  const newDeps = new Map((newM?.deps ?? []).map((d) => [depKey(d), d]));
  const delta: ManifestDelta = {
    added: [],
    removed: [],
    changed: [],
    build: { old: oldM?.build, new: newM?.build },
    links: { old: oldM?.links, new: newM?.links },
    procMacro: { old: oldM?.procMacro ?? false, new: newM?.procMacro ?? false },
    libPath: { old: oldM?.libPath, new: newM?.libPath },
    featuresAdded: [],
    featuresRemoved: [],
    featuresChanged: [],
  };
  for (const [k, d] of newDeps) {
    const o = oldDeps.get(k);
    if (!o) {
      delta.added.push(d);
      continue;
    }
    const what: string[] = [];
    if (o.package !== d.package) what.push('package');
    if (o.version !== d.version) what.push('version');
    if (o.source !== d.source || o.git !== d.git || o.rev !== d.rev || o.path !== d.path || o.registry !== d.registry) what.push('source');
    if (o.optional !== d.optional) what.push('optional');
    if (o.defaultFeatures !== d.defaultFeatures || o.features.join(',') !== d.features.join(',')) what.push('features');
    if (what.length > 0) delta.changed.push({ old: o, new: d, what });
  }
  for (const [k, d] of oldDeps) if (!newDeps.has(k)) delta.removed.push(d);
  const of = oldM?.features ?? {};
  const nf = newM?.features ?? {};
  for (const k of Object.keys(nf)) {
    if (!Object.hasOwn(of, k)) delta.featuresAdded.push(k);
    else if (of[k].join(',') !== nf[k].join(',')) delta.featuresChanged.push(k);
  }
  for (const k of Object.keys(of)) if (!Object.hasOwn(nf, k)) delta.featuresRemoved.push(k);
  return delta;
}
