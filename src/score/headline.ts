/**
 * Which finding explains a report: the scorer names it in `verdictReason`, the HTML page leads with
 * it, and every list of findings is ordered the same way. One pick, so that they cannot disagree.
 */
import type { Category, Finding, Severity } from '../contract/finding.js';

/** Severities in order, for sorting (`info` lowest). */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/**
 * Which category explains an attack best, first to last. Composite rules come first: an
 * exfiltration finding is the credential read *and* the send, a trigger is the condition that arms
 * a payload, obfuscation hides one, a far jump is the whole path from an entry point to it. The
 * capabilities they combine follow (running programs, the network, build-time code, native code,
 * files), then what only weakens a crate (manifest, unsafe, denial of service).
 */
export const CATEGORY_PRIORITY: readonly Category[] = [
  'exfiltration', 'trigger', 'obfuscation', 'far-jump', 'process', 'network', 'build-script', 'ffi', 'filesystem', 'manifest', 'unsafe', 'dos',
];

const categoryRank = (c: Category) => {
  const i = CATEGORY_PRIORITY.indexOf(c);
  return i < 0 ? CATEGORY_PRIORITY.length : i;
};

/** Orders findings most telling first: severity, then category priority, then scored points. */
export function byDanger(a: Finding, b: Finding): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || categoryRank(a.category) - categoryRank(b.category) || (b.points ?? 0) - (a.points ?? 0);
}

/**
 * The finding that explains the attack. Among findings that are not suppressed and above `info`
 * (those of at least medium confidence when there are any), the most severe; among equals the one
 * whose category ranks first in {@link CATEGORY_PRIORITY} (so the exfiltration that reads
 * `~/.cargo/credentials` and posts it, not the `sensitive-path-literal` that is part of it), then the
 * one that scored the most points, then the first in report order. Undefined when nothing qualifies.
 */
export function headlineFinding(findings: readonly Finding[]): Finding | undefined {
  const loud = findings.filter((f) => !f.suppressed && f.severity !== 'info');
  const strong = loud.filter((f) => f.confidence !== 'low');
  return [...(strong.length > 0 ? strong : loud)].sort(byDanger)[0];
}
