import { parse as parseToml } from 'smol-toml';

/** A lockfile that cannot be read (not TOML, no packages, a package without name or version). */
export class LockfileError extends Error {
  override name = 'LockfileError';
}

/** One `[[package]]` of a Cargo.lock. */
export interface LockPackage {
  name: string;
  version: string;
  /** `registry+…`, `sparse+…`, `git+…`, or null for path (workspace) packages. */
  source: string | null;
  /** SHA-256 of the `.crate`: the package's `checksum` (v2+) or the `[metadata]` entry (v1). */
  checksum: string | null;
  /** 1-based line of the package's `[[package]]` (or `[root]`) header. */
  line: number | null;
}

export interface Lockfile {
  /** 1 for the oldest format (`[root]` and/or `[metadata]` checksums), 2 when no `version` key, else its value. */
  version: number;
  packages: LockPackage[];
}

const MAX_LOCK_BYTES = 64 * 1024 * 1024;

/**
 * Parses a Cargo.lock of any format: v1 (checksums in `[metadata]` as
 * `"checksum NAME VERSION (SOURCE)"`, possibly a `[root]` table), v2 (inline `checksum`, no
 * `version` key), v3 and v4 (`version = 3|4`; v4 only changes how git sources are encoded, which
 * is kept as written). `label` names the file in errors.
 */
export function parseLockfile(text: string, label: string): Lockfile {
  if (text.length > MAX_LOCK_BYTES) throw new LockfileError(`${label}: over the ${MAX_LOCK_BYTES} byte limit`);
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new LockfileError(`${label}: not a valid Cargo.lock (${(e as Error).message.split('\n')[0]})`);
  }
  const headers = headerLines(text);
  const raw: Array<Record<string, unknown>> = [];
  if (doc.root && typeof doc.root === 'object') raw.push(doc.root as Record<string, unknown>);
  if (doc.package !== undefined) {
    if (!Array.isArray(doc.package)) throw new LockfileError(`${label}: "package" must be an array of tables ([[package]])`);
    raw.push(...(doc.package as Array<Record<string, unknown>>));
  }
  const meta = doc.metadata && typeof doc.metadata === 'object' ? (doc.metadata as Record<string, unknown>) : {};
  const v1Sums = new Map<string, string>();
  for (const [k, v] of Object.entries(meta)) {
    const m = /^checksum (\S+) (\S+) \((.+)\)$/.exec(k);
    if (m && typeof v === 'string' && v !== '<none>') v1Sums.set(`${m[1]} ${m[2]} ${m[3]}`, v);
  }
  const packages = raw.map((p, i): LockPackage => {
    if (typeof p !== 'object' || p === null || typeof p.name !== 'string' || typeof p.version !== 'string') {
      throw new LockfileError(`${label}: package ${i + 1} has no name or version`);
    }
    const source = typeof p.source === 'string' ? p.source : null;
    const checksum = typeof p.checksum === 'string' ? p.checksum : source ? (v1Sums.get(`${p.name} ${p.version} ${source}`) ?? null) : null;
    return { name: p.name, version: p.version, source, checksum, line: headers[i] ?? null };
  });
  const version = typeof doc.version === 'number' ? doc.version : doc.root !== undefined || v1Sums.size > 0 ? 1 : 2;
  if (version < 1 || version > 4) throw new LockfileError(`${label}: lockfile version ${version} is not supported (1 to 4 are)`);
  return { version, packages };
}

/** Lines of the `[root]` header (first, as parseLockfile lists it) and then of each `[[package]]`. */
function headerLines(text: string): number[] {
  const root: number[] = [];
  const pkgs: number[] = [];
  text.split('\n').forEach((l, i) => {
    const t = l.trim();
    if (/^\[\[\s*package\s*\]\]/.test(t)) pkgs.push(i + 1);
    else if (/^\[\s*root\s*\]/.test(t)) root.push(i + 1);
  });
  return [...root, ...pkgs];
}
