import { describe, expect, it, afterAll } from 'vitest';
import path from 'node:path';
import { ScanPool } from '../src/runner/index.js';

const corpus = (name: string, side: 'old' | 'new') => ({ path: path.join(__dirname, '..', 'corpus', name, side) });
const CASE = 'm05-far-jump-payload-in-new-module';

describe('scan worker pool', () => {
  const pool = new ScanPool({ threads: 2 });
  afterAll(() => pool.close());

  it('runs jobs in parallel and returns the same reports as a scan in this process', async () => {
    const [a, b] = await Promise.all([
      pool.run({ id: 'diff', old: corpus(CASE, 'old'), new: corpus(CASE, 'new') }),
      pool.run({ id: 'first', old: null, new: corpus('h01-network-client-new-endpoint', 'new') }),
    ]);
    expect(a.ok && a.report.verdict).toBe('block');
    expect(a.id).toBe('diff');
    const { diffReleases } = await import('../src/index.js');
    const direct = await diffReleases(corpus(CASE, 'old').path, corpus(CASE, 'new').path);
    if (!a.ok) throw new Error(a.error);
    expect(a.report.findings.map((f) => f.ruleId)).toEqual(direct.findings.map((f) => f.ruleId));
    expect(a.report.score).toBe(direct.score);
    expect(b.ok && b.report.summary.firstRelease).toBe(true);
  });

  it('reports a bad input as an input failure and keeps going', async () => {
    const bad = await pool.run({ id: 'bad', old: null, new: { path: '/nonexistent/crate.crate' } });
    expect(bad).toMatchObject({ ok: false, failure: 'input' });
    const good = await pool.run({ id: 'good', old: null, new: corpus(CASE, 'new') });
    expect(good.ok).toBe(true);
  });

  it('reads archive bytes handed to it', async () => {
    const { makeTar, crateEntries } = await import('./helpers/tarball.js');
    const bytes = new Uint8Array(await makeTar(crateEntries('demo', '0.1.0', 'pub fn f() {}\n')));
    const r = await pool.run({ id: 'bytes', old: null, new: { bytes, label: 'demo@0.1.0' } });
    expect(r.ok && r.report.crate).toEqual({ name: 'demo', old: null, new: '0.1.0' });
  });
});

describe('scan worker pool limits', () => {
  it('stops a job over its time limit, replaces the worker, and runs the next job', async () => {
    const pool = new ScanPool({ threads: 1, timeoutMs: 1 });
    try {
      const slow = await pool.run({ id: 'slow', old: corpus(CASE, 'old'), new: corpus(CASE, 'new') });
      expect(slow).toMatchObject({ ok: false, failure: 'timeout' });
    } finally {
      await pool.close();
    }
    const pool2 = new ScanPool({ threads: 1 });
    try {
      expect((await pool2.run({ id: 'next', old: null, new: corpus(CASE, 'new') })).ok).toBe(true);
    } finally {
      await pool2.close();
    }
  });

  it('keeps a scan within a small heap cap: partial analysis that blocks, or a memory failure, never a crash of the pool', async () => {
    // A legal 1.5 MB source file: its facts need far more than a 16 MB heap.
    const { makeTar, crateEntries } = await import('./helpers/tarball.js');
    const lib = Array.from({ length: 20_000 }, (_, i) => `pub fn f${i}(x: u32) -> u32 { g${i}(x).wrapping_add(${i}) }`).join('\n');
    const bytes = new Uint8Array(await makeTar(crateEntries('big', '0.1.0', lib)));
    const pool = new ScanPool({ threads: 1, memoryMb: 16 });
    try {
      const r = await pool.run({ id: 'oom', old: null, new: { bytes, label: 'big@0.1.0' } });
      if (r.ok) {
        // The scan's memory budget left the file out: unanalysed new code blocks the release.
        expect(r.report.verdict).toBe('block');
        expect(r.report.findings.some((f) => f.ruleId === 'unanalysed-code' && f.severity === 'critical')).toBe(true);
      } else {
        expect(r.failure).toBe('memory');
      }
      // The pool is still usable afterwards.
      expect((await pool.run({ id: 'after', old: null, new: corpus(CASE, 'new') })).ok).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
