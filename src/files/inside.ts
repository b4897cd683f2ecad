/**
 * Reads and writes inside a folder cratefence owns (its caches, the ingest service's blob store) so
 * that nothing planted in it can redirect them: every component below the folder must be a real
 * folder (a symbolic link is refused, not followed), the file itself is opened without following a
 * link, and writes go to a new temporary file (created exclusively) that is renamed into place, so a
 * reader never sees half an entry and a planted link is replaced rather than written through.
 *
 * The folder itself (the root) is the user's choice and may be a link; what lies below it may not.
 * Leaf module: imports nothing of cratefence's.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { FileReadError, readBounded, readBoundedSync, type BoundedReadOptions } from './read.js';

/** A relative path that would leave its folder, or a planted link or non-folder on the way. */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

function components(rel: string): string[] {
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (path.isAbsolute(rel) || parts.some((p) => p === '..' || p.includes('\0'))) throw new UnsafePathError(`${rel}: not a plain relative path`);
  if (parts.length === 0) throw new UnsafePathError('an empty path');
  return parts;
}

/**
 * The absolute path of `rel` under `root`, after checking that every folder between them exists as a
 * real folder (missing ones are created with `create`). Throws UnsafePathError on a link or a file in
 * the way; returns null when a folder is missing and `create` is false.
 */
function walk(root: string, rel: string, create: boolean): string | null {
  const parts = components(rel);
  let dir = path.resolve(root);
  // The root is the user's choice (it may be a link); a missing one is made, private, for a write.
  if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const p of parts.slice(0, -1)) {
    dir = path.join(dir, p);
    let st;
    try {
      st = lstatSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (!create) return null;
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw e2;
      }
      st = lstatSync(dir);
    }
    if (st.isSymbolicLink()) throw new UnsafePathError(`${dir}: a symbolic link inside ${root}, refused`);
    if (!st.isDirectory()) throw new UnsafePathError(`${dir}: not a folder`);
  }
  return path.join(dir, parts.at(-1)!);
}

/** Reads `rel` under `root` (bounded, regular file, no links anywhere below the root); null when missing. */
export function readInsideSync(root: string, rel: string, o: BoundedReadOptions): Buffer | null {
  const file = walk(root, rel, false);
  if (file === null) return null;
  try {
    return readBoundedSync(file, { ...o, noFollow: true });
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'ENOENT') return null;
    throw e;
  }
}

/** Async {@link readInsideSync}. */
export async function readInside(root: string, rel: string, o: BoundedReadOptions): Promise<Buffer | null> {
  const file = walk(root, rel, false);
  if (file === null) return null;
  try {
    return await readBounded(file, { ...o, noFollow: true });
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Writes `data` to `rel` under `root` atomically: creates the root and missing folders (mode 0700), refuses links
 * and non-folders on the way, writes a new temporary file opened exclusively without following links,
 * flushes it when `durable`, and renames it over the entry. `data` may be a list of parts, written one
 * after the other (a large file need not be joined in memory first).
 */
export function writeInsideSync(root: string, rel: string, data: Uint8Array | string | readonly Uint8Array[], o: { durable?: boolean; mode?: number } = {}): string {
  const file = walk(root, rel, true)!;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, o.mode ?? 0o600);
    for (const buf of typeof data === 'string' ? [Buffer.from(data)] : Array.isArray(data) ? data : [data as Uint8Array]) {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    }
    if (o.durable) fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

/** Async-signature {@link writeInsideSync} for callers in async code (the work itself is small and synchronous). */
export async function writeInside(root: string, rel: string, data: Uint8Array | string, o: { durable?: boolean; mode?: number } = {}): Promise<string> {
  return writeInsideSync(root, rel, data, o);
}
