import { parse as parseToml } from 'smol-toml';
import { InputError, loadRelease } from '../index.js';
import { ServeError } from './errors.js';

/**
 * A crate name as crates.io compares names: ASCII case folded, `-` and `_` the same. Two names with
 * one key are one crate for Cargo and crates.io, so ownership and uniqueness go by the key.
 */
export function crateKey(name: string): string {
  return name.toLowerCase().replace(/-/g, '_');
}

/** What the request's bytes say about themselves, once read as cargo would read them. */
export type ManifestCheck = { readable: true } | { readable: false; reason: string };

/**
 * Reads a published `.crate` through the core's reader and refuses (422) one whose `Cargo.toml`
 * names another crate or version than the request, or whose top folder is not `name-version`:
 * otherwise a report would describe, and builds would trust, a release other than the one
 * published. An archive the reader refuses is not judged here: it is queued, and its scan records
 * the reason as a rejection (as before), so the registry still hears about it.
 */
export async function checkManifest(bytes: Uint8Array, name: string, version: string): Promise<ManifestCheck> {
  let tree;
  try {
    tree = await loadRelease({ bytes, label: `${name}-${version}.crate` });
  } catch (e) {
    if (e instanceof InputError) return { readable: false, reason: e.message };
    throw e;
  }
  const raw = tree.files.get('Cargo.toml');
  if (!raw) throw new ServeError(422, `body: the .crate has no Cargo.toml, so it cannot be ${name} ${version}`);
  let doc: unknown;
  try {
    doc = parseToml(Buffer.from(raw).toString('utf8'));
  } catch (e) {
    throw new ServeError(422, `body: the .crate's Cargo.toml is not valid TOML (${(e as Error).message.split('\n')[0]})`);
  }
  const pkg = (doc as { package?: unknown }).package;
  const field = (k: string): string | null => {
    const v = pkg && typeof pkg === 'object' ? (pkg as Record<string, unknown>)[k] : undefined;
    return typeof v === 'string' ? v : null;
  };
  const mName = field('name');
  const mVersion = field('version');
  if (mName === null || mVersion === null) throw new ServeError(422, `body: the .crate's Cargo.toml has no [package] name and version as strings, so it cannot be ${name} ${version}`);
  if (mName !== name || mVersion !== version) {
    throw new ServeError(422, `body: the .crate's Cargo.toml describes ${JSON.stringify(mName)} ${JSON.stringify(mVersion)}, but it was published as ${JSON.stringify(name)} ${JSON.stringify(version)}`);
  }
  if (tree.topFolder !== undefined && tree.topFolder !== `${name}-${version}`) {
    throw new ServeError(422, `body: the .crate's files are under ${JSON.stringify(tree.topFolder)}, but it was published as ${JSON.stringify(`${name}-${version}`)}`);
  }
  return { readable: true };
}
