/**
 * The shipped summary index: capability summaries of widely used crates that cratefence computed
 * itself from Debian's packaged crate sources (`npm run build:summaries`), stored beside the capability
 * catalogue (`rules/data/summaries.bin`). The file is a small JSON table of contents followed by one
 * deflate-compressed summary per crate release, so a scan reads the table once and reads and inflates
 * only the crates it meets. Also: summary sets in memory, and a source that chains several sources.
 */
import { createHash } from 'node:crypto';
import { readBoundedRangeSync, type FileIdentity } from '../files/read.js';
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
  /**
   * name, version, offset and length of each compressed summary (offsets from the end of the header),
   * and its registry dependencies as the JSON text of `[package, requirement?][]` (see {@link DepHead}):
   * what gathering needs to walk a crate's dependencies without inflating its summary. Parsed only
   * when walked; an entry without it is inflated instead.
   */
  entries: Array<[string, string, number, number] | [string, string, number, number, string]>;
}

/** A dependency as the table of contents keeps it: package and requirement (a `nonRegistry` one is left out). */
export type DepHead = [string] | [string, string];

/** What gathering needs of a summary to walk on: the release and its registry dependencies. */
export interface SummaryHead {
  name: string;
  version: string;
  deps: Array<{ package: string; req?: string }>;
  approximate?: true;
}

/** The registry dependencies of a summary, in its order, as the table of contents keeps them. */
function depHeads(s: CrateSummary): DepHead[] {
  return s.deps.filter((d) => !d.nonRegistry).map((d): DepHead => (d.req === undefined ? [d.package] : [d.package, d.req]));
}

/** Serialises summaries as an index file (see the module comment for the layout). */
export function encodeSummaryIndex(summaries: CrateSummary[], meta: { tool: string; source: string }): Buffer {
  const blobs: Buffer[] = [];
  const entries: SummaryIndexHeader['entries'] = [];
  let offset = 0;
  const sorted = [...summaries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  for (const s of sorted) {
    const b = deflateRawSync(JSON.stringify(s), { level: 9 });
    entries.push([s.name, s.version, offset, b.length, JSON.stringify(depHeads(s))]);
    blobs.push(b);
    offset += b.length;
  }
  const header = Buffer.from(JSON.stringify({ format: SUMMARY_FORMAT, tool: meta.tool, source: meta.source, entries } satisfies SummaryIndexHeader));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([Buffer.from(MAGIC), len, header, ...blobs]);
}

/** A package name as code writes it (`-` as `_`); most names have no `-`, and those skip the regex. */
function canon(name: string): string {
  return name.includes('-') ? name.replace(/-/g, '_') : name;
}

/** Requirements whose pick is remembered per package. */
const MAX_PICKS = 64;

type Slot = CrateSummary | (() => CrateSummary | null);

/** A release's registry dependencies known without its summary: the JSON text of the table of contents, then its parse. */
type Heads = string | Array<{ package: string; req?: string }>;

/** Parses the dependency list of a table-of-contents entry; null when it is not one cratefence wrote. */
function parseHeads(text: string): Array<{ package: string; req?: string }> | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(v)) return null;
  const out: Array<{ package: string; req?: string }> = [];
  for (const d of v) {
    if (!Array.isArray(d) || typeof d[0] !== 'string' || (d.length === 2 ? typeof d[1] !== 'string' : d.length !== 1)) return null;
    out.push(d.length === 2 ? { package: d[0], req: d[1] as string } : { package: d[0] });
  }
  return out;
}

/** Summaries by package name and version, answering requirements as Cargo would pick among them. */
export class SummarySet implements DependencySource {
  private byName = new Map<string, Map<string, Slot>>();
  /**
   * Which version each requirement picked, per package: the same few requirements are asked for
   * thousands of times in a scan (every method call looks through every dependency), and semver's
   * range parsing was most of what a look-up cost. Dropped for a package whenever its versions change.
   */
  private picks = new Map<string, Map<string | undefined, { version: string; exact: boolean } | null>>();
  /** Per package and version: the name as stored and the registry dependencies, where known without inflating. */
  private heads = new Map<string, Map<string, { name: string; deps: Heads }>>();
  readonly id: string;
  private count = 0;
  /** Entries not added yet, by package key: each key's are added, in order, when the key is first looked up. */
  private deferred: { byKey: Map<string, number[]>; add: (entry: number) => void } | undefined;

  constructor(summaries: Iterable<CrateSummary>, readonly origin: string, id?: string) {
    const h = id === undefined ? createHash('sha256') : null;
    for (const s of summaries) {
      if (s.format !== SUMMARY_FORMAT) continue;
      this.add(s.name, s.version, s);
      h?.update(`${s.name}@${s.version}/${s.tool}\n`);
    }
    this.id = id ?? `${origin}:${h!.digest('hex').slice(0, 16)}`;
  }

  /**
   * Takes entries to add later: `add(entry)` is called for each entry listed under a package key, in
   * list order, the first time that key is looked up (or the set's size is asked). A scan looks up a
   * few hundred of the shipped index's 1 500 packages at most; adding them all cost every scan more
   * than the look-ups did. Keys must be as {@link canon} gives them.
   */
  defer(byKey: Map<string, number[]>, add: (entry: number) => void): void {
    if (this.deferred) throw new Error('entries were already deferred');
    this.deferred = { byKey, add };
  }

  /** Adds the deferred entries of a package key, if any are left. */
  private settle(key: string): void {
    const d = this.deferred;
    if (d === undefined) return;
    const list = d.byKey.get(key);
    if (list === undefined) return;
    d.byKey.delete(key);
    for (const entry of list) d.add(entry);
  }

  /**
   * Adds one release's summary, or a function that reads it when first asked for (then `deps` may
   * give its registry dependencies as the table of contents holds them, see {@link headOf}).
   */
  add(name: string, version: string, slot: Slot, deps?: string): void {
    const key = canon(name);
    this.settle(key);
    let m = this.byName.get(key);
    if (!m) this.byName.set(key, (m = new Map()));
    if (!m.has(version)) this.count++;
    m.set(version, slot);
    this.picks.delete(key);
    let h = this.heads.get(key);
    if (deps !== undefined && typeof slot === 'function') {
      if (!h) this.heads.set(key, (h = new Map()));
      h.set(version, { name, deps });
    } else h?.delete(version);
  }

  /**
   * The release `req` selects and its registry dependencies, as `summaryOf` would give them, without
   * inflating the summary when the table of contents lists them: gathering walks the dependencies of
   * every crate it meets, and most of them it only passes through.
   */
  headOf(name: string, req: string | undefined): SummaryHead | null {
    const key = canon(name);
    this.settle(key);
    const pick = this.byName.has(key) ? this.pick(key, req) : null;
    const known = pick ? this.heads.get(key)?.get(pick.version) : undefined;
    if (pick && known && typeof this.byName.get(key)!.get(pick.version) === 'function') {
      if (typeof known.deps === 'string') {
        const parsed = parseHeads(known.deps);
        if (parsed) known.deps = parsed;
      }
      if (typeof known.deps !== 'string') {
        const head: SummaryHead = { name: known.name, version: pick.version, deps: known.deps };
        if (!pick.exact) head.approximate = true;
        return head;
      }
    }
    const r = this.summaryOf(name, req);
    if (!r) return null;
    const s = r.summary;
    return { name: s.name, version: s.version, deps: s.deps.filter((d) => !d.nonRegistry), ...(r.approximate ? { approximate: true as const } : {}) };
  }

  /** Which version requirement `req` picks among package `key`'s (remembered, see `picks`). */
  private pick(key: string, req: string | undefined): { version: string; exact: boolean } | null {
    let picks = this.picks.get(key);
    if (!picks) this.picks.set(key, (picks = new Map()));
    let pick = picks.get(req);
    if (pick === undefined) {
      // Requirements come from scanned manifests: a long-lived process keeps a few per package.
      if (picks.size >= MAX_PICKS) picks.clear();
      picks.set(req, (pick = pickVersion([...this.byName.get(key)!.keys()], req)));
    }
    return pick;
  }

  get size(): number {
    const d = this.deferred;
    if (d) for (const key of [...d.byKey.keys()]) this.settle(key);
    return this.count;
  }

  summaryOf(name: string, req: string | undefined): ResolvedSummary | null {
    const key = canon(name);
    this.settle(key);
    const m = this.byName.get(key);
    if (!m) return null;
    const pick = this.pick(key, req);
    if (!pick) return null;
    let slot = m.get(pick.version)!;
    if (typeof slot === 'function') {
      const s = slot();
      if (!s) {
        m.delete(pick.version);
        this.picks.delete(key);
        this.heads.get(key)?.delete(pick.version);
        return this.summaryOf(name, req);
      }
      m.set(pick.version, (slot = s));
      this.heads.get(key)?.delete(pick.version);
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
  // Only the table of contents is read now; each summary is read from the file when first used (a
  // scan meets a few dozen of the index's crates, and reading all 2 MB cost a short scan more than
  // the summaries it used).
  const head = readRange(file, 0, 12);
  let header: SummaryIndexHeader | null = null;
  let dataStart = 0;
  let identity: FileIdentity | undefined;
  if (head && head.bytes.subarray(0, 8).toString('latin1') === MAGIC) {
    const len = head.bytes.readUInt32BE(8);
    const toc = readRange(file, 12, len, head.identity);
    if (toc) {
      try {
        header = JSON.parse(toc.bytes.toString('utf8')) as SummaryIndexHeader;
        dataStart = 12 + len;
        identity = head.identity;
      } catch {
        header = null;
      }
    }
  }
  const ok = header !== null && header.format === SUMMARY_FORMAT && Array.isArray(header.entries);
  set = new SummarySet([], 'the shipped summary index', `index:${ok ? `${header!.tool}:${header!.entries.length}` : 'none'}`);
  if (ok && identity) {
    const same = identity;
    const entries = header!.entries;
    // Only grouped by package here (indexed, not destructured: this loop runs in every scan, mostly
    // before the optimizing compiler sees it); an entry is checked and added when its package is first
    // looked up, in the order the table lists it, as adding them all here would.
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (!Array.isArray(e) || (e.length !== 4 && e.length !== 5) || typeof e[0] !== 'string') continue;
      const key = canon(e[0]);
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    }
    const target = set;
    set.defer(byKey, (i) => {
      const e = entries[i];
      const name = e[0];
      const version = e[1];
      const offset = e[2];
      const length = e[3];
      const deps = e[4];
      if (typeof version !== 'string' || !Number.isInteger(offset) || !Number.isInteger(length)) return;
      const start = dataStart + offset;
      if (offset < 0 || length < 0 || start + length > same.size) return;
      target.add(name, version, () => {
        // A file replaced since its table of contents was read (cratefence upgraded under a running
        // service) is not read at the old offsets: its summaries are then unknown to this process.
        const blob = readRange(file, start, length, same);
        if (!blob) return null;
        try {
          const s = JSON.parse(inflateRawSync(blob.bytes, { maxOutputLength: MAX_SUMMARY_BYTES }).toString('utf8')) as CrateSummary;
          return s && s.format === SUMMARY_FORMAT && s.version === version ? s : null;
        } catch {
          return null;
        }
      }, typeof deps === 'string' ? deps : undefined);
    });
  }
  loaded.set(file, set);
  return set;
}

/** Part of the index file, read bounded (a link to a device or a FIFO is refused); null when it cannot be read. */
function readRange(file: string, offset: number, length: number, same?: FileIdentity): { bytes: Buffer; identity: FileIdentity } | null {
  try {
    return readBoundedRangeSync(file, offset, length, { maxBytes: MAX_INDEX_BYTES, what: 'summary index', same });
  } catch {
    return null;
  }
}
