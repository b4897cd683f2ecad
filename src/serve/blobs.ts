import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import path from 'node:path';

const SHA = /^[0-9a-f]{64}$/;

/**
 * Tarballs by content: `<dir>/<aa>/<sha256>.crate`. A name never comes from a request, only from the bytes'
 * digest; a blob is written to a temporary file, flushed and renamed, so it is whole or absent.
 */
export class BlobStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private fileOf(sha: string): string {
    if (!SHA.test(sha)) throw new Error(`not a SHA-256 digest: ${sha}`);
    return path.join(this.dir, sha.slice(0, 2), `${sha}.crate`);
  }

  /** The file of a stored blob (for scan workers that read from disk, such as queue workers sharing the folder). */
  pathOf(sha: string): string {
    return this.fileOf(sha);
  }

  /** The SHA-256 (hex) a blob of these bytes is stored under, without storing anything. */
  static digest(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  /** True when a blob with this digest is stored. */
  has(sha: string): boolean {
    return existsSync(this.fileOf(sha));
  }

  /** Removes a stored blob (one a refused request stored); absent is fine. */
  remove(sha: string): void {
    rmSync(this.fileOf(sha), { force: true });
  }

  /** Stores the bytes and returns their SHA-256 (hex). Storing the same bytes twice is a no-op. */
  put(bytes: Uint8Array): string {
    const sha = BlobStore.digest(bytes);
    const file = this.fileOf(sha);
    if (existsSync(file)) return sha;
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    // The rename is durable once the folder itself is flushed.
    const dfd = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
    return sha;
  }

  get(sha: string): Uint8Array {
    return readFileSync(this.fileOf(sha));
  }
}
