/**
 * Code a build script generates into OUT_DIR for the crate to `include!`. The build script is
 * evaluated over its syntax tree (parse/buildeval.ts, never run); every file it writes under OUT_DIR
 * whose text is built from literals (string literals, `concat!`, `format!` pieces, `include_str!` of
 * a shipped file) is rebuilt and, when the crate includes it, parsed like the crate's own files under
 * the path `/OUT_DIR/<name>` (a path no archive can hold), with the role and module of the file that
 * includes it. Findings in it are placed back on the build script's lines by the rule engine.
 */

import { evaluateBuildScript, type BuildEvaluation, type BuildWrite } from '../parse/buildeval.js';
import { PLACEHOLDER, render } from '../parse/values.js';
import { joinRel } from './release.js';
import type { ReleaseView, RustFile } from './types.js';

/** Generated files keep to this size (the rest is cut, and said to be). */
const MAX_GENERATED = 1024 * 1024;

/** The build script and the files it declares as modules (`mod helpers;`), which run as part of it. */
export function buildScriptFiles(view: ReleaseView): RustFile[] {
  const out: RustFile[] = [];
  const first = view.buildPath ? view.rust.get(view.buildPath) : undefined;
  if (!first) return out;
  const queue = [first];
  const seen = new Set<string>([first.path]);
  while (queue.length > 0 && out.length < 64) {
    const f = queue.shift()!;
    out.push(f);
    const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '';
    const base = f === first || /(^|\/)mod\.rs$/.test(f.path) ? dir : f.path.replace(/\.rs$/, '');
    for (const m of f.facts.mods) {
      if (m.inline) continue;
      const cands = m.pathAttrs.length > 0 ? m.pathAttrs.map((p) => joinRel(dir, p)) : [joinRel(base, `${m.name}.rs`), joinRel(base, `${m.name}/mod.rs`)];
      for (const c of cands) {
        const g = view.rust.get(c);
        if (g && !seen.has(c)) {
          seen.add(c);
          queue.push(g);
        }
      }
    }
  }
  return out;
}

/** One file the build script writes into OUT_DIR. */
export interface GeneratedFile {
  /** Its name under OUT_DIR (`units.rs`); null when the path could not be worked out. */
  name: string | null;
  /** Where the crate holds it, when it is parsed (`/OUT_DIR/units.rs`); null when it is not. */
  path: string | null;
  text: string;
  /** For each line of `text`, the build-script line its first known text comes from. */
  origins: Array<{ file: string; line: number }>;
  /** The build-script statements that write it. */
  writes: Array<{ file: string; line: number; how: string }>;
  /** Parts the scan could not know, and the characters it could. */
  unknown: number;
  known: number;
  truncated: boolean;
  /** What the unknown parts derive from (`net`, `process`, `decode`, `env:NAME`, `file:PATH`). */
  sources: string[];
  /** The `include!` sites of the crate that pull it in. */
  includes: Array<{ file: string; line: number }>;
}

/** What the evaluation of a release's build script found. */
export interface BuildScriptFacts {
  evaluation: BuildEvaluation;
  generated: GeneratedFile[];
}

/** The synthetic folder generated files live in: no crate archive can hold an absolute path. */
export const GENERATED_PREFIX = '/OUT_DIR/';

/** True for the path of a generated file (see GENERATED_PREFIX). */
export function isGenerated(path: string): boolean {
  return path.startsWith(GENERATED_PREFIX);
}

/** The OUT_DIR file name an `include!` names (`concat!(env!("OUT_DIR"), "/gen.rs")` → `gen.rs`), or null. */
export function includedName(args: string | undefined): string | null {
  if (!args || !/OUT_DIR/.test(args)) return null;
  const lits = [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
  const at = lits.indexOf('OUT_DIR');
  const rest = (at >= 0 ? lits.slice(at + 1) : lits).join('');
  const name = rest.replace(/^\/+/, '');
  return name && !name.includes('..') ? name : null;
}

function outDirName(w: BuildWrite): string | null {
  const p = render(w.path, 4096).text;
  const i = p.lastIndexOf('$OUT_DIR/');
  if (i < 0) return null;
  const name = p.slice(i + '$OUT_DIR/'.length).replace(/^\/+/, '');
  return name && !name.includes(PLACEHOLDER) && !name.includes('..') ? name : null;
}

/** The build script's OUT_DIR writes and print-outs, and the generated files the crate includes. */
export function buildScriptFacts(view: ReleaseView): BuildScriptFacts | undefined {
  const files = buildScriptFiles(view);
  if (files.length === 0 || !worthEvaluating(view, files)) return undefined;
  const readShipped = (p: string) => {
    const b = view.tree.files.get(p);
    return b && !view.binaries.has(p) ? Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8') : undefined;
  };
  const evaluation = evaluateOnce(files, readShipped);
  // Writes under OUT_DIR, by file name; several writes to one name (both branches of a condition) are all kept.
  const byName = new Map<string | null, BuildWrite[]>();
  for (const w of evaluation.writes) {
    const p = render(w.path, 4096).text;
    if (!p.includes('$OUT_DIR') && !p.includes(PLACEHOLDER)) continue;
    const name = outDirName(w);
    const l = byName.get(name);
    if (l) l.push(w);
    else byName.set(name, [w]);
  }
  const includes = new Map<string | null, Array<{ file: string; line: number }>>();
  for (const f of view.rust.values()) {
    if (f.role === 'build' || files.includes(f)) continue;
    for (const s of f.facts.sites) {
      if (s.kind !== 'macro' || !/^(std::)?include(_str|_bytes)?$/.test(s.text) || !/OUT_DIR/.test(s.args ?? '')) continue;
      if (s.text.endsWith('include_bytes') || s.text.endsWith('include_str')) continue;
      const name = includedName(s.args);
      const l = includes.get(name);
      if (l) l.push({ file: f.path, line: s.line });
      else includes.set(name, [{ file: f.path, line: s.line }]);
    }
  }
  const generated: GeneratedFile[] = [];
  for (const [name, writes] of byName) {
    const pieces = writes.flatMap((w) => w.content);
    const r = render(pieces, MAX_GENERATED);
    // A write whose path is unknown goes with the includes that no known write explains.
    const inc = name !== null ? (includes.get(name) ?? []) : [...includes].filter(([n]) => n === null || !byName.has(n)).flatMap(([, l]) => l);
    const sources = [...new Set(pieces.flatMap((p) => p.dyn?.taint ?? []))];
    generated.push({
      name, path: null, text: r.text, origins: r.origins, writes: writes.map((w) => ({ file: w.file, line: w.line, how: w.how })),
      unknown: r.unknown, known: r.known, truncated: r.truncated || evaluation.truncated, sources, includes: inc,
    });
  }
  return { evaluation, generated };
}

/** One evaluation and everything it read: the build script's files and the shipped files it read. */
interface EvaluationMemo {
  /** Each file's path and text, and whether it went unparsed (a time budget): then it has no tree to evaluate. */
  files: Array<{ path: string; text: string; unparsed: boolean }>;
  reads: Map<string, string | undefined>;
  evaluation: BuildEvaluation;
}

/** The latest evaluations, newest first: consecutive scans share a release, and a release's two sides often share their build script. */
const evaluations: EvaluationMemo[] = [];
const KEPT_EVALUATIONS = 8;
/** The most text (build script files and files they read) an evaluation kept for reuse may have come from. */
const MAX_KEPT_CHARS = 1024 * 1024;

/**
 * Evaluates the build script, or reuses an earlier evaluation (the other release's, or an earlier
 * scan's) made from the same text at the same paths that read the same shipped files: the evaluation
 * is a function of those alone. Evaluating means parsing the script again (its tree is not kept) and
 * walking it.
 */
function evaluateOnce(files: RustFile[], readShipped: (p: string) => string | undefined): BuildEvaluation {
  const memo = evaluations.find((m) => m.files.length === files.length
    && m.files.every((f, i) => f.path === files[i].path && f.text === files[i].text && f.unparsed === (files[i].facts.unparsed === true))
    && [...m.reads].every(([p, text]) => readShipped(p) === text));
  if (memo) return memo.evaluation;
  const reads = new Map<string, string | undefined>();
  const recording = (p: string) => {
    const text = readShipped(p);
    if (!reads.has(p)) reads.set(p, text);
    return text;
  };
  let evaluation: BuildEvaluation;
  try {
    evaluation = evaluateBuildScript(files.map((f) => ({ path: f.path, tree: f.tree })), recording);
  } catch {
    // The evaluator is bounded and total on valid trees; should anything still fail, the scan goes on
    // without its results (the OUT_DIR includes then stay opaque) rather than stop.
    evaluation = { writes: [], prints: [], truncated: true };
  }
  // Kept only when small: the memo must not hold a hostile release's megabytes after its scan.
  if (files.reduce((n, f) => n + f.text.length, 0) + [...reads.values()].reduce((n, t) => n + (t?.length ?? 0), 0) <= MAX_KEPT_CHARS) {
    evaluations.unshift({ files: files.map((f) => ({ path: f.path, text: f.text, unparsed: f.facts.unparsed === true })), reads, evaluation });
    evaluations.length = Math.min(evaluations.length, KEPT_EVALUATIONS);
  }
  return evaluation;
}

/** Literals that may name a credential or its file: only then can a print-out carry one. */
const SECRETISH = /TOKEN|SECRET|PASSW|API_?KEY|PRIVATE|CREDENTIAL|ACCESS_?KEY|AUTH|SESSION|SSH|AWS_|AZURE|GOOGLE_APP|CARGO_REGISTR|NPM_|GITHUB_|GITLAB|\.aws|\.npmrc|\.pypirc|\.netrc|\.git-credentials|id_rsa|id_ed25519|\.docker|\.kube|keychain|wallet/i;

/**
 * Whether evaluating the build script can matter: the crate includes a file from OUT_DIR, or the
 * build script names something that looks like a credential or walks the whole environment. Most
 * build scripts do neither and are not evaluated.
 */
function worthEvaluating(view: ReleaseView, files: RustFile[]): boolean {
  for (const f of view.rust.values()) {
    if (files.includes(f)) continue;
    if (f.facts.sites.some((s) => s.kind === 'macro' && /include$/.test(s.text) && /OUT_DIR/.test(s.args ?? ''))) return true;
  }
  // (A variable name computed from pieces still has a piece that looks like one: `concat!("GITHUB_", …)`.)
  return files.some((f) => f.facts.sites.some((s) => (s.kind === 'string' && SECRETISH.test(s.text))
    || ((s.kind === 'call' || s.kind === 'method') && /(^|::)vars(_os)?$/.test(s.text))));
}

/** Role and module for a generated file: those of the first file that includes it (an enclosing `mod x { }` included). */
export function includerOf(view: ReleaseView, g: GeneratedFile): { role: RustFile['role']; module: string } | null {
  for (const inc of g.includes) {
    const f = view.rust.get(inc.file);
    if (!f) continue;
    const site = f.facts.sites.find((s) => s.kind === 'macro' && s.line === inc.line && /include$/.test(s.text));
    const item = site && site.item >= 0 ? f.facts.items[site.item] : undefined;
    const base = f.module === 'main' ? 'crate' : f.module;
    return { role: f.role, module: item?.kind === 'mod' ? `${base}::${item.local.replace(/#.*$/, '')}` : f.module };
  }
  return null;
}
