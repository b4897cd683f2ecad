import type { FileRole } from '../diff/types.js';
import type { Category, Confidence, Severity, TraceHop } from '../contract/finding.js';

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
