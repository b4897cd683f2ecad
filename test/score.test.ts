import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/index.js';
import { scoreFindings } from '../src/score/index.js';

const finding = (ruleId: string, category: string, line: number, severity: Finding['severity'] = 'high'): Finding =>
  ({ ruleId, category, severity, confidence: 'high', file: 'src/lib.rs', line, column: 1, message: '', role: 'lib' }) as unknown as Finding;

describe('scoring', () => {
  it('counts two rules of one category on the same line as one fact said twice, and other places in full', () => {
    const twice = scoreFindings([finding('a', 'far-jump', 10), finding('b', 'far-jump', 10)], new Set(), new Set());
    const apart = scoreFindings([finding('a', 'far-jump', 10), finding('b', 'far-jump', 20)], new Set(), new Set());
    const otherCategory = scoreFindings([finding('a', 'far-jump', 10), finding('b', 'process', 10)], new Set(), new Set());
    expect(apart.raw).toBe(50);
    expect(otherCategory.raw).toBe(50);
    expect(twice.raw).toBe(25 + 25 * 0.35);
    const second = twice.breakdown.find((b) => b.factors.samePlace !== undefined)!;
    expect(second.factors.samePlace).toBe(0.35);
    // Repeats of one rule at one place keep their own decay only.
    const sameRule = scoreFindings([finding('a', 'far-jump', 10), finding('a', 'far-jump', 10)], new Set(), new Set());
    expect(sameRule.raw).toBe(25 + 25 * 0.35);
    expect(sameRule.breakdown.every((b) => b.factors.samePlace === undefined)).toBe(true);
  });
});
