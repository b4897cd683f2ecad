/**
 * The pieces of the queue's integrity that need no Redis: what the coordinator accepts as an answer
 * (checkResult), how connection options and messages are built (TLS, password sources, redaction),
 * and how the shared secret is read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QueueError, redact, redisPassword, redisTarget } from '../src/queue/connection.js';
import { loadQueueSecret, sign } from '../src/queue/secret.js';
import { FORMAT, jsonDepthOver, resultFields, sha256, type QueuedResult } from '../src/queue/types.js';
import { checkResult, type Expected } from '../src/queue/verify.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cf-queue-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = loadQueueSecret({ env: { CRATEFENCE_QUEUE_SECRET: 'k'.repeat(40) } });
const other = loadQueueSecret({ env: { CRATEFENCE_QUEUE_SECRET: 'o'.repeat(40) } });
const expect0: Expected = { key: '1'.repeat(64), run: '2'.repeat(32), oldDigest: '3'.repeat(64), newDigest: '4'.repeat(64), toolVersion: '9.9.9', rulesDigest: 'rules', settingsDigest: '5'.repeat(64) };
const report = {
  schemaVersion: 1, tool: { name: 'cratefence', version: '9.9.9', treeSitter: 'x', treeSitterRust: 'y' }, crate: { name: 'c', old: '1.0.0', new: '1.0.1' },
  verdict: 'block', score: 81, verdictReason: 'r', summary: {}, capabilities: { before: [], after: ['net'], added: ['net'] },
  findings: [{ ruleId: 'far-jump-call', category: 'far-jump', severity: 'critical', confidence: 'high', message: 'm', file: 'src/lib.rs', line: 3, column: 1, endLine: 3, snippet: 's', item: 'crate::f', points: 50 }],
  scoreBreakdown: [], timings: {},
};

/** A signed answer, with `patch` applied to the signed fields and `after` to the final object. */
function answer(patch: Partial<QueuedResult> = {}, o: { key?: Buffer; rep?: unknown; after?: Partial<QueuedResult> } = {}): string {
  const rep = JSON.stringify(o.rep ?? report);
  const body: Omit<QueuedResult, 'sig'> = {
    v: FORMAT, key: expect0.key, run: expect0.run, worker: 'w1', attempt: 1, ms: 5, oldDigest: expect0.oldDigest, newDigest: expect0.newDigest,
    toolVersion: expect0.toolVersion, rulesDigest: expect0.rulesDigest, settingsDigest: expect0.settingsDigest, outcome: 'ok',
    error: null, report: rep, reportDigest: sha256(rep), ...patch,
  };
  return JSON.stringify({ ...body, sig: sign(o.key ?? secret.result, resultFields(body)), ...o.after });
}
const check = (raw: string | null, size = raw?.length ?? 0) => checkResult(raw, size, expect0, secret);

describe('checkResult: what the coordinator takes from Redis', () => {
  it('takes a signed answer bound to the job, the run, the inputs, the tool and the report', () => {
    expect(check(answer())).toMatchObject({ kind: 'report', worker: 'w1', report: { verdict: 'block', score: 81 } });
    expect(check(answer({ outcome: 'input', report: null, reportDigest: null, error: 'bad archive' }))).toMatchObject({ kind: 'failure', failure: 'input', error: 'bad archive' });
  });

  it.each<[string, string | null, RegExp, number?]>([
    ['nothing', null, /completed without a result/],
    ['too large', null, /is 70000000 bytes, over the 67108864 byte limit/, 70_000_000],
    ['not JSON', '{"v":2,', /the result is not JSON/],
    ['100 000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /nested deeper than 4 levels/],
    ['the old format', JSON.stringify({ ok: true, report, ms: 1, worker: 'w', attempt: 1 }), /not a cratefence 2 answer/],
    ['unsigned', answer({}, { after: { sig: '' } }), /not signed with this queue's secret/],
    ['signed with another key', answer({}, { key: other.result }), /not signed with this queue's secret/],
    ['a signed field changed', answer({}, { after: { worker: 'someone-else' } }), /not signed with this queue's secret/],
    ['another job', answer({ key: '7'.repeat(64) }), /answers another job or run/],
    ['another run', answer({ run: '8'.repeat(32) }), /answers another job or run/],
    ['other inputs', answer({ newDigest: '6'.repeat(64) }), /report is of other inputs/],
    ['another tool', answer({ toolVersion: '0.0.1' }), /made with cratefence 0\.0\.1/],
    ['other settings', answer({ settingsDigest: '0'.repeat(64) }), /other scan settings/],
    ['a report swapped after signing', answer({}, { after: { report: JSON.stringify({ ...report, verdict: 'pass', score: 0 }) } }), /does not match the digest its worker signed/],
    ['a report of another version', answer({}, { rep: { ...report, tool: { name: 'cratefence', version: '0.0.1' } } }), /made by cratefence 0\.0\.1, not 9\.9\.9/],
    ['a report with a bad verdict', answer({}, { rep: { ...report, verdict: 'fine' } }), /not a cratefence report \(verdict: /],
    ['a report nested too deep', answer({}, { rep: { ...report, findings: [{ ...report.findings[0], trace: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown }] } }), /the report is nested deeper than 16 levels/],
    ['a report without findings', answer({}, { rep: { ...report, findings: undefined } }), /not a cratefence report \(findings: /],
  ])('refuses %s, with the reason', (_what, raw, reason, size) => {
    const r = check(raw, size);
    expect(r.kind).toBe('refused');
    if (r.kind === 'refused') expect(r.reason).toMatch(reason);
  });

  it('strips control characters from what a worker names (terminal escapes)', () => {
    const r = check(answer({ worker: 'w\u001b[31mred\u0007' }, {}));
    expect(r).toMatchObject({ kind: 'report', worker: 'w [31mred ' });
  });
});

describe('jsonDepthOver', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepthOver('{"a":[1,{"b":"[[[[[[[["}]}', 3)).toBe(false);
    expect(jsonDepthOver('{"a":[1,{"b":[[]]}]}', 3)).toBe(true);
    expect(jsonDepthOver('"\\"[[[[["', 1)).toBe(false);
  });
});

describe('connection options and messages', () => {
  it('rediss:// builds TLS options; redis:// does not; the password never leaves the options', () => {
    const t = redisTarget('rediss://user:p%40ss@cache.example:6380/2');
    expect(t.connection).toMatchObject({ host: 'cache.example', port: 6380, db: 2, username: 'user', password: 'p@ss', tls: {} });
    expect(t.redacted).toBe('rediss://cache.example:6380/2');
    expect(redisTarget('redis://127.0.0.1').connection.tls).toBeUndefined();
    expect(redisTarget('redis://[::1]:7000').connection).toMatchObject({ host: '::1', port: 7000 });
  });

  it('a password from a file or the environment replaces the URL\u2019s, and is redacted from messages in every form', () => {
    const f = path.join(dir, 'pw');
    writeFileSync(f, 'from-file\n');
    expect(redisPassword({ file: f, env: { CRATEFENCE_REDIS_PASSWORD: 'from-env' } })).toBe('from-file');
    expect(redisPassword({ env: { CRATEFENCE_REDIS_PASSWORD: 'from-env' } })).toBe('from-env');
    expect(redisPassword({ env: {} })).toBeUndefined();
    const t = redisTarget('redis://:in%2Furl@h:1', { password: 'from-env' });
    expect(t.connection.password).toBe('from-env');
    expect(redact('AUTH from-env failed; url redis://:in%2Furl@h:1 (in/url)', t.secrets)).toBe('AUTH *** failed; url redis://:***@h:1 (***)');
  });

  it('errors about the URL never quote a password', () => {
    const bad = ['redis://:s3cret@host:notaport', 'http://:s3cret@host:1', 'redis://:s3cret@host:1/x', 'redis://:s3cret@:1'];
    for (const url of bad) {
      expect(() => redisTarget(url)).toThrow(QueueError);
      try {
        redisTarget(url);
      } catch (e) {
        expect((e as Error).message).not.toContain('s3cret');
      }
    }
  });
});

describe('the shared secret', () => {
  it('comes from a file or the environment, at least 32 characters, and signs jobs and results with different keys', () => {
    const f = path.join(dir, 'secret');
    writeFileSync(f, `${'s'.repeat(32)}\n`);
    const a = loadQueueSecret({ file: f, env: {} });
    const b = loadQueueSecret({ env: { CRATEFENCE_QUEUE_SECRET: 's'.repeat(32) } });
    expect(a.job.equals(b.job)).toBe(true);
    expect(a.job.equals(a.result)).toBe(false);
    expect(() => loadQueueSecret({ env: {} })).toThrow(/queue mode needs the secret/);
    expect(() => loadQueueSecret({ env: { CRATEFENCE_QUEUE_SECRET: 'short' } })).toThrow(/has 5 characters, fewer than 32/);
    expect(() => loadQueueSecret({ file: path.join(dir, 'missing'), env: {} })).toThrow(/^--queue-secret-file: .*missing: no such queue secret file$/);
  });
});
