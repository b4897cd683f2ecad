/**
 * The report of one release pair (`diff`) or one release (`scan`), with the policy layer's result on
 * top: the stable JSON contract documented in docs/report-format.md. `src/index.ts` exports it; the
 * scan fills it, the layers above add policy, the formatters only read it.
 */
import type { Confidence, Finding, Severity } from './finding.js';

/** `pass`: nothing a reviewer must read; `review`: a person should read the flagged lines; `block`: strong evidence of danger. */
export type Verdict = 'pass' | 'review' | 'block';

/** One line of the score's explanation: what a finding or a new capability added, and by which factors. */
export interface BreakdownEntry {
  kind: 'finding' | 'capability';
  ruleId?: string;
  file?: string;
  line?: number;
  capability?: string;
  severity?: Severity;
  confidence?: Confidence;
  base: number;
  factors: Record<string, number>;
  points: number;
  reason: string;
}

/** The stable JSON report (`schemaVersion: 1`), documented in docs/report-format.md. */
export interface Report {
  schemaVersion: 1;
  tool: { name: 'cratefence'; version: string; treeSitter: string; treeSitterRust: string; treeSitterC: string | null };
  crate: { name: string | null; old: string | null; new: string | null };
  verdict: Verdict;
  score: number;
  verdictReason: string;
  summary: {
    /** The old side was empty (`scan`): everything counts as added. */
    firstRelease: boolean;
    filesChanged: number;
    filesAdded: number;
    filesRemoved: number;
    linesAdded: number;
    linesRemoved: number;
    itemsAdded: number;
    itemsChanged: number;
    itemsRemoved: number;
    rustFilesParsed: number;
    /** Calls in the new release whose target is not known (external crates, trait objects, closures). */
    unresolvedCalls: number;
    partialFiles: Array<{ file: string; reason: string }>;
    /** What reading the releases left out, each starting with the release it is about (`old release 1.2.3: …`). */
    notes: string[];
    /** The files behind the notes that leave several out (the package's include/exclude), at most 200 per note; absent when none. */
    leftOut?: Array<{ side: 'old' | 'new'; message: string; paths: string[] }>;
  };
  capabilities: { before: string[]; after: string[]; added: string[] };
  findings: Finding[];
  scoreBreakdown: BreakdownEntry[];
  timings: { totalMs: number; parseMs: number; diffMs: number; analysisMs: number; rulesMs: number };
  /** What the team's policy changed on top of the scan (config, suppressions, audits, cool-off); absent without one. */
  policy?: PolicyResult;
}

/** One thing the policy layer wants the reader to know (cool-off, yanked, audits, rotting suppressions). */
export interface PolicyNote {
  kind: 'cool-off' | 'yanked' | 'audited' | 'violation' | 'expected-capability' | 'trusted' | 'suppression-unused' | 'suppression-expired' | 'rule-config';
  message: string;
}

/** The policy layer's result, applied on top of the core's report (never by editing rules). */
export interface PolicyResult {
  /** The config file that was applied, if any. */
  configFile: string | null;
  /** The scan's own verdict and score, before policy. */
  scanVerdict: Verdict;
  scanScore: number;
  /** Audits (cargo-vet) that cover this delta, e.g. ["own", "mozilla"]; when non-empty the delta is approved. */
  approvedBy: string[];
  suppressedFindings: number;
  notes: PolicyNote[];
}
