/**
 * The one bounded file reader. Every file cratefence did not create itself — config, audits, imports,
 * jobs files, lockfiles, cache entries — is read here: opened once, non-blocking (a FIFO opens at once
 * and is refused instead of hanging the run), checked on the open descriptor to be a regular file within
 * a size limit before a byte is read, and read no further than that limit even if it grows meanwhile.
 * A link to `/dev/zero`, a FIFO, a socket or a device is refused with a one-line reason.
 *
 * This module is a leaf: it imports nothing of cratefence's, so the core and every layer may use it.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** A file that could not be read, or was refused; `reason` is a short phrase for a one-line message. */
export class FileReadError extends Error {
  override name = 'FileReadError';
  constructor(
    readonly file: string,
    readonly reason: string,
    /** The errno code when the system refused (ENOENT, EACCES…); 'limit' / 'type' for our refusals. */
    readonly code: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

export interface BoundedReadOptions {
  /** The most bytes the file may hold. */
  maxBytes: number;
  /** What the file is, for messages ("config file", "lockfile"). Default "file". */
  what?: string;
  /**
   * Refuse a symbolic link as the file itself (O_NOFOLLOW). Default false: a link is followed, and
   * whatever it names must still be a regular file within the limit.
   */
  noFollow?: boolean;
}

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function flagsOf(o: BoundedReadOptions): number {
  return o.noFollow ? FLAGS | constants.O_NOFOLLOW : FLAGS;
}

function openError(file: string, e: unknown, o: BoundedReadOptions): FileReadError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  const what = o.what ?? 'file';
  const reason =
    code === 'ENOENT' ? `no such ${what}`
    : code === 'ELOOP' ? `the ${what} is a symbolic link, which is refused here`
    : code === 'EACCES' || code === 'EPERM' ? `the ${what} cannot be read (permission denied)`
    : code === 'EISDIR' ? `the ${what} is a folder`
    : `the ${what} cannot be opened (${code})`;
  return new FileReadError(file, reason, code);
}

function checkStat(file: string, st: Stats, o: BoundedReadOptions): void {
  const what = o.what ?? 'file';
  if (st.isDirectory()) throw new FileReadError(file, `the ${what} is a folder`, 'EISDIR');
  if (!st.isFile()) {
    const kind = st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new FileReadError(file, `the ${what} is ${kind}; only regular files are read`, 'type');
  }
  if (st.size > o.maxBytes) throw new FileReadError(file, `the ${what} is ${st.size} bytes, over the ${o.maxBytes}-byte limit`, 'limit');
}

function grewError(file: string, o: BoundedReadOptions): FileReadError {
  return new FileReadError(file, `the ${o.what ?? 'file'} grew while it was read; read it again once it is complete`, 'changed');
}

/**
 * Opens `file` once, non-blocking, checks on the open descriptor that it is a regular file within the
 * limit, and hands the descriptor to `read`; the descriptor is closed whatever happens.
 */
function withCheckedFile<T>(file: string, o: BoundedReadOptions, read: (fd: number, st: Stats) => T): T {
  let fd: number;
  try {
    fd = openSync(file, flagsOf(o));
  } catch (e) {
    throw openError(file, e, o);
  }
  try {
    const st = fstatSync(fd);
    checkStat(file, st, o);
    return read(fd, st);
  } finally {
    closeSync(fd);
  }
}

/** Reads a regular file of at most `maxBytes` bytes, synchronously. Throws FileReadError. */
export function readBoundedSync(file: string, o: BoundedReadOptions): Buffer {
  return withCheckedFile(file, o, (fd, st) => {
    // One byte more than the size: a file that grows after fstat is noticed, never read without end.
    const buf = Buffer.allocUnsafe(st.size + 1);
    let got = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, got, buf.length - got, null);
      } catch (e) {
        throw openError(file, e, o);
      }
      if (n === 0) break;
      got += n;
      if (got === buf.length) throw grewError(file, o);
    }
    return buf.subarray(0, got);
  });
}

/** What {@link readBoundedRangeSync} saw of the file: to tell, on a later read, whether it is still the same file. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

/**
 * Reads `length` bytes at `offset` of a regular file of at most `maxBytes` bytes, synchronously, with
 * the same checks as {@link readBoundedSync} (a FIFO, device or link to one is refused at open). When
 * `same` is given, the file must still be that one (size, modification time, inode): a file replaced
 * or rewritten since is refused (code 'changed') rather than read at offsets that meant something
 * else. Returns the bytes and the file's identity. Throws FileReadError, also when the range lies
 * past the end.
 */
export function readBoundedRangeSync(file: string, offset: number, length: number, o: BoundedReadOptions & { same?: FileIdentity }): { bytes: Buffer; identity: FileIdentity } {
  return withCheckedFile(file, o, (fd, st) => {
    const identity = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev };
    const what = o.what ?? 'file';
    if (o.same && (o.same.size !== identity.size || o.same.mtimeMs !== identity.mtimeMs || o.same.ino !== identity.ino || o.same.dev !== identity.dev)) {
      throw new FileReadError(file, `the ${what} changed since it was first read`, 'changed');
    }
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > st.size) {
      throw new FileReadError(file, `the ${what} is ${st.size} bytes, shorter than the part to read`, 'limit');
    }
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      let n: number;
      try {
        n = readSync(fd, buf, got, length - got, offset + got);
      } catch (e) {
        throw openError(file, e, o);
      }
      if (n === 0) throw new FileReadError(file, `the ${what} ended before the part to read`, 'changed');
      got += n;
    }
    return { bytes: buf, identity };
  });
}

/** Reads a regular file of at most `maxBytes` bytes. Throws FileReadError. */
export async function readBounded(file: string, o: BoundedReadOptions): Promise<Buffer> {
  let fh;
  try {
    fh = await open(file, flagsOf(o));
  } catch (e) {
    throw openError(file, e, o);
  }
  try {
    const st = await fh.stat();
    checkStat(file, st, o);
    const buf = Buffer.allocUnsafe(st.size + 1);
    let got = 0;
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, got, buf.length - got, null));
      } catch (e) {
        throw openError(file, e, o);
      }
      if (n === 0) break;
      got += n;
      if (got === buf.length) throw grewError(file, o);
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/** Reads a bounded regular file as UTF-8 text (a leading BOM is kept: callers that mind strip it). */
export function readBoundedTextSync(file: string, o: BoundedReadOptions): string {
  return readBoundedSync(file, o).toString('utf8');
}

/** Reads a bounded regular file as UTF-8 text. */
export async function readBoundedText(file: string, o: BoundedReadOptions): Promise<string> {
  return (await readBounded(file, o)).toString('utf8');
}

/** Like {@link readBoundedSync}, but a missing file is `null` rather than an error. */
export function readBoundedSyncIfExists(file: string, o: BoundedReadOptions): Buffer | null {
  try {
    return readBoundedSync(file, o);
  } catch (e) {
    if (e instanceof FileReadError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return null;
    throw e;
  }
}

/** Like {@link readBounded}, but a missing file is `null` rather than an error. */
export async function readBoundedIfExists(file: string, o: BoundedReadOptions): Promise<Buffer | null> {
  try {
    return await readBounded(file, o);
  } catch (e) {
    if (e instanceof FileReadError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return null;
    throw e;
  }
}
