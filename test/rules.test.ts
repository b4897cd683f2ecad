import { describe, expect, it } from 'vitest';
import { rulesFor, SEVERITIES } from '../src/index.js';
import { runCase } from './helpers/fixture.js';

const rank = (s: string) => SEVERITIES.indexOf(s as never);
const rules = rulesFor().rules;

describe('rule files', () => {
  it('loads at least 40 rules covering every category', () => {
    expect(rules.length).toBeGreaterThanOrEqual(40);
    const cats = new Set(rules.map((r) => r.spec.category));
    for (const c of ['network', 'process', 'filesystem', 'exfiltration', 'build-script', 'unsafe', 'ffi', 'far-jump', 'dos', 'manifest', 'obfuscation', 'trigger']) {
      expect(cats.has(c as never), c).toBe(true);
    }
  });
});

for (const rule of rules) {
  const { id, tests } = rule.spec;
  describe(`rule ${id}`, () => {
    tests.invalid.forEach((t, i) => {
      it(`invalid #${i + 1} is reported${t.note ? ` (${t.note})` : ''}`, () => {
        const report = runCase(t);
        const mine = report.findings.filter((f) => f.ruleId === id);
        expect(mine.length, `no ${id} finding; got ${report.findings.map((f) => f.ruleId).join(', ')}`).toBeGreaterThan(0);
        if (t.line !== undefined) expect(mine.map((f) => f.line)).toContain(t.line);
        if (t.severity !== undefined) expect(mine.map((f) => f.severity)).toContain(t.severity);
        for (const f of mine) {
          expect(f.message).not.toContain('{?');
          expect(f.category).toBe(rule.spec.category);
        }
      });
    });
    tests.valid.forEach((t, i) => {
      it(`valid #${i + 1} is quiet${t.note ? ` (${t.note})` : ''}`, () => {
        const report = runCase(t);
        const max = t.severity ?? 'info';
        const loud = report.findings.filter((f) => f.ruleId === id && rank(f.severity) > rank(max));
        expect(loud.map((f) => `${f.severity} ${f.file}:${f.line} ${f.message}`)).toEqual([]);
      });
    });
  });
}
