import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, type CrateTree, type SourceLimits, type SourceNote } from './types.js';
import { checkEntryPath, findCollisions } from './paths.js';

/** Folders that are build or VCS state, never part of a published crate. Skipping them is reported. */
const SKIP_AT_ROOT = new Set(['.git', 'target']);

/** Picks the crate root: the folder itself, or its only sub-folder when that holds the Cargo.toml. */
async function findRoot(dir: string, input: string): Promise<string> {
  if (await exists(path.join(dir, 'Cargo.toml'))) return dir;
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  if (entries.length === 1 && entries[0].isDirectory() && (await exists(path.join(dir, entries[0].name, 'Cargo.toml')))) {
    return path.join(dir, entries[0].name);
  }
  throw new InputError('no Cargo.toml in this folder or its single sub-folder', input);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Reads a crate source folder into memory, refusing links that leave it and enforcing the same limits as archives. */
export async function readDirectory(dir: string, limits: SourceLimits, input: string): Promise<CrateTree> {
  const root = await findRoot(dir, input);
  const realRoot = await realpath(root);
  const files = new Map<string, Uint8Array>();
  const notes: SourceNote[] = [];
  let total = 0;
  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const abs = path.join(root, rel);
    const entries = await readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (rel === '' && SKIP_AT_ROOT.has(e.name)) {
        notes.push({ kind: 'skipped', path: childRel, message: `${childRel}/ is build or version-control state and is not part of a published crate; not analysed` });
        continue;
      }
      const clean = checkEntryPath(childRel, limits, input);
      const childAbs = path.join(root, clean);
      const st = await lstat(childAbs);
      let target = childAbs;
      if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = await realpath(childAbs);
        } catch {
          notes.push({ kind: 'dangling-link', path: clean, message: `symbolic link ${clean} points to nothing` });
          continue;
        }
        if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
          throw new InputError(`symbolic link ${clean} points outside the crate (${real})`, input);
        }
        target = real;
      }
      const tst = await stat(target);
      if (tst.isDirectory()) {
        if (!st.isSymbolicLink()) stack.push(clean);
        else notes.push({ kind: 'skipped', path: clean, message: `${clean} is a link to a folder inside the crate; its files are analysed at their real location` });
        continue;
      }
      if (!tst.isFile()) throw new InputError(`${clean} is not a regular file (devices and FIFOs are refused)`, input);
      if (files.size >= limits.maxFiles) throw new InputError(`more than ${limits.maxFiles} files`, input);
      if (tst.size > limits.maxFileBytes) throw new InputError(`${clean} is ${tst.size} bytes, over the ${limits.maxFileBytes} byte per-file limit`, input);
      total += tst.size;
      if (total > limits.maxTotalBytes) throw new InputError(`total size exceeds the ${limits.maxTotalBytes} byte limit`, input);
      files.set(clean, await readFile(target));
    }
  }
  for (const [a, b] of findCollisions(files.keys())) {
    notes.push({ kind: 'case-collision', path: b, message: `${a} and ${b} differ only in letter case or Unicode normalization` });
  }
  return { label: input, files, notes };
}
