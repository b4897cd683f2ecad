import { CATEGORIES, CONFIDENCES, SEVERITIES } from '../contract/finding.js';

const roles = { type: 'array', items: { enum: ['lib', 'proc-macro', 'bin', 'build', 'test', 'bench', 'example', 'other', 'manifest', 'archive'] } };
const strings = { type: 'array', items: { type: 'string' }, minItems: 1 };

const condition = {
  type: 'object',
  additionalProperties: false,
  properties: {
    role: roles,
    hadCapability: strings,
    crateHasCapability: strings,
    itemReaches: strings,
    argsMatch: { type: 'string' },
    argsNotMatch: { type: 'string' },
    textMatch: { type: 'string' },
    textNotMatch: { type: 'string' },
    lineMatch: { type: 'string' },
    itemMatch: { type: 'string' },
    safetyComment: { type: 'boolean' },
    isPub: { type: 'boolean' },
    inMacro: { type: 'boolean' },
    firstRelease: { type: 'boolean' },
    seenBefore: { type: 'boolean' },
    lintRemoved: { type: 'boolean' },
    minLength: { type: 'integer', minimum: 0 },
    dataMatch: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

const ruleTest = {
  type: 'object',
  additionalProperties: false,
  properties: {
    code: { type: 'string' },
    file: { type: 'string' },
    old: { type: 'string' },
    files: { type: 'object', additionalProperties: { type: 'string' } },
    oldFiles: { type: 'object', additionalProperties: { type: 'string' } },
    vcs: { type: 'object', additionalProperties: { type: 'string' } },
    deps: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'string' } } },
    line: { type: 'integer' },
    severity: { enum: [...SEVERITIES] },
    note: { type: 'string' },
  },
};

/** JSON schema of a rule file; errors name the offending key. */
export const RULE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'category', 'severity', 'confidence', 'message', 'note', 'match', 'tests'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' },
    category: { enum: [...CATEGORIES] },
    severity: { enum: [...SEVERITIES] },
    confidence: { enum: [...CONFIDENCES] },
    message: { type: 'string', minLength: 1 },
    note: { type: 'string', minLength: 1 },
    match: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        capability: strings,
        sites: {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: { kind: strings, text: { type: 'string' } },
        },
        query: { type: 'string' },
        analyzer: { type: 'string' },
        params: { type: 'object' },
      },
    },
    where: condition,
    adjust: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['when'],
        properties: {
          when: condition,
          severity: { enum: [...SEVERITIES] },
          confidence: { enum: [...CONFIDENCES] },
          suppress: { type: 'boolean' },
          note: { type: 'string' },
        },
      },
    },
    paths: {
      type: 'object',
      additionalProperties: false,
      properties: { include: { type: 'array', items: { type: 'string' } }, exclude: { type: 'array', items: { type: 'string' } } },
    },
    includeTests: { type: 'boolean' },
    tests: {
      type: 'object',
      additionalProperties: false,
      required: ['valid', 'invalid'],
      properties: {
        valid: { type: 'array', items: ruleTest, minItems: 1 },
        invalid: { type: 'array', items: ruleTest, minItems: 1 },
      },
    },
  },
} as const;
