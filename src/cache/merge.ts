/**
 * Merging packs, so that a cache written to by scan after scan keeps few packs and a scan reads few
 * indexes. Past MERGE_AT packs, a merge copies the entries of the smallest packs (leaving MERGE_AT / 2)
 * into one new pack, renames it into place, and only then deletes the packs it copied completely:
 * every entry is in some pack at every moment, whatever other scans (reading, writing, merging) do
 * meanwhile. A reader that meets a pack deleted
 * under it lists the folder again and finds the merged one (see DiskFactsStore).
 *
 * Two merges at once would only waste work (duplicates are harmless and dropped by the next merge), so
 * a lock file keeps them apart when it can; correctness does not depend on it.
 */
import { closeSync, constants, lstatSync, openSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { FileReadError, writeInsideSync } from '../files/index.js';
import { PACK_NAME, Pack, encodePack, newPackName } from './pack.js';

/** More packs than this in a folder, and the next scan that writes one merges the smallest. */
export const MERGE_AT = 16;
/**
 * A merge stops adding packs before its output would pass this many bytes (it holds them in memory
 * twice); larger packs are left as they are.
 */
export const MERGED_CAP = 128 * 1024 * 1024;
/** A lock or temporary file older than this was left by a process that died. */
const STALE_MS = 10 * 60 * 1000;
const LOCK = 'merge.lock';

/** The names of the packs in `folder` (a missing folder has none). */
export function packNames(folder: string): string[] {
  try {
    return readdirSync(folder).filter((n) => PACK_NAME.test(n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

function lock(folder: string): boolean {
  const file = path.join(folder, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let st;
      try {
        st = lstatSync(file);
      } catch {
        continue;
      }
      if (Date.now() - st.mtimeMs < STALE_MS) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/** Temporary files of writers that died before renaming them (a live writer renames within seconds). */
function removeStaleTemporaries(folder: string): void {
  for (const n of readdirSync(folder)) {
    if (!n.startsWith('.pack-') || !n.endsWith('.tmp')) continue;
    const f = path.join(folder, n);
    try {
      if (Date.now() - lstatSync(f).mtimeMs > STALE_MS) rmSync(f, { force: true });
    } catch {
      // gone already
    }
  }
}

/**
 * Merges the smallest packs of `root`/`rel` when there are more than MERGE_AT of them (and no other
 * merge holds the lock); `usable` tells which of two copies of an entry to keep. Returns how many packs were merged into one (0 when nothing was done). Throws
 * only what writing the merged pack throws; packs that vanish or fail to read are left out, not deleted.
 */
export function mergePacks(root: string, rel: string, maxEntryBytes: number, usable: (hash: string, entry: Buffer) => boolean): number {
  const folder = path.join(root, rel);
  if (packNames(folder).length <= MERGE_AT || !lock(folder)) return 0;
  try {
    const packs: Pack[] = [];
    for (const n of packNames(folder)) {
      try {
        packs.push(Pack.open(path.join(folder, n), maxEntryBytes));
      } catch (e) {
        if (!(e instanceof FileReadError)) throw e;
        // A damaged or foreign file is neither merged nor deleted: the readers report it.
      }
    }
    if (packs.length <= MERGE_AT) return 0;
    // The smallest packs, enough of them to leave half of MERGE_AT: an entry is copied again only
    // when its pack is among the smallest, so a cache that grows scan after scan does not rewrite
    // its large packs on every merge.
    packs.sort((a, b) => a.size - b.size);
    const chosen: Pack[] = [];
    let total = 0;
    for (const p of packs.slice(0, packs.length - MERGE_AT / 2 + 1)) {
      if (total + p.size > MERGED_CAP) break;
      chosen.push(p);
      total += p.size;
    }
    const byKey = new Map<string, readonly [Buffer, Buffer]>();
    const copied: Pack[] = [];
    for (const p of chosen) {
      let entries;
      try {
        entries = p.entries();
      } catch (e) {
        if (!(e instanceof FileReadError)) throw e;
        continue; // removed or replaced meanwhile (another merge): not ours to delete
      }
      for (const [k, b] of entries) {
        const hex = k.toString('hex');
        const kept = byKey.get(hex);
        // Two copies of an entry: written by two scans at once (both good), or again by a scan that
        // found the first unusable. Only then are they decoded, to keep a good one.
        if (!kept || (!usable(hex, kept[1]) && usable(hex, b))) byKey.set(hex, [k, b]);
      }
      copied.push(p);
    }
    if (copied.length < 2) return 0;
    writeInsideSync(root, `${rel}/${newPackName()}`, encodePack([...byKey.values()]));
    // Only now, with every entry of them in the new pack, are the old ones removed.
    for (const p of copied) rmSync(p.file, { force: true });
    removeStaleTemporaries(folder);
    return copied.length;
  } finally {
    rmSync(path.join(folder, LOCK), { force: true });
  }
}
