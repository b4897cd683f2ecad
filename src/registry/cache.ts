import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

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
 * Looks for `name-version.crate` in every registry folder of cargo's download cache
 * (`$CARGO_HOME/registry/cache/<registry>-<hash>/`). Cargo checks a file only when it downloads it,
 * so the caller hashes what this returns; a file whose hash is wrong is reported and passed over.
 */
export async function* cargoCacheCandidates(cargoHome: string, name: string, version: string): AsyncGenerator<{ file: string; bytes: Buffer }> {
  const root = path.join(cargoHome, 'registry', 'cache');
  let dirs: string[];
  try {
    dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return;
  }
  for (const d of dirs) {
    const file = path.join(root, d, `${name}-${version}.crate`);
    try {
      yield { file, bytes: await readFile(file) };
    } catch {
      // not in this registry's cache
    }
  }
}

/** Writes a file so that a reader never sees half of it: a temporary name in the same folder, then rename. */
export async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * cratefence's own cache: `.crate` files named by their SHA-256 (`crates/ab/abcdef….crate`), so an
 * entry can be checked by hashing it, and small JSON answers (publish times) by key.
 */
export class ContentCache {
  constructor(readonly dir: string) {}

  private crateFile(sum: string): string {
    return path.join(this.dir, 'crates', sum.slice(0, 2), `${sum}.crate`);
  }

  /** The bytes stored under `sum`, only if they still hash to it (a damaged entry is removed). */
  async getCrate(sum: string): Promise<Buffer | null> {
    const file = this.crateFile(sum);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      return null;
    }
    if (sha256(bytes) === sum) return bytes;
    await rm(file, { force: true });
    return null;
  }

  /** Stores verified bytes; a cache that cannot be written is not an error (the scan does not need it). */
  async putCrate(sum: string, bytes: Uint8Array): Promise<void> {
    await writeAtomic(this.crateFile(sum), bytes).catch(() => {});
  }

  private jsonFile(kind: string, key: string): string {
    return path.join(this.dir, kind, `${key.replace(/[^A-Za-z0-9._+-]/g, '_')}.json`);
  }

  async getJson<T>(kind: string, key: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.jsonFile(kind, key), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  async putJson(kind: string, key: string, value: unknown): Promise<void> {
    await writeAtomic(this.jsonFile(kind, key), JSON.stringify(value)).catch(() => {});
  }
}
