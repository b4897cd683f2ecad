import { isGenerated, type GeneratedFile } from '../../diff/generated.js';
import type { ScanContext, NewSite } from '../context.js';
import type { Match } from '../types.js';
import type { Finding, Severity, TraceHop } from '../../contract/finding.js';
import { short, siteMatch } from './util.js';

/** Sources of unknown generated text that make it a payload carrier rather than data. */
const CARRIER_SOURCES: Record<string, string> = { net: 'a download', process: "another program's output", decode: 'decoded or decrypted data' };
/** Build-script helpers whose output is generated from declared inputs (headers, schemas, grammars). */
const GENERATORS = /\b(bindgen|cbindgen|prost_build|tonic_build|protobuf_codegen|protoc_rust|capnpc|lalrpop|cxx_build|uniffi|built|vergen|phf_codegen|windows_bindgen|pest_generator|flatc_rust|autocfg|rustc_version|version_check)\b/;

function generatedOf(ctx: ScanContext, path: string): GeneratedFile | undefined {
  return ctx.delta.new.buildScript?.generated.find((g) => g.path === path);
}

/**
 * Findings in code a build script generates (`/OUT_DIR/<name>`) are placed on the build-script line
 * its text comes from, and say where in the generated file they are and which `include!` pulls it in:
 * a reviewer (and a SARIF viewer) can only open the crate's real files.
 */
export function placeGenerated(ctx: ScanContext, f: Finding): Finding {
  const hops = f.trace?.some((h) => isGenerated(h.file)) ? f.trace.map((h) => placeHop(ctx, h)) : f.trace;
  if (!isGenerated(f.file)) return hops === f.trace ? f : { ...f, trace: hops };
  const g = generatedOf(ctx, f.file);
  if (!g) return f;
  const origin = g.origins[f.line - 1] ?? g.writes[0];
  const genLine = g.text.split('\n')[f.line - 1] ?? '';
  const inc = g.includes[0];
  const where = `in code the build script writes to OUT_DIR/${g.name ?? '(unnamed)'} (generated line ${f.line}: \`${short(genLine, 100)}\`), which ${inc ? `${inc.file}:${inc.line} include!s` : 'the crate includes'}`;
  return { ...f, file: origin.file, line: origin.line, endLine: origin.line, column: 1, snippet: ctx.snippet(origin.file, origin.line) || genLine, message: `${f.message} (${where})`, ...(hops ? { trace: hops } : {}) };
}

function placeHop(ctx: ScanContext, h: TraceHop): TraceHop {
  if (!isGenerated(h.file)) return h;
  const g = generatedOf(ctx, h.file);
  const o = g ? (g.origins[h.line - 1] ?? g.writes[0]) : undefined;
  return o ? { item: h.item, file: o.file, line: o.line } : h;
}

/** True when the new release changed how the build script writes `g`: a write on an added line, or other text than before. */
function writeChanged(ctx: ScanContext, g: GeneratedFile): boolean {
  if (g.writes.some((w) => ctx.isAddedLine(w.file, w.line))) return true;
  const old = ctx.delta.old.buildScript?.generated.find((o) => o.name === g.name);
  return !old || old.text !== g.text;
}

/**
 * An `include!` of a file generated into OUT_DIR, new in this release or whose generation changed.
 * Rebuilt from literals, the file was analysed with the crate's code and the include is context;
 * text the scan cannot rebuild is graded by where it comes from (a download, a program, a decoder).
 */
export function generatedInclude(ctx: ScanContext, ns: NewSite | null, file: string, line: number): Match | null {
  const bs = ctx.delta.new.buildScript;
  const g = bs?.generated.find((x) => x.includes.some((i) => i.file === file && i.line === line));
  const isNewSite = ns !== null;
  if (!isNewSite && (!g || !writeChanged(ctx, g))) return null;
  const name = g?.name ? `OUT_DIR/${g.name}` : 'a file in OUT_DIR';
  const carriers = (g?.sources ?? []).filter((s) => Object.hasOwn(CARRIER_SOURCES, s)).map((s) => CARRIER_SOURCES[s]);
  const writes = g?.writes.map((w) => `${w.file}:${w.line}`).join(', ') ?? '';
  let what: string;
  let severity: Severity;
  if (g?.path && g.unknown === 0) {
    const parsed = ctx.delta.new.rust.get(g.path);
    const errs = parsed?.facts.partial ? `; ${parsed.facts.errors.length} syntax error(s) in the rebuilt text` : '';
    what = `${name}, which the build script writes at ${writes}; its text was rebuilt from the build script's literals and analysed with the crate's code${errs}`;
    severity = isNewSite ? 'low' : 'info';
  } else if (g?.path) {
    what = `${name}, which the build script writes at ${writes}; rebuilt from the build script's literals and analysed, except ${g.unknown} part(s) the scan cannot know${g.sources.length ? ` (from ${g.sources.slice(0, 3).join(', ')})` : ''}`;
    severity = carriers.length > 0 ? 'high' : isNewSite ? 'low' : 'info';
    if (carriers.length > 0) what += `, which come from ${carriers.join(' and ')}`;
  } else if (g) {
    // A copy of a named crate file that is not in the published crate cannot happen at build time
    // (packagers such as Debian strip vendored files): worth a note, not a review.
    const missing = g.sources.length > 0 && g.sources.every((x) => /^file:[^?$/.][^$]*$/.test(x) && !ctx.delta.new.tree.files.has(x.slice(5)));
    what = `${name}, which the build script writes at ${writes} with text the scan cannot rebuild${g.sources.length ? ` (from ${g.sources.slice(0, 3).join(', ')})` : ''}${missing ? ', a file that is not in the published crate' : ': code no reviewer can read is compiled into the crate'}`;
    severity = carriers.length > 0 ? 'high' : missing ? 'low' : 'medium';
    if (carriers.length > 0) what += `; it comes from ${carriers.join(' and ')}`;
  } else {
    // No write the evaluation recognises: a code generator (bindgen, prost…) or a tool the script runs.
    const buildText = ctx.delta.new.buildPath ? (ctx.delta.new.rust.get(ctx.delta.new.buildPath)?.text ?? '') : '';
    const tool = GENERATORS.exec(buildText)?.[1];
    what = `a file generated at build time (OUT_DIR)${tool ? ` by ${tool}` : ''}, which no reviewer can read in the release`;
    severity = 'low';
  }
  if (g?.truncated) {
    what += '; the scan stopped rebuilding it early (its size or step limit), so the rest was not analysed';
    if (severity === 'info' || severity === 'low') severity = 'medium';
  }
  const base = ns ? siteMatch(ctx, ns.file, ns.index, {}) : locate(ctx, file, line);
  return { ...base, data: { macro: 'include', what }, severity };
}

function locate(ctx: ScanContext, file: string, line: number): Match {
  const f = ctx.delta.new.rust.get(file)!;
  const i = f.facts.sites.findIndex((s) => s.kind === 'macro' && s.line === line && /include$/.test(s.text));
  return siteMatch(ctx, f, i, {});
}

/** `include!`s of OUT_DIR files that are not new sites but whose generation changed. */
export function changedGeneratedIncludes(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const g of ctx.delta.new.buildScript?.generated ?? []) {
    for (const inc of g.includes) {
      const f = ctx.delta.new.rust.get(inc.file);
      const i = f ? f.facts.sites.findIndex((s) => s.kind === 'macro' && s.line === inc.line && /include$/.test(s.text)) : -1;
      if (!f || i < 0 || ctx.isNew(inc.file, i)) continue;
      const m = generatedInclude(ctx, null, inc.file, inc.line);
      if (m) out.push(m);
    }
  }
  return out;
}
