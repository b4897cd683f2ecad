import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/index.js';
import { jsonFeed, newSecret } from './alerts.js';
import { crateKey } from './manifest.js';
import { CRATE_NAME } from './schemas.js';
import { checkWebhookTarget, type TargetPolicy } from './webhooks.js';

export interface AlertRouteDeps {
  db: Db;
  now: () => Date;
  targets: TargetPolicy;
  /** The configured public URL: the feed's links start with it (relative links without one). */
  publicUrl: string | undefined;
  errors: Record<number, unknown>;
}

/** `POST /v1/subscriptions` (webhooks, their targets checked) and `GET /v1/alerts` (the public JSON Feed). */
export function registerAlertRoutes(app: FastifyInstance, d: AlertRouteDeps): void {
  app.post<{ Body: { url: string; crate?: string } }>('/v1/subscriptions', {
    config: { roles: ['publisher', 'reviewer', 'admin'] },
    schema: {
      description: 'A webhook for alerts (one crate, or all). Targets on loopback, private, link-local or the service itself are refused unless the config allows private ones.',
      body: { type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string', maxLength: 2000, pattern: '^https?://' }, crate: CRATE_NAME } },
      response: { 201: { type: 'object', properties: { id: { type: 'integer' }, secret: { type: 'string' } } }, ...d.errors },
    },
  }, async (req, reply) => {
    await checkWebhookTarget(req.body.url, d.targets);
    const secret = newSecret();
    const crate = req.body.crate === undefined ? null : crateKey(req.body.crate);
    const id = Number(d.db.prepare('INSERT INTO serve_subscriptions (user_id, url, crate, secret, created_at) VALUES (?, ?, ?, ?, ?)').run(req.user!.id, req.body.url, crate, secret, d.now().toISOString()).lastInsertRowid);
    return reply.code(201).send({ id, secret });
  });

  app.get<{ Querystring: { crate?: string } }>('/v1/alerts', {
    config: { roles: 'public' },
    schema: {
      description: 'Alerts as a JSON Feed 1.1, newest first. Links start with the configured public-url (relative without it).',
      querystring: { type: 'object', additionalProperties: false, properties: { crate: CRATE_NAME } },
      response: { 200: { type: 'object', additionalProperties: true }, ...d.errors },
    },
  }, async (req, reply) => {
    reply.type('application/feed+json');
    return jsonFeed(d.db, d.publicUrl ?? '', req.query.crate);
  });
}
