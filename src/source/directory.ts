import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, type CrateTree, type SourceLimits, type SourceNote } from './types.js';
import { checkEntryPath, collisionNotes } from './paths.js';
import picomatch from 'picomatch';
import { parse as parseToml } from 'smol-toml';

/** Turns Cargo's gitignore-style include/exclude patterns into one matcher. */
function cargoMatcher(patterns: string[]): (p: string) => boolean {
  const globs: string[] = [];
  for (const raw of patterns) {
    const anchored = raw.startsWith('/');
    const p = raw.replace(/^\//, '').replace(/\/$/, '');
    if (p === '') continue;
    for (const g of anchored ? [p, `${p}/**`] : [p, `${p}/**`, `**/${p}`, `**/${p}/**`]) globs.push(g);
  }
  return picomatch(globs, { dot: true });
}

/**
 * What `cargo package` would publish from this folder, by the manifest's `include` / `exclude`.
 * Returns null when the manifest names neither (everything is published). Shared with source archives.
 */
export function packageFilter(manifest: Uint8Array): { keep: (p: string) => boolean; how: string } | null {
  let pkg: Record<string, unknown>;
  try {
    const doc = parseToml(Buffer.from(manifest).toString('utf8')) as Record<string, unknown>;
    pkg = (doc.package ?? {}) as Record<string, unknown>;
  } catch {
    return null; // the diff stage reports an unreadable manifest
  }
  const inc = Array.isArray(pkg.include) ? pkg.include.map(String) : null;
  const exc = Array.isArray(pkg.exclude) ? pkg.exclude.map(String) : null;
  if (inc) {
    const m = cargoMatcher(inc);
    return { keep: (p) => p === 'Cargo.toml' || m(p), how: 'package.include' };
  }
  if (exc) {
    const m = cargoMatcher(exc);
    return { keep: (p) => p === 'Cargo.toml' || !m(p), how: 'package.exclude' };
  }
  return null;
}

/** Folders that are build or VCS state, never part of a published crate. Skipping them is reported. */
export const SKIP_AT_ROOT = new Set(['.git', 'target']);

/** Picks the crate root: the folder itself, or its only sub-folder when that holds the Cargo.toml. */
function findRoot(dir: string, input: string): string {
  if (exists(path.join(dir, 'Cargo.toml'))) return dir;
  const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  if (entries.length === 1 && entries[0].isDirectory() && exists(path.join(dir, entries[0].name, 'Cargo.toml'))) {
    return path.join(dir, entries[0].name);
  }
  throw new InputError('no Cargo.toml in this folder or its single sub-folder', input);
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads one regular file through a single descriptor: the size is checked on that descriptor before
 * reading, and a file that grows while it is read is refused rather than read past the limit.
 */
function readBounded(abs: string, rel: string, limits: SourceLimits, input: string): Uint8Array {
  // O_NONBLOCK: a FIFO swapped in after listing opens at once (and is then refused) instead of
  // blocking the scan; O_NOFOLLOW: a link swapped in is not followed out of the crate.
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${rel} cannot be opened (${code === 'ELOOP' ? 'it became a symbolic link after it was checked' : code})`, input);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${rel} is not a regular file (devices and FIFOs are refused)`, input);
    if (st.size > limits.maxFileBytes) throw new InputError(`${rel} is ${st.size} bytes, over the ${limits.maxFileBytes} byte per-file limit`, input);
    const buf = Buffer.allocUnsafe(st.size + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      if (got > st.size) throw new InputError(`${rel} changed size while it was read`, input);
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file named before the listing (Cargo.toml) with the same checks as the listing gives every
 * other file: a link is resolved and must stay inside the crate before anything is opened, and the
 * read itself is the bounded, non-blocking one (devices, FIFOs and oversized files refused on the
 * open descriptor, before a byte is read).
 */
function readInside(root: string, realRoot: string, rel: string, limits: SourceLimits, input: string): Uint8Array {
  const abs = path.join(root, rel);
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    throw new InputError(`${rel} cannot be read`, input);
  }
  if (!st.isSymbolicLink()) return readBounded(abs, rel, limits, input);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    throw new InputError(`${rel} is a symbolic link that points to nothing`, input);
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new InputError(`symbolic link ${rel} points outside the crate (${real})`, input);
  return readBounded(real, rel, limits, input);
}

/** Reads a crate source folder into memory, refusing links that leave it and enforcing the same limits as archives. */
export async function readDirectory(dir: string, limits: SourceLimits, input: string): Promise<CrateTree> {
  // Synchronous on purpose: for the many small files of a crate, one blocking call per step is far
  // cheaper than a round trip through the thread pool, and nothing else runs while a scan reads.
  const root = findRoot(dir, input);
  const realRoot = realpathSync(root);
  const notes: SourceNote[] = [];
  // The manifest decides what the listing keeps, so it is read first, and read once: the bytes the
  // filter used are the bytes analysed.
  const manifest = readInside(root, realRoot, 'Cargo.toml', limits, input);
  const filter = packageFilter(manifest);
  let leftOut = 0;
  // 1. List: folders breadth-first with typed entries, so plain files and folders cost no extra syscall.
  const wanted: Array<{ rel: string; abs: string }> = [];
  const queue: string[] = [''];
  while (queue.length > 0) {
    const rel = queue.shift()!;
    const entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    if (rel !== '' && entries.some((e) => e.name === 'Cargo.toml' && !e.isDirectory())) {
      // Like `cargo package`, leave out folders that are packages of their own (workspace members).
      notes.push({ kind: 'skipped', path: rel, message: `${rel}/ holds its own Cargo.toml (another package) and is not part of this crate; not analysed` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (rel === '' && SKIP_AT_ROOT.has(e.name)) {
        notes.push({ kind: 'skipped', path: childRel, message: `${childRel}/ is build or version-control state and is not part of a published crate; not analysed` });
        continue;
      }
      const clean = checkEntryPath(childRel, limits, input);
      const abs = path.join(root, clean);
      if (e.isDirectory()) {
        queue.push(clean);
        continue;
      }
      let target = abs;
      if (e.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(abs);
        } catch {
          notes.push({ kind: 'dangling-link', path: clean, message: `symbolic link ${clean} points to nothing` });
          continue;
        }
        if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
          throw new InputError(`symbolic link ${clean} points outside the crate (${real})`, input);
        }
        const st = statSync(real);
        if (st.isDirectory()) {
          notes.push({ kind: 'skipped', path: clean, message: `${clean} is a link to a folder inside the crate; its files are analysed at their real location` });
          continue;
        }
        if (!st.isFile()) throw new InputError(`${clean} links to something that is not a regular file (devices and FIFOs are refused)`, input);
        target = real;
      } else if (!e.isFile()) {
        throw new InputError(`${clean} is not a regular file (devices and FIFOs are refused)`, input);
      }
      if (filter && !filter.keep(clean)) {
        leftOut++;
        continue;
      }
      if (wanted.length >= limits.maxFiles) throw new InputError(`more than ${limits.maxFiles} files`, input);
      wanted.push({ rel: clean, abs: target });
    }
  }
  // 2. Read, checking sizes on the open file.
  const files = new Map<string, Uint8Array>();
  let total = 0;
  for (const w of wanted) {
    const data = w.rel === 'Cargo.toml' ? manifest : readBounded(w.abs, w.rel, limits, input);
    total += data.length;
    if (total > limits.maxTotalBytes) throw new InputError(`total size exceeds the ${limits.maxTotalBytes} byte limit`, input);
    files.set(w.rel, data);
  }
  if (filter && leftOut > 0) {
    notes.push({ kind: 'skipped', path: '.', message: `${leftOut} file(s) left out by Cargo.toml's ${filter.how}, as cargo package would; not analysed` });
  }
  notes.push(...collisionNotes(files.keys()));
  return { label: input, files, notes };
}
