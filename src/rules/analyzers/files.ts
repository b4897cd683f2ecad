import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { magicOf, siteMatch } from './util.js';
import { isShippedRole, joinRel, pathTarget } from '../../diff/release.js';
import { isGenerated } from '../../diff/generated.js';
import { changedGeneratedIncludes, generatedInclude } from './generated.js';

/** Build script added, or changed: code that runs on every machine that compiles the crate. */
export function buildScriptAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const change = String(rule.spec.match.params?.change ?? 'added');
  const bp = ctx.delta.new.buildPath;
  if (!bp || !ctx.delta.new.tree.files.has(bp)) return [];
  const fc = ctx.delta.fileByPath.get(bp);
  const oldBp = ctx.delta.old.buildPath;
  const hadBuild = !!oldBp && ctx.delta.old.tree.files.has(oldBp);
  const data = { path: bp, added: String(fc?.linesAdded ?? 0), removed: String(fc?.linesRemoved ?? 0) };
  const m: Match = { file: bp, line: 1, column: 1, endLine: 1, role: 'build', item: null, data, text: bp };
  if (change === 'added' && !hadBuild) return [m];
  if (change === 'modified' && hadBuild && (fc || oldBp !== bp)) {
    // Added lines are recorded in ascending order: the first one is where the change starts.
    const first: number = fc?.addedLines.values().next().value ?? 1;
    return [{ ...m, line: first, endLine: first }];
  }
  return [];
}

const HARMLESS_EXT = /\.(png|jpe?g|gif|ico|svg|webp|bmp|ttf|otf|woff2?|pdf|der|pem|crt|bin|dat|snap|ppm|pgm)$/i;

/** Binary files added or changed, graded by what they are. */
export function binaryFilesAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  // Kinds of native files the previous release already shipped: a crate that ships prebuilt import
  // libraries for some targets and adds one for another target is extending its own job.
  let oldKinds: Set<string> | undefined;
  for (const fc of ctx.delta.files) {
    if (!fc.binary || fc.status === 'removed' || fc.status === 'renamed') continue;
    const bytes = ctx.delta.new.tree.files.get(fc.path)!;
    const magic = magicOf(bytes);
    const kind = magic?.kind ?? (HARMLESS_EXT.test(fc.path) ? `binary data (${fc.path.split('.').pop()})` : 'unrecognised binary data');
    let severity: Match['severity'] = magic?.executable ? 'high' : magic ? 'medium' : HARMLESS_EXT.test(fc.path) ? 'info' : 'low';
    let extra: string | undefined;
    if (magic && ctx.delta.old.binaries.size > 0) {
      oldKinds ??= new Set([...ctx.delta.old.binaries].map((p) => magicOf(ctx.delta.old.tree.files.get(p) ?? new Uint8Array())?.kind).filter((k): k is string => !!k));
      if (oldKinds.has(magic.kind)) {
        severity = 'low';
        extra = `the previous release already shipped files of this kind`;
      }
    }
    const role = /^(tests|benches|examples|fuzz)\//.test(fc.path) && !magic?.executable ? 'test' : 'other';
    out.push({ file: fc.path, line: 1, column: 1, endLine: 1, role, item: null, text: kind, data: { kind, size: String(bytes.length), status: fc.status }, severity, extra });
  }
  return out;
}

/** Problems with the archive itself: ambiguous constructs (critical), case collisions, dangling links, a wrong top folder. */
export function archiveNotesAnalyzer(ctx: ScanContext): Match[] {
  const v = ctx.delta.new;
  const out: Match[] = [];
  const expected = v.manifest?.name && v.manifest.version ? `${v.manifest.name}-${v.manifest.version}` : undefined;
  if (v.tree.topFolder && expected && v.tree.topFolder !== expected) {
    const detail = `the archive's top folder is ${v.tree.topFolder} but its Cargo.toml describes ${expected}`;
    out.push({ file: 'Cargo.toml', line: 1, column: 1, endLine: 1, role: 'archive', item: null, text: 'top-folder-mismatch', data: { detail, kind: 'top-folder-mismatch' }, severity: 'medium' });
  }
  return out.concat(ctx.delta.new.tree.notes
    .filter((n) => n.kind !== 'skipped')
    .map((n) => ({
      file: n.path,
      line: 1,
      column: 1,
      endLine: 1,
      role: 'archive' as const,
      item: null,
      text: n.kind,
      data: { detail: n.message, kind: n.kind },
      // An ambiguity is two readers seeing different content: critical. A source archive (not a
      // cargo package) is only said, as an info finding.
      severity: n.kind === 'ambiguity' ? ('critical' as const) : n.kind === 'dangling-link' || n.kind === 'source-archive' ? ('info' as const) : ('medium' as const),
    })));
}

/**
 * Changed files that were only partly analysed (syntax errors, invalid UTF-8, parse budget). Errors
 * outside the lines this release adds were there before and are not news; large unparsed regions
 * weigh more than a token the grammar does not know.
 */
export function unanalysedAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const g of ctx.gaps) {
    const f = ctx.delta.new.rust.get(g.file);
    out.push({ file: g.file, line: 1, column: 1, endLine: 1, role: f?.role ?? 'lib', item: null, text: g.reason, data: { reason: g.reason } });
  }
  for (const path of ctx.delta.newSites.keys()) {
    const f = ctx.delta.new.rust.get(path)!;
    // Generated code rebuilt with placeholders: how well it was rebuilt is the include finding's to say.
    if (!f.facts.partial || isGenerated(path)) continue;
    const role = f.role === 'lib' || f.role === 'build' || f.role === 'proc-macro' || f.role === 'bin' ? f.role : 'test';
    const whole = f.facts.errors.length === 0 || f.facts.unparsed === true;
    const onAdded = f.facts.errors.filter((e) => {
      for (let l = e.line; l <= e.endLine && l < e.line + 500; l++) if (ctx.isAddedLine(path, l)) return true;
      return false;
    });
    if (!whole && onAdded.length === 0 && !/UTF-8|NUL|budget/.test(f.facts.partialReason ?? '')) continue;
    const first = onAdded[0] ?? f.facts.errors[0];
    const unparsed = onAdded.reduce((n, e) => n + e.bytes, 0);
    const big = whole || unparsed > 2048 || unparsed > f.text.length * 0.05 || /UTF-8|NUL|budget/.test(f.facts.partialReason ?? '');
    const reason = onAdded.length > 0 && !whole ? `${onAdded.length} syntax error(s) on added lines, ${unparsed} characters unparsed` : (f.facts.partialReason ?? 'parse errors');
    // A file the scan never reached because other files spent its time budget: a release can spend
    // the budget on purpose, so the code it pushed out of the analysis counts as the worst it could be,
    // never less than the same release without the slow files would score.
    const starved = f.facts.unparsed === true && /scan's .*budget ran out/.test(f.facts.partialReason ?? '');
    out.push({
      file: path, line: first?.line ?? 1, column: first?.column ?? 1, endLine: first?.line ?? 1, role,
      item: null, text: reason, data: { reason }, severity: starved ? 'critical' : big ? undefined : 'low',
    });
  }
  return out;
}

// `forbid(unsafe_code)` as the attribute itself or inside `cfg_attr(cond, …)`, which protects the same
// way whenever its condition holds (usually: always, unless a feature asks for unsafe code).
const UNSAFE_LINT = /(?:^|[(,]\s*)(?:forbid|deny)\s*\([^()]*\bunsafe_code\b/;

const removedLints = new WeakMap<ScanContext, Array<{ path: string; attr: string }>>();

/**
 * Files whose `#![forbid(unsafe_code)]` / `#![deny(unsafe_code)]`, plain or behind `cfg_attr`, the new
 * release removes. Worked out once per scan: the unsafe rules ask about it for every new unsafe site.
 */
export function removedUnsafeLints(ctx: ScanContext): Array<{ path: string; attr: string }> {
  let out = removedLints.get(ctx);
  if (out) return out;
  out = [];
  for (const [path, oldF] of ctx.delta.old.rust) {
    if (!isShippedRole(oldF.role)) continue;
    const had = oldF.facts.innerAttrs.find((a) => UNSAFE_LINT.test(a));
    if (!had) continue;
    const nf = ctx.delta.new.rust.get(path);
    if (nf && nf.facts.innerAttrs.some((a) => UNSAFE_LINT.test(a))) continue;
    out.push({ path, attr: had });
  }
  removedLints.set(ctx, out);
  return out;
}

/** Removal of `#![forbid(unsafe_code)]` / `#![deny(unsafe_code)]` (plain or under `cfg_attr`) from a file. */
export function lintRemovedAnalyzer(ctx: ScanContext): Match[] {
  return removedUnsafeLints(ctx).map(({ path, attr }) => {
    const nf = ctx.delta.new.rust.get(path);
    return { file: path, line: 1, column: 1, endLine: 1, role: nf?.role ?? 'lib', item: null, text: attr, data: { lint: `#![${attr.replace(/\s+/g, ' ')}]` } };
  });
}

/** Non-ASCII identifiers or bidirectional-control characters on added lines. */
export function oddIdentifiersAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const kind = String(rule.spec.match.params?.kind ?? 'bidi');
  const out: Match[] = [];
  for (const path of ctx.delta.newSites.keys()) {
    const f = ctx.delta.new.rust.get(path)!;
    for (const o of f.facts.oddIdentifiers) {
      if (!ctx.isAddedLine(path, o.line)) continue;
      if ((kind === 'bidi') !== (o.text === 'bidi-control')) continue;
      out.push({ file: path, line: o.line, column: 1, endLine: o.line, role: f.role, item: null, text: o.text, data: { ident: o.text } });
    }
  }
  return out;
}

/** `include_bytes!` / `include_str!` / `include!` of files, graded by what the included file is. */
export function includeAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const ns of ctx.newSites()) {
    const s = ns.site;
    if (s.kind !== 'macro' || !/^(std::)?include(_bytes|_str)?$/.test(s.text)) continue;
    const arg = /"([^"]*)"/.exec(s.args ?? '')?.[1];
    const generated = /OUT_DIR/.test(s.args ?? '');
    let target: string | undefined;
    if (arg && !generated) target = joinRel(ns.file.path.split('/').slice(0, -1).join('/'), arg);
    const bin = target ? ctx.delta.new.binaries.has(target) : false;
    const exists = target ? ctx.delta.new.tree.files.has(target) : false;
    const bytes = target ? ctx.delta.new.tree.files.get(target) : undefined;
    const exe = !!bytes && magicOf(bytes)?.executable === true;
    let severity: Match['severity'];
    let what: string;
    if (generated) {
      // Rebuilt generated code is analysed with the crate's; the include is graded by what could not be rebuilt.
      const m = generatedInclude(ctx, ns, ns.file.path, s.line);
      if (m) out.push(m);
      continue;
    } else if (exe) {
      what = `an executable (${target})`;
      severity = 'high';
    } else if (bin) {
      what = `binary data (${target})`;
      severity = 'medium';
    } else if (target && !exists) {
      what = `${target}, which is not in the published crate`;
      severity = 'medium';
    } else continue;
    out.push({ ...siteMatch(ctx, ns.file, ns.index, {}), data: { macro: s.text, what }, severity });
  }
  return out.concat(changedGeneratedIncludes(ctx));
}



/** `#[path = "..."]` modules that load a file from an unusual place. */
export function pathAttrAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const path of ctx.delta.newSites.keys()) {
    const f = ctx.delta.new.rust.get(path)!;
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    for (const m of f.facts.mods) {
      if (m.pathAttrs.length === 0 || !ctx.isAddedLine(path, m.line)) continue;
      if (m.inline) {
        // On an inline `mod x { }` the path names the folder its file modules live in.
        const base = [dir, ...m.inlineParents].filter(Boolean).join('/');
        const folderOk = m.pathAttrs.every((p) => p === '.' || [...ctx.delta.new.tree.files.keys()].some((k) => k.startsWith(`${joinRel(base, p)}/`)));
        if (folderOk) continue;
      }
      // Odd: a target that is not a .rs file, lives outside the crate, or names build output.
      const odd = m.pathAttrs.some((p) => !p.endsWith('.rs') || /^\/|OUT_DIR|target\//.test(p) || !pathTarget(ctx.delta.new.tree, dir, m.inlineParents, p));
      out.push({
        file: path, line: m.line, column: 1, endLine: m.line, role: f.role, item: ctx.itemKey(f, m.item), text: m.pathAttrs.join(', '),
        data: { path: m.pathAttrs.join('`, `'), module: m.name }, severity: odd ? 'medium' : undefined,
      });
    }
  }
  return out;
}
