/**
 * Extracted facts on disk, by content, so that a file already seen in an earlier scan (the old
 * release of a pair scanned before, the unchanged files of a crate scanned release after release) is
 * neither parsed nor walked again: a scan then costs what its changed files cost.
 *
 * Keys are the SHA-256 of the file's bytes together with the fingerprint of everything the facts
 * depend on (cratefence's version, the grammar's, and the code of the parse stage), so an entry
 * can only ever be read back for the same bytes analysed by the same code.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { FileReadError, UnsafePathError, readInsideSync, writeInsideSync } from '../files/index.js';
import { packageRoot } from '../root.js';
import type { FileFacts } from '../parse/types.js';
import type { FactsStore } from '../parse/store.js';
import { decodeFacts, encodeFacts, isCompact } from './compact.js';

let fingerprint: string | undefined;

/**
 * What facts depend on besides the file: cratefence's and the grammar's versions and the parse
 * stage's code. Code running from dist/ (the CLI, the installed library) uses the fingerprint the
 * build computed from the sources it compiled; code running from src/ (the tests) computes it.
 */
export function factsFingerprint(): string {
  if (fingerprint) return fingerprint;
  const root = packageRoot();
  const here = fileURLToPath(import.meta.url);
  const fromDist = here.split(path.sep).includes('dist');
  fingerprint = fromDist ? readFileSync(path.join(root, 'dist', 'facts-fingerprint.txt'), 'utf8').trim() : computeFingerprint(root);
  return fingerprint;
}

/** The fingerprint from the sources (the build writes it to dist/facts-fingerprint.txt). */
export function computeFingerprint(root: string): string {
  const h = createHash('sha256');
  const require = createRequire(path.join(root, 'package.json'));
  const files = [
    path.join(root, 'package.json'),
    require.resolve('tree-sitter/package.json'),
    require.resolve('tree-sitter-rust/package.json'),
    path.join(root, 'native', 'syntax.c'),
    // The stored form is these modules': a change to it changes the key too.
    path.join(root, 'src', 'cache', 'facts.ts'),
    path.join(root, 'src', 'cache', 'compact.ts'),
    ...readdirSync(path.join(root, 'src', 'parse')).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(root, 'src', 'parse', f)),
  ];
  for (const f of files) {
    h.update(path.relative(root, f)).update('\0');
    h.update(existsSync(f) ? readFileSync(f) : 'missing').update('\0');
  }
  return h.digest('hex').slice(0, 32);
}

/** True when `v` has the shape of FileFacts for `hash` (a cache entry is checked before it is used). */
function isFacts(v: unknown, hash: string): v is FileFacts {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return f.hash === hash && f.unparsed !== true && typeof f.partial === 'boolean' && typeof f.lineCount === 'number'
    && Array.isArray(f.items) && Array.isArray(f.sites) && Array.isArray(f.errors) && Array.isArray(f.globs) && Array.isArray(f.mods)
    && Array.isArray(f.innerAttrs) && Array.isArray(f.safetyLines) && Array.isArray(f.oddIdentifiers)
    && typeof f.aliases === 'object' && f.aliases !== null;
}

/**
 * The most a stored entry may hold: four times the largest source file the reader accepts (32 MiB),
 * well above the facts of any real file. A larger entry is not read at all.
 */
export const MAX_FACTS_ENTRY_BYTES = 128 * 1024 * 1024;

/**
 * Why a cache folder must not be used: owned by another user, or writable by others. Facts cannot be
 * checked against the file they describe (they are what the parse found), so whoever can write the
 * folder decides what a scan sees; null when only this user can.
 */
function foreignWriters(dir: string): string | null {
  if (typeof process.getuid !== 'function' || typeof process.getgid !== 'function') return null;
  let st;
  try {
    // The folder itself is the user's choice and may be a link: what it names is checked.
    st = statSync(dir);
  } catch {
    return null; // created on the first write, by us, mode 0700
  }
  if (st.uid !== process.getuid() && st.uid !== 0) return `the facts cache folder ${dir} belongs to another user`;
  // Group-writable is fine for the user's own group (umask 002 systems); a sticky bit does not help,
  // since others could still create the entries before us.
  if ((st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && st.gid !== process.getgid())) return `the facts cache folder ${dir} is writable by other users`;
  return null;
}

/**
 * Facts on disk, one file per content under DIR/<fingerprint>/<2 hex>/<hash>, written to an
 * exclusive temporary file renamed into place (src/files), so that a reader never sees half an
 * entry and a link planted in DIR cannot send a write elsewhere. Entries are read bounded, and a
 * link, FIFO, device or oversized entry is a miss, never followed or waited on.
 *
 * Trust: an entry is trusted to describe the content its name says — facts cannot be re-hashed
 * against a file that is not there. DIR must be writable only by whoever runs the scans; a folder
 * owned by someone else or writable by others is not used (see {@link DiskFactsStore.refused}).
 */
export class DiskFactsStore implements FactsStore {
  private readonly root: string;
  private readonly fp: string;
  hits = 0;
  misses = 0;
  writes = 0;
  /** Why the first write failed (a cache that cannot be written only costs speed). */
  writeError: string | undefined;
  /** The first entry that was refused on reading (a link, a FIFO, over the limit…), for a warning. */
  readProblem: string | undefined;
  /** Why the folder is not used at all (others can write it), or undefined. */
  readonly refused: string | undefined;

  constructor(dir: string) {
    this.root = dir;
    this.fp = factsFingerprint();
    this.refused = foreignWriters(dir) ?? undefined;
  }

  private relOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a content hash: ${hash}`);
    return `${this.fp}/${hash.slice(0, 2)}/${hash}`;
  }

  get(hash: string): FileFacts | undefined {
    if (this.refused) {
      this.misses++;
      return undefined;
    }
    let v: unknown;
    try {
      const bytes = readInsideSync(this.root, this.relOf(hash), { maxBytes: MAX_FACTS_ENTRY_BYTES, what: 'facts cache entry' });
      if (bytes === null) {
        this.misses++;
        return undefined;
      }
      const c: unknown = deserialize(bytes);
      v = isCompact(c) ? decodeFacts(c) : undefined;
    } catch (e) {
      if (e instanceof FileReadError || e instanceof UnsafePathError) this.readProblem ??= e.message;
      this.misses++;
      return undefined;
    }
    if (!isFacts(v, hash)) {
      this.misses++;
      return undefined;
    }
    // Names from the scanned code (`constructor`, `__proto__`) must not meet Object's members.
    v.aliases = Object.assign(Object.create(null) as Record<string, string>, v.aliases);
    this.hits++;
    return v;
  }

  put(hash: string, facts: FileFacts): void {
    if (facts.unparsed || this.refused) return;
    try {
      writeInsideSync(this.root, this.relOf(hash), serialize(encodeFacts(facts)));
      this.writes++;
    } catch (e) {
      this.writeError ??= (e as Error).message;
    }
  }
}
