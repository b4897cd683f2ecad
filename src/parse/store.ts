import type { FileFacts } from './types.js';

/**
 * What the parse cache can keep facts in across scans, by content hash: content found there is
 * neither parsed nor walked again (see `ParseCache`). The library does no I/O of its own; the
 * CLI's disk-backed store is `DiskFactsStore` (src/cache/facts.ts, `--cache DIR`).
 */
export interface FactsStore {
  /** Facts stored for this content hash, or undefined (never throws: a bad entry is a miss). */
  get(hash: string): FileFacts | undefined;
  put(hash: string, facts: FileFacts): void;
  /** Called once a scan has parsed everything it will: a store that holds puts back writes them now. */
  flush?(): void;
  /** A stored release model by key (see src/analysis/graph-model.ts), or undefined; never throws. */
  getModel?(key: string): Uint8Array | undefined;
  /** True when a release model is stored under this key. */
  hasModel?(key: string): boolean;
  /** Stores a release model; never throws. */
  putModel?(key: string, bytes: Uint8Array): void;
}
