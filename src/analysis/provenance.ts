import { createHash } from 'node:crypto';

/** What `.cargo_vcs_info.json` says about where a `.crate` was packaged from. */
export interface VcsInfo {
  sha1: string;
  dirty: boolean;
  /** The package's folder inside the repository ('' at the root). */
  pathInVcs: string;
}

/**
 * The repository side of a provenance check, gathered by the layer above the core (which runs git):
 * what the crate's `.cargo_vcs_info.json` says, whether that commit exists, and the commit's files.
 */
export interface VcsSnapshot {
  /** Where the repository was read from, for messages. */
  repo: string;
  /** Null when the crate has no `.cargo_vcs_info.json`. */
  info: VcsInfo | null;
  /** Why `.cargo_vcs_info.json` could not be used, when it is there but unreadable. */
  infoError?: string;
  /** False when the commit named by the crate is not in the repository. */
  commitFound: boolean;
  /** Repository path → git blob id (regular files only) at that commit; empty when not found. */
  files: Map<string, string>;
}

/** Files `cargo package` writes itself: they are never in the repository as published. */
export const CARGO_WRITTEN = new Set(['Cargo.toml', 'Cargo.toml.orig', 'Cargo.lock', '.cargo_vcs_info.json']);

/** Reads `.cargo_vcs_info.json`; throws an Error with a short reason when it is not what cargo writes. */
export function parseVcsInfo(bytes: Uint8Array): VcsInfo {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new Error('.cargo_vcs_info.json is not valid JSON');
  }
  const git = (v as { git?: { sha1?: unknown; dirty?: unknown } } | null)?.git;
  const sha1 = git?.sha1;
  if (typeof sha1 !== 'string' || !/^[0-9a-f]{40}$/.test(sha1)) throw new Error('.cargo_vcs_info.json has no 40-hex git.sha1');
  const p = (v as { path_in_vcs?: unknown }).path_in_vcs;
  const pathInVcs = typeof p === 'string' ? p.replace(/^\/+|\/+$/g, '') : '';
  if (pathInVcs.split('/').some((s) => s === '..')) throw new Error('.cargo_vcs_info.json has a path_in_vcs that leaves the repository');
  return { sha1, dirty: git?.dirty === true, pathInVcs };
}

/** The id git gives a file's content (`git hash-object`): SHA-1 of `blob <size>\0<bytes>`. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

const attached = new WeakMap<object, VcsSnapshot>();

/** Hands a scan its repository snapshot (kept beside the scan context, which stays unaware of it). */
export function attachVcs(scan: object, snap: VcsSnapshot): void {
  attached.set(scan, snap);
}

/** The repository snapshot given to this scan, if any. */
export function vcsOf(scan: object): VcsSnapshot | undefined {
  return attached.get(scan);
}
