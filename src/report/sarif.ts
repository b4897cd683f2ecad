import { createHash } from 'node:crypto';
import type { Location, Log, ReportingDescriptor, Result, ThreadFlowLocation } from 'sarif';
import type { Finding, LockEntry, PolicyNote, Report, Severity } from '../index.js';
import { isLockReport, type ReportInput } from './input.js';
import { firstSentence } from './cut.js';

/** What the SARIF reporter needs to know of a rule (see `ruleMetaOf` in rule-meta.ts). */
export interface RuleMeta {
  id: string;
  category: string;
  /** The rule's default severity; a finding can be raised or lowered by the rule's `adjust`. */
  severity: Severity;
  confidence: string;
  note: string;
  /** The header comment of the rule file: what it detects and why it matters. */
  summary?: string;
  /** The rule is one of the bundled rules, so docs/rule-reference.md has a section for it. */
  documented?: boolean;
}

export interface SarifOptions {
  /** Metadata of the rules that ran; without it, rules are described from their findings. */
  rules?: RuleMeta[];
  /**
   * The least severe result kept (default `low`): `info` findings are context that never adds points,
   * and as code-scanning alerts they would be noise a reviewer has to dismiss.
   */
  minSeverity?: Severity;
  /** Lock reports: also report the packages whose verdict is `pass` (default: left out). */
  includePassed?: boolean;
  /** Results kept at most, most severe first (GitHub refuses runs over 25 000 results). */
  maxResults?: number;
  /**
   * URL of docs/rule-reference.md in a cratefence repository (see {@link ruleReferenceUrl}); each
   * documented rule's `helpUri` is this plus `#<rule id>`. Without it there is no `helpUri`.
   */
  ruleReference?: string;
  /**
   * `diff`/`scan`: the crate's folder in the repository the SARIF is uploaded for (`--sarif-root`);
   * results are located under it. Without it they sit under the `CRATEFENCE_CRATE` base, in the
   * crate's own `<name>-<version>/` folder, which matches no file of the consumer's repository.
   */
  root?: string;
}

const MAX_RESULTS = 25_000;

/** Where the tool is documented (SARIF wants an absolute URI). */
export const INFORMATION_URI = 'https://github.com/cratefence/cratefence';
const SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Name of the fingerprint scheme; its number changes if the fingerprint's inputs ever do. */
export const FINGERPRINT_KEY = 'cratefence/v1';
/** The base of `diff`/`scan` locations without `--sarif-root`: the release's files, not the repository's. */
export const CRATE_BASE_ID = 'CRATEFENCE_CRATE';
/** The page, relative to a cratefence repository's root, with one section per rule. */
export const RULE_REFERENCE_PATH = 'docs/rule-reference.md';

/**
 * GitHub ranks security alerts by the `security-severity` of their rule: 9.0 and over critical,
 * 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. Info findings have none: they show as notes.
 */
export const SECURITY_SEVERITY: Record<Exclude<Severity, 'info'>, number> = { critical: 9.5, high: 8.0, medium: 5.5, low: 3.0 };
const LEVEL: Record<Severity, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Rules that are not rule files: scan failures and what the policy layer says about a release. */
export const POLICY_RULES: Record<string, { severity: Severity; category: string; text: string; help: string }> = {
  'scan-error': { severity: 'high', category: 'policy', text: 'The release could not be scanned.', help: 'Fetching, verifying or reading the release failed; it counts as `block` until it can be scanned.' },
  'policy-cool-off': { severity: 'medium', category: 'policy', text: 'The release is younger than the cool-off period.', help: 'The team does not adopt a release in its first days; the message says when it may be adopted.' },
  'policy-yanked': { severity: 'high', category: 'policy', text: 'The release was yanked.', help: 'The publisher withdrew this version from the registry.' },
  'policy-violation': { severity: 'critical', category: 'policy', text: 'A cargo-vet violation covers this release.', help: 'An audit the team trusts declares this version unsafe.' },
  'policy-suppression-expired': { severity: 'low', category: 'policy', text: 'A suppression has expired.', help: 'Renew or remove it in cratefence.toml.' },
  'policy-suppression-unused': { severity: 'low', category: 'policy', text: 'A suppression matched nothing.', help: 'Remove it from cratefence.toml so the file does not rot.' },
  'lock-source-change': { severity: 'medium', category: 'lockfile', text: 'A dependency moved to another source.', help: 'The package now comes from a git repository, a path or another registry instead of the one its old version came from: the code built is not the release reviewers knew. `[lock] source-change` in cratefence.toml sets its verdict.' },
  'lock-checksum-change': { severity: 'high', category: 'lockfile', text: 'A version is pinned to other contents.', help: 'Same name, version and source, another checksum: a published release cannot change, so the registry changed it or the lockfile was edited. The new contents are diffed against the old ones when those can still be found.' },
  'lock-index-checksum': { severity: 'high', category: 'lockfile', text: 'The registry index disagrees with Cargo.lock.', help: 'The index lists another SHA-256 for this release than the lockfile pins; the release was verified against the lockfile, as cargo does.' },
};
const POLICY_KINDS = new Set<PolicyNote['kind']>(['cool-off', 'yanked', 'violation', 'suppression-expired', 'suppression-unused']);

/**
 * The URL of the rule reference in a cratefence repository at `ref`: `https://host/owner/repo` (as
 * GitHub and GitLab lay out browsable files) plus `/blob/<ref>/docs/rule-reference.md`. Null when
 * either is missing: a link is only given when it leads somewhere.
 */
export function ruleReferenceUrl(repositoryUrl: string | undefined, ref: string | undefined): string | null {
  if (!repositoryUrl || !ref) return null;
  const base = repositoryUrl.replace(/\/+$/, '').replace(/\.git$/, '');
  return `${base}/blob/${ref.split('/').map(encodeURIComponent).join('/')}/${RULE_REFERENCE_PATH}`;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The fingerprint's inputs, none of them a line number: rule, crate, file, enclosing item and the
 * flagged source line with whitespace collapsed (the message, for findings without source). A
 * finding whose code did not change keeps its fingerprint when lines above it move or the version changes.
 */
function fingerprintBase(crate: string, f: Finding): string {
  const code = f.snippet ? norm(f.snippet.split('\n')[0]) : norm(f.message.replace(/\d+(\.\d+)+\S*/g, 'N'));
  return sha256([f.ruleId, crate, f.file, f.item ?? '', code].join('\u0000'));
}

function pascal(id: string): string {
  return id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/**
 * The SARIF rule id of a rule reported at one severity (`far-jump-call.high`): GitHub reads an alert's
 * severity from its rule, so each severity is a rule of its own. Not `/`: SARIF reads a slash as a
 * sub-rule of the part before it, and a sub-rule carries no metadata of its own (§3.49.3).
 */
export function sarifRuleId(ruleId: string, severity: Severity): string {
  return `${ruleId}.${severity}`;
}

/**
 * One rule at one severity. GitHub shows a security alert with its rule's `security-severity` and
 * every other alert with its `level`, so a rule reported at two severities is described twice
 * (`far-jump-call.high`, `far-jump-call.low`) and each alert shows the severity of its own finding.
 */
function describeRule(id: string, severity: Severity, meta: RuleMeta | undefined, sample: Finding | undefined, reference: string | undefined): ReportingDescriptor {
  const policy = POLICY_RULES[id];
  const summary = policy?.text ?? (meta?.summary || sample?.note || `Findings of the rule ${id}.`);
  const note = policy?.help ?? meta?.note ?? sample?.note ?? '';
  const category = policy?.category ?? meta?.category ?? sample?.category ?? 'policy';
  const dflt = meta?.severity ?? policy?.severity ?? severity;
  const raised = dflt === severity ? `its default severity` : `the rule's default is ${dflt}; its settings or the finding's context changed it`;
  const facts = `Category ${category}. Reported at severity ${severity} (${raised})${meta ? `; confidence ${meta.confidence}` : ''}.`;
  const full = note && note !== summary ? `${summary} ${note}` : summary;
  const documented = policy !== undefined || meta?.documented === true;
  const tags = severity === 'info' ? ['supply-chain', category] : ['security', 'supply-chain', category];
  return {
    id: sarifRuleId(id, severity),
    name: `${pascal(id)}${pascal(severity)}`,
    shortDescription: { text: firstSentence(summary) },
    fullDescription: { text: full },
    ...(reference && documented ? { helpUri: `${reference}#${id}` } : {}),
    help: { text: [summary, note, facts].filter(Boolean).join('\n\n'), markdown: [`**${summary}**`, note, facts].filter(Boolean).join('\n\n') },
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      ...(severity === 'info' ? {} : { 'security-severity': SECURITY_SEVERITY[severity].toFixed(1) }),
      tags,
      precision: meta ? (({ low: 'low', medium: 'medium', high: 'high' }) as Record<string, string>)[meta.confidence] ?? 'medium' : 'medium',
    },
  };
}

/** A path as a relative URI reference: `#`, `?` and `%` in a file name stay part of the path. */
function relativeUri(p: string): string {
  return p.split('/').map((seg) => encodeURIComponent(seg)).join('/');
}

/** A location in the repository under review (`%SRCROOT%`), or under another base (a release's files). */
function location(uri: string, line: number, opts: { column?: number; endLine?: number; snippet?: string; uriBaseId?: string; message?: string } = {}): Location {
  const loc: Location = {
    physicalLocation: {
      artifactLocation: { uri: relativeUri(uri), uriBaseId: opts.uriBaseId ?? '%SRCROOT%' },
      region: { startLine: Math.max(1, line), startColumn: Math.max(1, opts.column ?? 1), ...(opts.endLine && opts.endLine >= line ? { endLine: opts.endLine } : {}), ...(opts.snippet ? { snippet: { text: opts.snippet } } : {}) },
    },
  };
  if (opts.message) loc.message = { text: opts.message };
  return loc;
}

/** Where a release's files are put: its own base for a lock entry, or the `diff`/`scan` placement. */
interface Placement {
  /** The path a crate file gets. */
  path: (file: string) => string;
  uriBaseId: string;
}

/** A lock entry's own base: its files are not in the repository; resolved to docs.rs for crates.io. */
interface CrateBase {
  id: string;
  entry: LockEntry;
  lockfile: string;
}

class SarifBuilder {
  readonly results: Array<{ result: Result; severity: Severity }> = [];
  private readonly samples = new Map<string, Finding>();
  private readonly seen = new Map<string, number>();
  readonly bases = new Map<string, { uri?: string; description: string }>();

  constructor(private readonly rules: Map<string, RuleMeta>, private readonly reference: string | undefined) {}

  /** A stable fingerprint; equal inputs within one run are told apart by their order of occurrence. */
  private fingerprint(base: string): Record<string, string> {
    const n = (this.seen.get(base) ?? 0) + 1;
    this.seen.set(base, n);
    return { [FINGERPRINT_KEY]: n === 1 ? base : `${base}:${n}` };
  }

  addFinding(report: Report, f: Finding, crate: CrateBase | null, place: Placement): void {
    const name = report.crate.name ?? '';
    if (!this.samples.has(f.ruleId)) this.samples.set(f.ruleId, f);
    const where = `${f.file}:${f.line}:${f.column}${f.item ? ` in \`${f.item}\`` : ''}`;
    const inside = crate ? location(f.file, f.line, { column: f.column, endLine: f.endLine, snippet: f.snippet || undefined, uriBaseId: crate.id, message: `${name} ${report.crate.new ?? ''}: ${where}` }) : null;
    const primary = crate
      ? location(crate.lockfile, crate.entry.lockLine ?? 1, { message: `${crate.entry.name} in ${crate.lockfile}` })
      : location(place.path(f.file), f.line, { column: f.column, endLine: f.endLine, snippet: f.snippet || undefined, uriBaseId: place.uriBaseId });
    const prefix = crate ? `${crate.entry.name} ${crate.entry.old ? `${crate.entry.old} → ` : ''}${crate.entry.new ?? ''}: ` : '';
    const result: Result = {
      ruleId: sarifRuleId(f.ruleId, f.severity),
      level: LEVEL[f.severity],
      message: { text: `${prefix}${f.message}${crate ? ` (at ${where})` : f.item ? ` (in ${f.item})` : ''}` },
      locations: [primary],
      partialFingerprints: this.fingerprint(fingerprintBase(name, f)),
      properties: { rule: f.ruleId, severity: f.severity, confidence: f.confidence, category: f.category, points: f.points ?? 0, crate: name, ...(f.role ? { role: f.role } : {}) },
    };
    if (inside) result.relatedLocations = [{ id: 0, ...inside }];
    if (f.trace && f.trace.length > 0) {
      const hops: ThreadFlowLocation[] = f.trace.map((h, i) => ({
        location: crate
          ? location(h.file, h.line, { uriBaseId: crate.id, message: `${i === 0 ? 'entry ' : ''}${h.item} (${h.file}:${h.line})` })
          : location(place.path(h.file), h.line, { uriBaseId: place.uriBaseId, message: `${i === 0 ? 'entry ' : ''}${h.item} (${h.file}:${h.line})` }),
        nestingLevel: i,
        executionOrder: i + 1,
      }));
      result.codeFlows = [{ message: { text: `reached through ${f.trace.map((h) => h.item).join(' → ')}` }, threadFlows: [{ locations: hops }] }];
    }
    if (f.suppressed) result.suppressions = [{ kind: 'external', status: 'accepted', justification: `${f.suppressed.reason} (${f.suppressed.source})` }];
    this.results.push({ result, severity: f.severity });
  }

  addPolicy(id: string, text: string, at: Location, fpInput: string, severity: Severity = POLICY_RULES[id].severity): void {
    const result: Result = { ruleId: sarifRuleId(id, severity), level: LEVEL[severity], message: { text }, locations: [at], partialFingerprints: this.fingerprint(sha256(`${id}\u0000${fpInput}`)), properties: { rule: id, severity } };
    this.results.push({ result, severity });
  }

  /** The descriptors of the rules at the severities the kept results use, sorted by id. */
  descriptors(kept: Array<{ result: Result; severity: Severity }>): ReportingDescriptor[] {
    const used = new Map<string, { rule: string; severity: Severity }>();
    for (const k of kept) used.set(k.result.ruleId!, { rule: String(k.result.properties!.rule), severity: k.severity });
    return [...used.keys()].sort().map((sid) => {
      const u = used.get(sid)!;
      return describeRule(u.rule, u.severity, this.rules.get(u.rule), this.samples.get(u.rule), this.reference);
    });
  }
}

function crateBase(entry: LockEntry, lockfile: string): CrateBase {
  return { id: `CRATE_${entry.name}_${entry.new ?? entry.old ?? ''}`.replace(/[^A-Za-z0-9_.-]/g, '_'), entry, lockfile };
}

function addPolicyNotes(b: SarifBuilder, report: Report, at: Location, who: string, keep: (s: Severity) => boolean): void {
  for (const n of report.policy?.notes ?? []) {
    if (!POLICY_KINDS.has(n.kind)) continue;
    const id = `policy-${n.kind}`;
    if (keep(POLICY_RULES[id].severity)) b.addPolicy(id, `${who}${n.message}`, at, `${who}${n.kind}`);
  }
}

/** A path made safe for `automationDetails.id`, whose `/` separate the category's parts. */
const idPart = (s: string) => s.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/^\/+|\/+$/g, '') || '_';

/**
 * SARIF 2.1.0 as GitHub code scanning ingests it: one run, one rule per rule id and severity (so an
 * alert shows its own finding's severity), with help from the rule file and a link to its section of
 * the rule reference; results with regions, fingerprints stable across runs and releases, traces as
 * code flows; `automationDetails.id` names the analysis (`cratefence/lock/<lockfile>/`,
 * `cratefence/diff/<crate>/`), so uploads of different lockfiles or crates do not replace each other.
 * For a lock report every result sits on its package's `Cargo.lock` line (a dependency's files are
 * not in the repository) and names the crate-internal place in its message and `relatedLocations`;
 * packages at `pass` are left out unless `includePassed`.
 */
export function formatSarif(input: ReportInput, options: SarifOptions = {}): string {
  const b = new SarifBuilder(new Map((options.rules ?? []).map((r) => [r.id, r])), options.ruleReference);
  const min = RANK[options.minSeverity ?? 'low'];
  const keepSeverity = (s: Severity) => RANK[s] >= min;
  const keep = (f: Finding) => keepSeverity(f.severity);
  const version = input.tool.version;
  let automation: string;
  const originalUriBaseIds: Record<string, { uri?: string; description: { text: string } }> = {};
  if (isLockReport(input)) {
    automation = `cratefence/lock/${idPart(input.lockfile)}/`;
    for (const e of input.entries) {
      if (e.verdict === 'pass' && !options.includePassed) continue;
      const base = crateBase(e, input.lockfile);
      const at = location(input.lockfile, e.lockLine ?? 1, { message: `${e.name} in ${input.lockfile}` });
      const who = `${e.name} ${e.old ? `${e.old} → ` : ''}${e.new ?? e.old ?? ''}: `;
      if (e.error && keepSeverity(POLICY_RULES['scan-error'].severity)) b.addPolicy('scan-error', `${who}${e.error}`, at, `${e.name}\u0000${e.new ?? ''}`);
      for (const f of e.findings ?? []) if (keepSeverity(f.severity)) b.addPolicy(f.ruleId, f.message, at, `${e.name}\u0000${f.old ?? ''}\u0000${f.new ?? ''}`, f.severity);
      if (!e.report) continue;
      const shown = e.report.findings.filter(keep);
      for (const f of shown) b.addFinding(e.report, f, base, { path: (p) => p, uriBaseId: base.id });
      addPolicyNotes(b, e.report, at, who, keepSeverity);
      // crates.io packages have their published sources on docs.rs; other registries have no known place.
      if (shown.length > 0 && /crates\.io-index/.test(e.source ?? '') && e.new) {
        b.bases.set(base.id, { uri: `https://docs.rs/crate/${encodeURIComponent(e.name)}/${encodeURIComponent(e.new)}/source/`, description: `the files of ${e.name} ${e.new} as published` });
      }
    }
  } else {
    const name = input.crate.name ?? 'crate';
    automation = `cratefence/${input.summary.firstRelease ? 'scan' : 'diff'}/${idPart(name)}/`;
    const root = options.root?.replace(/\/+$/, '');
    // cargo packs a release as <name>-<version>/…: the same folder here, so no path can be one of the consumer's.
    const folder = input.crate.new ? `${name}-${input.crate.new}` : name;
    const place: Placement = root ? { path: (p) => (root === '.' || root === '' ? p : `${root}/${p}`), uriBaseId: '%SRCROOT%' } : { path: (p) => `${folder}/${p}`, uriBaseId: CRATE_BASE_ID };
    for (const f of input.findings.filter(keep)) b.addFinding(input, f, null, place);
    addPolicyNotes(b, input, location(place.path('Cargo.toml'), 1, { uriBaseId: place.uriBaseId }), '', keepSeverity);
    if (!root) originalUriBaseIds[CRATE_BASE_ID] = { description: { text: `the files of ${name} ${input.crate.new ?? ''} as scanned, in its package folder ${folder}/ (not a folder of the repository; pass --sarif-root to place them)`.replace(/\s+/g, ' ') } };
  }
  for (const [id, v] of b.bases) originalUriBaseIds[id] = { ...(v.uri ? { uri: v.uri } : {}), description: { text: v.description } };
  const max = options.maxResults ?? MAX_RESULTS;
  let kept = b.results;
  let dropped = 0;
  if (kept.length > max) {
    // Most severe first; the sort is stable, so equal severities keep the report's order.
    kept = [...kept].sort((x, y) => RANK[y.severity] - RANK[x.severity]).slice(0, max);
    dropped = b.results.length - max;
  }
  const rules = b.descriptors(kept);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = kept.map((k) => ({ ...k.result, ruleIndex: index.get(k.result.ruleId!) }));
  const log: Log = {
    $schema: SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'cratefence', version, semanticVersion: version, informationUri: INFORMATION_URI, rules } },
        automationDetails: { id: automation },
        originalUriBaseIds,
        columnKind: 'utf16CodeUnits',
        results,
        invocations: [
          {
            executionSuccessful: true,
            ...(dropped > 0 ? { toolExecutionNotifications: [{ level: 'warning' as const, message: { text: `${dropped} less severe result(s) left out: code scanning takes at most ${max} per run; the JSON report has them all` } }] } : {}),
          },
        ],
        properties: { verdict: input.verdict, ...(isLockReport(input) ? { kind: 'lock', lockfile: input.lockfile } : { crate: input.crate, score: input.score }) },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
