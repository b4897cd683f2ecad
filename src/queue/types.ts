/**
 * What travels through Redis: a scan job the coordinator signed, and the answer a worker signed.
 * Redis is not trusted, so both are checked for shape, size and depth before anything reads them,
 * and each signature covers every field its reader acts on (`jobFields`, `resultFields`).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_LIMITS, type SourceLimits } from '../index.js';
import type { JobInput } from '../runner/jobs.js';

/** The version of the job and result formats below (a worker of another format refuses the job). */
export const FORMAT = 2;
/** The largest result read back from Redis (bytes of the stored return value). */
export const MAX_RESULT_BYTES = 64 * 1024 * 1024;
/** The deepest nesting a report may have (real ones have 4). */
export const MAX_REPORT_DEPTH = 16;

/** A scan job's data in the queue: plain JSON, signed by the coordinator (`sig`). */
export interface QueuedScan {
  v: typeof FORMAT;
  /** The job key (SHA-256 of both inputs' digests, the tool version and the rules digest). */
  key: string;
  /** The coordinator run's nonce: answers are bound to it, so a result of another run is never taken. */
  run: string;
  label: string;
  old: JobInput | null;
  new: JobInput;
  /** SHA-256 of the inputs as the coordinator read them; the worker must read the same. */
  oldDigest: string | null;
  newDigest: string;
  /** The coordinator's tool version, rules digest and scan settings: a worker with others refuses the job. */
  toolVersion: string;
  rulesDigest: string;
  settingsDigest: string;
  sig: string;
}

/**
 * A worker's answer. A bad input is an answer (`input`: it would fail the same way again), as is a
 * job made for other code or settings (`mismatch`); a timeout, memory cap or crash is thrown
 * instead, so BullMQ retries it with backoff and, after the last attempt, keeps it in the failed set
 * (the dead letters). The report travels as JSON text so that its digest is over exact bytes.
 */
export interface QueuedResult {
  v: typeof FORMAT;
  key: string;
  run: string;
  worker: string;
  attempt: number;
  ms: number;
  /** SHA-256 of the inputs the worker read (null for no old side, or when it could not read one). */
  oldDigest: string | null;
  newDigest: string | null;
  toolVersion: string;
  rulesDigest: string;
  settingsDigest: string;
  outcome: 'ok' | 'input' | 'mismatch';
  error: string | null;
  report: string | null;
  reportDigest: string | null;
  sig: string;
}

const side = (s: JobInput | null) => (s === null ? null : 'path' in s ? ['path', s.path] : ['registry', s.registry.name, s.registry.version, s.registry.cksum]);

/** What the coordinator's signature of a job covers, in order. */
export function jobFields(d: Omit<QueuedScan, 'sig'>): unknown[] {
  return ['job', d.v, d.key, d.run, d.label, side(d.old), side(d.new), d.oldDigest, d.newDigest, d.toolVersion, d.rulesDigest, d.settingsDigest];
}

/** What a worker's signature of its answer covers, in order (the report through its digest). */
export function resultFields(r: Omit<QueuedResult, 'sig' | 'report'>): unknown[] {
  return ['result', r.v, r.key, r.run, r.worker, r.attempt, r.ms, r.oldDigest, r.newDigest, r.toolVersion, r.rulesDigest, r.settingsDigest, r.outcome, r.error, r.reportDigest];
}

/** SHA-256 (hex) of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The digest of the scan settings a side runs with: the input limits, and the parse budgets (this
 * build's defaults: neither the batch coordinator nor the worker takes them from anywhere else).
 * Workers use their own settings, never the job's; a job made under other settings is refused.
 */
export function settingsDigest(limits: SourceLimits = DEFAULT_LIMITS): string {
  return sha256(JSON.stringify({ limits, parse: 'defaults' }));
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const short = z.string().max(200);
const path = z.string().min(1).max(4096);
const input = z.union([
  z.strictObject({ path }),
  z.strictObject({ registry: z.strictObject({ name: short, version: short, cksum: hex64 }) }),
]);

/** The shape of a job's data; anything else is refused before its signature is even checked. */
export const queuedScanSchema = z.strictObject({
  v: z.literal(FORMAT),
  key: hex64,
  run: z.string().regex(/^[0-9a-f]{32}$/),
  label: z.string().max(2000),
  old: input.nullable(),
  new: input,
  oldDigest: hex64.nullable(),
  newDigest: hex64,
  toolVersion: short,
  rulesDigest: short,
  settingsDigest: hex64,
  sig: z.string().max(200),
});

/** The shape of a worker's answer (the report inside is still text). */
export const queuedResultSchema = z.strictObject({
  v: z.literal(FORMAT),
  key: hex64,
  run: z.string().max(64),
  worker: short,
  attempt: z.number().int().min(0).max(1e6),
  ms: z.number().min(0).max(1e10),
  oldDigest: hex64.nullable(),
  newDigest: hex64.nullable(),
  toolVersion: short,
  rulesDigest: short,
  settingsDigest: short,
  outcome: z.enum(['ok', 'input', 'mismatch']),
  error: z.string().max(10_000).nullable(),
  report: z.string().nullable(),
  reportDigest: hex64.nullable(),
  sig: z.string().max(200),
});

const text = z.string().max(1_000_000);
const finding = z.looseObject({
  ruleId: short,
  category: short,
  severity: short,
  confidence: short,
  message: text,
  file: z.string().max(4096),
  line: z.number().int().min(0),
  item: z.string().max(100_000).nullable(),
  points: z.number().optional(),
});

/**
 * The fields of a report that the coordinator and its store read; the rest passes as it is (its
 * size and depth are already bounded).
 */
export const reportSchema = z.looseObject({
  schemaVersion: z.literal(1),
  tool: z.looseObject({ name: z.literal('cratefence'), version: short }),
  crate: z.looseObject({ name: short.nullable(), old: short.nullable(), new: short.nullable() }),
  verdict: z.enum(['pass', 'review', 'block']),
  score: z.number().min(0).max(100),
  verdictReason: text,
  summary: z.looseObject({}),
  capabilities: z.looseObject({ before: z.array(short), after: z.array(short), added: z.array(short) }),
  findings: z.array(finding).max(1_000_000),
  scoreBreakdown: z.array(z.looseObject({})),
  timings: z.looseObject({}),
});

/** The nesting depth of JSON text, counted without parsing it; stops as soon as it passes `max`. */
export function jsonDepthOver(json: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}
