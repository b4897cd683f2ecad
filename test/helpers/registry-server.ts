/**
 * A real Cargo registry on 127.0.0.1 for tests (reused by the registry, lock, batch and serve
 * tests): `config.json` with `dl` and `api`, a sparse index in cargo's `1/`, `2/`, `3/x/`, `ab/cd/`
 * layout, `.crate` downloads, and the web API's `/api/v1/crates/NAME/VERSION` (`created_at`).
 * Failures can be switched on (connection reset, HTTP 500, slow answers) and every request is logged.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { crateEntries, makeTar, type Entry } from './tarball.js';

export interface PublishedVersion {
  name: string;
  vers: string;
  bytes: Buffer;
  /** What the index says; defaults to the real SHA-256 of `bytes` (set it wrong to test refusal). */
  cksum: string;
  yanked: boolean;
  /** Index `pubtime`; absent by default, as on many real index lines. */
  pubtime?: string;
  /** The web API's `created_at`; absent means the API answers 404. */
  createdAt?: string;
  deps: Array<{ name: string; req: string; kind?: string }>;
}

export interface LoggedRequest {
  method: string;
  path: string;
  userAgent: string | undefined;
  at: number;
  status: number;
}

/**
 * A switchable failure. `times` limits how many requests it hits (then the server behaves again).
 * `trickle` answers 200 at once and then sends one byte every `delayMs` without ever finishing.
 */
export interface Failure {
  kind: 'reset' | '500' | 'slow' | 'trickle';
  /** Only requests whose path matches (default: all). */
  path?: RegExp;
  times?: number;
  /** Delay for `slow` (default 2000 ms). */
  delayMs?: number;
}

export interface RegistryServerOptions {
  /**
   * The `dl` value of config.json, relative to the server root, markers kept; default
   * `/dl/{crate}/{version}/download`. Give one without markers to test cargo's default suffix.
   */
  dl?: string;
  /** Leave `api` out of config.json (a registry without a web API). */
  noApi?: boolean;
}

function indexPathOf(name: string): string {
  const n = name.toLowerCase();
  if (n.length === 1) return `1/${n}`;
  if (n.length === 2) return `2/${n}`;
  if (n.length === 3) return `3/${n[0]}/${n}`;
  return `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
}

export class RegistryServer {
  readonly crates = new Map<string, PublishedVersion[]>();
  readonly requests: LoggedRequest[] = [];
  failure: Failure | null = null;
  private server: http.Server | null = null;
  private port = 0;

  constructor(private readonly options: RegistryServerOptions = {}) {}

  /** The root URL (`http://127.0.0.1:PORT`); the sparse index is at `${url}/index/`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get indexUrl(): string {
    return `${this.url}/index/`;
  }

  /** Starts listening on a random port (or the previous one after `stop()`). */
  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening (the registry is "down": connections are refused) and drops open sockets. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Adds a release from raw `.crate` bytes. */
  addCrate(name: string, vers: string, bytes: Buffer, extra: Partial<Omit<PublishedVersion, 'name' | 'vers' | 'bytes'>> = {}): PublishedVersion {
    const v: PublishedVersion = {
      name,
      vers,
      bytes,
      cksum: createHash('sha256').update(bytes).digest('hex'),
      yanked: false,
      deps: [],
      ...extra,
    };
    const list = this.crates.get(name.toLowerCase()) ?? [];
    list.push(v);
    this.crates.set(name.toLowerCase(), list);
    return v;
  }

  /** Builds a small crate (Cargo.toml + src/lib.rs + extra files) with the tarball helper and adds it. */
  async publish(name: string, vers: string, lib: string, extra: Partial<Omit<PublishedVersion, 'name' | 'vers' | 'bytes'>> & { files?: Entry[] } = {}): Promise<PublishedVersion> {
    const { files, ...rest } = extra;
    return this.addCrate(name, vers, await makeTar(crateEntries(name, vers, lib, files ?? [])), rest);
  }

  /** Packs a folder (e.g. a corpus side) as `name-vers/…` and adds it. */
  async publishDir(name: string, vers: string, dir: string, extra: Partial<Omit<PublishedVersion, 'name' | 'vers' | 'bytes'>> = {}): Promise<PublishedVersion> {
    const entries: Entry[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(path.join(d, e.name), r);
        else entries.push({ name: `${name}-${vers}/${r}`, content: readFileSync(path.join(d, e.name)) });
      }
    };
    walk(dir, '');
    return this.addCrate(name, vers, await makeTar(entries), extra);
  }

  /** Requests whose path starts with `prefix`. */
  requestsTo(prefix: string): LoggedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  private send(res: http.ServerResponse, log: LoggedRequest, status: number, body: string | Buffer, type = 'application/json'): void {
    log.status = status;
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const log: LoggedRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, userAgent: req.headers['user-agent'], at: Date.now(), status: 0 };
    this.requests.push(log);
    const f = this.failure;
    if (f && (!f.path || f.path.test(url.pathname)) && (f.times === undefined || f.times > 0)) {
      if (f.times !== undefined) f.times--;
      if (f.kind === 'reset') {
        log.status = -1;
        req.socket.destroy();
        return;
      }
      if (f.kind === '500') return this.send(res, log, 500, '{"errors":[{"detail":"internal error"}]}');
      if (f.kind === 'trickle') {
        log.status = 200;
        res.writeHead(200, { 'content-type': 'text/plain' });
        const t = setInterval(() => res.write(' '), f.delayMs ?? 2000);
        res.on('close', () => clearInterval(t));
        return;
      }
      await new Promise((r) => setTimeout(r, f.delayMs ?? 2000));
      if (res.destroyed) return;
    }
    const p = url.pathname;
    if (p === '/index/config.json') {
      const dl = `${this.url}${this.options.dl ?? '/dl/{crate}/{version}/download'}`;
      return this.send(res, log, 200, JSON.stringify(this.options.noApi ? { dl } : { dl, api: this.url }));
    }
    if (p.startsWith('/index/')) {
      const rel = p.slice('/index/'.length);
      const name = rel.split('/').pop() ?? '';
      const list = this.crates.get(name);
      // The layout is checked: a file asked for under the wrong prefix folder is not found.
      if (!list || indexPathOf(name) !== rel) return this.send(res, log, 404, 'not found', 'text/plain');
      const lines = list.map((v) =>
        JSON.stringify({ name: v.name, vers: v.vers, deps: v.deps.map((d) => ({ optional: false, default_features: true, features: [], target: null, kind: 'normal', ...d })), cksum: v.cksum, features: {}, yanked: v.yanked, ...(v.pubtime ? { pubtime: v.pubtime } : {}) }),
      );
      // Validators as a CDN gives them: a strong ETag of the body, and 304 to a request that has it.
      const body = `${lines.join('\n')}\n`;
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
      if (req.headers['if-none-match'] === etag) {
        log.status = 304;
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.setHeader('etag', etag);
      return this.send(res, log, 200, body, 'text/plain');
    }
    const api = /^\/api\/v1\/crates\/([^/]+)\/([^/]+)$/.exec(p);
    if (api) {
      const v = this.crates.get(decodeURIComponent(api[1]).toLowerCase())?.find((x) => x.vers === decodeURIComponent(api[2]));
      if (!v || !v.createdAt) return this.send(res, log, 404, '{"errors":[{"detail":"Not Found"}]}');
      return this.send(res, log, 200, JSON.stringify({ version: { crate: v.name, num: v.vers, created_at: v.createdAt, yanked: v.yanked } }));
    }
    // Downloads: any path; the release is found by matching the dl template's expansion.
    for (const list of this.crates.values()) {
      for (const v of list) {
        if (this.downloadPath(v) === p + url.search || this.downloadPath(v) === p) return this.send(res, log, 200, v.bytes, 'application/octet-stream');
      }
    }
    this.send(res, log, 404, 'not found', 'text/plain');
  }

  /** Where a release is served, by the dl template (cargo's default suffix when it has no marker). */
  downloadPath(v: PublishedVersion): string {
    let t = this.options.dl ?? '/dl/{crate}/{version}/download';
    if (!/\{(crate|version|prefix|lowerprefix|sha256-checksum)\}/.test(t)) t = `${t.replace(/\/+$/, '')}/{crate}/{version}/download`;
    const prefix = indexPathOf(v.name).split('/').slice(0, -1).join('/');
    const casePrefix = v.name.length <= 2 ? prefix : v.name.length === 3 ? `3/${v.name[0]}` : `${v.name.slice(0, 2)}/${v.name.slice(2, 4)}`;
    return t
      .replaceAll('{crate}', v.name)
      .replaceAll('{version}', v.vers)
      .replaceAll('{prefix}', casePrefix)
      .replaceAll('{lowerprefix}', prefix)
      .replaceAll('{sha256-checksum}', createHash('sha256').update(v.bytes).digest('hex'));
  }
}

/** Starts a registry server on a random port of 127.0.0.1. */
export async function startRegistryServer(options: RegistryServerOptions = {}): Promise<RegistryServer> {
  return new RegistryServer(options).start();
}
