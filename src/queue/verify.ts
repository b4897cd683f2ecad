/**
 * The coordinator's check of an answer read back from Redis, before anything uses it: bounded
 * size and depth, the expected shape, a valid signature of a worker holding the secret, bound to
 * the job and run it answers, to the inputs the coordinator hashed, to its tool, rules and scan
 * settings, and to the report's bytes. Anything else is refused with the reason, as that one job's
 * error: a bad answer never stops the run.
 */
import type { Report } from '../index.js';
import { verify, type QueueSecret } from './secret.js';
import {
  FORMAT, MAX_REPORT_DEPTH, MAX_RESULT_BYTES, jsonDepthOver, queuedResultSchema, reportSchema, resultFields, sha256,
  type QueuedResult,
} from './types.js';

/** What the coordinator expects an answer to be bound to. */
export interface Expected {
  key: string;
  run: string;
  oldDigest: string | null;
  newDigest: string;
  toolVersion: string;
  rulesDigest: string;
  settingsDigest: string;
}

/** A checked answer: a report, a failure the worker reported, or a refusal of the answer itself. */
export type Checked =
  | { kind: 'report'; report: Report; worker: string; attempt: number; ms: number }
  | { kind: 'failure'; failure: 'input' | 'mismatch'; error: string; worker: string; attempt: number; ms: number }
  | { kind: 'refused'; reason: string; worker?: string };

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);
// A worker's name and error are shown to the user: no control characters (terminal escapes).
const plain = (s: string) => clip(s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '));

function parse(json: string, maxDepth: number, what: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (jsonDepthOver(json, maxDepth)) return { ok: false, reason: `${what} is nested deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(json) as unknown };
  } catch {
    return { ok: false, reason: `${what} is not JSON` };
  }
}

/**
 * Checks the raw return value of a completed job (`rawBytes` is its length in Redis, known before
 * it is fetched; `raw` null when it was too large to fetch).
 */
export function checkResult(raw: string | null, rawBytes: number, expect: Expected, secret: QueueSecret): Checked {
  if (rawBytes > MAX_RESULT_BYTES || raw === null) {
    return rawBytes > 0 ? { kind: 'refused', reason: `the result is ${rawBytes} bytes, over the ${MAX_RESULT_BYTES} byte limit` } : { kind: 'refused', reason: 'the job completed without a result' };
  }
  const env = parse(raw, 4, 'the result');
  if (!env.ok) return { kind: 'refused', reason: env.reason };
  const shaped = queuedResultSchema.safeParse(env.value);
  if (!shaped.success) {
    const issue = shaped.error.issues[0];
    return { kind: 'refused', reason: `the result is not a cratefence ${FORMAT} answer (${plain(issue.path.join('.') || 'value')}: ${plain(issue.message)})` };
  }
  const r = shaped.data as QueuedResult;
  const worker = plain(r.worker);
  if (!verify(secret.result, resultFields(r), r.sig)) {
    return { kind: 'refused', worker, reason: `the result is not signed with this queue's secret (claimed worker ${worker})` };
  }
  if (r.key !== expect.key || r.run !== expect.run) {
    return { kind: 'refused', worker, reason: `the result answers another job or run (${r.key.slice(0, 12)}… run ${plain(r.run)}), not the one this run enqueued` };
  }
  if (r.toolVersion !== expect.toolVersion || r.rulesDigest !== expect.rulesDigest || r.settingsDigest !== expect.settingsDigest) {
    // A worker refuses such jobs itself; a signed answer that says otherwise is not taken.
    if (r.outcome !== 'mismatch') return { kind: 'refused', worker, reason: `the result was made with cratefence ${plain(r.toolVersion)}, rules ${plain(r.rulesDigest)}, other scan settings` };
  }
  if (r.outcome !== 'ok') {
    return { kind: 'failure', failure: r.outcome, error: plain(r.error ?? r.outcome), worker, attempt: r.attempt, ms: r.ms };
  }
  if (r.oldDigest !== expect.oldDigest || r.newDigest !== expect.newDigest) {
    return { kind: 'refused', worker, reason: `the report is of other inputs than the job's (worker read ${r.oldDigest?.slice(0, 12) ?? '-'}… → ${r.newDigest?.slice(0, 12) ?? '-'}…)` };
  }
  if (r.report === null || r.reportDigest === null || sha256(r.report) !== r.reportDigest) {
    return { kind: 'refused', worker, reason: 'the report does not match the digest its worker signed' };
  }
  const rep = parse(r.report, MAX_REPORT_DEPTH, 'the report');
  if (!rep.ok) return { kind: 'refused', worker, reason: rep.reason };
  const report = reportSchema.safeParse(rep.value);
  if (!report.success) {
    const issue = report.error.issues[0];
    return { kind: 'refused', worker, reason: `the report is not a cratefence report (${plain(issue.path.join('.') || 'value')}: ${plain(issue.message)})` };
  }
  if (report.data.tool.version !== expect.toolVersion) {
    return { kind: 'refused', worker, reason: `the report was made by cratefence ${plain(report.data.tool.version)}, not ${expect.toolVersion}` };
  }
  return { kind: 'report', report: report.data as unknown as Report, worker, attempt: r.attempt, ms: r.ms };
}
