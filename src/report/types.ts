import type { Finding } from '../rules/types.js';
import type { BreakdownEntry, Verdict } from '../score/index.js';

/** The stable JSON report (`schemaVersion: 1`), documented in docs/report-format.md. */
export interface Report {
  schemaVersion: 1;
  tool: { name: 'cratefence'; version: string; treeSitter: string; treeSitterRust: string };
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
}
