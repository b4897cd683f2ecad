import type { FactsStore } from '../parse/store.js';
import type { FileFacts } from '../parse/types.js';

/**
 * Facts kept in memory by content hash, bounded by entry count (oldest dropped first), in front of
 * an optional disk store. Consecutive releases of one crate share most files, so a worker that scans
 * them one after the other parses each distinct content once.
 */
export class MemoryFactsStore implements FactsStore {
  private readonly map = new Map<string, FileFacts>();

  constructor(private readonly behind?: FactsStore, private readonly maxEntries = 20_000) {}

  get(hash: string): FileFacts | undefined {
    const hit = this.map.get(hash);
    if (hit) {
      // Refresh its place: the map's order is the eviction order.
      this.map.delete(hash);
      this.map.set(hash, hit);
      return hit;
    }
    const v = this.behind?.get(hash);
    if (v) this.remember(hash, v);
    return v;
  }

  put(hash: string, facts: FileFacts): void {
    this.remember(hash, facts);
    this.behind?.put(hash, facts);
  }

  private remember(hash: string, facts: FileFacts): void {
    this.map.set(hash, facts);
    if (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }
}
