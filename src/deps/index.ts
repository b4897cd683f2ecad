/**
 * Gathers capability summaries of a scan's dependencies before the scan runs, so the core can look
 * them up synchronously: from releases the caller already holds (a `lock` run's fetched packages),
 * cratefence's summary cache, the Cargo cache on this machine (`$CARGO_HOME/registry/src` and
 * `registry/cache`), the shipped summary index, and — only with `--deps fetch` — the registry client.
 * Transitive: each summary's own dependencies are gathered too, up to a bound. Nothing here runs or
 * builds the code it reads.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import {
  DEFAULT_RULES_DIR, loadRelease, manifestDependencies, pickVersion, shippedIndex, summarizeTree, summaryTool, SummarySet, SUMMARY_FORMAT,
  type CrateSummary, type CrateTree, type DependencySource, type SourceLimits,
} from '../index.js';
import type { RegistryClientApi } from '../registry/types.js';
import { readInside, writeInside } from '../files/index.js';

export type DepsMode = 'offline' | 'fetch' | 'off';

export const DEPS_MODES: readonly DepsMode[] = ['offline', 'fetch', 'off'];

export interface GatherOptions {
  mode: DepsMode;
  /** `$CARGO_HOME` (its registry caches are read, never written). */
  cargoHome?: string;
  /** cratefence's cache folder: summaries are kept under `summaries/` (null: no summary cache). */
  cacheDir?: string | null;
  /** The one registry client, used only in `fetch` mode. */
  registry?: RegistryClientApi;
  /** Releases already in memory by `name@version` (lock's fetched packages): used before anything else. */
  trees?: Map<string, CrateTree>;
  /** Exact versions to use per package name (a Cargo.lock's), preferred over requirement matching. */
  pinned?: Map<string, string[]>;
  limits?: SourceLimits;
  rulesDir?: string;
  /** At most this many dependency crates are summarised or looked up per scan (default 400). */
  maxCrates?: number;
  /** Crates over this many bytes of source are not summarised (default 64 MiB; generated bindings). */
  maxTreeBytes?: number;
  /** Called with one line per problem (a dependency that could not be read or fetched). */
  warn?: (message: string) => void;
}

/** What the gathering found, for the report's notes and the CLI's --debug line. */
export interface GatherStats {
  fromCache: number;
  computed: number;
  fromIndex: number;
  fetched: number;
  unknown: string[];
}

/**
 * Crates whose functions are modelled by the platform tables (the capability catalogue), not by
 * summaries: their code is declarations, and summarising them would cost much and add nothing.
 */
const PLATFORM = new Set(['libc', 'winapi', 'windows_sys', 'windows', 'nix', 'rustix', 'windows_targets', 'core_foundation_sys', 'linux_raw_sys']);

function canon(name: string): string {
  return name.includes('-') ? name.replace(/-/g, '_') : name;
}

/** Folders and `.crate` files of the Cargo cache, by package name: what this machine has built before. */
function cargoCacheListing(cargoHome: string): Map<string, Array<{ version: string; dir?: string; crate?: string }>> {
  const out = new Map<string, Array<{ version: string; dir?: string; crate?: string }>>();
  const add = (entry: string, full: string, kind: 'dir' | 'crate') => {
    const m = /^(.+?)-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)(\.crate)?$/.exec(entry);
    if (!m || (kind === 'crate') !== (m[3] !== undefined) || !semver.valid(m[2])) return;
    const name = canon(m[1]);
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    let v = list.find((x) => x.version === m[2]);
    if (!v) list.push((v = { version: m[2] }));
    if (kind === 'dir') v.dir ??= full;
    else v.crate ??= full;
  };
  for (const [sub, kind] of [['src', 'dir'], ['cache', 'crate']] as const) {
    const root = path.join(cargoHome, 'registry', sub);
    let regs: string[];
    try {
      regs = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    } catch {
      continue;
    }
    for (const r of regs) {
      try {
        for (const e of readdirSync(path.join(root, r), { withFileTypes: true })) {
          if ((kind === 'dir' && e.isDirectory()) || (kind === 'crate' && e.isFile())) add(e.name, path.join(root, r, e.name), kind);
        }
      } catch {
        // an unreadable registry folder: nothing from it
      }
    }
  }
  return out;
}

const MAX_SUMMARY_BYTES = 32 * 1024 * 1024;

function cacheRel(name: string, version: string): string {
  return path.join('summaries', String(SUMMARY_FORMAT), canon(name), `${version}.json`);
}

/**
 * Keeps a release's summary in cratefence's cache, for later scans of crates that depend on it. A
 * cache that cannot be written is not an error (the scan did not need it).
 */
export async function rememberSummary(cacheDir: string, s: CrateSummary): Promise<void> {
  if (!semver.valid(s.version) || !/^[A-Za-z0-9_-]{1,64}$/.test(s.name)) return;
  try {
    await writeInside(cacheDir, cacheRel(s.name, s.version), JSON.stringify(s));
  } catch {
    // best effort
  }
}

function isSummary(v: unknown, name: string, version: string): v is CrateSummary {
  const s = v as CrateSummary;
  return !!s && typeof s === 'object' && s.format === SUMMARY_FORMAT && canon(s.name) === canon(name) && s.version === version
    && Array.isArray(s.deps) && Array.isArray(s.ext) && typeof s.items === 'object' && typeof s.methods === 'object';
}

/**
 * Gathers the summaries a scan of `trees` needs. Returns the source to pass as
 * `ScanOptions.dependencies` ('off' in off mode) and what was found where.
 */
export async function gatherDependencies(roots: CrateTree[], o: GatherOptions): Promise<{ source: DependencySource | 'off'; stats: GatherStats }> {
  const stats: GatherStats = { fromCache: 0, computed: 0, fromIndex: 0, fetched: 0, unknown: [] };
  if (o.mode === 'off') return { source: 'off', stats };
  const tool = summaryTool(o.rulesDir);
  const index = shippedIndex(o.rulesDir ?? DEFAULT_RULES_DIR);
  const listing = o.cargoHome ? cargoCacheListing(o.cargoHome) : new Map();
  const found: CrateSummary[] = [];
  const have = new Set<string>();
  const maxCrates = o.maxCrates ?? 400;
  const maxBytes = o.maxTreeBytes ?? 64 * 1024 * 1024;
  const queue: Array<{ name: string; req?: string }> = [];
  const asked = new Set<string>();
  const ask = (name: string, req: string | undefined) => {
    const key = `${canon(name)}|${req ?? ''}`;
    if (asked.has(key) || PLATFORM.has(canon(name))) return;
    asked.add(key);
    queue.push({ name, req });
  };
  for (const t of roots) for (const d of manifestDependencies(t)) if (d.section !== 'dev' && d.source === 'registry') ask(d.package, d.version);

  const fromCache = async (name: string, version: string): Promise<CrateSummary | null> => {
    if (!o.cacheDir) return null;
    try {
      const bytes = await readInside(o.cacheDir, cacheRel(name, version), { maxBytes: MAX_SUMMARY_BYTES, what: 'summary cache entry' });
      if (!bytes) return null;
      const v: unknown = JSON.parse(bytes.toString('utf8'));
      return isSummary(v, name, version) && v.tool === tool ? v : null;
    } catch {
      return null;
    }
  };
  const summarize = async (name: string, version: string, tree: CrateTree): Promise<CrateSummary | null> => {
    let bytes = 0;
    for (const b of tree.files.values()) bytes += b.length;
    if (bytes > maxBytes) {
      o.warn?.(`${name}@${version}: ${bytes} bytes of source, over the ${maxBytes}-byte limit for dependency summaries; calls into it are not followed`);
      return null;
    }
    const s = summarizeTree(tree, { rulesDir: o.rulesDir });
    // The folder or file name said which release this is; a manifest that claims another is not used.
    if (canon(s.name) !== canon(name) || s.version !== version) {
      o.warn?.(`${name}@${version}: its Cargo.toml says ${s.name} ${s.version}; not used as that dependency's summary`);
      return null;
    }
    if (o.cacheDir) {
      try {
        await writeInside(o.cacheDir, cacheRel(name, version), JSON.stringify(s));
      } catch (e) {
        o.warn?.(`the summary cache could not be written (${(e as Error).message}); the scan did not need it`);
      }
    }
    return s;
  };

  while (queue.length > 0 && have.size < maxCrates) {
    const { name, req } = queue.shift()!;
    const key = canon(name);
    let summary: CrateSummary | null = null;
    // Candidates on this machine, exact versions first: held trees, a lockfile's pins, the Cargo cache.
    const pins = o.pinned?.get(key) ?? o.pinned?.get(name);
    const local = listing.get(key) ?? [];
    const held = o.trees && o.trees.size > 0 ? [...o.trees.keys()].filter((k) => canon(k.slice(0, k.lastIndexOf('@'))) === key).map((k) => k.slice(k.lastIndexOf('@') + 1)) : [];
    // Most crates of a tree are on this machine in no form (the walk only passes through the index's).
    const candidates = pins && pins.length > 0 ? pins : held.length === 0 && local.length === 0 ? [] : [...new Set([...held, ...local.map((l: { version: string }) => l.version)])];
    const pick = pickVersion(candidates, req);
    // The index's release is only walked through here (its summary is inflated when a scan uses it).
    const indexHit = index.headOf(name, req);
    let fromIndex = false;
    if (pick && (pick.exact || !indexHit || indexHit.approximate)) {
      const v = pick.version;
      if (have.has(`${key}@${v}`)) continue;
      summary = await fromCache(name, v);
      if (summary) stats.fromCache++;
      else {
        let tree = o.trees?.get(`${name}@${v}`) ?? o.trees?.get(`${key}@${v}`);
        if (!tree) {
          const l = local.find((x: { version: string }) => x.version === v) as { dir?: string; crate?: string } | undefined;
          try {
            if (l?.dir) tree = await loadRelease({ path: l.dir }, o.limits);
            else if (l?.crate) tree = await loadRelease({ path: l.crate }, o.limits);
          } catch (e) {
            o.warn?.(`${name}@${v} in the Cargo cache could not be read (${(e as Error).message})`);
          }
        }
        if (!tree && o.mode === 'fetch' && o.registry) tree = await fetchTree(o, name, v, stats);
        if (tree) {
          summary = await summarize(name, v, tree);
          if (summary) stats.computed++;
        }
      }
    }
    if (!summary && indexHit && !indexHit.approximate) {
      fromIndex = true;
      stats.fromIndex++;
    }
    if (!summary && !fromIndex && o.mode === 'fetch' && o.registry) {
      const v = await registryPick(o.registry, name, req, o.warn);
      if (v && !have.has(`${key}@${v}`)) {
        summary = await fromCache(name, v);
        if (summary) stats.fromCache++;
        else {
          const tree = await fetchTree(o, name, v, stats);
          if (tree) summary = await summarize(name, v, tree);
          if (summary) stats.computed++;
        }
      }
    }
    if (!summary && !fromIndex && indexHit) {
      fromIndex = true;
      stats.fromIndex++;
    }
    const head = summary ? { name: summary.name, version: summary.version, deps: summary.deps.filter((d) => !d.nonRegistry) } : fromIndex ? indexHit : null;
    if (!head) {
      stats.unknown.push(`${name}${req ? ` ${req}` : ''}`);
      continue;
    }
    const id = `${canon(head.name)}@${head.version}`;
    if (have.has(id)) continue;
    have.add(id);
    if (summary) found.push(summary);
    for (const d of head.deps) ask(d.package, d.req);
  }
  if (queue.length > 0) o.warn?.(`dependency summaries stopped at ${maxCrates} crates; ${queue.length} more were not looked up`);
  return { source: new SummarySet(found, 'this machine'), stats };
}

async function registryPick(registry: RegistryClientApi, name: string, req: string | undefined, warn?: (m: string) => void): Promise<string | null> {
  try {
    const versions = (await registry.versions(name)).filter((v) => !v.yanked).map((v) => v.vers);
    return pickVersion(versions, req)?.version ?? null;
  } catch (e) {
    warn?.(`${name}: the registry index could not be read for its summary (${(e as Error).message})`);
    return null;
  }
}

async function fetchTree(o: GatherOptions, name: string, version: string, stats: GatherStats): Promise<CrateTree | undefined> {
  try {
    const c = await o.registry!.fetchCrate(name, version);
    stats.fetched++;
    return await loadRelease({ bytes: c.bytes, label: c.label }, o.limits);
  } catch (e) {
    o.warn?.(`${name}@${version} could not be fetched for its summary (${(e as Error).message})`);
    return undefined;
  }
}

/** Parses `--deps`: offline (default), fetch or off. */
export function parseDepsMode(v: string | undefined): DepsMode {
  if (v === undefined) return 'offline';
  if ((DEPS_MODES as readonly string[]).includes(v)) return v as DepsMode;
  throw new Error(`--deps must be one of ${DEPS_MODES.join(', ')}`);
}
