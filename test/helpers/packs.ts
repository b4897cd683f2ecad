import { readdirSync } from 'node:fs';
import path from 'node:path';
import { writeInsideSync } from '../../src/files/index.js';
import { factsFingerprint, MAX_FACTS_ENTRY_BYTES } from '../../src/cache/facts.js';
import { encodePack, keyOf, newPackName, Pack, PACK_NAME } from '../../src/cache/pack.js';

/** The pack files of a facts cache folder (of the fingerprint the tests compute from src/). */
export function packFiles(dir: string, fp = factsFingerprint()): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, fp));
  } catch {
    return [];
  }
  return names.filter((n) => PACK_NAME.test(n)).sort().map((n) => path.join(dir, fp, n));
}

/** Every entry of one pack, by content hash (read through the pack reader itself). */
export function packEntries(file: string): Map<string, Buffer> {
  return new Map(Pack.open(file, MAX_FACTS_ENTRY_BYTES).entries().map(([k, b]) => [k.toString('hex'), Buffer.from(b)]));
}

/** Writes a pack holding exactly these entries (hash, bytes) into the cache folder; returns its path. */
export function writePack(dir: string, entries: Array<[string, Uint8Array]>, fp = factsFingerprint()): string {
  return writeInsideSync(dir, `${fp}/${newPackName()}`, encodePack(entries.map(([h, b]) => [keyOf(h), b] as const)));
}
