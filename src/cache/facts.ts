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
import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { FileReadError, UnsafePathError, writeInsideSync } from '../files/index.js';
import { packageRoot } from '../root.js';
import type { FileFacts } from '../parse/types.js';
import type { FactsStore } from '../parse/store.js';
import { decodeFacts, encodeFacts, isCompact } from './compact.js';
import { MERGE_AT, mergePacks, packNames } from './merge.js';
import { Pack, encodePack, keyOf, newPackName } from './pack.js';
import { hasModel, readModel, writeModel } from './model.js';

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
    ...readdirSync(path.join(root, 'src', 'cache')).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(root, 'src', 'cache', f)),
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

/** Entries waiting for their pack past this many bytes are written at once, mid-scan. */
const FLUSH_BYTES = 64 * 1024 * 1024;

/** Stores with entries not yet written, so that none is lost when the process ends or another store opens the folder. */
const unwritten = new Set<DiskFactsStore>();
let exitHook = false;

/**
 * Facts on disk in pack files under DIR/<fingerprint>/ (src/cache/pack.ts). A store reads the packs'
 * indexes once, on its first lookup, and each entry by range when asked for it, decoding only that
 * one. The entries a scan adds are kept until the scan is done (the scan calls `flush`, the store is
 * asked how its writes went, another store opens the same folder, or the process exits) and then
 * written as one new pack, to an exclusive temporary file renamed into place (src/files): concurrent
 * scans, threads and processes never write the same file, and a reader never sees half a pack. Past
 * MERGE_AT packs, the writer merges the smallest (src/cache/merge.ts). A pack that is a link, FIFO,
 * device, oversized or damaged is a miss with a warning, never followed or waited on; one deleted by a
 * merge is looked for again in a fresh listing of the folder.
 *
 * Trust: an entry is trusted to describe the content its hash says — facts cannot be re-hashed
 * against a file that is not there. DIR must be writable only by whoever runs the scans; a folder
 * owned by someone else or writable by others is not used (see {@link DiskFactsStore.refused}).
 */
export class DiskFactsStore implements FactsStore {
  private readonly root: string;
  private readonly fp: string;
  private readonly folder: string;
  hits = 0;
  misses = 0;
  private written = 0;
  private firstWriteError: string | undefined;
  /** The first pack that was refused on reading (a link, a FIFO, over the limit, damaged…), for a warning. */
  readProblem: string | undefined;
  /** Why the folder is not used at all (others can write it), or undefined. */
  readonly refused: string | undefined;
  /** The packs read so far, by name; undefined until the first lookup. */
  private packs: Map<string, Pack> | undefined;
  /** Hashes whose stored entry was not usable facts: a put writes them again. */
  private readonly unusable = new Set<string>();
  /** Names refused once (a pack never changes, so it is not read again). */
  private readonly refusedPacks = new Set<string>();
  /** The folder's identity when it was last listed: a new pack or a merge changes it. */
  private listedAs = '';
  private readonly pending = new Map<string, Buffer>();
  private pendingBytes = 0;

  constructor(dir: string) {
    this.root = dir;
    this.fp = factsFingerprint();
    this.folder = path.join(path.resolve(dir), this.fp);
    this.refused = foreignWriters(dir) ?? undefined;
    // What another store of this process holds back goes to disk first, so this one can read it.
    for (const s of unwritten) if (s.folder === this.folder) s.flush();
  }

  /** Entries written to packs so far (entries still held back are written first). */
  get writes(): number {
    this.flush();
    return this.written;
  }

  /** Why the first write failed (a cache that cannot be written only costs speed); held-back entries are written first. */
  get writeError(): string | undefined {
    this.flush();
    return this.firstWriteError;
  }

  get(hash: string): FileFacts | undefined {
    if (this.refused) {
      this.misses++;
      return undefined;
    }
    const held = this.pending.get(checkHash(hash));
    const v = held ? decoded(held) : this.fromPacks(hash);
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
    if (facts.unparsed || this.refused || this.pending.has(checkHash(hash))) return;
    // Already in a pack, unless what is there was found unusable: then a good copy goes to a new
    // pack (lookups pass over the bad copy, merges keep the good one).
    if (!this.unusable.has(hash) && this.packs && [...this.packs.values()].some((p) => p.find(keyOf(hash)))) return;
    let bytes: Buffer;
    try {
      bytes = serialize(encodeFacts(facts));
    } catch (e) {
      this.firstWriteError ??= (e as Error).message;
      return;
    }
    if (bytes.length > MAX_FACTS_ENTRY_BYTES) return;
    this.pending.set(hash, bytes);
    this.pendingBytes += bytes.length;
    unwritten.add(this);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const s of [...unwritten]) s.flush();
      });
    }
    // The scan calls flush() once it has parsed everything (FactsStore.flush); a large batch of puts
    // goes out at once.
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /**
   * Writes the entries held back as one new pack, then merges packs if there are many. Never throws:
   * a failure is kept in {@link writeError} (a cache that cannot be written only costs speed).
   */
  flush(): void {
    if (this.pending.size === 0) return;
    const entries = [...this.pending].map(([h, b]) => [keyOf(h), b] as const);
    this.pending.clear();
    this.pendingBytes = 0;
    unwritten.delete(this);
    try {
      writeInsideSync(this.root, `${this.fp}/${newPackName()}`, encodePack(entries));
      this.written += entries.length;
      if (packNames(this.folder).length > MERGE_AT) mergePacks(this.root, this.fp, MAX_FACTS_ENTRY_BYTES, (h, b) => isFacts(decoded(b), h));
    } catch (e) {
      this.firstWriteError ??= (e as Error).message;
    }
  }

  /** A stored release model (src/analysis/graph-model.ts) for this key, or undefined; never throws. */
  getModel(key: string): Uint8Array | undefined {
    return this.refused ? undefined : readModel(this.root, this.fp, key);
  }

  /** True when a release model is stored under this key. */
  hasModel(key: string): boolean {
    return !this.refused && hasModel(this.root, this.fp, key);
  }

  /** Stores a release model; never throws (a failure is kept in {@link writeError}). */
  putModel(key: string, bytes: Uint8Array): void {
    if (this.refused) return;
    try {
      writeModel(this.root, this.fp, key, bytes);
    } catch (e) {
      this.firstWriteError ??= (e as Error).message;
    }
  }

  /**
   * The facts for `hash` from the packs, or undefined. An entry that is not facts for this hash is
   * passed over for another copy; a pack that cannot be read is noted and passed over.
   */
  private fromPacks(hash: string): FileFacts | undefined {
    const key = keyOf(hash);
    if (!this.packs) this.list();
    // A pack removed since it was listed (merged into a newer one), or packs added since, send the
    // lookup to a fresh listing once.
    for (let round = 0; round < 2; round++) {
      let vanished = false;
      for (const pack of this.packs!.values()) {
        const at = pack.find(key);
        if (!at) continue;
        let bytes: Buffer;
        try {
          bytes = pack.read(at);
        } catch (e) {
          this.packs!.delete(path.basename(pack.file));
          if (e instanceof FileReadError && e.code === 'ENOENT') vanished = true;
          else {
            this.readProblem ??= (e as Error).message;
            this.refusedPacks.add(path.basename(pack.file));
          }
          continue;
        }
        const v = decoded(bytes);
        if (isFacts(v, hash)) return v;
        this.unusable.add(hash);
      }
      if (round === 0 && (vanished || this.folderChanged())) this.list();
      else break;
    }
    return undefined;
  }

  private identityOfFolder(): string {
    try {
      const st = lstatSync(this.folder);
      return `${st.ino}:${st.mtimeMs}:${st.isDirectory()}`;
    } catch {
      return 'none';
    }
  }

  private folderChanged(): boolean {
    return this.identityOfFolder() !== this.listedAs;
  }

  /** Lists the folder's packs and reads the indexes of those not read before. */
  private list(): void {
    const packs = (this.packs ??= new Map());
    this.listedAs = this.identityOfFolder();
    let names: string[];
    try {
      const st = lstatSync(this.folder);
      if (st.isSymbolicLink()) throw new UnsafePathError(`${this.folder}: a symbolic link inside ${this.root}, refused`);
      if (!st.isDirectory()) throw new UnsafePathError(`${this.folder}: not a folder`);
      names = packNames(this.folder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.readProblem ??= (e as Error).message;
      packs.clear();
      return;
    }
    const listed = new Set(names);
    for (const n of packs.keys()) if (!listed.has(n)) packs.delete(n);
    for (const n of names) {
      if (packs.has(n) || this.refusedPacks.has(n)) continue;
      try {
        packs.set(n, Pack.open(path.join(this.folder, n), MAX_FACTS_ENTRY_BYTES));
      } catch (e) {
        if (e instanceof FileReadError && e.code === 'ENOENT') continue; // merged away since the listing
        this.readProblem ??= (e as Error).message;
        this.refusedPacks.add(n);
      }
    }
  }
}

function checkHash(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a content hash: ${hash}`);
  return hash;
}

/** An entry's bytes to facts, or undefined when they are not a compact form (a damaged entry is a miss). */
function decoded(bytes: Buffer): unknown {
  try {
    const c: unknown = deserialize(bytes);
    return isCompact(c) ? decodeFacts(c) : undefined;
  } catch {
    return undefined;
  }
}
