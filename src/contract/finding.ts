/**
 * The finding, as every report carries it: the vocabulary rules are written in (categories,
 * severities, confidences) and the fields a reviewer reads. Part of the output contract that
 * `src/index.ts` exports; the rules stage fills it, the scorer adds points, the policy layer marks
 * suppressions, and the formatters only read it.
 */
import type { FileRole } from '../diff/types.js';

export const CATEGORIES = [
  'network', 'process', 'filesystem', 'exfiltration', 'build-script', 'unsafe', 'ffi', 'far-jump', 'dos', 'manifest', 'obfuscation', 'trigger',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CONFIDENCES = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** One hop of a call path from an entry point to a capability use. */
export interface TraceHop {
  item: string;
  file: string;
  line: number;
}

/** A reported problem. The fields up to `trace` are the stable JSON contract. */
export interface Finding {
  ruleId: string;
  category: Category;
  severity: Severity;
  confidence: Confidence;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  snippet: string;
  item: string | null;
  trace?: TraceHop[];
  /** Why this matters, from the rule file. */
  note?: string;
  /** When the flagged code runs: `build` and `proc-macro` run on every machine that compiles the crate. */
  role?: FileRole;
  /** Points this finding added to the score (filled by the scorer). */
  points?: number;
  /** Set by the policy layer when a suppression in the team's config covers this finding: it adds no points. */
  suppressed?: { reason: string; source: string };
}
