import type { FactsStore } from '../parse/store.js';
import type { FileFacts } from '../parse/types.js';

/** What one entry weighs, roughly: its items and sites dominate (a large crate has tens of thousands). */
function weight(f: FileFacts): number {
  return 1 + f.items.length + f.sites.length;
}

/**
 * Facts kept in memory by content hash, in front of an optional disk store, the least recently used
 * dropped first once the entries pass `maxEntries` or their items and sites together pass
 * `maxWeight`. Consecutive releases of one crate share most files, so a worker that scans them one
 * after the other parses each distinct content once; the weight bound keeps about two releases of a
 * large crate (libc: ≈ 85 000 items and sites a release), which is all that reuse needs, so that a
 * long batch does not grow a worker's heap without end.
 */
export class MemoryFactsStore implements FactsStore {
  private readonly map = new Map<string, FileFacts>();
  private total = 0;

  constructor(private readonly behind?: FactsStore, private readonly maxEntries = 20_000, private readonly maxWeight = 200_000) {}

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

  /** Passes the end of a scan on to the store behind, which may hold its puts back until then. */
  flush(): void {
    this.behind?.flush?.();
  }

  /** Items and sites held now. */
  get weight(): number {
    return this.total;
  }

  private remember(hash: string, facts: FileFacts): void {
    const old = this.map.get(hash);
    if (old) {
      this.total -= weight(old);
      this.map.delete(hash);
    }
    this.map.set(hash, facts);
    this.total += weight(facts);
    while (this.map.size > 1 && (this.map.size > this.maxEntries || this.total > this.maxWeight)) {
      const [k, v] = this.map.entries().next().value as [string, FileFacts];
      this.map.delete(k);
      this.total -= weight(v);
    }
  }
}
