/**
 * How a queue worker reads a job's inputs: only under the folders it was started with (`--root`,
 * checked on the real path, so `..` and links cannot leave them), registry releases through its own
 * client (checked against the index checksum the job carries), and always with its own limits. It
 * hashes what it read, so that its answer names the bytes it scanned: a `.crate` is read once and
 * scanned from memory, so the bytes hashed are the bytes scanned.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadSource, type SourceLimits } from '../index.js';
import { FileReadError, readBoundedSync } from '../files/index.js';
import type { ReleaseInput } from '../runner/index.js';
import { treeDigest, type JobInput } from '../runner/jobs.js';
import type { RegistryClientApi } from '../registry/types.js';
import { sha256 } from './types.js';

/** A job input this worker will not or cannot read: answered as the job's `input` error. */
export class RefusedInput extends Error {
  override name = 'RefusedInput';
}

export interface InputContext {
  /** Real paths of the folders path inputs must be under (none: path jobs refused). */
  roots: readonly string[];
  limits: SourceLimits;
  registry?: RegistryClientApi;
}

/** The real paths of `--root` folders; a root that is not a folder is a usage error of the caller's. */
export function realRoots(dirs: readonly string[]): string[] {
  return dirs.map((d) => {
    let real: string;
    try {
      real = realpathSync(d);
    } catch {
      throw new RefusedInput(`--root ${d}: no such folder`);
    }
    if (!statSync(real).isDirectory()) throw new RefusedInput(`--root ${d}: not a folder`);
    return real;
  });
}

const within = (root: string, p: string) => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
};

function readArchive(file: string, max: number): Buffer {
  // The one bounded reader: a FIFO put in place of the file is refused at once instead of hanging the worker.
  try {
    return readBoundedSync(file, { maxBytes: max, what: 'archive' });
  } catch (e) {
    throw e instanceof FileReadError ? new RefusedInput(e.message) : e;
  }
}

/** Reads one side of a job for the scan pool, with the digest of what was read. */
export async function readJobInput(input: JobInput, ctx: InputContext): Promise<{ release: ReleaseInput; digest: string }> {
  if ('registry' in input) {
    const r = input.registry;
    if (!ctx.registry) throw new RefusedInput(`${r.name}@${r.version}: this worker has no registry client`);
    const c = await ctx.registry.fetchCrate(r.name, r.version, r.cksum);
    return { release: { bytes: c.bytes, label: c.label }, digest: sha256(c.bytes) };
  }
  const p = input.path;
  if (!ctx.roots.length) throw new RefusedInput(`${p}: this worker reads no paths (start it with --root DIR for the folders it may read)`);
  if (!path.isAbsolute(p)) throw new RefusedInput(`${p}: not an absolute path`);
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    throw new RefusedInput(`${p}: no such file or folder on this worker`);
  }
  if (!ctx.roots.some((root) => within(root, real))) throw new RefusedInput(`${p}: outside this worker's --root folders`);
  const st = statSync(real);
  if (st.isDirectory()) {
    // The pool reads the folder again; the folder reader keeps every link inside it.
    const tree = await loadSource(real, ctx.limits);
    return { release: { path: real }, digest: treeDigest(tree) };
  }
  if (!st.isFile()) throw new RefusedInput(`${p}: not a file or folder`);
  const bytes = readArchive(real, ctx.limits.maxTotalBytes);
  // A .crate is scanned from the bytes hashed (cargo's rules, as a local scan applies to it). Other
  // names go through the path reader, which decides by the (real) name how to read them, as a local
  // scan does: a .tar.gz may be a source archive rather than a package.
  if (/\.crate$/i.test(real)) return { release: { bytes, label: p }, digest: sha256(bytes) };
  return { release: { path: real }, digest: sha256(bytes) };
}
