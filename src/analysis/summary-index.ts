/**
 * The shipped summary index: capability summaries of widely used crates that cratefence computed
 * itself from Debian's packaged crate sources (`npm run build:summaries`), stored as one gzipped JSON
 * file beside the capability catalogue (`rules/data/summaries.json.gz`). Read once per process, on
 * first use. Also the sources that chain several summary sources, first answer wins.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SUMMARY_FORMAT, type CrateSummary } from './summary.js';
import { pickVersion, type DependencySource, type ResolvedSummary } from './deps.js';

/** The index file's shape. */
export interface SummaryIndexFile {
  format: number;
  /** The cratefence version and catalogue digest that computed the summaries. */
  tool: string;
  /** Where the sources came from (`Debian bookworm librust-*-dev`). */
  source: string;
  crates: Record<string, CrateSummary[]>;
}

/** The most the index file may hold, compressed and not: it ships with cratefence, but is still read with a bound. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/** Summaries by package name and version, answering requirements as Cargo would pick among them. */
export class SummarySet implements DependencySource {
  private byName = new Map<string, Map<string, CrateSummary>>();
  readonly id: string;

  constructor(summaries: Iterable<CrateSummary>, readonly origin: string, id?: string) {
    const h = createHash('sha256');
    for (const s of summaries) {
      if (s.format !== SUMMARY_FORMAT) continue;
      const key = s.name.replace(/-/g, '_');
      let m = this.byName.get(key);
      if (!m) this.byName.set(key, (m = new Map()));
      m.set(s.version, s);
      if (!id) h.update(`${key}@${s.version}/${s.tool}\n`);
    }
    this.id = id ?? `${origin}:${h.digest('hex').slice(0, 16)}`;
  }

  get size(): number {
    let n = 0;
    for (const m of this.byName.values()) n += m.size;
    return n;
  }

  summaryOf(name: string, req: string | undefined): ResolvedSummary | null {
    const m = this.byName.get(name.replace(/-/g, '_'));
    if (!m) return null;
    const pick = pickVersion([...m.keys()], req);
    if (!pick) return null;
    return { summary: m.get(pick.version)!, origin: this.origin, ...(pick.exact ? {} : { approximate: true }) };
  }
}

/** Asks each source in turn; the first that knows the crate answers. */
export class ChainedSource implements DependencySource {
  readonly id: string;
  constructor(private readonly sources: DependencySource[]) {
    this.id = sources.map((s) => s.id).join('+');
  }
  summaryOf(name: string, req: string | undefined): ResolvedSummary | null {
    let approx: ResolvedSummary | null = null;
    for (const s of this.sources) {
      const r = s.summaryOf(name, req);
      if (r && !r.approximate) return r;
      approx ??= r;
    }
    return approx;
  }
}

const loaded = new Map<string, SummarySet>();

/** The shipped index of a rules folder (empty when the folder has none). */
export function shippedIndex(rulesDir: string): SummarySet {
  const file = path.join(rulesDir, 'data', 'summaries.json.gz');
  let set = loaded.get(file);
  if (set) return set;
  let doc: SummaryIndexFile | null = null;
  if (existsSync(file)) {
    const gz = readFileSync(file);
    if (gz.length <= MAX_INDEX_BYTES) {
      const text = gunzipSync(gz, { maxOutputLength: MAX_INDEX_BYTES * 8 }).toString('utf8');
      doc = JSON.parse(text) as SummaryIndexFile;
    }
  }
  const all: CrateSummary[] = [];
  if (doc && doc.format === SUMMARY_FORMAT) for (const list of Object.values(doc.crates)) all.push(...list);
  set = new SummarySet(all, 'the shipped summary index', `index:${doc?.tool ?? 'none'}:${all.length}`);
  loaded.set(file, set);
  return set;
}
