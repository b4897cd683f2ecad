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

/** Conditions of a rule's `where` filter or of an `adjust` entry. All given keys must hold. */
export interface Condition {
  role?: FileRole[];
  hadCapability?: string[];
  crateHasCapability?: string[];
  itemReaches?: string[];
  argsMatch?: string;
  argsNotMatch?: string;
  textMatch?: string;
  textNotMatch?: string;
  /** Regex on the source lines of the match (the statement around a call, for example). */
  lineMatch?: string;
  /** Regex on the text of the enclosing item (the whole function). */
  itemMatch?: string;
  safetyComment?: boolean;
  isPub?: boolean;
  inMacro?: boolean;
  firstRelease?: boolean;
  /** The old release already made the same call with the same first argument. */
  seenBefore?: boolean;
  /** The release removes `forbid(unsafe_code)` / `deny(unsafe_code)` (plain or under `cfg_attr`) from a file. */
  lintRemoved?: boolean;
  minLength?: number;
  dataMatch?: Record<string, string>;
}

export interface Adjustment {
  when: Condition;
  severity?: Severity;
  confidence?: Confidence;
  suppress?: boolean;
  note?: string;
}

export interface SiteMatcher {
  kind: string[];
  text?: string;
}

export interface RuleTest {
  code?: string;
  file?: string;
  old?: string;
  files?: Record<string, string>;
  oldFiles?: Record<string, string>;
  /** The repository's files at the commit the new crate's `.cargo_vcs_info.json` names (a `--vcs` check). */
  vcs?: Record<string, string>;
  /** Dependency crates by folder name (each its files, `Cargo.toml` included): summarised and given to the scan. */
  deps?: Record<string, Record<string, string>>;
  line?: number;
  severity?: Severity;
  note?: string;
}

/** A rule file, as written. */
export interface RuleSpec {
  id: string;
  category: Category;
  severity: Severity;
  confidence: Confidence;
  message: string;
  note: string;
  match: { capability?: string[]; sites?: SiteMatcher; query?: string; analyzer?: string; params?: Record<string, unknown> };
  where?: Condition;
  adjust?: Adjustment[];
  paths?: { include?: string[]; exclude?: string[] };
  includeTests?: boolean;
  tests: { valid: RuleTest[]; invalid: RuleTest[] };
}

/** What a matcher or analyzer found, before the engine applies filters, adjustments and templates. */
export interface Match {
  file: string;
  line: number;
  column: number;
  endLine: number;
  role: FileRole | 'manifest' | 'archive';
  item?: string | null;
  text?: string;
  args?: string;
  inMacro?: boolean;
  isPub?: boolean;
  /** Values for `{name}` placeholders in the message. */
  data: Record<string, string>;
  trace?: TraceHop[];
  severity?: Severity;
  confidence?: Confidence;
  /** Extra context appended to the message. */
  extra?: string;
}
