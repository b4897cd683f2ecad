import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import semver from 'semver';
import type { Db } from '../store/index.js';
import type { ServePolicy } from '../config/serve.js';
import { indexPath, parseIndexLines, RegistryError, type IndexLine, type RegistryClientApi, type UpstreamIndexApi } from '../registry/index.js';
import type { BlobStore } from './blobs.js';
import { checkManifest, crateKey } from './manifest.js';
import { ServeError, UnfetchableError } from './errors.js';
import { indexLineOf } from './index-line.js';
import { recordIndexDependencies } from './dependents.js';
import { registerUpstreamVersions, rejectUnfetchable } from './mirror-releases.js';
import { heldBackMessage, type ReleaseRow } from './mirror-messages.js';
import type { PrepareScan } from './scheduler.js';

/** The upstream a mirror pulls through: the one registry client. */
export type Upstream = RegistryClientApi & UpstreamIndexApi;

export interface MirrorDeps {
  db: Db;
  blobs: BlobStore;
  policy: ServePolicy;
  now: () => Date;
  /** Null: no upstream, only releases published to the service are served. */
  upstream: Upstream | null;
  /** Called when scans were queued (the scheduler's kick). */
  onQueued: () => void;
  /** Told about an upstream that could not be reached while a kept copy was served. */
  warn?: (message: string) => void;
}

interface UpstreamCopy {
  status: 'ok' | 'missing';
  /** Read from the store only when the parsed copy is not in memory. */
  body?: string | null;
  url: string;
  etag: string | null;
  last_modified: string | null;
  fetched_at: string;
  checked_at: string;
}

/** A served index file: its text and a strong ETag of it. */
export interface ServedIndex {
  body: string;
  etag: string;
}

/** What a download request gets: the tarball, or a status and the one line cargo prints. */
export type DownloadAnswer = { ok: true; bytes: Uint8Array } | { ok: false; status: number; message: string; retryAfter?: number };

const COPY_COLUMNS = 'url, status, etag, last_modified, fetched_at, checked_at';
const RELEASE_COLUMNS = 'id, crate, crate_key, version, state, blob_sha256, origin, released_at, verdict, score, scan_error, cool_off_until, created_at, updated_at';

/**
 * The Cargo registry face of `serve` (docs/registry-mirror.md): index files and downloads, pulled
 * through from the upstream by the one registry client, filtered by the service's states. An
 * upstream index file is kept in the store with its validators, used for `index-ttl-seconds`, then
 * asked again conditionally; a version the service has not released is served as yanked.
 */
export class Mirror {
  private readonly refreshing = new Map<string, Promise<UpstreamCopy | null>>();
  private readonly fetching = new Map<string, Promise<Uint8Array>>();
  /** Parsed upstream files by crate key, valid while the stored copy's `fetched_at` is unchanged. */
  private readonly parsed = new Map<string, { stamp: string; lines: IndexLine[] }>();
  /** The version whose dependencies were last recorded for each crate (the graph is rewritten when it changes). */
  private readonly graphVersion = new Map<string, string>();
  private readonly isPrivate: (key: string) => boolean;
  /** When a refresh of a kept copy last failed, by crate key. */
  private readonly failedAt = new Map<string, number>();
  /** Crates found to be another crate than the upstream's of the same name (warned about once). */
  private readonly confused = new Set<string>();

  constructor(private readonly d: MirrorDeps) {
    const globs = d.policy.mirror.private.map((p) => crateKey(p));
    this.isPrivate = globs.length > 0 ? picomatch(globs) : () => false;
  }

  private get m() {
    return this.d.policy.mirror;
  }

  /**
   * The upstream's index file for a crate: the stored copy while fresh, else asked again with its
   * validators. With the upstream unreachable a stored copy is served (with a warning); with none,
   * 502. Null when there is no upstream or the crate is private.
   */
  private async upstreamCopy(name: string): Promise<UpstreamCopy | null> {
    const key = crateKey(name);
    if (!this.d.upstream || this.isPrivate(key)) return null;
    const url = `${this.d.upstream.index}${indexPath(name)}`;
    const row = this.d.db.prepare(`SELECT ${COPY_COLUMNS} FROM serve_upstream_index WHERE crate_key = ?`).get(key) as UpstreamCopy | undefined;
    const kept = row && row.url === url ? row : undefined;
    const now = this.d.now().getTime();
    if (kept && now - Date.parse(kept.checked_at) < this.m['index-ttl-seconds'] * 1000) return kept;
    // After a failed refresh the kept copy is served for a while without asking again: an upstream
    // that is down must not make every request wait for its timeout.
    if (kept && now - (this.failedAt.get(key) ?? -Infinity) < Math.max(30, this.m['index-ttl-seconds']) * 1000) return kept;
    let p = this.refreshing.get(key);
    if (!p) {
      p = this.refresh(name, key, url, kept).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, p);
    }
    return p;
  }

  private async refresh(name: string, key: string, url: string, kept: UpstreamCopy | undefined): Promise<UpstreamCopy> {
    const at = this.d.now().toISOString();
    let r: Awaited<ReturnType<Upstream['indexFile']>>;
    try {
      r = await this.d.upstream!.indexFile(name, kept?.status === 'ok' ? { etag: kept.etag, lastModified: kept.last_modified } : {});
    } catch (e) {
      if (!kept) throw new ServeError(502, `cratefence: the upstream registry cannot be reached for ${name} (${(e as Error).message})`);
      this.failedAt.set(key, this.d.now().getTime());
      this.d.warn?.(`${(e as Error).message}; serving the copy of ${url} fetched ${kept.fetched_at}`);
      return kept;
    }
    const save = this.d.db.prepare(
      `INSERT INTO serve_upstream_index (crate_key, url, status, body, etag, last_modified, fetched_at, checked_at) VALUES (@crate_key, @url, @status, @body, @etag, @last_modified, @fetched_at, @checked_at)
       ON CONFLICT (crate_key) DO UPDATE SET url = excluded.url, status = excluded.status, body = excluded.body, etag = excluded.etag, last_modified = excluded.last_modified, fetched_at = excluded.fetched_at, checked_at = excluded.checked_at`,
    );
    let copy: UpstreamCopy;
    if (r.status === 'not-modified' && kept) copy = { ...kept, checked_at: at };
    else if (r.status === 'ok') copy = { status: 'ok', body: r.body.toString('utf8'), url, etag: r.etag, last_modified: r.lastModified, fetched_at: at, checked_at: at };
    else copy = { status: 'missing', body: null, url, etag: null, last_modified: null, fetched_at: kept?.status === 'missing' ? kept.fetched_at : at, checked_at: at };
    if (r.status === 'not-modified' && kept) this.d.db.prepare('UPDATE serve_upstream_index SET checked_at = ? WHERE crate_key = ?').run(at, key);
    else save.run({ crate_key: key, ...copy, body: copy.body ?? null });
    return copy;
  }

  private upstreamLines(key: string, name: string, copy: UpstreamCopy | null): IndexLine[] {
    if (!copy || copy.status !== 'ok') return [];
    const stamp = `${copy.url} ${copy.fetched_at} ${copy.etag ?? ''}`;
    const hit = this.parsed.get(key);
    if (hit && hit.stamp === stamp) return hit.lines;
    const body = copy.body ?? (this.d.db.prepare('SELECT body FROM serve_upstream_index WHERE crate_key = ?').get(key) as { body: string | null } | undefined)?.body;
    if (typeof body !== 'string') return [];
    const lines = parseIndexLines(body, name);
    if (this.parsed.size > 5000) this.parsed.clear();
    this.parsed.set(key, { stamp, lines });
    return lines;
  }

  /**
   * The index file cargo gets for a crate, or null when neither the upstream nor the service knows
   * it. Unseen upstream versions are registered first (and their scans queued); every line whose
   * version is not `released` here — or whose tarball here differs from the upstream's checksum —
   * says `"yanked": true`; `pubtime` is when the service released it.
   */
  async indexFile(name: string): Promise<ServedIndex | null> {
    const key = crateKey(name);
    const copy = await this.upstreamCopy(name);
    const select = this.d.db.prepare(`SELECT ${RELEASE_COLUMNS} FROM serve_releases WHERE crate_key = ? ORDER BY id`);
    let rows = select.all(key) as ReleaseRow[];
    let lines = this.upstreamLines(key, name, copy);
    if (lines.length > 0 && this.publishedFirst(rows, lines)) {
      if (!this.confused.has(key)) this.d.warn?.(`${name}: the upstream lists a crate of this name that appeared after it was first published here; serving only the versions published here (list it in [serve.mirror] private)`);
      this.confused.add(key);
      lines = [];
    }
    // Only versions not seen before need the write transaction that registers them.
    const known = new Set(rows.map((r) => r.version));
    const seenUpstream = rows.some((r) => r.origin !== 'published');
    const unseen = lines.filter((l) => !known.has(l.entry.vers) && !(seenUpstream && l.entry.yanked));
    if (unseen.length > 0) {
      const now = this.d.now();
      const hours = this.m['baseline-age-hours'] ?? this.d.policy['cool-off-hours'];
      const queued = registerUpstreamVersions(this.d.db, name, unseen.map((l) => l.entry), { now, baselineBefore: new Date(now.getTime() - hours * 3_600_000), baselineScans: this.m['baseline-scans'] });
      if (queued > 0) this.d.onQueued();
      rows = select.all(key) as ReleaseRow[];
    }
    if (lines.length === 0 && rows.length === 0) return null;
    const byVersion = new Map(rows.map((r) => [r.version, r]));
    const served: Array<Record<string, unknown>> = [];
    for (const l of lines) {
      const r = byVersion.get(l.entry.vers);
      served.push(this.servedLine(l.raw, r, r !== undefined && r.blob_sha256 === l.entry.cksum, l.entry.yanked));
    }
    // Versions published here are served for a crate the upstream does not have (or a private one):
    // beside an upstream crate they would let a publisher shadow it with versions upstream never had.
    if (lines.length === 0) {
      for (const r of rows) if (r.origin === 'published') served.push(this.servedLine(await this.publishedLine(r), r, true, false));
    }
    if (served.length === 0) return null;
    this.recordGraph(key, name, served);
    const body = served.map((o) => JSON.stringify(o)).join('\n') + '\n';
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
  }

  /** Whether a version published here is in the served index: the crate is local, or the upstream has these very bytes. Reads the kept upstream copy only. */
  private servesPublished(r: ReleaseRow): boolean {
    if (!this.d.upstream || this.isPrivate(r.crate_key)) return true;
    const copy = this.d.db.prepare(`SELECT ${COPY_COLUMNS} FROM serve_upstream_index WHERE crate_key = ?`).get(r.crate_key) as UpstreamCopy | undefined;
    const lines = this.upstreamLines(r.crate_key, r.crate, copy ?? null);
    if (lines.length === 0 || lines.some((l) => l.entry.vers === r.version && l.entry.cksum === r.blob_sha256)) return true;
    return this.publishedFirst(this.d.db.prepare(`SELECT ${RELEASE_COLUMNS} FROM serve_releases WHERE crate_key = ?`).all(r.crate_key) as ReleaseRow[], lines);
  }

  /**
   * Dependency confusion: a crate first published here, whose name the upstream lists only from a
   * later time on (and with none of the versions published here), is another crate — the service's
   * own is served, not the upstream's. A crate the upstream had first stays the upstream's.
   */
  private publishedFirst(rows: ReleaseRow[], lines: IndexLine[]): boolean {
    const published = rows.filter((r) => r.origin === 'published');
    if (published.length === 0 || rows.some((r) => r.origin !== 'published')) return false;
    const cksums = new Map(lines.map((l) => [l.entry.vers, l.entry.cksum]));
    if (published.some((r) => cksums.get(r.version) === r.blob_sha256)) return false;
    const firstHere = Math.min(...published.map((r) => Date.parse(r.created_at)));
    // A line without pubtime predates November 2025 (crates.io writes it on every line since).
    const firstUpstream = Math.min(...lines.map((l) => (l.entry.pubtime ? Date.parse(l.entry.pubtime) : -Infinity)));
    return firstUpstream > firstHere;
  }

  private servedLine(raw: Record<string, unknown>, r: ReleaseRow | undefined, sameBytes: boolean, upstreamYanked: boolean): Record<string, unknown> {
    const out = { ...raw };
    if (r && r.state === 'released' && sameBytes) {
      out.yanked = upstreamYanked;
      if (r.released_at) out.pubtime = r.released_at.replace(/\.\d+Z$/, 'Z');
      else delete out.pubtime;
    } else out.yanked = true;
    return out;
  }

  /** The index line of a release published to the service, made from its manifest once and kept. */
  private async publishedLine(r: ReleaseRow): Promise<Record<string, unknown>> {
    const kept = this.d.db.prepare('SELECT line_json FROM serve_index_lines WHERE release_id = ?').get(r.id) as { line_json: string } | undefined;
    if (kept) return JSON.parse(kept.line_json) as Record<string, unknown>;
    const bytes = this.d.blobs.has(r.blob_sha256) ? this.d.blobs.get(r.blob_sha256) : new Uint8Array();
    const line = await indexLineOf(bytes, r.crate, r.version, r.blob_sha256);
    this.d.db.prepare('INSERT OR REPLACE INTO serve_index_lines (release_id, line_json) VALUES (?, ?)').run(r.id, JSON.stringify(line));
    return line;
  }

  /** The dependents graph follows the served index: the dependencies of the crate's newest usable version. */
  private recordGraph(key: string, name: string, served: Array<Record<string, unknown>>): void {
    const usable = served.filter((o) => o.yanked !== true && typeof o.vers === 'string');
    const newest = usable.reduce<Record<string, unknown> | null>((best, o) => (best === null || compareVersions(o.vers as string, best.vers as string) > 0 ? o : best), null);
    if (!newest || this.graphVersion.get(key) === newest.vers) return;
    const deps = parseIndexLines(JSON.stringify(newest), name)[0]?.entry.deps ?? [];
    recordIndexDependencies(this.d.db, name, newest.vers as string, deps);
    this.graphVersion.set(key, newest.vers as string);
  }

  /**
   * A download: the tarball of a `released` version (fetched from upstream, checksum-verified and
   * kept, the first time), or a status with the line cargo prints for any other state.
   */
  async download(name: string, version: string): Promise<DownloadAnswer> {
    const r = this.d.db.prepare(`SELECT ${RELEASE_COLUMNS} FROM serve_releases WHERE crate_key = ? AND version = ?`).get(crateKey(name), version) as ReleaseRow | undefined;
    if (!r) return { ok: false, status: 404, message: `cratefence: ${name} ${version} is not in this registry (not published here, and not listed by the upstream index when it was last read)` };
    if (r.state !== 'released') return { ok: false, ...heldBackMessage(this.d.db, r, this.d.policy['public-url']) };
    if (r.origin === 'published' && !this.servesPublished(r)) {
      return { ok: false, status: 403, message: `cratefence: ${r.crate} ${r.version} was published here, but ${r.crate} is the upstream's crate and its index does not have this version; it is not served` };
    }
    try {
      return { ok: true, bytes: await this.blob(r) };
    } catch (e) {
      if (e instanceof UnfetchableError && e.permanent) {
        rejectUnfetchable(this.d.db, r.id, e.message, this.d.now());
        const now = this.d.db.prepare(`SELECT ${RELEASE_COLUMNS} FROM serve_releases WHERE id = ?`).get(r.id) as ReleaseRow;
        return { ok: false, ...heldBackMessage(this.d.db, now, this.d.policy['public-url']) };
      }
      return { ok: false, status: 503, retryAfter: 30, message: `cratefence: ${r.crate} ${r.version} cannot be fetched from the upstream now (${(e as Error).message})` };
    }
  }

  /** The tarball of a release: from the blob store, else from upstream, verified against the checksum the upstream index gave. */
  private blob(r: { crate: string; version: string; blob_sha256: string }): Promise<Uint8Array> {
    if (this.d.blobs.has(r.blob_sha256)) return Promise.resolve(this.d.blobs.get(r.blob_sha256));
    let p = this.fetching.get(r.blob_sha256);
    if (!p) {
      p = this.fetchBlob(r).finally(() => this.fetching.delete(r.blob_sha256));
      this.fetching.set(r.blob_sha256, p);
    }
    return p;
  }

  private async fetchBlob(r: { crate: string; version: string; blob_sha256: string }): Promise<Uint8Array> {
    if (!this.d.upstream) throw new UnfetchableError(`${r.crate} ${r.version}: its tarball is not in the blob store and there is no upstream`, false);
    let bytes: Uint8Array;
    try {
      bytes = (await this.d.upstream.fetchCrate(r.crate, r.version, r.blob_sha256, 'the upstream index')).bytes;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new UnfetchableError(msg, e instanceof RegistryError && /checksum mismatch/.test(msg));
    }
    this.d.blobs.put(bytes);
    return bytes;
  }

  /** The scheduler's preparation: the tarballs of a scan's release and base, fetched and checked before the scan. */
  readonly prepare: PrepareScan = async (_id, inp) => {
    if (!this.d.blobs.has(inp.blob)) {
      const bytes = await this.blob({ crate: inp.crate, version: inp.version, blob_sha256: inp.blob });
      try {
        await checkManifest(bytes, inp.crate, inp.version);
      } catch (e) {
        this.d.blobs.remove(inp.blob);
        if (e instanceof ServeError) throw new UnfetchableError(`the upstream tarball is not ${inp.crate} ${inp.version}: ${e.message.replace(/^body: /, '')}`, true);
        throw e;
      }
    }
    if (inp.base && !this.d.blobs.has(inp.base.blob)) {
      const base = this.d.db.prepare('SELECT id, crate, version, blob_sha256 FROM serve_releases WHERE crate_key = ? AND version = ?').get(crateKey(inp.crate), inp.base.version) as
        | { id: number; crate: string; version: string; blob_sha256: string }
        | undefined;
      if (!base) return;
      try {
        await this.blob(base);
      } catch (e) {
        // A base whose tarball does not match is rejected; the scan then finds its base untrusted and runs again.
        if (e instanceof UnfetchableError && e.permanent) rejectUnfetchable(this.d.db, base.id, e.message, this.d.now());
        else throw e;
      }
    }
  };
}

/** Semver order; a version semver cannot read sorts first. */
function compareVersions(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (!va || !vb) return va ? 1 : vb ? -1 : 0;
  return semver.compare(va, vb);
}
