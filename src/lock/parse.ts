import { parse as parseToml } from 'smol-toml';
import { checkVersion } from '../registry/names.js';

/**
 * A lockfile that cannot be read (not TOML, no packages, a package without name or version, a
 * checksum or source that is not a string, a package listed twice).
 */
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

/** The largest lockfile read (bytes on disk, characters of `git show` output). */
export const MAX_LOCK_BYTES = 64 * 1024 * 1024;
// Cargo writes SHA-256 checksums as 64 lowercase hex digits.
const HEX64 = /^[0-9a-f]{64}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function str(v: unknown, label: string, i: number, key: string): string | null {
  if (v === undefined) return null;
  if (typeof v !== 'string') throw new LockfileError(`${label}: package ${i + 1} has a ${key} that is not a string (${Array.isArray(v) ? 'an array' : typeof v})`);
  return v;
}

/**
 * Parses a Cargo.lock of any format: v1 (checksums in `[metadata]` as
 * `"checksum NAME VERSION (SOURCE)"`, possibly a `[root]` table), v2 (inline `checksum`, no
 * `version` key), v3 and v4 (`version = 3|4`; v4 only changes how git sources are encoded, which
 * is kept as written). `label` names the file in errors. Anything cargo itself would refuse and
 * that could change what is scanned — no packages at all, a checksum or source that is not a
 * string, a checksum that is not a SHA-256, a version that is not semver, the same package twice —
 * is a LockfileError.
 */
export function parseLockfile(text: string, label: string): Lockfile {
  if (text.length > MAX_LOCK_BYTES) throw new LockfileError(`${label}: over the ${MAX_LOCK_BYTES} byte limit`);
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new LockfileError(`${label}: not a valid Cargo.lock (${(e as Error).message.split('\n')[0]})`);
  }
  if (doc.version !== undefined && (typeof doc.version !== 'number' || !Number.isInteger(doc.version) || doc.version < 1 || doc.version > 4)) {
    throw new LockfileError(`${label}: lockfile version ${String(doc.version).slice(0, 40)} is not supported (1 to 4 are)`);
  }
  const headers = headerLines(text);
  const raw: unknown[] = [];
  if (doc.root !== undefined) {
    if (typeof doc.root !== 'object' || doc.root === null || Array.isArray(doc.root)) throw new LockfileError(`${label}: "root" must be a table ([root])`);
    raw.push(doc.root);
  }
  if (doc.package !== undefined) {
    if (!Array.isArray(doc.package)) throw new LockfileError(`${label}: "package" must be an array of tables ([[package]])`);
    raw.push(...(doc.package as unknown[]));
  }
  // Every Cargo.lock lists at least the package it was made for: an empty one is not a lockfile.
  if (raw.length === 0) throw new LockfileError(`${label}: no [[package]] entries; a Cargo.lock lists at least the crate it was made for`);
  const meta = doc.metadata && typeof doc.metadata === 'object' ? (doc.metadata as Record<string, unknown>) : {};
  const v1Sums = new Map<string, string>();
  for (const [k, v] of Object.entries(meta)) {
    const m = /^checksum (\S+) (\S+) \((.+)\)$/.exec(k);
    if (!m) continue;
    if (typeof v !== 'string') throw new LockfileError(`${label}: [metadata] "${k.slice(0, 120)}" is not a string`);
    if (v === '<none>') continue;
    if (!HEX64.test(v)) throw new LockfileError(`${label}: [metadata] "${k.slice(0, 120)}" is not a SHA-256 checksum (64 lowercase hex digits)`);
    v1Sums.set(`${m[1]} ${m[2]} ${m[3]}`, v);
  }
  const seen = new Set<string>();
  const packages = raw.map((r, i): LockPackage => {
    const p = r as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || Array.isArray(p) || typeof p.name !== 'string' || typeof p.version !== 'string') {
      throw new LockfileError(`${label}: package ${i + 1} has no name or version`);
    }
    try {
      checkVersion(p.version);
    } catch {
      throw new LockfileError(`${label}: package ${i + 1} (${p.name.slice(0, 64)}) has version "${p.version.slice(0, 80)}", which is not a semantic version`);
    }
    const source = str(p.source, label, i, 'source');
    // No name or source cargo accepts holds a control character; in a report one could pose as a CI command.
    if (CONTROL.test(p.name) || (source !== null && CONTROL.test(source))) throw new LockfileError(`${label}: package ${i + 1} has a control character in its ${CONTROL.test(p.name) ? 'name' : 'source'}`);
    let checksum = str(p.checksum, label, i, 'checksum');
    if (checksum !== null && !HEX64.test(checksum)) throw new LockfileError(`${label}: package ${i + 1} (${p.name.slice(0, 64)} ${p.version}) has a checksum that is not a SHA-256 (64 lowercase hex digits)`);
    if (checksum === null && source !== null) checksum = v1Sums.get(`${p.name} ${p.version} ${source}`) ?? null;
    // Cargo refuses a lockfile that lists one package twice; two checksums for it would leave the choice to us.
    const key = `${p.name}\u0000${p.version}\u0000${source ?? ''}`;
    if (seen.has(key)) throw new LockfileError(`${label}: ${p.name.slice(0, 64)} ${p.version}${source ? ` (${source.slice(0, 120)})` : ''} is listed twice`);
    seen.add(key);
    return { name: p.name, version: p.version, source, checksum, line: headers[i] ?? null };
  });
  const version = typeof doc.version === 'number' ? doc.version : doc.root !== undefined || v1Sums.size > 0 ? 1 : 2;
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
