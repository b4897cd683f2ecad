import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../store/index.js';
import { indexPath } from '../registry/index.js';
import { createReader } from './auth.js';
import { ServeError } from './errors.js';
import type { Mirror } from './mirror.js';
import { CRATE_NAME, ERROR, VERSION } from './schemas.js';

/** Cargo prints the body of a failed download or index request: the registry routes answer errors as one line of text (rate limits and validation keep `{ error, message }`). */
const CARGO_ERROR = { anyOf: [{ type: 'string' }, ERROR] } as const;
const TEXT_ERRORS = { 401: CARGO_ERROR, 403: CARGO_ERROR, 404: CARGO_ERROR, 410: CARGO_ERROR, 422: ERROR, 429: CARGO_ERROR, 502: CARGO_ERROR, 503: CARGO_ERROR };
const PREFIX = { type: 'string', pattern: '^[a-z0-9_-]{1,2}$' } as const;

export interface RegistryRouteDeps {
  db: Db;
  mirror: Mirror;
  /** `public-url` of the config: the `dl` URL starts with it when set. */
  publicUrl: string | undefined;
  authRequired: boolean;
  errors: Record<number, unknown>;
}

/**
 * The root cargo reaches the service at, for `dl`: `public-url` when configured, else the address
 * the request came in on (the socket's own, never a `Host` header a client or proxy could set).
 */
function origin(req: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  const s = req.socket;
  const host = s.localAddress?.includes(':') && !s.localAddress.startsWith('::ffff:') ? `[${s.localAddress}]` : (s.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  return `${req.protocol}://${host}:${s.localPort}`;
}

/**
 * The Cargo sparse registry under `/index/` (`sparse+http://HOST:PORT/index/`): `config.json`, index
 * files at cargo's paths (`1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd`), downloads at `/dl/NAME/VERSION/download`,
 * and read-only tokens for mirrors that require them. Public unless `mirror.auth-required`.
 */
export function registerRegistryRoutes(app: FastifyInstance, d: RegistryRouteDeps): void {
  const text = (reply: FastifyReply, status: number, message: string) => reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
  const cfg = { roles: 'registry' as const };

  app.get('/index/config.json', {
    config: cfg,
    schema: {
      description: "The sparse registry's configuration: `dl` is the service's own download route.",
      response: { 200: { type: 'object', properties: { dl: { type: 'string' }, 'auth-required': { type: 'boolean' } } }, ...TEXT_ERRORS },
    },
  }, async (req) => ({ dl: `${origin(req, d.publicUrl)}/dl`, ...(d.authRequired ? { 'auth-required': true } : {}) }));

  const serveIndex = async (req: FastifyRequest, reply: FastifyReply, name: string, path: string) => {
    // Cargo asks for the lowercased name under its prefix folders; anything else is not a file here.
    if (indexPath(name) !== path) return text(reply, 404, `cratefence: no index file at /index/${path}`);
    let served;
    try {
      served = await d.mirror.indexFile(name);
    } catch (e) {
      if (e instanceof ServeError) return text(reply, e.status, e.message);
      throw e;
    }
    if (!served) return text(reply, 404, `cratefence: no crate named ${name} in this registry`);
    reply.header('etag', served.etag);
    if (req.headers['if-none-match'] === served.etag) return reply.code(304).send();
    return reply.code(200).type('text/plain; charset=utf-8').send(served.body);
  };
  const indexSchema = (params: Record<string, unknown>) => ({
    description: 'An index file: the upstream\'s lines with every version not released here marked yanked, and versions published here.',
    params: { type: 'object', required: Object.keys(params), properties: params },
    response: { 200: { type: 'string' }, ...TEXT_ERRORS },
  });

  app.get<{ Params: { name: string } }>('/index/1/:name', { config: cfg, schema: indexSchema({ name: CRATE_NAME }) }, (req, reply) => serveIndex(req, reply, req.params.name, `1/${req.params.name}`));
  app.get<{ Params: { name: string } }>('/index/2/:name', { config: cfg, schema: indexSchema({ name: CRATE_NAME }) }, (req, reply) => serveIndex(req, reply, req.params.name, `2/${req.params.name}`));
  app.get<{ Params: { a: string; name: string } }>('/index/3/:a/:name', { config: cfg, schema: indexSchema({ a: PREFIX, name: CRATE_NAME }) }, (req, reply) =>
    serveIndex(req, reply, req.params.name, `3/${req.params.a}/${req.params.name}`),
  );
  app.get<{ Params: { ab: string; cd: string; name: string } }>('/index/:ab/:cd/:name', { config: cfg, schema: indexSchema({ ab: PREFIX, cd: PREFIX, name: CRATE_NAME }) }, (req, reply) =>
    serveIndex(req, reply, req.params.name, `${req.params.ab}/${req.params.cd}/${req.params.name}`),
  );

  app.get<{ Params: { name: string; version: string } }>('/dl/:name/:version/download', {
    config: cfg,
    schema: {
      description: 'A download: only a released version; any other state answers with the one line cargo prints.',
      params: { type: 'object', required: ['name', 'version'], properties: { name: CRATE_NAME, version: VERSION } },
      response: { 200: { type: 'string', format: 'binary' }, ...TEXT_ERRORS },
    },
  }, async (req, reply) => {
    const a = await d.mirror.download(req.params.name, req.params.version);
    if (a.ok) return reply.code(200).type('application/octet-stream').send(Buffer.from(a.bytes));
    if (a.retryAfter) reply.header('retry-after', String(a.retryAfter));
    return text(reply, a.status, a.message);
  });

  app.post<{ Body: { name: string } }>('/v1/readers', {
    config: { roles: ['admin'] },
    schema: {
      description: 'A read-only token for the registry routes (for a mirror with auth-required); shown once.',
      body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.@-]+$' } } },
      response: { 201: { type: 'object', properties: { name: { type: 'string' }, token: { type: 'string' } } }, ...d.errors },
    },
  }, async (req, reply) => {
    if (d.db.prepare('SELECT 1 FROM serve_readers WHERE name = ?').get(req.body.name)) throw new ServeError(409, `reader ${req.body.name} exists`);
    return reply.code(201).send({ name: req.body.name, token: createReader(d.db, req.body.name) });
  });
}
