import { z } from 'zod';

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
      })
      .strict()
      .default({ mode: 'count', count: 2, share: 0.3, 'min-approvals': 1 }),
    reviewers: z.number().int().min(0).max(50).default(3),
    'webhook-max-attempts': z.number().int().min(1).max(100).default(12),
    'webhook-base-delay-ms': z.number().int().min(10).max(3_600_000).default(2000),
    'webhook-replay-window-s': z.number().int().min(10).max(86_400).default(300),
    'rate-limit-per-minute': z.number().int().min(1).max(100_000).default(600),
    'body-limit-mb': z.number().min(0.01).max(512).default(64),
  })
  .strict();

export type ServePolicy = z.infer<typeof ServePolicySchema>;

export const DEFAULT_POLICY: ServePolicy = ServePolicySchema.parse({});
