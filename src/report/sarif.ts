import { createHash } from 'node:crypto';
import type { Location, Log, ReportingDescriptor, Result, ThreadFlowLocation } from 'sarif';
import type { LockEntry } from '../lock/types.js';
import type { Finding, Severity } from '../rules/types.js';
import type { PolicyNote, Report } from './types.js';
import { isLockReport, type ReportInput } from './input.js';

/** What the SARIF reporter needs to know of a rule (a subset of the rule file, see `RuleSpec`). */
export interface RuleMeta {
  id: string;
  category: string;
  severity: Severity;
  confidence: string;
  /** The rule's message template (placeholders `{name}` are shown as `…`). */
  message: string;
  note: string;
}

export interface SarifOptions {
  /** Metadata of the rules that ran (from `rulesFor()`); without it, rules are described from their findings. */
  rules?: RuleMeta[];
  /**
   * Also report `info` findings (as `note` results). Off by default: they are context that never adds
   * points, and as code-scanning alerts they would be noise a reviewer has to dismiss.
   */
  includeInfo?: boolean;
  /** Results kept at most, most severe first (GitHub refuses runs over 25 000 results). */
  maxResults?: number;
}

const MAX_RESULTS = 25_000;

/** Where the tool is documented (SARIF wants an absolute URI). */
export const INFORMATION_URI = 'https://github.com/cratefence/cratefence';
const SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Name of the fingerprint scheme; its number changes if the fingerprint's inputs ever do. */
export const FINGERPRINT_KEY = 'cratefence/v1';

/**
 * GitHub ranks code-scanning alerts by `security-severity`: over 9.0 critical, 7.0–8.9 high,
 * 4.0–6.9 medium, 0.1–3.9 low. Info findings are context and rank lowest.
 */
const SECURITY_SEVERITY: Record<Severity, number> = { critical: 9.5, high: 8.0, medium: 5.5, low: 3.0, info: 0.5 };
const LEVEL: Record<Severity, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Rules that are not rule files: scan failures and what the policy layer says about a release. */
const POLICY_RULES: Record<string, { severity: Severity; text: string; help: string }> = {
  'scan-error': { severity: 'high', text: 'The release could not be scanned', help: 'Fetching, verifying or reading the release failed; it counts as `block` until it can be scanned.' },
  'policy-cool-off': { severity: 'medium', text: 'Release is younger than the cool-off period', help: 'The team does not adopt a release in its first days; the message says when it may be adopted.' },
  'policy-yanked': { severity: 'high', text: 'Release was yanked', help: 'The publisher withdrew this version from the registry.' },
  'policy-violation': { severity: 'critical', text: 'A cargo-vet violation covers this release', help: 'An audit the team trusts declares this version unsafe.' },
  'policy-suppression-expired': { severity: 'low', text: 'A suppression has expired', help: 'Renew or remove it in cratefence.toml.' },
  'policy-suppression-unused': { severity: 'low', text: 'A suppression matched nothing', help: 'Remove it from cratefence.toml so the file does not rot.' },
  'lock-source-change': { severity: 'medium', text: 'A dependency moved to another source', help: 'The package now comes from a git repository, a path or another registry instead of the one its old version came from: the code built is not the release reviewers knew. `[lock] source-change` in cratefence.toml sets its verdict.' },
  'lock-checksum-change': { severity: 'high', text: 'A version is pinned to other contents', help: 'Same name, version and source, another checksum: a published release cannot change, so the registry changed it or the lockfile was edited. The new contents are diffed against the old ones when those can still be found.' },
  'lock-index-checksum': { severity: 'high', text: 'The registry index disagrees with Cargo.lock', help: 'The index lists another SHA-256 for this release than the lockfile pins; the release was verified against the lockfile, as cargo does.' },
};
const POLICY_KINDS = new Set<PolicyNote['kind']>(['cool-off', 'yanked', 'violation', 'suppression-expired', 'suppression-unused']);

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

function ruleName(id: string): string {
  return id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

function describeRule(id: string, meta: RuleMeta | undefined, sample: Finding | undefined, severity: Severity): ReportingDescriptor {
  const policy = POLICY_RULES[id];
  const short = policy?.text ?? (meta ? meta.message.replace(/\{[A-Za-z0-9_]+\}/g, '…') : sample?.message ?? id);
  const note = policy?.help ?? meta?.note ?? sample?.note ?? '';
  const category = meta?.category ?? sample?.category ?? 'policy';
  const lines = [`**${short}**`, '', note, '', `Category: \`${category}\`. Default severity: \`${meta?.severity ?? policy?.severity ?? severity}\`${meta ? `, confidence \`${meta.confidence}\`` : ''}.`];
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: short },
    fullDescription: { text: note || short },
    help: { text: `${short}\n\n${note}`.trim(), markdown: lines.join('\n').trim() },
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      // The highest severity the rule reached in this run: GitHub ranks alerts by the rule's value.
      'security-severity': SECURITY_SEVERITY[severity].toFixed(1),
      tags: ['security', 'supply-chain', category],
      precision: meta ? ({ low: 'low', medium: 'medium', high: 'high' } as Record<string, string>)[meta.confidence] ?? 'medium' : 'medium',
    },
  };
}

/** A crate path as a relative URI reference: `#`, `?` and `%` in a file name stay part of the path. */
function relativeUri(p: string): string {
  return p.split('/').map((seg) => encodeURIComponent(seg)).join('/');
}

/** A location in the repository under review, or (uriBaseId set) inside a dependency's release. */
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

/** Where one crate's files live, for a lock report: its own uriBaseId, resolved to docs.rs for crates.io. */
interface CrateBase {
  id: string;
  entry: LockEntry;
  lockfile: string;
}

class SarifBuilder {
  readonly results: Result[] = [];
  private readonly severity = new Map<string, Severity>();
  private readonly samples = new Map<string, Finding>();
  private readonly seen = new Map<string, number>();
  readonly bases = new Map<string, { uri: string; description: string }>();

  constructor(private readonly rules: Map<string, RuleMeta>) {}

  private noteRule(id: string, sev: Severity, sample?: Finding): void {
    const cur = this.severity.get(id);
    if (cur === undefined || RANK[sev] > RANK[cur]) this.severity.set(id, sev);
    if (sample && !this.samples.has(id)) this.samples.set(id, sample);
  }

  /** A stable fingerprint; equal inputs within one run are told apart by their order of occurrence. */
  private fingerprint(base: string): Record<string, string> {
    const n = (this.seen.get(base) ?? 0) + 1;
    this.seen.set(base, n);
    return { [FINGERPRINT_KEY]: n === 1 ? base : `${base}:${n}` };
  }

  addFinding(report: Report, f: Finding, crate: CrateBase | null): void {
    const name = report.crate.name ?? '';
    this.noteRule(f.ruleId, f.severity, f);
    const where = `${f.file}:${f.line}:${f.column}${f.item ? ` in \`${f.item}\`` : ''}`;
    const inside = crate ? location(f.file, f.line, { column: f.column, endLine: f.endLine, snippet: f.snippet || undefined, uriBaseId: crate.id, message: `${name} ${report.crate.new ?? ''}: ${where}` }) : null;
    const primary = crate
      ? location(crate.lockfile, crate.entry.lockLine ?? 1, { message: `${crate.entry.name} in ${crate.lockfile}` })
      : location(f.file, f.line, { column: f.column, endLine: f.endLine, snippet: f.snippet || undefined });
    const prefix = crate ? `${crate.entry.name} ${crate.entry.old ? `${crate.entry.old} → ` : ''}${crate.entry.new ?? ''}: ` : '';
    const result: Result = {
      ruleId: f.ruleId,
      level: LEVEL[f.severity],
      message: { text: `${prefix}${f.message}${crate ? ` (at ${where})` : f.item ? ` (in ${f.item})` : ''}` },
      locations: [primary],
      partialFingerprints: this.fingerprint(fingerprintBase(name, f)),
      properties: { severity: f.severity, confidence: f.confidence, category: f.category, points: f.points ?? 0, crate: name, ...(f.role ? { role: f.role } : {}) },
    };
    if (inside) result.relatedLocations = [{ id: 0, ...inside }];
    if (f.trace && f.trace.length > 0) {
      const hops: ThreadFlowLocation[] = f.trace.map((h, i) => ({
        location: location(h.file, h.line, { uriBaseId: crate?.id, message: `${i === 0 ? 'entry ' : ''}${h.item} (${h.file}:${h.line})` }),
        nestingLevel: i,
        executionOrder: i + 1,
      }));
      result.codeFlows = [{ message: { text: `reached through ${f.trace.map((h) => h.item).join(' → ')}` }, threadFlows: [{ locations: hops }] }];
    }
    if (f.suppressed) result.suppressions = [{ kind: 'external', status: 'accepted', justification: `${f.suppressed.reason} (${f.suppressed.source})` }];
    this.results.push(result);
  }

  addPolicy(id: string, text: string, at: Location, fpInput: string, severity: Severity = POLICY_RULES[id].severity): void {
    this.noteRule(id, severity);
    this.results.push({ ruleId: id, level: LEVEL[severity], message: { text }, locations: [at], partialFingerprints: this.fingerprint(sha256(`${id}\u0000${fpInput}`)) });
  }

  descriptors(used: Set<string>): ReportingDescriptor[] {
    const ids = [...this.severity.keys()].filter((id) => used.has(id)).sort();
    return ids.map((id) => describeRule(id, this.rules.get(id), this.samples.get(id), this.severity.get(id)!));
  }
}

function crateBase(entry: LockEntry, lockfile: string): CrateBase {
  return { id: `CRATE_${entry.name}_${entry.new ?? entry.old ?? ''}`.replace(/[^A-Za-z0-9_.-]/g, '_'), entry, lockfile };
}

function addPolicyNotes(b: SarifBuilder, report: Report, at: Location, who: string): void {
  for (const n of report.policy?.notes ?? []) {
    if (!POLICY_KINDS.has(n.kind)) continue;
    b.addPolicy(`policy-${n.kind}`, `${who}${n.message}`, at, `${who}${n.kind}`);
  }
}

/**
 * SARIF 2.1.0 as GitHub code scanning ingests it: one run, the rules that fired with help and
 * `security-severity`, results with regions, fingerprints stable across runs and releases, traces as
 * code flows. For a lock report every result sits on its package's `Cargo.lock` line (a dependency's
 * files are not in the repository) and names the crate-internal place in its message and
 * `relatedLocations`, whose `uriBaseId` resolves to the crate's source on docs.rs for crates.io packages.
 */
export function formatSarif(input: ReportInput, options: SarifOptions = {}): string {
  const b = new SarifBuilder(new Map((options.rules ?? []).map((r) => [r.id, r])));
  const keep = (f: Finding) => options.includeInfo === true || f.severity !== 'info';
  const version = input.tool.version;
  if (isLockReport(input)) {
    for (const e of input.entries) {
      const base = crateBase(e, input.lockfile);
      const at = location(input.lockfile, e.lockLine ?? 1, { message: `${e.name} in ${input.lockfile}` });
      const who = `${e.name} ${e.old ? `${e.old} → ` : ''}${e.new ?? e.old ?? ''}: `;
      if (e.error) b.addPolicy('scan-error', `${who}${e.error}`, at, `${e.name}\u0000${e.new ?? ''}`);
      for (const f of e.findings ?? []) b.addPolicy(f.ruleId, f.message, at, `${e.name}\u0000${f.old ?? ''}\u0000${f.new ?? ''}`, f.severity);
      if (!e.report) continue;
      const shown = e.report.findings.filter(keep);
      for (const f of shown) b.addFinding(e.report, f, base);
      addPolicyNotes(b, e.report, at, who);
      // crates.io packages have their published sources on docs.rs; other registries have no known place.
      if (shown.length > 0 && /crates\.io-index/.test(e.source ?? '') && e.new) {
        b.bases.set(base.id, { uri: `https://docs.rs/crate/${encodeURIComponent(e.name)}/${encodeURIComponent(e.new)}/source/`, description: `the files of ${e.name} ${e.new} as published` });
      }
    }
  } else {
    for (const f of input.findings.filter(keep)) b.addFinding(input, f, null);
    addPolicyNotes(b, input, location('Cargo.toml', 1), '');
  }
  const max = options.maxResults ?? MAX_RESULTS;
  let results = b.results;
  let dropped = 0;
  if (results.length > max) {
    // Most severe first; the sort is stable, so equal levels keep the report's order.
    const order: Record<string, number> = { error: 0, warning: 1, note: 2, none: 3 };
    results = [...results].sort((x, y) => order[x.level ?? 'warning'] - order[y.level ?? 'warning']).slice(0, max);
    dropped = b.results.length - max;
  }
  const rules = b.descriptors(new Set(results.map((r) => r.ruleId!)));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  for (const r of results) r.ruleIndex = index.get(r.ruleId!);
  const log: Log = {
    $schema: SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'cratefence', version, semanticVersion: version, informationUri: INFORMATION_URI, rules } },
        originalUriBaseIds: Object.fromEntries([...b.bases].map(([id, v]) => [id, { uri: v.uri, description: { text: v.description } }])),
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
