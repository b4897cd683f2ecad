import type { Confidence, Finding, Severity } from '../contract/finding.js';
import type { BreakdownEntry, Verdict } from '../contract/report.js';
import { headlineFinding } from './headline.js';

/** Base points per severity: what one certain finding of that severity weighs. */
export const SEVERITY_POINTS: Record<Severity, number> = { info: 0, low: 2, medium: 10, high: 25, critical: 50 };
/** How much of the base a finding keeps at each confidence. */
export const CONFIDENCE_FACTOR: Record<Confidence, number> = { low: 0.4, medium: 0.7, high: 1 };
/** Code that runs inside the compiler (build scripts, proc-macros) runs on every machine that builds the crate. */
export const ROLE_FACTOR: Record<string, number> = { build: 1.5, 'proc-macro': 1.5, lib: 1, bin: 0.8, other: 0.6, test: 0.2, bench: 0.2, example: 0.2 };
/** A finding whose trace starts at an entry point is reachable by every user. */
export const REACH_FACTOR = 1.2;
/** The k-th finding (0-based) of one rule counts REPEAT_DECAY^k: many of one kind add up slowly. */
export const REPEAT_DECAY = 0.35;
/** Capabilities whose first appearance in a crate is itself worth points. */
export const DELTA_CAPABILITIES: Record<string, number> = {
  network: 4, process: 4, 'fs.write': 3, 'fs.delete': 3, 'fs.permissions': 3, 'ffi.dlopen': 4, 'ffi.mprotect': 4, 'env.read-all': 3,
  decode: 2, 'build.script': 3, 'build.proc-macro': 3, 'ffi.extern': 2, 'unsafe.block': 2,
};
/** Raw points at which the score reaches 63 (1 - 1/e). */
export const SCALE = 45;
export const BLOCK_SCORE = 70;
export const REVIEW_SCORE = 25;

export interface ScoreResult {
  score: number;
  verdict: Verdict;
  raw: number;
  breakdown: BreakdownEntry[];
  verdictReason: string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Turns findings and the capability delta into a 0–100 score and a verdict, explaining every point. */
export function scoreFindings(findings: Finding[], capsBefore: Set<string>, capsAfter: Set<string>, firstRelease = false): ScoreResult {
  const breakdown: BreakdownEntry[] = [];
  const byRule = new Map<string, Array<{ f: Finding; pts: number; factors: Record<string, number> }>>();
  for (const f of findings) {
    const base = SEVERITY_POINTS[f.severity];
    if (base === 0) {
      f.points = 0;
      continue;
    }
    const factors: Record<string, number> = { confidence: CONFIDENCE_FACTOR[f.confidence] };
    const rf = ROLE_FACTOR[f.role ?? 'lib'] ?? 1;
    if (rf !== 1) factors.role = rf;
    if (f.trace && f.trace.length > 1) factors.reach = REACH_FACTOR;
    const pts = Object.values(factors).reduce((a, b) => a * b, base);
    const list = byRule.get(f.ruleId) ?? [];
    list.push({ f, pts, factors });
    byRule.set(f.ruleId, list);
  }
  let raw = 0;
  // Repeats of one rule decay; so do other far-jump rules' findings on the same line
  // (`entry-reaches-new-capability` and `far-jump-call` on one new call are one fact, said twice).
  const decayed: Array<{ f: Finding; pts: number; factors: Record<string, number> }> = [];
  for (const list of byRule.values()) {
    list.sort((a, b) => b.pts - a.pts);
    list.forEach((e, k) => {
      const factors = { ...e.factors };
      if (k > 0) factors.repeat = REPEAT_DECAY ** k;
      decayed.push({ f: e.f, pts: e.pts * (k > 0 ? REPEAT_DECAY ** k : 1), factors });
    });
  }
  const byPlace = new Map<string, typeof decayed>();
  for (const e of decayed) {
    // Only the far-jump rules describe one call from several sides (the entry that reaches, the
    // jump it makes); other categories' findings on one line are different facts (a shell command
    // and the download in it), and whole-file findings (line 1) share a place by accident.
    if (e.f.category !== 'far-jump' || !e.f.file || (e.f.line ?? 0) <= 1) continue;
    const k = `${e.f.file}|${e.f.line}`;
    const l = byPlace.get(k) ?? [];
    l.push(e);
    byPlace.set(k, l);
  }
  for (const l of byPlace.values()) {
    if (l.length < 2) continue;
    l.sort((a, b) => b.pts - a.pts);
    l.forEach((e, k) => {
      if (k === 0 || e.f.ruleId === l[0].f.ruleId) return;
      e.factors.samePlace = REPEAT_DECAY;
      e.pts *= REPEAT_DECAY;
    });
  }
  // In rule order, as decayed was built.
  for (const e of decayed) {
    const points = round2(e.pts);
    e.f.points = points;
    raw += points;
    breakdown.push({
      kind: 'finding', ruleId: e.f.ruleId, file: e.f.file, line: e.f.line, severity: e.f.severity, confidence: e.f.confidence,
      base: SEVERITY_POINTS[e.f.severity], factors: e.factors, points,
      reason: `${e.f.severity}/${e.f.confidence} ${e.f.ruleId} at ${e.f.file}:${e.f.line}`,
    });
  }
  // A first release has no "before": every capability would count as new, which says nothing.
  for (const [cap, pts] of firstRelease ? [] : Object.entries(DELTA_CAPABILITIES)) {
    const has = (set: Set<string>) => [...set].some((c) => c === cap || c.startsWith(`${cap}.`));
    if (has(capsAfter) && !has(capsBefore)) {
      raw += pts;
      breakdown.push({ kind: 'capability', capability: cap, base: pts, factors: {}, points: pts, reason: `the crate gains the ${cap} capability, which the previous release did not use` });
    }
  }
  raw = round2(raw);
  let score = Math.min(100, Math.round(100 * (1 - Math.exp(-raw / SCALE))));
  // Code left unanalysed because other files spent the scan's time budget (a critical unanalysed-code
  // finding) could be anything: it scores the most, so spending the budget on purpose never lowers a
  // release's score below what the same release without the slow files would get.
  if (findings.some((f) => f.ruleId === 'unanalysed-code' && f.severity === 'critical')) score = 100;
  breakdown.sort((a, b) => b.points - a.points);
  // The finding that explains the verdict is the one the HTML page leads with (score/headline.ts).
  const lead = headlineFinding(findings);
  const strong = lead !== undefined && lead.confidence !== 'low';
  const at = (f: Finding) => `${f.severity} finding ${f.ruleId} at ${f.file}:${f.line}`;
  let verdict: Verdict = 'pass';
  let verdictReason = `score ${score} is below ${REVIEW_SCORE} and no finding of medium or higher severity is at least medium confidence`;
  if (lead && strong && lead.severity === 'critical') {
    verdict = 'block';
    verdictReason = at(lead);
  } else if (score >= BLOCK_SCORE) {
    verdict = 'block';
    verdictReason = `score ${score} is at or above ${BLOCK_SCORE}${lead ? `, led by ${at(lead)}` : ''}`;
  } else if (score >= REVIEW_SCORE) {
    verdict = 'review';
    verdictReason = `score ${score} is at or above ${REVIEW_SCORE}${lead ? `, led by ${at(lead)}` : ''}`;
  } else if (lead && strong && SEVERITY_POINTS[lead.severity] >= SEVERITY_POINTS.medium) {
    verdict = 'review';
    verdictReason = at(lead);
  }
  return { score, verdict, raw, breakdown, verdictReason };
}
