import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileReadError, UnsafePathError, readBounded, readInside, writeInside } from '../files/index.js';

/** Hex SHA-256 of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `$CARGO_HOME`, else `~/.cargo` (cargo's own default). */
export function defaultCargoHome(): string {
  return process.env.CARGO_HOME || path.join(os.homedir(), '.cargo');
}

/** The cratefence cache folder: `$XDG_CACHE_HOME/cratefence`, else `~/.cache/cratefence`. */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'cratefence');
}

/**
 * The most bytes a cached `.crate` may hold, in Cargo's cache or cratefence's: the registry
 * client's download cap, so a cache never hands over more than a download could.
 */
export const MAX_CACHED_CRATE_BYTES = 256 * 1024 * 1024;
/** The most bytes a cached JSON answer may hold: an index file (32 MiB) escaped into JSON, with room. */
export const MAX_CACHED_JSON_BYTES = 80 * 1024 * 1024;

/** Told why a cache entry was passed over (a link, a FIFO, a device, too large, a planted folder link). */
export type CacheWarning = (message: string) => void;

const refusedEntry = (e: unknown): e is FileReadError | UnsafePathError => e instanceof FileReadError || e instanceof UnsafePathError;

/**
 * Looks for `name-version.crate` in every registry folder of cargo's download cache
 * (`$CARGO_HOME/registry/cache/<registry>-<hash>/`). Cargo checks a file only when it downloads it,
 * so the caller hashes what this returns; a file whose hash is wrong is reported and passed over.
 * Each file is read bounded and never through a link: a link, FIFO or device, or a file over the
 * download cap, is passed over with a warning, never waited on or read without end.
 */
export async function* cargoCacheCandidates(cargoHome: string, name: string, version: string, warn: CacheWarning = () => {}): AsyncGenerator<{ file: string; bytes: Buffer }> {
  const root = path.join(cargoHome, 'registry', 'cache');
  let dirs: string[];
  try {
    // Dirent types are the entries' own: a registry folder that is a link is not entered.
    dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return;
  }
  for (const d of dirs) {
    const file = path.join(root, d, `${name}-${version}.crate`);
    let bytes: Buffer;
    try {
      bytes = await readBounded(file, { maxBytes: MAX_CACHED_CRATE_BYTES, what: 'Cargo cache file', noFollow: true });
    } catch (e) {
      // Missing: not in this registry's cache.
      if (e instanceof FileReadError && e.code !== 'ENOENT' && e.code !== 'ENOTDIR') warn(`${e.message}; not used`);
      continue;
    }
    yield { file, bytes };
  }
}

/**
 * Writes a file so that a reader never sees half of it: a temporary name in the same folder
 * (created exclusively, so a link planted there is refused rather than written through), then a
 * rename. For files the user names (`--output`); cratefence's own folders use `writeInside`.
 */
export async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * cratefence's own cache: `.crate` files named by their SHA-256 (`crates/ab/abcdef….crate`), so an
 * entry is checked by hashing it on every read, and small JSON answers (index files, publish times)
 * by key. Everything goes through `readInside`/`writeInside` (src/files): bounded reads, no link
 * below the folder followed, writes to an exclusive temporary file renamed into place. An entry that
 * is a link, a FIFO, a device or too large is a miss with a warning; a damaged `.crate` is removed.
 */
export class ContentCache {
  constructor(
    readonly dir: string,
    private readonly warn: CacheWarning = () => {},
  ) {}

  private crateRel(sum: string): string {
    if (!/^[0-9a-f]{64}$/.test(sum)) throw new Error(`not a SHA-256: ${sum}`);
    return `crates/${sum.slice(0, 2)}/${sum}.crate`;
  }

  /** The bytes stored under `sum`, only if they still hash to it (a damaged entry is removed). */
  async getCrate(sum: string): Promise<Buffer | null> {
    const rel = this.crateRel(sum);
    let bytes: Buffer | null;
    try {
      bytes = await readInside(this.dir, rel, { maxBytes: MAX_CACHED_CRATE_BYTES, what: 'cache entry' });
    } catch (e) {
      if (!refusedEntry(e)) return null;
      this.warn(`${e.message}; not used`);
      // A file entry that is not a regular file is removed (the link itself, never what it names);
      // a planted folder link on the way is left alone: removing through it would reach outside.
      if (e instanceof FileReadError) await rm(path.join(this.dir, rel), { force: true }).catch(() => {});
      return null;
    }
    if (bytes === null) return null;
    if (sha256(bytes) === sum) return bytes;
    this.warn(`${path.join(this.dir, rel)}: does not hash to its name; removed`);
    await rm(path.join(this.dir, rel), { force: true }).catch(() => {});
    return null;
  }

  /** Stores verified bytes; a cache that cannot be written is not an error (the scan does not need it). */
  async putCrate(sum: string, bytes: Uint8Array): Promise<void> {
    await this.write(this.crateRel(sum), bytes);
  }

  private jsonRel(kind: string, key: string): string {
    return `${kind}/${key.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_')}.json`;
  }

  async getJson<T>(kind: string, key: string): Promise<T | null> {
    let bytes: Buffer | null;
    try {
      bytes = await readInside(this.dir, this.jsonRel(kind, key), { maxBytes: MAX_CACHED_JSON_BYTES, what: 'cache entry' });
    } catch (e) {
      if (refusedEntry(e)) this.warn(`${e.message}; not used`);
      return null;
    }
    if (bytes === null) return null;
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch {
      return null;
    }
  }

  async putJson(kind: string, key: string, value: unknown): Promise<void> {
    await this.write(this.jsonRel(kind, key), JSON.stringify(value));
  }

  private async write(rel: string, data: Uint8Array | string): Promise<void> {
    try {
      await writeInside(this.dir, rel, data);
    } catch (e) {
      // Only a refusal is worth a word: a cache folder that cannot be written costs speed, nothing else.
      if (e instanceof UnsafePathError) this.warn(`${e.message}; nothing was cached there`);
    }
  }
}
