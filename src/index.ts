import { VERSION } from './version.js';
import { emptyTree, loadSource, DEFAULT_LIMITS, type CrateTree, type SourceLimits } from './source/index.js';
import { ParseCache, GRAMMAR_VERSIONS, DEFAULT_PARSE_OPTIONS, type ParseOptions } from './parse/parser.js';
import { buildRelease, diffReleases as diffViews, type ReleaseDelta } from './diff/index.js';
import { parseManifest } from './diff/manifest.js';
import { ScanContext } from './rules/context.js';
import { loadRules, catalogueDigest, DEFAULT_RULES_DIR } from './rules/loader.js';
import { ANALYZERS } from './rules/analyzers/index.js';
import { runRules } from './rules/engine.js';
import { scoreFindings } from './score/index.js';
import type { Report } from './contract/report.js';
import type { FactsStore } from './parse/store.js';
import { fileHunks, type FileHunks } from './diff/hunks.js';
import { attachVcs, type VcsSnapshot } from './analysis/provenance.js';
import { CallGraph } from './analysis/graph.js';
import { DependencyCaps, MAX_DEPTH as COMPOSITION_DEPTH, type DependencySource } from './analysis/deps.js';
import { ChainedSource, shippedIndex } from './analysis/summary-index.js';
import { summarizeView, type CrateSummary } from './analysis/summary.js';
import type { RuleSet } from './rules/loader.js';
import { attachNative } from './analysis/native.js';
import { isGenerated } from './diff/generated.js';
import { loadGraph, saveGraph, type ModelStore } from './analysis/graph-model.js';
import { modelFingerprint } from './cache/model.js';

// The output contract: what every report carries, whichever layer made it and whichever format shows it.
export type { Report, PolicyNote, PolicyResult, Verdict, BreakdownEntry } from './contract/report.js';
export type { LockReport, LockEntry, LockFinding, LockRuleId, LockChange } from './contract/lock.js';
export type { Finding, Severity, Confidence, Category, TraceHop } from './contract/finding.js';
export { CATEGORIES, SEVERITIES, CONFIDENCES } from './contract/finding.js';
/** The one ranking of findings: the headline the HTML page leads with is the finding `verdictReason` names. */
export { headlineFinding, byDanger, SEVERITY_RANK, CATEGORY_PRIORITY } from './score/headline.js';
export type { ScoreResult } from './score/index.js';
/** The core's scorer, for layers that re-score a report after policy (suppressed findings add no points). */
export { scoreFindings } from './score/index.js';
export { InputError, emptyTree, loadSource, treeFromFiles, DEFAULT_LIMITS } from './source/index.js';
export type { CrateTree, SourceLimits, SourceNote } from './source/index.js';
export type { ReleaseDelta } from './diff/index.js';
export type { FileHunks, Hunk, HunkLine, HunkLimits } from './diff/hunks.js';
export { DEFAULT_HUNK_LIMITS } from './diff/hunks.js';
export { GRAMMAR_VERSIONS } from './parse/parser.js';
export { RuleError, DEFAULT_RULES_DIR } from './rules/loader.js';
export type { RuleSpec } from './rules/types.js';
export type { FactsStore } from './parse/store.js';
export { DiskFactsStore } from './cache/facts.js';
export { parseVcsInfo } from './analysis/provenance.js';
export type { VcsSnapshot, VcsInfo } from './analysis/provenance.js';
export type { CrateSummary, SummaryEntry, SummaryDep } from './analysis/summary.js';
export { SUMMARY_FORMAT } from './analysis/summary.js';
export type { DependencySource, ResolvedSummary, DepCap } from './analysis/deps.js';
export { pickVersion, cargoRange } from './analysis/deps.js';
export { SummarySet, ChainedSource, shippedIndex, encodeSummaryIndex, summaryIndexFile } from './analysis/summary-index.js';
export type { SummaryIndexHeader } from './analysis/summary-index.js';

export { VERSION };

export interface ScanOptions {
  rulesDir?: string;
  limits?: SourceLimits;
  parse?: ParseOptions;
  /** Build the call graph and follow calls (default true). Off, rules see only each item's own code. */
  reachability?: boolean;
  /** Called with a short phase name as the scan proceeds (for progress display). */
  onPhase?: (phase: string) => void;
  /** Facts kept across scans by content (see `DiskFactsStore`); the report is the same with or without. */
  factsStore?: FactsStore;
  /** The crate's repository at the commit it names (`--vcs`), read by the caller: published files are checked against it. */
  provenance?: VcsSnapshot;
  /**
   * Capability summaries of dependencies (gathered by the caller: lock's fetched releases, caches, the
   * registry). The shipped summary index answers what this source does not know. `'off'`: no
   * summaries at all, only the catalogue names capabilities.
   */
  dependencies?: DependencySource | 'off';
}

/** Loads the rule set once, checking every analyzer name. */
export function rulesFor(dir: string = DEFAULT_RULES_DIR) {
  return loadRules(dir, new Set(Object.keys(ANALYZERS)));
}

/** What a scan of two trees gives: the report, the delta it was made from, and the release diff as hunks. */
export interface Analysis {
  report: Report;
  delta: ReleaseDelta;
  /**
   * The release diff of every changed file, read from the scan's own line diff (bounded, see
   * `DEFAULT_HUNK_LIMITS`). Built on first read, so scans that never show a diff pay nothing for it.
   */
  readonly hunks: FileHunks[];
  /** The newer release's own capability summary (for caches and the summary index), built on first read. */
  readonly summary: CrateSummary;
}

/** A report with the release diff it was made from (for the HTML reporter). */
export interface ReportWithHunks {
  report: Report;
  hunks: FileHunks[];
}

/** Compares two in-memory releases and produces the report. Pure: no file or network access. */
export function analyzeTrees(oldTree: CrateTree, newTree: CrateTree, options: ScanOptions = {}): Analysis {
  const t0 = performance.now();
  const rules = rulesFor(options.rulesDir);
  const cache = new ParseCache(options.parse ?? DEFAULT_PARSE_OPTIONS, options.factsStore);
  options.onPhase?.('parsing');
  const progress = (side: string) => (done: number, total: number) => options.onPhase?.(`parsing the ${side} release: ${done}/${total} files`);
  const oldV = buildRelease(oldTree, cache, progress('old'), undefined, newTree);
  const newV = buildRelease(newTree, cache, progress('new'), oldTree);
  // C, C++ and assembly the build scripts compile, read with the same parse budgets.
  attachNative(oldV, newV, cache);
  options.factsStore?.flush?.();
  const t1 = performance.now();
  options.onPhase?.('diffing');
  const delta = diffViews(oldV, newV);
  const t2 = performance.now();
  options.onPhase?.('analysing');
  const deps = dependencyCaps(rules, options.dependencies);
  const models = modelsOf(options.factsStore, rules);
  const withEdges = options.reachability ?? true;
  const stored = models && oldTree.files.size > 0 ? loadGraph(models.store, models.fp, models.catalogue, oldV, rules.catalogue, withEdges, deps).graph : undefined;
  const ctx = new ScanContext(delta, rules, withEdges, deps, stored);
  if (options.provenance) attachVcs(ctx, options.provenance);
  const t3 = performance.now();
  options.onPhase?.('applying rules');
  const findings = runRules(ctx);
  const scored = scoreFindings(findings, ctx.capsBefore, ctx.capsAfter, ctx.firstRelease);
  const t4 = performance.now();
  const before = [...ctx.capsBefore].sort();
  const after = [...ctx.capsAfter].sort();
  const partialFiles = [...newV.rust.values()]
    .filter((f) => f.facts.partial && !isGenerated(f.path))
    .map((f) => ({ file: f.path, reason: f.facts.partialReason ?? 'parse errors' }));
  // Which release a note is about: both sides are read with the same rules, so the same note can come twice.
  const sideNotes = (['old', 'new'] as const).flatMap((side) => {
    const tree = side === 'old' ? oldTree : newTree;
    const version = (side === 'old' ? oldV : newV).version;
    return tree.notes.filter((n) => n.kind === 'skipped').map((n) => ({ side, message: `${side} release${version ? ` ${version}` : ''}: ${n.message}`, paths: n.paths }));
  });
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'cratefence', version: VERSION, ...GRAMMAR_VERSIONS },
    crate: { name: newV.name ?? oldV.name ?? null, old: oldV.version ?? null, new: newV.version ?? null },
    verdict: scored.verdict,
    score: scored.score,
    verdictReason: scored.verdictReason,
    summary: {
      firstRelease: ctx.firstRelease,
      filesChanged: delta.files.length,
      filesAdded: delta.files.filter((f) => f.status === 'added').length,
      filesRemoved: delta.files.filter((f) => f.status === 'removed').length,
      linesAdded: delta.linesAdded,
      linesRemoved: delta.linesRemoved,
      itemsAdded: delta.items.filter((i) => i.status === 'added').length,
      itemsChanged: delta.items.filter((i) => i.status === 'changed').length,
      itemsRemoved: delta.items.filter((i) => i.status === 'removed').length,
      rustFilesParsed: cache.parsedFiles,
      unresolvedCalls: ctx.newGraph.unresolved,
      partialFiles,
      notes: [...sideNotes.map((n) => n.message), ...compositionNotes(deps)],
      ...(sideNotes.some((n) => n.paths) ? { leftOut: sideNotes.flatMap((n) => (n.paths ? [{ side: n.side, message: n.message, paths: n.paths }] : [])) } : {}),
    },
    capabilities: { before, after, added: after.filter((c) => !ctx.capsBefore.has(c)) },
    findings,
    scoreBreakdown: scored.breakdown,
    timings: { totalMs: Math.round(t4 - t0), parseMs: Math.round(t1 - t0), diffMs: Math.round(t2 - t1), analysisMs: Math.round(t3 - t2), rulesMs: Math.round(t4 - t3) },
  };
  // Composition cut short (deps.ts `cuts`) answers by the order of the scan's calls, which a model
  // changes: a scan that read one is made again without, and no graph of such a scan is kept.
  if (models && deps && deps.cuts > 0) {
    if (stored) return analyzeTrees(oldTree, newTree, { ...options, factsStore: withoutModels(options.factsStore!) });
  } else if (models) {
    // The newer release is the older side of the next scan; the older one's model is kept when it was built here.
    if (!stored && oldTree.files.size > 0) saveGraph(models.store, models.fp, models.catalogue, ctx.oldGraph, false);
    saveGraph(models.store, models.fp, models.catalogue, ctx.newGraph);
  }
  let hunks: FileHunks[] | undefined;
  let summary: CrateSummary | undefined;
  return {
    report,
    delta,
    get hunks() {
      return (hunks ??= fileHunks(delta));
    },
    get summary() {
      return (summary ??= summarizeView(newV, ctx.newGraph, summaryTool(rules)));
    },
  };
}

/**
 * Composition of dependency summaries stops at a cycle and past COMPOSITION_DEPTH crates: what a call
 * reaches beyond is not counted, so the report says so rather than passing over it in silence.
 */
function compositionNotes(deps: DependencyCaps | undefined): string[] {
  if (!deps || deps.cuts === 0) return [];
  return [`dependency summaries: following calls into dependencies stopped ${deps.cuts} time(s) at a cycle between summaries or past ${COMPOSITION_DEPTH} crates deep; what those calls reach beyond that point is not counted in this report`];
}

/** The facts of `store` without its release models. */
function withoutModels(store: FactsStore): FactsStore {
  return { get: (hash) => store.get(hash), put: (hash, facts) => store.put(hash, facts), flush: () => store.flush?.() };
}

/** Where release models are kept: the facts store's folder when it keeps them and the build named its code. */
function modelsOf(store: FactsStore | undefined, rules: RuleSet): { store: ModelStore; fp: string; catalogue: string } | undefined {
  const fp = store?.getModel && store.putModel && store.hasModel ? modelFingerprint() : null;
  if (!fp) return undefined;
  return { store: store as ModelStore, fp, catalogue: rules.catalogueDigest ?? catalogueDigest(rules.catalogue) };
}

function dependencyCaps(rules: RuleSet, source: DependencySource | 'off' | undefined): DependencyCaps | undefined {
  if (source === 'off') return undefined;
  const index = shippedIndex(rules.dir);
  if (!source && index.size === 0) return new DependencyCaps(index, rules.catalogue);
  return new DependencyCaps(source ? new ChainedSource([source, index]) : index, rules.catalogue);
}

const toolMemo = new WeakMap<RuleSet, string>();

/** What computed a summary: cratefence's version and a digest of the capability catalogue it used. */
export function summaryTool(rulesOrDir?: RuleSet | string): string {
  const rules = typeof rulesOrDir === 'object' ? rulesOrDir : rulesFor(rulesOrDir);
  let t = toolMemo.get(rules);
  if (!t) {
    // The bundled rules carry the digest the build worked out from the same catalogue.
    t = `cratefence ${VERSION}/${(rules.catalogueDigest ?? catalogueDigest(rules.catalogue)).slice(0, 12)}`;
    toolMemo.set(rules, t);
  }
  return t;
}

/**
 * The capability summary of one release, from its code alone (calls into its dependencies are kept as
 * paths and composed when the summary is used). Pure: no file or network access.
 */
export function summarizeTree(tree: CrateTree, options: Pick<ScanOptions, 'rulesDir' | 'parse' | 'factsStore'> = {}): CrateSummary {
  const rules = rulesFor(options.rulesDir);
  const cache = new ParseCache(options.parse ?? DEFAULT_PARSE_OPTIONS, options.factsStore);
  const view = buildRelease(tree, cache);
  options.factsStore?.flush?.();
  return summarizeView(view, new CallGraph(view, rules.catalogue, true), summaryTool(rules));
}

/** Compares two releases given as directories or `.crate` / `.tar.gz` files. */
export async function diffReleases(oldInput: string, newInput: string, options: ScanOptions = {}): Promise<Report> {
  return (await analyzeInputs(oldInput, newInput, options)).report;
}

/** `diffReleases`, also returning the release diff as hunks (what `--format html` shows). */
export async function diffReleasesWithHunks(oldInput: string, newInput: string, options: ScanOptions = {}): Promise<ReportWithHunks> {
  const a = await analyzeInputs(oldInput, newInput, options);
  return { report: a.report, hunks: a.hunks };
}

async function analyzeInputs(oldInput: string | null, newInput: string, options: ScanOptions): Promise<Analysis> {
  options.onPhase?.('reading');
  const limits = options.limits ?? DEFAULT_LIMITS;
  const [oldTree, newTree] = await Promise.all([oldInput === null ? emptyTree() : loadSource(oldInput, limits), loadSource(newInput, limits)]);
  return analyzeTrees(oldTree, newTree, options);
}

/**
 * Reads one release named by a path (folder or archive) or given as archive bytes already in memory
 * (a `.crate` the registry client fetched and verified). Same limits and checks either way.
 */
export async function loadRelease(input: { path: string } | { bytes: Uint8Array; label: string }, limits: SourceLimits = DEFAULT_LIMITS): Promise<CrateTree> {
  if ('path' in input) return loadSource(input.path, limits);
  const { readArchiveBytes } = await import('./source/index.js');
  return readArchiveBytes(input.bytes, limits, input.label);
}

/** A dependency a release's Cargo.toml declares (every section and target), as the manifest diff reads it. */
export interface ManifestDependency {
  name: string;
  package: string;
  version?: string;
  section: 'normal' | 'build' | 'dev';
  source: 'registry' | 'git' | 'path' | 'alt-registry';
}

/** The dependencies a release declares; none when it has no readable Cargo.toml. */
export function manifestDependencies(tree: CrateTree): ManifestDependency[] {
  const bytes = tree.files.get('Cargo.toml');
  if (!bytes) return [];
  try {
    return parseManifest(Buffer.from(bytes).toString('utf8')).deps.map((d) => ({ name: d.name, package: d.package, version: d.version, section: d.section, source: d.source }));
  } catch {
    return [];
  }
}

/** Scans a first release: everything in it counts as added. */
export async function scanRelease(input: string, options: ScanOptions = {}): Promise<Report> {
  return (await analyzeInputs(null, input, options)).report;
}

/** `scanRelease`, also returning the release's files as hunks (everything added). */
export async function scanReleaseWithHunks(input: string, options: ScanOptions = {}): Promise<ReportWithHunks> {
  const a = await analyzeInputs(null, input, options);
  return { report: a.report, hunks: a.hunks };
}
