/**
 * The shipped summary index: capability summaries of widely used crates that cratefence computed
 * itself from Debian's packaged crate sources (`npm run build:summaries`), stored beside the capability
 * catalogue (`rules/data/summaries.bin`). The file is a small JSON table of contents followed by one
 * deflate-compressed summary per crate release, so a scan reads the table once and inflates only the
 * crates it meets. Also: summary sets in memory, and a source that chains several sources.
 */
import { createHash } from 'node:crypto';
import { readBoundedSyncIfExists } from '../files/read.js';
import path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { SUMMARY_FORMAT, type CrateSummary } from './summary.js';
import { pickVersion, type DependencySource, type ResolvedSummary } from './deps.js';

const MAGIC = 'CFSUMS01';
/** The most the index file may hold: it ships with cratefence, but is still read with a bound. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** The most one summary may inflate to. */
const MAX_SUMMARY_BYTES = 32 * 1024 * 1024;

/** The index file's table of contents. */
export interface SummaryIndexHeader {
  format: number;
  /** The cratefence version and catalogue digest that computed the summaries. */
  tool: string;
  /** Where the sources came from (`Debian bookworm librust-*-dev`). */
  source: string;
  /** name, version, offset and length of each compressed summary (offsets from the end of the header). */
  entries: Array<[string, string, number, number]>;
}

/** Serialises summaries as an index file (see the module comment for the layout). */
export function encodeSummaryIndex(summaries: CrateSummary[], meta: { tool: string; source: string }): Buffer {
  const blobs: Buffer[] = [];
  const entries: SummaryIndexHeader['entries'] = [];
  let offset = 0;
  const sorted = [...summaries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  for (const s of sorted) {
    const b = deflateRawSync(JSON.stringify(s), { level: 9 });
    entries.push([s.name, s.version, offset, b.length]);
    blobs.push(b);
    offset += b.length;
  }
  const header = Buffer.from(JSON.stringify({ format: SUMMARY_FORMAT, tool: meta.tool, source: meta.source, entries } satisfies SummaryIndexHeader));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([Buffer.from(MAGIC), len, header, ...blobs]);
}

/** Requirements whose pick is remembered per package. */
const MAX_PICKS = 64;

type Slot = CrateSummary | (() => CrateSummary | null);

/** Summaries by package name and version, answering requirements as Cargo would pick among them. */
export class SummarySet implements DependencySource {
  private byName = new Map<string, Map<string, Slot>>();
  /**
   * Which version each requirement picked, per package: the same few requirements are asked for
   * thousands of times in a scan (every method call looks through every dependency), and semver's
   * range parsing was most of what a look-up cost. Dropped for a package whenever its versions change.
   */
  private picks = new Map<string, Map<string | undefined, { version: string; exact: boolean } | null>>();
  readonly id: string;
  private count = 0;

  constructor(summaries: Iterable<CrateSummary>, readonly origin: string, id?: string) {
    const h = createHash('sha256');
    for (const s of summaries) {
      if (s.format !== SUMMARY_FORMAT) continue;
      this.add(s.name, s.version, s);
      if (!id) h.update(`${s.name}@${s.version}/${s.tool}\n`);
    }
    this.id = id ?? `${origin}:${h.digest('hex').slice(0, 16)}`;
  }

  /** Adds one release's summary, or a function that reads it when first asked for. */
  add(name: string, version: string, slot: Slot): void {
    const key = name.replace(/-/g, '_');
    let m = this.byName.get(key);
    if (!m) this.byName.set(key, (m = new Map()));
    if (!m.has(version)) this.count++;
    m.set(version, slot);
    this.picks.delete(key);
  }

  get size(): number {
    return this.count;
  }

  summaryOf(name: string, req: string | undefined): ResolvedSummary | null {
    const key = name.replace(/-/g, '_');
    const m = this.byName.get(key);
    if (!m) return null;
    let picks = this.picks.get(key);
    if (!picks) this.picks.set(key, (picks = new Map()));
    let pick = picks.get(req);
    if (pick === undefined) {
      // Requirements come from scanned manifests: a long-lived process keeps a few per package.
      if (picks.size >= MAX_PICKS) picks.clear();
      picks.set(req, (pick = pickVersion([...m.keys()], req)));
    }
    if (!pick) return null;
    let slot = m.get(pick.version)!;
    if (typeof slot === 'function') {
      const s = slot();
      if (!s) {
        m.delete(pick.version);
        this.picks.delete(key);
        return this.summaryOf(name, req);
      }
      m.set(pick.version, (slot = s));
    }
    return { summary: slot, origin: this.origin, ...(pick.exact ? {} : { approximate: true }) };
  }
}

/** Asks each source in turn; the first that knows the crate at a matching version answers. */
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

/** The file of the shipped index in a rules folder. */
export function summaryIndexFile(rulesDir: string): string {
  return path.join(rulesDir, 'data', 'summaries.bin');
}

/**
 * The shipped index of a rules folder (empty when the folder has none, or the file is not one cratefence
 * wrote): its table of contents read once per process, each summary inflated on first use.
 */
export function shippedIndex(rulesDir: string): SummarySet {
  const file = summaryIndexFile(rulesDir);
  let set = loaded.get(file);
  if (set) return set;
  const bytes = readIndexFile(file);
  let header: SummaryIndexHeader | null = null;
  let dataStart = 0;
  if (bytes && bytes.length >= 12 && bytes.subarray(0, 8).toString('latin1') === MAGIC) {
    const len = bytes.readUInt32BE(8);
    if (12 + len <= bytes.length) {
      try {
        header = JSON.parse(bytes.subarray(12, 12 + len).toString('utf8')) as SummaryIndexHeader;
        dataStart = 12 + len;
      } catch {
        header = null;
      }
    }
  }
  const ok = header !== null && header.format === SUMMARY_FORMAT && Array.isArray(header.entries);
  set = new SummarySet([], 'the shipped summary index', `index:${ok ? `${header!.tool}:${header!.entries.length}` : 'none'}`);
  if (ok && bytes) {
    for (const e of header!.entries) {
      if (!Array.isArray(e) || e.length !== 4) continue;
      const [name, version, offset, length] = e;
      if (typeof name !== 'string' || typeof version !== 'string' || !Number.isInteger(offset) || !Number.isInteger(length)) continue;
      const start = dataStart + offset;
      if (offset < 0 || length < 0 || start + length > bytes.length) continue;
      set.add(name, version, () => {
        try {
          const s = JSON.parse(inflateRawSync(bytes.subarray(start, start + length), { maxOutputLength: MAX_SUMMARY_BYTES }).toString('utf8')) as CrateSummary;
          return s && s.format === SUMMARY_FORMAT && s.version === version ? s : null;
        } catch {
          return null;
        }
      });
    }
  }
  loaded.set(file, set);
  return set;
}

function readIndexFile(file: string): Buffer | null {
  try {
    return readBoundedSyncIfExists(file, { maxBytes: MAX_INDEX_BYTES, what: 'summary index' });
  } catch {
    return null;
  }
}
