import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffReleases, loadSource, summarizeTree, SummarySet } from '../src/index.js';

interface Expect {
  description: string;
  verdict: 'pass' | 'review' | 'block';
  /** Categories that must have a finding above info. */
  must?: string[];
  /** Categories that must have no finding above info. */
  mustNot?: string[];
  /** Rule ids that must fire (above info). */
  rules?: string[];
  /** Findings of `rule` whose trace passes through these items, in order (each a suffix of a qualified path). */
  traces?: Array<{ rule: string; through: string[] }>;
  /** The case has a `deps/` folder of dependency crates (written for the case), given to the scan as summaries. */
  deps?: boolean;
}

/** Summaries of a case's `deps/` crates, as the dependency layer would gather them. */
async function caseDeps(dir: string): Promise<SummarySet> {
  const root = path.join(dir, 'deps');
  const out = [];
  for (const d of readdirSync(root).sort()) out.push(summarizeTree(await loadSource(path.join(root, d))));
  return new SummarySet(out, 'corpus deps');
}

const CORPUS = path.join(import.meta.dirname, '..', 'corpus');
const cases = readdirSync(CORPUS).filter((d) => existsSync(path.join(CORPUS, d, 'expect.json'))).sort();

describe('corpus', () => {
  it('has at least 40 cases, half harmless and half malicious', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const harmless = cases.filter((c) => c.startsWith('h')).length;
    const malicious = cases.filter((c) => c.startsWith('m')).length;
    expect(harmless).toBeGreaterThanOrEqual(20);
    expect(malicious).toBeGreaterThanOrEqual(20);
    expect(Math.abs(harmless - malicious)).toBeLessThanOrEqual(Math.ceil(cases.length * 0.1));
  });

  for (const c of cases) {
    it(c, async () => {
      const exp = JSON.parse(readFileSync(path.join(CORPUS, c, 'expect.json'), 'utf8')) as Expect;
      const dependencies = exp.deps ? await caseDeps(path.join(CORPUS, c)) : undefined;
      const report = await diffReleases(path.join(CORPUS, c, 'old'), path.join(CORPUS, c, 'new'), { dependencies });
      const loud = report.findings.filter((f) => f.severity !== 'info');
      const summary = loud.map((f) => `${f.severity} ${f.ruleId} ${f.file}:${f.line}`).join('\n');
      expect(report.verdict, `${exp.description}\nscore ${report.score}: ${report.verdictReason}\n${summary}`).toBe(exp.verdict);
      const cats = new Set(loud.map((f) => f.category));
      for (const m of exp.must ?? []) expect(cats.has(m as never), `missing category ${m}\n${summary}`).toBe(true);
      for (const m of exp.mustNot ?? []) expect(cats.has(m as never), `unexpected category ${m}\n${summary}`).toBe(false);
      const ids = new Set(loud.map((f) => f.ruleId));
      for (const r of exp.rules ?? []) expect(ids.has(r), `missing rule ${r}\n${summary}`).toBe(true);
      for (const t of exp.traces ?? []) {
        const ok = report.findings.some((f) => {
          if (f.ruleId !== t.rule || !f.trace) return false;
          let i = 0;
          for (const hop of f.trace) if (i < t.through.length && hop.item.endsWith(t.through[i])) i++;
          return i === t.through.length;
        });
        const got = report.findings.filter((f) => f.ruleId === t.rule).map((f) => (f.trace ?? []).map((h) => h.item).join(' → '));
        expect(ok, `no ${t.rule} trace through ${t.through.join(' → ')}; got:\n${got.join('\n')}`).toBe(true);
      }
    });
  }
});
