/**
 * The registry client's contract (implemented in src/registry/client.ts), shared by `diff`/`scan`
 * with `name@version`, `lock`, `batch` and `serve`: one client, one cache.
 */

/** One line of a sparse index file, as cratefence reads it. */
export interface IndexVersion {
  name: string;
  vers: string;
  /** SHA-256 of the .crate, hex. */
  cksum: string;
  yanked: boolean;
  /** Publish time (ISO 8601) when the index provides one (`pubtime`). */
  pubtime?: string;
  /** Dependencies as the index lists them (name, req, kind, package rename, registry). */
  deps: Array<{ name: string; req: string; kind?: string; package?: string; registry?: string; optional?: boolean }>;
}

/** A `.crate` fetched (or found in a cache) and verified against its expected SHA-256. */
export interface FetchedCrate {
  name: string;
  version: string;
  bytes: Uint8Array;
  sha256: string;
  /** Where it came from: `cargo-cache`, `cratefence-cache` or `download`. */
  origin: 'cargo-cache' | 'cratefence-cache' | 'download';
  /** A label for reports and errors, e.g. `serde@1.0.201`. */
  label: string;
}

export interface RegistryClientApi {
  /** Every version the index lists for a crate, in index order. */
  versions(name: string): Promise<IndexVersion[]>;
  /** Fetches one release; `expectedSha256` (from a Cargo.lock) overrides the index checksum. */
  fetchCrate(name: string, version: string, expectedSha256?: string, expectedFrom?: string): Promise<FetchedCrate>;
  /** When the version was published: index `pubtime`, else the web API's `created_at` (rate-limited, cached). */
  publishTime(name: string, version: string): Promise<Date | null>;
}

/** The raw side of a registry, for `serve`'s pull-through mirror: index files with their validators. */
export interface UpstreamIndexApi {
  /** The sparse index root (normalised, ending in `/`). */
  readonly index: string;
  /** A crate's index file, asked conditionally with a kept copy's validators. */
  indexFile(
    name: string,
    kept?: { etag?: string | null; lastModified?: string | null },
  ): Promise<({ status: 'ok'; body: Buffer; etag: string | null; lastModified: string | null } | { status: 'not-modified' } | { status: 'missing'; code: number }) & { url: string }>;
}
