import type { Finding } from '../rules/types.js';
import type { BreakdownEntry, Verdict } from '../score/index.js';

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
    notes: string[];
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
