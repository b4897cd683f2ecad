import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** An http(s) origin with an optional path prefix, no query or fragment: where the service is reached from outside. */
const PublicUrl = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without query, fragment or credentials, such as https://cratefence.example.com')
  .transform((s) => s.replace(/\/+$/, ''));

/** `[serve.mirror]`: the sparse registry `serve` answers as under `/index/` (docs/registry-mirror.md). */
const MirrorSchema = z
  .object({
    // The registry pulled through; unset: `serve --registry`, else the config's [registry] url, else crates.io.
    upstream: z
      .string()
      .max(2000)
      .refine((s) => /^(sparse\+)?https?:\/\/[^\s]+$/.test(s), 'must be the http(s) URL of a sparse index, such as https://index.crates.io/')
      .optional(),
    // How long a copy of an upstream index file is used without asking upstream again (then a conditional request).
    'index-ttl-seconds': z.number().int().min(0).max(86_400).default(300),
    // On the first sight of a crate, versions published longer ago than this are its trusted baseline
    // (released without a scan). Unset: `cool-off-hours`.
    'baseline-age-hours': z.number().min(0).max(24 * 365 * 20).optional(),
    // How many of the newest baseline versions (each with a released predecessor) are scanned in the background.
    'baseline-scans': z.number().int().min(0).max(20).default(1),
    // Require a token (cargo's `Authorization` header) on every /index/ and download request.
    'auth-required': z.boolean().default(false),
    // Crates (names or globs, compared as crates.io compares names) never looked up upstream: only
    // what is published to the service is served for them (no dependency confusion).
    private: z.array(z.string().min(1).max(64).regex(/^[A-Za-z0-9_*?-]+$/, 'must be a crate name or a glob of one (letters, digits, -, _, * and ?)')).max(1000).default([]),
  })
  .strict();

/**
 * The ingest service's policy knobs (`[serve]` in cratefence.toml), documented in docs/serve.md.
 * Checked with the rest of the file by the one config loader; only `cratefence serve` reads them.
 */
export const ServePolicySchema = z
  .object({
    'cool-off-hours': z.number().min(0).max(24 * 365).default(72),
    'trusted-cool-off-hours': z.number().min(0).max(24 * 365).default(24),
    approval: z
      .object({
        mode: z.enum(['count', 'weighted']).default('count'),
        count: z.number().int().min(1).max(100).default(2),
        share: z.number().gt(0).max(1).default(0.3),
        'min-approvals': z.number().int().min(1).max(100).default(1),
        // Who may approve: the reviewers drawn for the release (and, in weighted mode, maintainers
        // of its dependents), or any reviewer or admin who is not the publisher or an owner.
        approvers: z.enum(['drawn', 'any-reviewer']).default('drawn'),
      })
      .strict()
      .default({ mode: 'count', count: 2, share: 0.3, 'min-approvals': 1, approvers: 'drawn' }),
    reviewers: z.number().int().min(0).max(50).default(3),
    'webhook-max-attempts': z.number().int().min(1).max(100).default(12),
    'webhook-base-delay-ms': z.number().int().min(10).max(3_600_000).default(2000),
    'webhook-replay-window-s': z.number().int().min(10).max(86_400).default(300),
    // Webhook targets on loopback, link-local, private, CGNAT or other non-public addresses are
    // refused unless this is set (a test rig, or receivers that really live on the internal network).
    'webhook-allow-private': z.boolean().default(false),
    'rate-limit-per-minute': z.number().int().min(1).max(100_000).default(600),
    'rate-limit-per-address-per-minute': z.number().int().min(1).max(1_000_000).default(1200),
    // Proxies whose X-Forwarded-For names the client (addresses or CIDR ranges); none by default.
    'trust-proxy': z
      .array(z.string().max(64).refine((s) => ipaddr.isValid(s) || ipaddr.isValidCIDR(s), 'must be an IP address or a CIDR range such as 10.0.0.0/8'))
      .max(100)
      .default([]),
    'body-limit-mb': z.number().min(0.01).max(512).default(64),
    // A scan that has not answered by then counts as a failed attempt (a lost queue job, a stuck worker).
    'scan-timeout-minutes': z.number().min(0.01).max(24 * 60).default(30),
    // Links in the alert feed; relative links when unset (never taken from a request's Host header).
    'public-url': PublicUrl.optional(),
    // The Cargo registry face (`/index/`): a pull-through mirror of `upstream` (docs/registry-mirror.md).
    mirror: MirrorSchema.default({ 'index-ttl-seconds': 300, 'baseline-scans': 1, 'auth-required': false, private: [] }),
  })
  .strict();

export type ServePolicy = z.infer<typeof ServePolicySchema>;

export const DEFAULT_POLICY: ServePolicy = ServePolicySchema.parse({});
