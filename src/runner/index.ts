export { ScanPool, availableCores, type PoolOptions } from './pool.js';
export { MemoryFactsStore } from './memory-store.js';
export type { ScanJob, ScanOutcome, ScanFailure, ReleaseInput } from './types.js';
