import { readFile, stat } from 'node:fs/promises';
import { readDirectory } from './directory.js';
import { checkEntryPath, collisionNotes } from './paths.js';
import { DEFAULT_LIMITS, InputError, type CrateTree, type SourceLimits } from './types.js';

export { DEFAULT_LIMITS, InputError } from './types.js';
export type { CrateTree, SourceLimits, SourceNote } from './types.js';

/**
 * Loads a release from a directory or a `.crate` / `.tar.gz` / `.tgz` / `.tar` file into memory. A
 * `.crate` is held to cargo's rules; another archive that is a source tree rather than a package
 * (git archive, `tar -czf x.tar.gz ./`: see `source-archive.ts`) is read as a folder would be.
 */
export async function loadSource(input: string, limits: SourceLimits = DEFAULT_LIMITS): Promise<CrateTree> {
  let st;
  try {
    st = await stat(input);
  } catch {
    throw new InputError('no such file or directory', input);
  }
  if (st.isDirectory()) return readDirectory(input, limits, input);
  if (!st.isFile()) throw new InputError('not a file or directory', input);
  if (st.size > limits.maxTotalBytes) throw new InputError(`archive is ${st.size} bytes, over the ${limits.maxTotalBytes} byte limit`, input);
  if (!/\.(crate|tar\.gz|tgz|tar)$/i.test(input)) throw new InputError('expected a directory or a .crate, .tar.gz, .tgz or .tar file', input);
  const { readTarball } = await import('./tarball.js');
  return readTarball(await readFile(input), limits, input, { allowPlainTar: /\.tar$/i.test(input), sourceArchive: !/\.crate$/i.test(input) });
}

/** Reads a `.crate` already in memory (fetched from a registry, or uploaded), with the same limits and cargo's rules. */
export async function readArchiveBytes(bytes: Uint8Array, limits: SourceLimits, label: string): Promise<CrateTree> {
  if (bytes.length > limits.maxTotalBytes) throw new InputError(`archive is ${bytes.length} bytes, over the ${limits.maxTotalBytes} byte limit`, label);
  const { readTarball } = await import('./tarball.js');
  return readTarball(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), limits, label);
}

/** An empty release, used as the "old" side when scanning a first release. */
export function emptyTree(label = '(none)'): CrateTree {
  return { label, files: new Map(), notes: [] };
}

/**
 * Builds a release from an in-memory map of paths to contents, with the same path checks as the
 * archive reader (used by tests, the rule harness and library callers that already hold the files).
 */
export function treeFromFiles(files: Record<string, string | Uint8Array>, label = '(memory)', limits: SourceLimits = DEFAULT_LIMITS): CrateTree {
  const map = new Map<string, Uint8Array>();
  for (const [p, c] of Object.entries(files)) {
    map.set(checkEntryPath(p, limits, label), typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  }
  return { label, files: map, notes: collisionNotes(map.keys()) };
}
