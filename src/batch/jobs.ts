/**
 * Batch jobs: what a jobs file, a folder of pairs or a registry query names, turned into resolved
 * jobs (src/runner/jobs.ts) keyed by their inputs' digests, the tool version and the rule set's digest.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { parse as parseToml } from 'smol-toml';
import { loadSource, InputError, DEFAULT_LIMITS, type SourceLimits } from '../index.js';
import { FileReadError, readBounded, readBoundedSync } from '../files/index.js';
import type { RegistryClientApi } from '../registry/types.js';
import { packageRoot } from '../root.js';
import { jobKey, treeDigest, type JobInput, type KeyContext, type ResolvedJob } from '../runner/jobs.js';

/** A jobs file or the command line could not be read as jobs. */
export class JobsError extends Error {
  override name = 'UsageError';
}

/** One side of a job as written by the user: a path, or a release in the registry. */
export type JobSide = { path: string } | { registry: { name: string; version: string } };

/** A job as listed, before its inputs are read. `old: null` is a first release. */
export interface JobSpec {
  old: JobSide | null;
  new: JobSide;
  /** Where it was listed (file:line), for error messages. */
  origin: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function registrySide(name: string, version: string, origin: string): JobSide {
  if (!NAME.test(name)) throw new JobsError(`${origin}: "${name}" is not a crate name`);
  if (!semver.valid(version)) throw new JobsError(`${origin}: "${version}" is not a version`);
  return { registry: { name, version } };
}

/** A jobs file of a million lines is about 60 MB; a larger one (or a device, a FIFO) is refused. */
export const MAX_JOBS_FILE_BYTES = 64 * 1024 * 1024;
/** One file of a rules folder, for its digest (the loader's own limits are lower). */
const MAX_RULES_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads a jobs file: one job a line, `#` starts a comment. `name old new` (two registry releases),
 * `name@version` (a first release), `OLD NEW` (two folders or `.crate` files, relative to the file).
 * The file is read bounded and must be a regular file: a FIFO or a link to /dev/zero is refused at once.
 */
export function parseJobsFile(file: string): JobSpec[] {
  let text: string;
  try {
    text = readBoundedSync(file, { maxBytes: MAX_JOBS_FILE_BYTES, what: 'jobs file' }).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError) throw new JobsError(e.message);
    throw e;
  }
  const base = path.dirname(path.resolve(file));
  const out: JobSpec[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const origin = `${file}:${i + 1}`;
    const words = line.split(/\s+/);
    if (words.length === 3) {
      out.push({ old: registrySide(words[0], words[1], origin), new: registrySide(words[0], words[2], origin), origin });
    } else if (words.length === 1 && words[0].includes('@')) {
      const [name, version] = words[0].split('@');
      out.push({ old: null, new: registrySide(name, version, origin), origin });
    } else if (words.length === 1) {
      // One folder or archive: a first release, everything in it counts as added.
      out.push({ old: null, new: { path: path.resolve(base, words[0]) }, origin });
    } else if (words.length === 2) {
      out.push({ old: { path: path.resolve(base, words[0]) }, new: { path: path.resolve(base, words[1]) }, origin });
    } else {
      throw new JobsError(`${origin}: expected "name old new", "name@version", "OLD NEW" or "NEW", got "${line}"`);
    }
  });
  return out;
}

/**
 * A folder of pairs: each sub-folder holding `old` and `new` (folders or archives) is one job; else
 * the folder's `name-version.crate` files, grouped by name and ordered by version, give every
 * consecutive pair.
 */
export function jobsFromFolder(dir: string): JobSpec[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const out: JobSpec[] = [];
  // Followed links count: a folder of pairs is often links to where the releases are.
  const isDir = (p: string) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  for (const e of entries) {
    const sub = path.join(dir, e.name);
    if (!isDir(sub)) continue;
    const side = (n: string) => readdirSync(sub).find((f) => f === n || f.startsWith(`${n}.`));
    const o = side('old');
    const n = side('new');
    if (o && n) out.push({ old: { path: path.join(sub, o) }, new: { path: path.join(sub, n) }, origin: sub });
  }
  if (out.length) return out;
  const byName = new Map<string, Array<{ version: string; file: string }>>();
  for (const e of entries) {
    const m = /^(.+)-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?)\.crate$/.exec(e.name);
    if (!m || !semver.valid(m[2]) || isDir(path.join(dir, e.name))) continue;
    const list = byName.get(m[1]) ?? [];
    list.push({ version: m[2], file: path.join(dir, e.name) });
    byName.set(m[1], list);
  }
  for (const list of byName.values()) {
    list.sort((a, b) => semver.compare(a.version, b.version));
    for (let i = 1; i < list.length; i++) out.push({ old: { path: list[i - 1].file }, new: { path: list[i].file }, origin: list[i].file });
  }
  if (!out.length) throw new JobsError(`${dir}: no pairs found (sub-folders with old and new, or name-version.crate files)`);
  return out;
}

/**
 * Every consecutive pair of a crate's releases in the registry index (yanked ones left out), ordered
 * by version; with `since`, only the pairs whose new release was published on or after it.
 */
export async function jobsFromRegistry(registry: RegistryClientApi, name: string, since?: Date): Promise<JobSpec[]> {
  if (!NAME.test(name)) throw new JobsError(`"${name}" is not a crate name`);
  const versions = (await registry.versions(name)).filter((v) => !v.yanked && semver.valid(v.vers)).sort((a, b) => semver.compare(a.vers, b.vers));
  const out: JobSpec[] = [];
  for (let i = 1; i < versions.length; i++) {
    if (since) {
      const t = versions[i].pubtime ? new Date(versions[i].pubtime!) : await registry.publishTime(name, versions[i].vers);
      if (!t || t < since) continue;
    }
    out.push({ old: { registry: { name, version: versions[i - 1].vers } }, new: { registry: { name, version: versions[i].vers } }, origin: `${name} (registry index)` });
  }
  return out;
}

interface SideFacts {
  digest: string;
  input: JobInput;
  label: string;
  crate: string | null;
  version: string | null;
  publishedAt?: string | null;
}

/** Name and version from a folder's Cargo.toml or an archive's `name-version.crate` file name. */
function identify(p: string, files?: Map<string, Uint8Array>): { crate: string | null; version: string | null } {
  const manifest = files?.get('Cargo.toml');
  if (manifest) {
    try {
      const pkg = (parseToml(Buffer.from(manifest).toString('utf8')) as { package?: { name?: unknown; version?: unknown } }).package;
      return { crate: typeof pkg?.name === 'string' ? pkg.name : null, version: typeof pkg?.version === 'string' ? pkg.version : null };
    } catch {
      // A manifest that does not parse is the scan's business; the job is still named by its path.
    }
  }
  const m = /^(.+)-(\d+\.\d+\.\d+[^/]*?)(?:\.crate|\.tar\.gz|\.tgz)?$/.exec(path.basename(p));
  return m ? { crate: m[1], version: m[2] } : { crate: null, version: null };
}

/**
 * Reads each job's inputs just enough for their digests: the bytes of an archive, the files of a
 * folder as the scan would read them (same limits), the index checksum of a registry release (no
 * download). Sides shared by consecutive pairs are read once. An unreadable input becomes an
 * `inputError` on its job, so that the batch records it and goes on.
 */
export async function resolveJobs(specs: JobSpec[], ctx: KeyContext, options: ResolveOptions = {}): Promise<ResolvedJob[]> {
  const out: ResolvedJob[] = [];
  for await (const j of resolveJobStream(specs, ctx, options)) out.push(j);
  return out;
}

export interface ResolveOptions {
  registry?: RegistryClientApi;
  limits?: SourceLimits;
}

/**
 * `resolveJobs` one job at a time, in listing order, so that a batch starts scanning its first
 * jobs while the coordinator still reads and hashes the inputs of the others.
 */
export async function* resolveJobStream(specs: JobSpec[], ctx: KeyContext, options: ResolveOptions = {}): AsyncGenerator<ResolvedJob> {
  const seen = new Map<string, Promise<SideFacts>>();
  const indexes = new Map<string, Promise<Map<string, { cksum: string; pubtime?: string }>>>();
  const side = (s: JobSide): Promise<SideFacts> => {
    const id = 'path' in s ? `p:${s.path}` : `r:${s.registry.name}@${s.registry.version}`;
    let p = seen.get(id);
    if (!p) {
      p = 'path' in s ? pathSide(s.path, options.limits) : registrySideFacts(s.registry, options.registry, indexes);
      seen.set(id, p);
    }
    return p;
  };
  for (const spec of specs) {
    const label = (s: JobSide) => ('path' in s ? s.path : `${s.registry.name}@${s.registry.version}`);
    let job: ResolvedJob;
    try {
      const [o, n] = await Promise.all([spec.old ? side(spec.old) : Promise.resolve(null), side(spec.new)]);
      job = {
        key: jobKey(o?.digest ?? null, n.digest, ctx),
        crate: n.crate ?? o?.crate ?? null,
        oldVersion: o?.version ?? null,
        newVersion: n.version,
        oldInput: o?.label ?? null,
        newInput: n.label,
        oldDigest: o?.digest ?? null,
        newDigest: n.digest,
        old: o?.input ?? null,
        new: n.input,
        publishedAt: n.publishedAt ?? null,
      };
    } catch (e) {
      if (e instanceof JobsError) throw e;
      // Keyed by what was named, so that the error is recorded once and replaced when the input is fixed.
      const named = `${spec.old ? label(spec.old) : '-'}\n${label(spec.new)}`;
      const digest = createHash('sha256').update(named).digest('hex');
      job = {
        key: jobKey(null, `unreadable:${digest}`, ctx), crate: null, oldVersion: null, newVersion: null,
        oldInput: spec.old ? label(spec.old) : null, newInput: label(spec.new), oldDigest: null, newDigest: `unreadable:${digest}`,
        old: null, new: 'path' in spec.new ? { path: spec.new.path } : { registry: { ...spec.new.registry, cksum: '' } }, publishedAt: null,
        inputError: (e as Error).message,
      };
    }
    yield job;
  }
}

async function pathSide(p: string, limits?: SourceLimits): Promise<SideFacts> {
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new InputError('no such file or folder', p);
  }
  if (!st.isDirectory()) {
    // An archive is keyed by its bytes: hashing them needs no unpacking, hostile or not. They are read
    // as the scan reads an archive (bounded by the source limit, regular files only), so a FIFO or a
    // link to /dev/zero among the inputs is this job's error, never a hang.
    let bytes: Buffer;
    try {
      bytes = await readBounded(p, { maxBytes: (limits ?? DEFAULT_LIMITS).maxTotalBytes, what: 'archive' });
    } catch (e) {
      if (e instanceof FileReadError) throw new InputError(e.reason, p);
      throw e;
    }
    return { digest: createHash('sha256').update(bytes).digest('hex'), input: { path: p }, label: p, ...identify(p) };
  }
  const tree = await loadSource(p, limits);
  return { digest: treeDigest(tree), input: { path: p }, label: p, ...identify(p, tree.files) };
}

async function registrySideFacts(
  r: { name: string; version: string },
  registry: RegistryClientApi | undefined,
  indexes: Map<string, Promise<Map<string, { cksum: string; pubtime?: string }>>>,
): Promise<SideFacts> {
  if (!registry) throw new JobsError(`${r.name}@${r.version}: registry jobs need the registry client, which this build does not have`);
  let index = indexes.get(r.name);
  if (!index) {
    index = registry.versions(r.name).then((vs) => new Map(vs.map((v) => [v.vers, { cksum: v.cksum, pubtime: v.pubtime }])));
    indexes.set(r.name, index);
  }
  const v = (await index).get(r.version);
  if (!v) throw new InputError(`the registry index lists no version ${r.version} of ${r.name}`);
  if (!/^[0-9a-f]{64}$/.test(v.cksum)) throw new InputError(`the registry index gives no valid checksum for ${r.name}@${r.version}`);
  return {
    digest: v.cksum,
    input: { registry: { ...r, cksum: v.cksum } },
    label: `${r.name}@${r.version}`,
    crate: r.name,
    version: r.version,
    publishedAt: v.pubtime ?? null,
  };
}

/**
 * A digest of the rule set: every file under the rules folder (the built-in `rules/` by default),
 * by relative path and content. Part of each job's key, so a changed rule rescans everything.
 * Links are not followed (the entries' own types are read) and each file is read bounded, without
 * following a link swapped in meanwhile; a link, FIFO or device in the folder is an error (the rule
 * loader refuses them too), never a hang or a silent gap in the digest.
 */
export function rulesDigest(dir: string = path.join(packageRoot(), 'rules')): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        let bytes: Buffer;
        try {
          bytes = readBoundedSync(p, { maxBytes: MAX_RULES_FILE_BYTES, what: 'rules folder file', noFollow: true });
        } catch (e2) {
          if (e2 instanceof FileReadError) throw new JobsError(e2.message);
          throw e2;
        }
        h.update(path.relative(dir, p)).update('\0').update(bytes).update('\0');
      }
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 32);
}
