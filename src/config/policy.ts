import picomatch from 'picomatch';
import semver from 'semver';
import { rulesFor, scoreFindings, type Finding, type PolicyNote, type PolicyResult, type Report, type Verdict } from '../index.js';
import { normalizeRange, type Config, type Suppression } from './schema.js';
import { checkAudits } from './vet-check.js';
import type { Audits } from './vet.js';
import { findingCapabilities, matchesCapability, type RuleFacts, ruleFacts } from './capabilities.js';

/**
 * The policy layer: what the team decided, applied on top of the core's report (never by editing rules).
 * Suppressed findings stay in the JSON, marked, and add no points; the report is re-scored with the
 * core's scorer; cargo-vet audits approve a delta and violations block it.
 */

/** What applyPolicy needs besides the report. */
export interface PolicyContext {
  config: Config;
  /** The config file the config came from (null: defaults), named in suppression sources and notes. */
  file: string | null;
  /** The supply-chain store (see readAudits); absent or null: no audits. */
  audits?: Audits | null;
  /** The clock, for suppression expiry (default: now). */
  now?: Date;
  /** The rules folder the scan used (default: the bundled rules), to know rule ids and their capabilities. */
  rulesDir?: string;
}

const LEVEL: Record<Verdict, number> = { pass: 0, review: 1, block: 2 };

/** Note kinds this layer writes; other kinds (cool-off, yanked) come from other layers and are kept. */
const OWN_KINDS = new Set<PolicyNote['kind']>(['audited', 'violation', 'expected-capability', 'trusted', 'suppression-unused', 'suppression-expired', 'rule-config']);

/** True when the suppression's date has passed. */
export function isExpired(s: Suppression, now: Date): boolean {
  return s.expires !== undefined && now.getTime() >= s.expires.endsAt.getTime();
}

/** True when a suppression is about this crate and release (name, and version range when given). */
export function suppressionCovers(s: Suppression, name: string | null, version: string | null): boolean {
  if (name === null || s.crate !== name) return false;
  if (s.versions === undefined) return true;
  return version !== null && semver.valid(version) !== null && semver.satisfies(version, normalizeRange(s.versions), { includePrerelease: true });
}

function suppressionMatches(s: Suppression, f: Finding): boolean {
  if (s.rule !== undefined && s.rule !== f.ruleId) return false;
  if (s.files !== undefined && !picomatch(s.files, { dot: true })(f.file)) return false;
  return true;
}

const srcName = (file: string | null) => (file ? file.split(/[\\/]/).pop()! : 'config');

/** Config entries that name rules the rule set does not have: probably a typo or a renamed rule. */
export function unknownRuleIds(config: Config, facts: RuleFacts): string[] {
  const named = [...Object.keys(config.rules), ...config.suppress.flatMap((s) => (s.rule ? [s.rule] : []))];
  return [...new Set(named.filter((id) => !facts.ids.has(id)))].sort();
}

/**
 * Applies the team's policy to one report and returns a NEW report (the input is not changed) with
 * `policy` filled in, `verdict`/`score`/`scoreBreakdown` re-computed, and suppressed findings marked.
 * Meant for the scan's own report; notes already on it (cool-off, yanked) are kept and still count.
 */
export function applyPolicy(report: Report, ctx: PolicyContext): Report {
  const out = structuredClone(report);
  const now = ctx.now ?? new Date();
  const { config } = ctx;
  const facts = ruleFacts(rulesFor(ctx.rulesDir));
  const notes: PolicyNote[] = [];
  const source = srcName(ctx.file);
  const name = out.crate.name;
  const version = out.crate.new;

  // Marks from an earlier application are the earlier config's: this one decides afresh.
  for (const f of out.findings) delete f.suppressed;

  for (const id of unknownRuleIds(config, facts)) notes.push({ kind: 'rule-config', message: `${source} names rule "${id}", which the rule set does not have` });

  // 1. Rule settings: another severity, or the rule turned off (its findings stay, marked suppressed).
  const reseverity = new Map<string, number>();
  for (const f of out.findings) {
    const rc = Object.hasOwn(config.rules, f.ruleId) ? config.rules[f.ruleId] : undefined;
    if (rc?.severity && rc.severity !== f.severity) {
      f.severity = rc.severity;
      reseverity.set(f.ruleId, (reseverity.get(f.ruleId) ?? 0) + 1);
    }
    if (rc?.enabled === false) f.suppressed = { reason: `rule ${f.ruleId} is turned off in ${source}`, source: `${source}: [rules.${f.ruleId}]` };
  }
  for (const [id, n] of reseverity) notes.push({ kind: 'rule-config', message: `${n} finding(s) of ${id} given severity ${config.rules[id].severity} by ${source}` });

  // 2. Suppressions written for this crate and release.
  const relevant = config.suppress.filter((s) => suppressionCovers(s, name, version));
  const active = relevant.filter((s) => !isExpired(s, now));
  const used = new Set<string>();
  for (const f of out.findings) {
    if (f.suppressed) continue;
    const s = active.find((x) => suppressionMatches(x, f));
    if (!s) continue;
    f.suppressed = { reason: s.reason, source: s.source };
    used.add(s.source);
  }
  for (const s of relevant) {
    if (isExpired(s, now)) notes.push({ kind: 'suppression-expired', message: `suppression at ${s.source} (${s.reason}) expired on ${s.expires!.text} and no longer applies` });
    else if (!used.has(s.source)) notes.push({ kind: 'suppression-unused', message: `suppression at ${s.source} (${s.reason}) matched no finding of ${name}${version ? ` ${version}` : ''}` });
  }

  // 3. Expected capabilities: a declared HTTP client may use network.* without review.
  const crateCfg = name !== null && Object.hasOwn(config.crates, name) ? config.crates[name] : undefined;
  const expected = crateCfg?.expectedCapabilities ?? [];
  if (expected.length > 0) {
    let n = 0;
    for (const f of out.findings) {
      if (f.suppressed) continue;
      const caps = findingCapabilities(f, facts);
      if (caps.length > 0 && caps.every((c) => expected.some((p) => matchesCapability(c, p)))) {
        f.suppressed = { reason: `expected capability (${caps.join(', ')})`, source: `${source}: [crates.${name}] expected-capabilities` };
        n++;
      }
    }
    if (n > 0) notes.push({ kind: 'expected-capability', message: `${n} finding(s) use capabilities ${name} is expected to have (${expected.join(', ')})` });
  }

  // 4. Re-score with the core's scorer: suppressed findings and expected capabilities add no points.
  const live = out.findings.filter((f) => !f.suppressed);
  for (const f of out.findings) if (f.suppressed) f.points = 0;
  const capsAfter = new Set(out.capabilities.after.filter((c) => !expected.some((p) => matchesCapability(c, p))));
  const scored = scoreFindings(live, new Set(out.capabilities.before), capsAfter, out.summary.firstRelease);
  let verdict: Verdict = scored.verdict;
  let reason = scored.verdictReason;
  const suppressedCount = out.findings.length - live.length;
  if (suppressedCount > 0) reason = `${reason} (after ${suppressedCount} suppressed finding(s))`;

  // 5. Audits and trust: approval lowers the verdict to pass; a violation blocks.
  // Notes already on the report (cool-off, yanked: the registry layer's adoption policy) keep the
  // verdict they raised, whichever order the layers run in; neither approval nor trust lifts them.
  let prior: { floor: Verdict; message: string } | null = null;
  const foreign = (report.policy?.notes ?? []).filter((n) => !OWN_KINDS.has(n.kind));
  for (const n of foreign) {
    const floor: Verdict | null = n.kind === 'yanked' ? 'block' : n.kind === 'cool-off' ? 'review' : null;
    if (floor && (!prior || LEVEL[floor] > LEVEL[prior.floor])) prior = { floor, message: n.message };
  }

  let approvedBy: string[] = [];
  if (ctx.audits && name !== null && version !== null && semver.valid(version)) {
    const check = checkAudits(ctx.audits, name, out.crate.old, version, config.audits.criteria);
    approvedBy = check.approvedBy;
    if (approvedBy.length > 0) {
      const what = `approved by ${approvedBy.length} audit${approvedBy.length === 1 ? '' : 's'}: ${approvedBy.join(', ')}`;
      notes.push({ kind: 'audited', message: `${what} for ${config.audits.criteria} (${check.path})` });
      verdict = 'pass';
      reason = `${what} (${config.audits.criteria})`;
    }
    for (const v of check.violations) {
      notes.push({ kind: 'violation', message: `cargo-vet violation recorded by ${v.party}: ${name} ${v.range} fails ${v.criteria.join(', ') || 'its criteria'}${v.notes ? ` (${v.notes})` : ''}` });
    }
    if (check.violations.length > 0) {
      verdict = 'block';
      reason = `${name} ${version} is covered by a cargo-vet violation (${check.violations[0].party}: ${check.violations[0].range})`;
    }
  }
  if (crateCfg?.trusted && LEVEL[verdict] > 0 && !notes.some((n) => n.kind === 'violation') && !prior) {
    notes.push({ kind: 'trusted', message: `${name} is trusted in ${source}: its ${verdict} verdict does not fail the check` });
    verdict = 'pass';
    reason = `${name} is a trusted crate (${source})`;
  }

  if (prior && LEVEL[prior.floor] > LEVEL[verdict]) {
    verdict = prior.floor;
    reason = prior.message;
  }

  const policy: PolicyResult = {
    configFile: ctx.file,
    scanVerdict: report.policy?.scanVerdict ?? report.verdict,
    scanScore: report.policy?.scanScore ?? report.score,
    approvedBy,
    suppressedFindings: suppressedCount,
    notes: [...foreign, ...notes],
  };
  out.verdict = verdict;
  out.score = scored.score;
  out.verdictReason = reason;
  out.scoreBreakdown = scored.breakdown;
  out.policy = policy;
  return out;
}

/**
 * Adds a note from another policy source (cool-off, yanked) and raises the verdict to at least `atLeast`.
 * Returns a new report; a report without `policy` gets one (scan verdict kept).
 */
export function addPolicyNote(report: Report, note: PolicyNote, atLeast?: Verdict, configFile: string | null = null): Report {
  const out = structuredClone(report);
  out.policy ??= { configFile, scanVerdict: report.verdict, scanScore: report.score, approvedBy: [], suppressedFindings: 0, notes: [] };
  out.policy.notes.push(note);
  if (atLeast && LEVEL[atLeast] > LEVEL[out.verdict]) {
    out.verdict = atLeast;
    out.verdictReason = note.message;
  }
  return out;
}

/**
 * Rot check over a whole run (one report, or every report of a lock run): suppressions that covered no
 * finding in any of the reports, and those past their expiry date. Notes in config-file order.
 */
export function unusedSuppressions(reports: Report[], ctx: { config: Config; now?: Date }): PolicyNote[] {
  const now = ctx.now ?? new Date();
  const used = new Set(reports.flatMap((r) => r.findings.flatMap((f) => (f.suppressed ? [f.suppressed.source] : []))));
  const notes: PolicyNote[] = [];
  for (const s of ctx.config.suppress) {
    if (isExpired(s, now)) notes.push({ kind: 'suppression-expired', message: `suppression at ${s.source} (${s.crate}: ${s.reason}) expired on ${s.expires!.text}; remove it or renew it` });
    else if (!used.has(s.source)) notes.push({ kind: 'suppression-unused', message: `suppression at ${s.source} (${s.crate}: ${s.reason}) matched no finding in this run; remove it if it is no longer needed` });
  }
  return notes;
}
