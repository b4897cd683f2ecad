/** JSON Schemas of the API (validated by fastify, published at /openapi.json). */

export const CRATE_NAME = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_-]*$' } as const;
// Semantic versions as Cargo accepts them (no leading zeros, optional pre-release and build metadata).
export const VERSION = {
  type: 'string',
  maxLength: 128,
  pattern: '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$',
} as const;
export const ROLE = { type: 'string', enum: ['publisher', 'reviewer', 'admin'] } as const;
export const STATE = { type: 'string', enum: ['scanning', 'quarantined', 'cooling-off', 'released', 'rejected', 'revoked'] } as const;

export const ERROR = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

const FINDING = {
  type: 'object',
  properties: {
    ruleId: { type: 'string' },
    severity: { type: 'string' },
    category: { type: 'string' },
    file: { type: 'string' },
    line: { type: 'integer' },
    message: { type: 'string' },
  },
} as const;

export const RELEASE = {
  type: 'object',
  required: ['id', 'crate', 'version', 'state'],
  properties: {
    id: { type: 'integer' },
    crate: { type: 'string' },
    version: { type: 'string' },
    state: STATE,
    publisher: { type: 'string' },
    baseVersion: { type: ['string', 'null'] },
    verdict: { type: ['string', 'null'] },
    score: { type: ['integer', 'null'] },
    reportSha256: { type: ['string', 'null'] },
    scanError: { type: ['string', 'null'] },
    coolOffUntil: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    origin: { type: 'string', enum: ['published', 'upstream', 'baseline'] },
    releasedAt: { type: ['string', 'null'] },
    reviewers: { type: 'array', items: { type: 'string' } },
    approval: {
      type: ['object', 'null'],
      properties: {
        mode: { type: 'string' },
        approvals: { type: 'integer' },
        needed: { type: 'number' },
        share: { type: 'number' },
        totalWeight: { type: 'number' },
        met: { type: 'boolean' },
      },
    },
    decisions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kind: { type: 'string' },
          who: { type: 'string' },
          reason: { type: 'string' },
          reportSha256: { type: ['string', 'null'] },
          weight: { type: 'number' },
          at: { type: 'string' },
        },
      },
    },
    topFindings: { type: 'array', items: FINDING },
  },
} as const;

export const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;

export const REASON_BODY = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 4000 } },
} as const;
