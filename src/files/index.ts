/** Bounded, regular-file-only reads and link-proof writes for every layer (see read.ts, inside.ts). */
export { FileReadError, readBounded, readBoundedRangeSync, readBoundedSync, readBoundedText, readBoundedTextSync, readBoundedIfExists, readBoundedSyncIfExists } from './read.js';
export type { BoundedReadOptions, FileIdentity } from './read.js';
export { UnsafePathError, readInside, readInsideSync, writeInside, writeInsideSync } from './inside.js';
