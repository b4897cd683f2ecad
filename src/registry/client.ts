import { VERSION } from '../index.js';
import { ContentCache, cargoCacheCandidates, defaultCacheDir, defaultCargoHome, sha256 } from './cache.js';
import { RegistryError } from './errors.js';
import { HostRateLimiter, getBytes, getConditional, type ConditionalResult, type HttpOptions, type Validators } from './http.js';
import { checkCrateName, checkVersion, downloadUrl, indexPath } from './names.js';
import type { FetchedCrate, IndexVersion, RegistryClientApi, UpstreamIndexApi } from './types.js';

/** crates.io's sparse index; its `config.json` names `https://static.crates.io/crates` and `https://crates.io`. */
export const CRATES_IO_INDEX = 'https://index.crates.io/';

/** How to reach a registry and where to look before downloading. Every field has a default. */
export interface RegistryOptions {
  /** Sparse index root (`https://…/`, a `sparse+` prefix is accepted); default crates.io. */
  index?: string;
  /** Cargo's home, searched for `registry/cache/*\/name-version.crate`; `false` skips it. Default `$CARGO_HOME` or `~/.cargo`. */
  cargoHome?: string | false;
  /** cratefence's cache folder; `false` keeps nothing on disk. Default `$XDG_CACHE_HOME/cratefence` or `~/.cache/cratefence`. */
  cacheDir?: string | false;
  /** Per-request time limit (default 30 000 ms). */
  timeoutMs?: number;
  /** Retries after a transient failure (default 3). */
  retries?: number;
  /** First backoff delay, doubled on each retry (default 500 ms). */
  backoffMs?: number;
  /** Least time between two requests to the web API host (default 1000 ms, crates.io's rule). */
  apiIntervalMs?: number;
  /** Told about things that did not stop the fetch (a damaged Cargo cache file, a stale index used offline). */
  onWarning?: (message: string) => void;
  /** An overall deadline for every request of this client (`lock --timeout`): once aborted, nothing more is fetched. */
  signal?: AbortSignal;
  /**
   * Fail at once for a host that refused or did not resolve earlier (default true: one run of the
   * CLI does not wait on a dead host again). A long-running service passes false and asks again.
   */
  rememberUnreachable?: boolean;
}

interface RegistryConfig {
  dl: string;
  api: string | null;
}

const INDEX_MAX = 32 * 1024 * 1024;
const CRATE_MAX = 256 * 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

/** Normalises an index URL: drops `sparse+`, keeps one trailing slash; only http(s). */
export function normaliseIndexUrl(url: string): string {
  const u = url.replace(/^sparse\+/, '');
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    throw new RegistryError(`"${url}" is not a registry index URL (expected https://…/ of a sparse index)`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new RegistryError(`"${url}": only sparse (HTTP) registry indexes are supported, not ${parsed.protocol.replace(':', '')}`);
  }
  return parsed.href.replace(/\/*$/, '/');
}

/** One line of a sparse index file: the fields cratefence reads, and the line's whole object as the registry wrote it. */
export interface IndexLine {
  entry: IndexVersion;
  /** Every field of the line (features, rust_version, links, v…), for a mirror that serves it on. */
  raw: Record<string, unknown>;
}

/** Parses a sparse index file: one JSON object per line; lines that are not a valid entry are skipped. */
export function parseIndexFile(text: string, name: string): IndexVersion[] {
  return parseIndexLines(text, name).map((l) => l.entry);
}

/**
 * The one index parser: each line that is a valid entry (a JSON object with a `vers` string and a
 * 64-hex `cksum`), read into an `IndexVersion`, with the object kept whole beside it.
 */
export function parseIndexLines(text: string, name: string): IndexLine[] {
  const out: IndexLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof v.vers !== 'string' || typeof v.cksum !== 'string' || !HEX64.test(v.cksum)) continue;
    const deps = Array.isArray(v.deps)
      ? (v.deps as Array<Record<string, unknown>>)
          .filter((d) => d && typeof d.name === 'string')
          .map((d) => ({
            name: d.name as string,
            req: typeof d.req === 'string' ? d.req : '*',
            ...(typeof d.kind === 'string' ? { kind: d.kind } : {}),
            ...(typeof d.package === 'string' ? { package: d.package } : {}),
            ...(typeof d.registry === 'string' ? { registry: d.registry } : {}),
            ...(typeof d.optional === 'boolean' ? { optional: d.optional } : {}),
          }))
      : [];
    out.push({
      entry: {
        name: typeof v.name === 'string' ? v.name : name,
        vers: v.vers,
        cksum: v.cksum,
        yanked: v.yanked === true,
        ...(typeof v.pubtime === 'string' && !Number.isNaN(Date.parse(v.pubtime)) ? { pubtime: v.pubtime } : {}),
        deps,
      },
      raw: v,
    });
  }
  return out;
}

/**
 * The one registry client (used by `diff`/`scan` with `name@version`, `lock`, `batch` and `serve`):
 * Cargo's sparse index protocol, the local Cargo cache, cratefence's content-addressed cache,
 * SHA-256 verification of every release, and the web API for publish times (rate-limited, cached).
 */
export class RegistryClient implements RegistryClientApi, UpstreamIndexApi {
  readonly index: string;
  private readonly http: HttpOptions;
  private readonly cargoHome: string | null;
  private readonly cache: ContentCache | null;
  private readonly api: HostRateLimiter;
  private readonly warn: (m: string) => void;
  private readonly rememberUnreachable: boolean;
  private config: Promise<RegistryConfig> | null = null;
  /** Hosts that refused or did not resolve after every retry: later requests fail at once, same message. */
  private readonly unreachable = new Map<string, RegistryError>();
  private readonly files = new Map<string, Promise<IndexVersion[]>>();
  private readonly pubtimes = new Map<string, Promise<Date | null>>();
  /** URLs being fetched right now (for a deadline's message: what was still waiting). */
  private readonly active = new Map<string, number>();
  /** Requests made, by kind (for --debug and tests). */
  readonly stats = { index: 0, download: 0, api: 0, cargoCacheHits: 0, cacheHits: 0 };

  constructor(options: RegistryOptions = {}) {
    this.index = normaliseIndexUrl(options.index ?? CRATES_IO_INDEX);
    this.http = {
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 500,
      userAgent: `cratefence/${VERSION} (+https://github.com/cratefence/cratefence)`,
      maxBytes: INDEX_MAX,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    this.cargoHome = options.cargoHome === false ? null : (options.cargoHome ?? defaultCargoHome());
    this.warn = options.onWarning ?? (() => {});
    this.rememberUnreachable = options.rememberUnreachable ?? true;
    this.cache = options.cacheDir === false ? null : new ContentCache(options.cacheDir ?? defaultCacheDir(), this.warn);
    this.api = new HostRateLimiter(options.apiIntervalMs ?? 1000);
  }

  /** One GET through the retry policy; a host found unreachable is not tried again by this client. */
  private get(url: string, accept: string, http: HttpOptions = this.http) {
    return this.guarded(url, () => getBytes(url, http, accept));
  }

  private async guarded<T>(url: string, run: () => Promise<T>): Promise<T> {
    const host = new URL(url).host;
    const known = this.unreachable.get(host);
    if (known) throw new RegistryError(known.message);
    this.active.set(url, (this.active.get(url) ?? 0) + 1);
    try {
      return await run();
    } catch (e) {
      if (this.rememberUnreachable && e instanceof RegistryError && /\((ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)/.test(e.message)) this.unreachable.set(host, e);
      throw e;
    } finally {
      const n = this.active.get(url)! - 1;
      if (n > 0) this.active.set(url, n);
      else this.active.delete(url);
    }
  }

  /** The URLs this client is fetching at this moment. */
  inFlight(): string[] {
    return [...this.active.keys()];
  }

  /** The registry's `config.json` (`dl` template, `api` root), fetched once. */
  registryConfig(): Promise<RegistryConfig> {
    this.config ??= (async () => {
      const url = `${this.index}config.json`;
      this.stats.index++;
      const r = await this.get(url, 'application/json');
      if (r.status === 'missing') throw new RegistryError(`${url}: not found (is ${this.index} a sparse registry index?)`);
      let c: Record<string, unknown>;
      try {
        c = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new RegistryError(`${url}: not valid JSON`);
      }
      if (typeof c.dl !== 'string' || !/^https?:\/\//.test(c.dl)) throw new RegistryError(`${url}: no http(s) "dl" download template`);
      if (c['auth-required'] === true) throw new RegistryError(`${this.index} requires authentication, which cratefence does not support yet`);
      return { dl: c.dl, api: typeof c.api === 'string' && /^https?:\/\//.test(c.api) ? c.api.replace(/\/+$/, '') : null };
    })();
    this.config.catch(() => (this.config = null));
    return this.config;
  }

  /** Every version the index lists for a crate, in index order (a crate the index lacks is an error). */
  versions(name: string): Promise<IndexVersion[]> {
    checkCrateName(name);
    const key = name.toLowerCase();
    let p = this.files.get(key);
    if (!p) {
      p = this.loadIndexFile(name);
      this.files.set(key, p);
      p.catch(() => this.files.delete(key));
    }
    return p;
  }

  private async loadIndexFile(name: string): Promise<IndexVersion[]> {
    const url = `${this.index}${indexPath(name)}`;
    const cacheKey = `${new URL(this.index).host}-${name.toLowerCase()}`;
    let text: string;
    try {
      this.stats.index++;
      const r = await this.get(url, 'text/plain');
      if (r.status === 'missing') throw new RegistryError(`no crate "${name}" in the registry ${this.index}`);
      text = r.body.toString('utf8');
      await this.cache?.putJson('index', cacheKey, { url, text });
    } catch (e) {
      // Offline: an index file fetched before still names checksums; publish times and yanks may be stale.
      const kept = e instanceof RegistryError && !/^no crate/.test(e.message) ? await this.cache?.getJson<{ url: string; text: string }>('index', cacheKey) : null;
      if (!kept || kept.url !== url) throw e;
      this.warn(`${(e as Error).message}; using the copy of ${url} kept in the cache (yanked flags may be stale)`);
      text = kept.text;
    }
    return parseIndexFile(text, name);
  }

  /**
   * The raw index file of a crate as the registry serves it now, asked with the validators of a
   * copy the caller kept (`If-None-Match`, `If-Modified-Since`): `not-modified` means the kept copy
   * is current. For a pull-through mirror, which keeps its copies in its own store; nothing is
   * cached here.
   */
  async indexFile(name: string, kept: Validators = {}): Promise<ConditionalResult & { url: string }> {
    checkCrateName(name);
    const url = `${this.index}${indexPath(name)}`;
    this.stats.index++;
    const r = await this.guarded(url, () => getConditional(url, this.http, 'text/plain', kept));
    return { ...r, url };
  }

  /** The index entry of one version, or a RegistryError naming what the index has. */
  async entry(name: string, version: string): Promise<IndexVersion> {
    checkVersion(version);
    const all = await this.versions(name);
    const hit = all.find((v) => v.vers === version);
    if (!hit) {
      const recent = all.slice(-5).map((v) => v.vers).join(', ');
      throw new RegistryError(`${name}@${version} is not in the registry ${this.index}${recent ? ` (latest: ${recent})` : ''}`);
    }
    return hit;
  }

  /**
   * Fetches one release, verified: the Cargo cache first, then cratefence's cache, then the
   * registry. `expectedSha256` (a Cargo.lock `checksum`, or one a mirror kept from the index;
   * `expectedFrom` names where it came from in errors) is used instead of the index's `cksum`, so a
   * lockfile's releases in the Cargo cache need no network at all. A mismatch is a RegistryError
   * naming both hashes, and nothing is cached.
   */
  async fetchCrate(name: string, version: string, expectedSha256?: string, expectedFrom = 'Cargo.lock'): Promise<FetchedCrate> {
    checkCrateName(name);
    checkVersion(version);
    const label = `${name}@${version}`;
    let expected = expectedSha256?.toLowerCase();
    if (expected !== undefined && !HEX64.test(expected)) throw new RegistryError(`${label}: "${expectedSha256}" is not a SHA-256 checksum`);
    const from = expected ? expectedFrom : 'the index';
    expected ??= (await this.entry(name, version)).cksum;
    const done = (bytes: Uint8Array, origin: FetchedCrate['origin']): FetchedCrate => ({ name, version, bytes, sha256: expected, origin, label });

    if (this.cargoHome) {
      for await (const c of cargoCacheCandidates(this.cargoHome, name, version, this.warn)) {
        const got = sha256(c.bytes);
        if (got === expected) {
          this.stats.cargoCacheHits++;
          return done(c.bytes, 'cargo-cache');
        }
        this.warn(`${c.file} does not match ${from} (expected sha256 ${expected}, file has ${got}); not used`);
      }
    }
    const cached = await this.cache?.getCrate(expected);
    if (cached) {
      this.stats.cacheHits++;
      return done(cached, 'cratefence-cache');
    }
    const { dl } = await this.registryConfig();
    const url = downloadUrl(dl, name, version, expected);
    this.stats.download++;
    const r = await this.get(url, 'application/octet-stream', { ...this.http, maxBytes: CRATE_MAX });
    if (r.status === 'missing') throw new RegistryError(`${label}: download not found at ${url} (HTTP ${r.code})`);
    const got = sha256(r.body);
    if (got !== expected) {
      throw new RegistryError(`${label}: checksum mismatch, refused and not cached: expected sha256 ${expected} (from ${from}), downloaded file has ${got} (${url})`);
    }
    await this.cache?.putCrate(expected, r.body);
    return done(r.body, 'download');
  }

  /**
   * When a version was published: the index's `pubtime`, else the web API's `created_at`
   * (`{api}/api/v1/crates/NAME/VERSION`, one request per second at most, answers cached on disk).
   * Null when the registry has no web API or does not know the version.
   */
  publishTime(name: string, version: string): Promise<Date | null> {
    const key = `${name.toLowerCase()}@${version}`;
    let p = this.pubtimes.get(key);
    if (!p) {
      p = this.lookupPublishTime(name, version);
      this.pubtimes.set(key, p);
      p.catch(() => this.pubtimes.delete(key));
    }
    return p;
  }

  private async lookupPublishTime(name: string, version: string): Promise<Date | null> {
    const e = await this.entry(name, version);
    if (e.pubtime) return new Date(e.pubtime);
    const { api } = await this.registryConfig();
    if (!api) return null;
    const cacheKey = `${new URL(api).host}-${name.toLowerCase()}-${version}`;
    const kept = await this.cache?.getJson<{ createdAt: string | null }>('pubtime', cacheKey);
    if (kept && typeof kept.createdAt === 'string') return new Date(kept.createdAt);
    const url = `${api}/api/v1/crates/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
    await this.api.take(url);
    this.stats.api++;
    const r = await this.get(url, 'application/json');
    if (r.status === 'missing') return null;
    let createdAt: unknown;
    try {
      createdAt = (JSON.parse(r.body.toString('utf8')) as { version?: { created_at?: unknown } }).version?.created_at;
    } catch {
      throw new RegistryError(`${url}: not valid JSON`);
    }
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) return null;
    await this.cache?.putJson('pubtime', cacheKey, { createdAt });
    return new Date(createdAt);
  }
}
