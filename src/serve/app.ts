import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { Db } from '../store/index.js';
import type { FileHunks, Report } from '../index.js';
import { HTML_SCRIPT, HTML_STYLE, renderReportBody } from '../report/html.js';
import type { ScanPool } from '../runner/index.js';
import type { RegistryClientApi } from '../registry/types.js';
import { bearer, createUser, hashToken, presentedToken, readerByToken, userByToken, type Role, type User } from './auth.js';
import { checkManifest, crateKey } from './manifest.js';
import { systemResolver, type Resolver, type TargetPolicy } from './webhooks.js';
import { registerAlertRoutes } from './routes-alerts.js';
import { BlobStore } from './blobs.js';
import type { ServePolicy } from '../config/serve.js';
import { Deliverer } from './alerts.js';
import { ReleaseService, ServeError, type DecisionKind, type ReleaseState, type ReleaseView } from './releases.js';
import { cryptoRandom, type RandomInt } from './reviewers.js';
import { ScanScheduler, type ScanExecutor } from './scheduler.js';
import { CRATE_NAME, ERROR, ID_PARAMS, REASON_BODY, RELEASE, ROLE, STATE, VERSION } from './schemas.js';
import { registerPages } from './pages.js';
import { Mirror, type Upstream } from './mirror.js';
import { deferScan } from './mirror-releases.js';
import { registerRegistryRoutes } from './routes-registry.js';
import { waitingDependents } from './dependents.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
  interface FastifyContextConfig {
    /**
     * Who may call the route: roles, or 'public', or 'registry' (cargo's routes: public, or any
     * user's or reader's token when `mirror.auth-required`). A route without it is refused to everyone.
     */
    roles?: Role[] | 'public' | 'registry';
  }
}

export interface AppOptions {
  db: Db;
  blobs: BlobStore;
  /** Scans run here; null only for route-level tests that never publish. */
  pool: ScanPool | null;
  /** Another place to run scans (the batch mode's queue workers); takes precedence over `pool`. */
  executor?: ScanExecutor;
  policy: ServePolicy;
  now?: () => Date;
  /** Reviewer draws: crypto-random unless a test passes a seeded source. */
  random?: RandomInt;
  randomSource?: string;
  registry?: RegistryClientApi;
  /** The registry the `/index/` mirror pulls through (the one registry client); none: only releases published here are served. */
  upstream?: Upstream;
  logger?: boolean;
  /** Resolves webhook host names (DNS unless a test passes its own). */
  resolve?: Resolver;
  /** Renders a report on the release page (the HTML reporter's fragment). */
  reportFragment?: (report: Report, hunks?: FileHunks[]) => string;
}

export interface Service {
  app: FastifyInstance;
  releases: ReleaseService;
  scheduler: ScanScheduler | null;
  deliverer: Deliverer;
  mirror: Mirror;
}

const ALL: Role[] = ['publisher', 'reviewer', 'admin'];
const DECIDERS: Role[] = ['reviewer', 'admin'];

/** Builds the ingest service: routes, auth, policy, scans, alerts. Listening is the caller's. */
export async function buildApp(o: AppOptions): Promise<Service> {
  const now = o.now ?? (() => new Date());
  const releases = new ReleaseService({ db: o.db, policy: o.policy, now, random: o.random ?? cryptoRandom, randomSource: o.randomSource ?? 'crypto.randomInt' });
  const pool = o.pool;
  const executor: ScanExecutor | null = o.executor ?? (pool ? { slots: pool.threads, run: (job) => pool.run(job) } : null);
  let scheduler: ScanScheduler | null = null;
  const mirror = new Mirror({ db: o.db, blobs: o.blobs, policy: o.policy, now, upstream: o.upstream ?? null, onQueued: () => scheduler?.kick(), warn: (m) => app.log.warn(m) });
  scheduler = executor
    ? new ScanScheduler(releases, o.blobs, executor, { timeoutMs: o.policy['scan-timeout-minutes'] * 60_000, prepare: mirror.prepare, defer: (id, until, why) => deferScan(o.db, id, until, why), now })
    : null;
  const trustProxy = o.policy['trust-proxy'];
  const app = Fastify({
    logger: o.logger ? { redact: ['req.headers.authorization', 'req.headers.cookie'] } : false,
    bodyLimit: Math.round(o.policy['body-limit-mb'] * 1024 * 1024),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    ...(trustProxy.length > 0 ? { trustProxy } : {}),
  });
  const targets: TargetPolicy = {
    allowPrivate: o.policy['webhook-allow-private'],
    resolve: o.resolve ?? systemResolver,
    self: {
      publicOrigin: o.policy['public-url'],
      listening: () => {
        const a = app.server.address();
        return a && typeof a === 'object' ? [{ address: a.address, port: a.port }] : [];
      },
    },
  };
  const deliverer = new Deliverer(o.db, { maxAttempts: o.policy['webhook-max-attempts'], baseDelayMs: o.policy['webhook-base-delay-ms'], now, targets });
  app.decorateRequest('user', null);

  await app.register(swagger, {
    openapi: { info: { title: 'cratefence ingest service', version: '1' }, components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } } },
  });
  // Limits are applied by the request hook below, not per route: every request counts against its
  // client address before authentication (so a flood of made-up tokens is limited like any other),
  // and an authenticated one also against its token.
  await app.register(rateLimit, { global: false });
  // The plugin's own address key: IPv4-mapped addresses as IPv4, IPv6 by /64 (one host's whole range).
  const perAddress = app.createRateLimit({ max: o.policy['rate-limit-per-address-per-minute'], timeWindow: 60_000 });
  const perToken = app.createRateLimit({ max: o.policy['rate-limit-per-minute'], timeWindow: 60_000, keyGenerator: (req) => `t:${hashToken(presentedToken(req.headers.authorization) ?? '')}` });
  const limited = (reply: FastifyReply, r: Awaited<ReturnType<typeof perAddress>>, what: string) => {
    if (r.isAllowed || !r.isExceeded) return false;
    void reply.code(429).header('retry-after', String(r.ttlInSeconds)).send({ error: 'too-many-requests', message: `rate limit exceeded for this ${what} (${r.max} requests a minute); retry in ${r.ttlInSeconds} s` });
    return true;
  };

  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Every route states who may call it; the check runs before validation and the handler.
  app.addHook('onRequest', async (req, reply) => {
    if (limited(reply, await perAddress(req), 'client address')) return reply;
    const roles = req.routeOptions.config.roles;
    if (req.routeOptions.url === undefined) return; // 404s
    if (roles === 'public') return;
    if (!roles) return reply.code(403).send({ error: 'forbidden', message: 'this route is not open to any role' });
    if (roles === 'registry') {
      if (!o.policy.mirror['auth-required']) return;
      // Cargo sends the registry's token as the whole header; any user's token or a reader's token reads.
      const t = presentedToken(req.headers.authorization);
      if (!t || (!userByToken(o.db, t) && !readerByToken(o.db, t))) {
        const login = o.policy['public-url'] ? `Cargo login_url="${o.policy['public-url']}/"` : 'Cargo';
        return reply.code(401).header('www-authenticate', login).type('text/plain; charset=utf-8').send('cratefence: this registry requires a token (cargo: CARGO_REGISTRIES_<NAME>_TOKEN or `cargo login --registry NAME`)\n');
      }
      if (limited(reply, await perToken(req), 'token')) return reply;
      return;
    }
    const token = bearer(req.headers.authorization);
    const user = token ? userByToken(o.db, token) : null;
    if (!user) return reply.code(401).send({ error: 'unauthorized', message: 'a valid API token is required (Authorization: Bearer …)' });
    if (limited(reply, await perToken(req), 'token')) return reply;
    if (!roles.includes(user.role)) return reply.code(403).send({ error: 'forbidden', message: `the ${user.role} role may not call this route` });
    req.user = user;
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (!reply.getHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
    if (err instanceof ServeError) return reply.code(err.status).send({ error: statusName(err.status), message: err.message });
    if (err.validation) return reply.code(422).send({ error: 'unprocessable', message: validationMessage(err) });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error(err);
    return reply.code(status).send({ error: statusName(status), message: status === 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not-found', message: 'no such route' }));

  /**
   * Admits a published .crate: its manifest must name the request's crate and version, and the
   * ownership and immutability checks pass, before a byte is stored — a refused request leaves
   * nothing behind. Checking, storing and recording run without a pause in between, so no other
   * request of this process interleaves; a refusal from another process sharing the store removes
   * the blob again unless a release uses it.
   */
  const accept = async (user: User, name: string, version: string, bytes: Uint8Array) => {
    await checkManifest(bytes, name, version);
    const sha = BlobStore.digest(bytes);
    const existing = releases.admit(user, name, version, sha);
    if (existing) return { id: existing.id, created: false };
    const stored = !o.blobs.has(sha);
    o.blobs.put(bytes);
    let r: { id: number; created: boolean };
    try {
      r = releases.publish(user, name, version, sha);
    } catch (e) {
      if (stored && !o.db.prepare('SELECT 1 FROM serve_releases WHERE blob_sha256 = ?').get(sha)) o.blobs.remove(sha);
      throw e;
    }
    scheduler?.kick();
    return r;
  };

  const errors = { 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 413: ERROR, 422: ERROR, 429: ERROR };

  app.get('/openapi.json', { config: { roles: 'public' }, schema: { hide: true } }, async () => app.swagger());

  app.get('/v1/me', {
    config: { roles: ALL },
    schema: { response: { 200: { type: 'object', properties: { name: { type: 'string' }, role: ROLE } }, ...errors } },
  }, async (req) => ({ name: req.user!.name, role: req.user!.role }));

  app.post<{ Body: { name: string; role: Role; trusted?: boolean; inPool?: boolean } }>('/v1/users', {
    config: { roles: ['admin'] },
    schema: {
      body: { type: 'object', required: ['name', 'role'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.@-]+$' }, role: ROLE, trusted: { type: 'boolean' }, inPool: { type: 'boolean' } } },
      response: { 201: { type: 'object', properties: { name: { type: 'string' }, role: ROLE, token: { type: 'string' } } }, ...errors },
    },
  }, async (req, reply) => {
    if (o.db.prepare('SELECT 1 FROM serve_users WHERE name = ?').get(req.body.name)) throw new ServeError(409, `user ${req.body.name} exists`);
    const { user, token } = createUser(o.db, req.body.name, req.body.role, { trusted: req.body.trusted, inPool: req.body.inPool, now: now() });
    return reply.code(201).send({ name: user.name, role: user.role, token });
  });

  app.put<{ Params: { name: string }; Body: { owners: string[] } }>('/v1/crates/:name/owners', {
    config: { roles: ['admin'] },
    schema: {
      params: { type: 'object', required: ['name'], properties: { name: CRATE_NAME } },
      body: { type: 'object', required: ['owners'], additionalProperties: false, properties: { owners: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 100 } } } },
      response: { 200: { type: 'object', properties: { crate: { type: 'string' }, owners: { type: 'array', items: { type: 'string' } } } }, ...errors },
    },
  }, async (req) => {
    const key = crateKey(req.params.name);
    o.db.transaction(() => {
      o.db.prepare('DELETE FROM serve_owners WHERE crate = ?').run(key);
      for (const n of req.body.owners) {
        const u = o.db.prepare('SELECT id FROM serve_users WHERE name = ?').get(n) as { id: number } | undefined;
        if (!u) throw new ServeError(422, `owners: no user named ${n}`);
        o.db.prepare('INSERT OR IGNORE INTO serve_owners (crate, user_id) VALUES (?, ?)').run(key, u.id);
      }
    }).immediate();
    return { crate: req.params.name, owners: req.body.owners };
  });

  app.put<{ Params: { name: string }; Body: { dependencies: string[] } }>('/v1/crates/:name/dependencies', {
    config: { roles: ['admin'] },
    schema: {
      params: { type: 'object', required: ['name'], properties: { name: CRATE_NAME } },
      body: { type: 'object', required: ['dependencies'], additionalProperties: false, properties: { dependencies: { type: 'array', maxItems: 5000, items: CRATE_NAME } } },
      response: { 200: { type: 'object', properties: { crate: { type: 'string' }, dependencies: { type: 'integer' } } }, ...errors },
    },
  }, async (req) => {
    const key = crateKey(req.params.name);
    o.db.transaction(() => {
      o.db.prepare('DELETE FROM serve_dependencies WHERE dependent = ?').run(key);
      const ins = o.db.prepare('INSERT OR IGNORE INTO serve_dependencies (dependent, dependency) VALUES (?, ?)');
      for (const d of req.body.dependencies) ins.run(key, crateKey(d));
    }).immediate();
    return { crate: req.params.name, dependencies: req.body.dependencies.length };
  });

  app.post<{ Querystring: { name: string; version: string }; Body: Buffer }>('/v1/releases', {
    config: { roles: ['publisher', 'admin'] },
    schema: {
      description: 'Publisher hook: the .crate as the body (application/octet-stream). The scan is queued; the answer is immediate.',
      querystring: { type: 'object', required: ['name', 'version'], additionalProperties: false, properties: { name: CRATE_NAME, version: VERSION } },
      response: { 202: { type: 'object', properties: { id: { type: 'integer' }, state: STATE, created: { type: 'boolean' } } }, ...errors },
    },
  }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new ServeError(422, 'body: the .crate file is required as application/octet-stream');
    if (req.body[0] !== 0x1f || req.body[1] !== 0x8b) throw new ServeError(422, 'body: not a .crate (gzip-compressed tar) file');
    const r = await accept(req.user!, req.query.name, req.query.version, req.body);
    return reply.code(202).send({ id: r.id, state: releases.view(r.id).state, created: r.created });
  });

  app.post<{ Body: { name: string; version: string } }>('/v1/releases/fetch', {
    config: { roles: ['publisher', 'admin'] },
    schema: {
      description: 'Publisher hook by reference: the service fetches the release from its registry and verifies its checksum.',
      body: { type: 'object', required: ['name', 'version'], additionalProperties: false, properties: { name: CRATE_NAME, version: VERSION } },
      response: { 202: { type: 'object', properties: { id: { type: 'integer' }, state: STATE, created: { type: 'boolean' } } }, ...errors },
    },
  }, async (req, reply) => {
    if (!o.registry) throw new ServeError(422, 'name: this service has no registry to fetch from; send the .crate instead');
    const fetched = await o.registry.fetchCrate(req.body.name, req.body.version).catch((e: Error) => {
      throw new ServeError(422, `name: ${e.message}`);
    });
    const r = await accept(req.user!, req.body.name, req.body.version, fetched.bytes);
    return reply.code(202).send({ id: r.id, state: releases.view(r.id).state, created: r.created });
  });

  // Who was drawn to review a release is not for publishers of other crates (they could lobby them).
  const shown = (user: User, v: ReleaseView): ReleaseView => (releases.seesReviewers(v.id, user) ? v : { ...v, reviewers: [] });

  app.get<{ Querystring: { state?: ReleaseState; crate?: string; mine?: boolean } }>('/v1/releases', {
    config: { roles: ALL },
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { state: STATE, crate: CRATE_NAME, mine: { type: 'boolean' } } },
      response: { 200: { type: 'object', properties: { releases: { type: 'array', items: RELEASE } } }, ...errors },
    },
  }, async (req) => ({ releases: releases.list({ state: req.query.state, crate: req.query.crate, reviewer: req.query.mine ? req.user!.name : undefined }).map((v) => shown(req.user!, v)) }));

  app.get<{ Params: { id: number } }>('/v1/releases/:id', {
    config: { roles: ALL },
    schema: { params: ID_PARAMS, response: { 200: { type: 'object', properties: { release: RELEASE, report: { type: ['object', 'null'], additionalProperties: true } } }, ...errors } },
  }, async (req) => ({ release: shown(req.user!, releases.view(req.params.id)), report: releases.report(req.params.id) }));


  const decision = (path: string, kind: DecisionKind, roles: Role[]) =>
    app.post<{ Params: { id: number }; Body: { reason: string } }>(`/v1/releases/:id/${path}`, {
      config: { roles },
      schema: { params: ID_PARAMS, body: REASON_BODY, response: { 200: RELEASE, ...errors } },
    }, async (req) => {
      const v = releases.decide(req.params.id, req.user!, kind, req.body.reason);
      // A revocation or rejection may have sent releases diffed against this one back to scanning.
      scheduler?.kick();
      void deliverer.runOnce();
      return v;
    });
  decision('approvals', 'approval', DECIDERS);
  decision('rejections', 'rejection', DECIDERS);
  decision('revocations', 'revocation', ['admin']);
  decision('overrides', 'override', ['admin']);

  app.post<{ Params: { id: number }; Body: { count?: number; reason: string } }>('/v1/releases/:id/reviewers', {
    config: { roles: ['admin'] },
    schema: {
      description: 'Draws more reviewers for a quarantined release, at random from those not drawn yet; logged like the automatic draw.',
      params: ID_PARAMS,
      body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { count: { type: 'integer', minimum: 1, maximum: 20 }, reason: REASON_BODY.properties.reason } },
      response: { 200: RELEASE, ...errors },
    },
  }, async (req) => releases.drawMore(req.params.id, req.user!, req.body.count ?? 1, req.body.reason));

  app.get<{ Params: { name: string; version: string } }>('/v1/crates/:name/:version/status', {
    config: { roles: 'public' },
    schema: {
      description: 'For builds: may this version be used? Open to all, like the alert feed.',
      params: { type: 'object', required: ['name', 'version'], properties: { name: CRATE_NAME, version: VERSION } },
      response: { 200: { type: 'object', properties: { crate: { type: 'string' }, version: { type: 'string' }, state: { type: ['string', 'null'] }, usable: { type: 'boolean' } } }, ...errors },
    },
  }, async (req) => {
    const s = releases.status(req.params.name, req.params.version);
    return { crate: req.params.name, version: req.params.version, state: s?.state ?? null, usable: s === null || s.state === 'released' };
  });

  registerAlertRoutes(app, { db: o.db, now, targets, publicUrl: o.policy['public-url'], errors });
  registerRegistryRoutes(app, { db: o.db, mirror, publicUrl: o.policy['public-url'], authRequired: o.policy.mirror['auth-required'], errors });

  registerPages(app, {
    releases,
    now,
    reportFragment: o.reportFragment ?? reportFragment,
    userOf: (t) => userByToken(o.db, t),
    waiting: (crate, version) => waitingDependents(o.db, crate, version),
    afterDecision: () => {
      scheduler?.kick();
      void deliverer.runOnce();
    },
  });
  return { app, releases, scheduler, deliverer, mirror };
}

/** The HTML report (the auditors' page: diff, flagged hunks, traces, filter) as a fragment of the release page. */
function reportFragment(report: Report, hunks?: FileHunks[]): string {
  return `<style>${HTML_STYLE}</style>${renderReportBody(report, { hunks })}<script>${HTML_SCRIPT}</script>`;
}

/** A validation failure as a reader wants it: the field first, then what it must be. */
function validationMessage(err: Error & { validation?: unknown; validationContext?: string }): string {
  const v = (err.validation as Array<{ instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }>)[0];
  if (!v) return err.message;
  const field = (v.keyword === 'required' ? String(v.params.missingProperty) : v.instancePath.replace(/^\//, '').replace(/\//g, '.')) || (err.validationContext ?? 'request');
  const leaf = field.split('.').at(-1);
  if (v.keyword === 'pattern' && leaf === 'version') return `version: must be a semantic version such as 1.2.3 (Cargo's rules)`;
  if (v.keyword === 'pattern' && leaf === 'name') return `name: a crate name is 1-64 ASCII letters, digits, - and _, starting with a letter (Cargo's rules)`;
  if (v.keyword === 'required') return `${field}: required`;
  if (v.keyword === 'additionalProperties') return `${err.validationContext ?? 'request'}: unknown field ${String(v.params.additionalProperty)}`;
  return `${field}: ${v.message ?? 'is not valid'}`;
}

function statusName(s: number): string {
  return ({ 400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 413: 'payload-too-large', 415: 'unsupported-media-type', 422: 'unprocessable', 429: 'too-many-requests' } as Record<number, string>)[s] ?? 'internal-error';
}

export type { FastifyReply, FastifyRequest };
export { BlobStore };
