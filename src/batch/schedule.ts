/**
 * The order jobs start in. Consecutive releases of one crate share most files, and a worker that
 * scans release N → N+1 right after N-1 → N finds N's facts in memory (or in the disk cache, put
 * there by whichever worker parsed them). Run side by side instead, both jobs would parse N. So the
 * jobs of one crate form a chain, run one after the other in the order listed, and different chains
 * run in parallel. When fewer chains are left than there are free slots (a batch of one crate's whole
 * history), the longest waiting chain is cut in two: each cut costs one release parsed twice, and all
 * slots stay busy.
 */
import type { ResolvedJob } from '../runner/jobs.js';

interface Chain {
  id: string;
  jobs: ResolvedJob[];
  next: number;
  busy: boolean;
}

export class ChainScheduler {
  private readonly chains: Chain[] = [];
  /** Each crate's last chain: where its next listed job goes. */
  private readonly tailOf = new Map<string, Chain>();
  private readonly chainOf = new Map<string, Chain>();

  constructor(jobs: Iterable<ResolvedJob> = []) {
    for (const j of jobs) this.add(j);
  }

  /** Adds a job (in listing order) at the end of its crate's chain. */
  add(j: ResolvedJob): void {
    // Jobs with no crate name (unreadable inputs) are chains of their own.
    const id = j.crate ?? `key:${j.key}`;
    let c = this.tailOf.get(id);
    if (!c) {
      c = { id, jobs: [], next: 0, busy: false };
      this.tailOf.set(id, c);
      this.chains.push(c);
    }
    c.jobs.push(j);
  }

  /** Jobs not started yet. */
  get waiting(): number {
    return this.chains.reduce((a, c) => a + c.jobs.length - c.next, 0);
  }

  /** The next job to start, or undefined when every chain with jobs left has one running. */
  take(): ResolvedJob | undefined {
    let c = this.chains.find((x) => !x.busy && x.next < x.jobs.length);
    if (!c) {
      // Cut the busy chain with the most jobs left; its second half becomes a chain of its own.
      const longest = this.chains.filter((x) => x.jobs.length - x.next >= 2).sort((a, b) => b.jobs.length - b.next - (a.jobs.length - a.next))[0];
      if (!longest) return undefined;
      const left = longest.jobs.length - longest.next;
      const cut = longest.next + Math.ceil(left / 2);
      c = { id: longest.id, jobs: longest.jobs.slice(cut), next: 0, busy: false };
      longest.jobs = longest.jobs.slice(0, cut);
      this.chains.push(c);
      // Jobs of this crate listed later follow the cut-off half.
      if (this.tailOf.get(longest.id) === longest) this.tailOf.set(longest.id, c);
    }
    const job = c.jobs[c.next++];
    c.busy = true;
    this.chainOf.set(job.key, c);
    return job;
  }

  /** A started job ended: its chain may start its next. */
  finished(job: ResolvedJob): void {
    const c = this.chainOf.get(job.key);
    if (c) c.busy = false;
    this.chainOf.delete(job.key);
  }
}
