import type { DepSpec } from '../../diff/manifest.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Severity } from '../../contract/finding.js';
import { canon, popularCrates, typosquatOf } from './manifest.js';
import { short, siteMatch } from './util.js';

/** A dependency that this release introduces, renames or points somewhere else, by the name code uses. */
export interface FreshDep {
  dep: DepSpec;
  why: string;
}

/** Dependencies new, renamed (`package =` changed) or re-pointed (source changed) in this release, by code name. */
export function freshDeps(ctx: ScanContext): Map<string, FreshDep> {
  const out = new Map<string, FreshDep>();
  const md = ctx.delta.manifest;
  const code = (d: DepSpec) => d.name.replace(/-/g, '_');
  for (const d of md.added) if (d.section !== 'dev') out.set(code(d), { dep: d, why: 'new in this release' });
  for (const c of md.changed) {
    if (c.new.section === 'dev') continue;
    if (canon(c.old.package) !== canon(c.new.package)) out.set(code(c.new), { dep: c.new, why: `renamed in this release (now package \`${c.new.package}\`, was \`${c.old.package}\`)` });
    else if (c.old.source !== c.new.source || c.old.git !== c.new.git || c.old.path !== c.new.path || c.old.registry !== c.new.registry) {
      out.set(code(c.new), { dep: c.new, why: `re-pointed in this release (now ${c.new.source === 'git' ? `git ${c.new.git}` : c.new.source === 'path' ? `path ${c.new.path}` : c.new.source === 'alt-registry' ? `registry ${c.new.registry}` : 'crates.io'})` });
    }
  }
  return out;
}

/** How the dependency looks: severity and a phrase for the message. */
function judge(ctx: ScanContext, f: FreshDep): { severity: Severity; how: string; looks: string } {
  const d = f.dep;
  const popular = popularCrates(ctx.rules.dir);
  if (d.source === 'git') return { severity: 'high', how: `, fetched from git (${short(d.git ?? '', 60)})`, looks: 'git' };
  if (d.source === 'alt-registry') return { severity: 'high', how: `, from another registry (${short(d.registry ?? '', 40)})`, looks: 'registry' };
  if (d.source === 'path') return { severity: 'medium', how: `, from a local path (${short(d.path ?? '', 40)})`, looks: 'path' };
  const target = typosquatOf(d.package, popular);
  if (target) return { severity: 'high', how: `, whose name imitates the widely used \`${target}\``, looks: 'typosquat' };
  if (canon(d.name) !== canon(d.package) && popular.has(canon(d.name))) return { severity: 'high', how: `, named like \`${d.name}\` but fetching \`${d.package}\``, looks: 'disguise' };
  if (popular.has(canon(d.package))) return { severity: 'info', how: ', a widely used crate', looks: 'popular' };
  // Family members of a widely used crate (`serde_core`, `tokio-macros`) and the crate's own family
  // (`uuid-macro-internal` for uuid) are how publishers split crates, not imitations.
  const stem = canon(d.package).replace(FAMILY, '');
  if (stem !== canon(d.package) && popular.has(stem)) return { severity: 'info', how: `, part of the widely used \`${stem}\` family`, looks: 'popular' };
  const own = canon(ctx.delta.new.name ?? '');
  if (own.length >= 3 && (canon(d.package).startsWith(`${own}-`) || own.startsWith(`${canon(d.package)}-`))) return { severity: 'low', how: ', from the crate\'s own family of crates', looks: 'own' };
  return { severity: 'medium', how: ', not a widely used crate', looks: 'unknown' };
}

const FAMILY = /[-_](core|derive|macros?|impl|sys|internals?|shared|util|utils|types|codegen|attributes|proc[-_]macros?|common|backend)$/;

const STRONG = ['network', 'process', 'ffi.dlopen', 'ffi.mprotect', 'fs.delete', 'fs.write', 'env.secret', 'env.read-all'];

const ENTRY_KINDS = new Set(['public', 'implicit', 'build', 'proc-macro', 'ctor', 'bin']);

/**
 * A changed entry function (public, implicitly called, build script `main`, proc-macro) or a widely
 * called one gains a call into a crate that this release adds, renames or re-points: the hand-off
 * pattern of arrayref / internment (a new `proc-macro1` dependency carried the payload). Weighted by
 * how the dependency looks and by how small the change around the call is.
 */
export function handoffAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const fresh = freshDeps(ctx);
  if (fresh.size === 0) return [];
  const maxStmts = Number(rule.spec.match.params?.maxAddedStatements ?? 3);
  const minCallers = Number(rule.spec.match.params?.minCallers ?? 3);
  const g = ctx.newGraph;
  const out: Match[] = [];
  const seen = new Set<string>();
  const judged = new Map<string, ReturnType<typeof judge>>();
  for (const ns of ctx.newSites()) {
    const k = ns.site.kind;
    if ((k !== 'call' && k !== 'path' && k !== 'macro' && k !== 'ident') || !ns.itemKey) continue;
    const ch = ctx.delta.itemByKey.get(ns.itemKey);
    if (!ch || ch.status !== 'changed' || !ch.newRef || ch.newRef.item.kind !== 'fn' || !ctx.isProduct(ns.file, ns.site.item)) continue;
    const entry = g.entries.get(ns.itemKey);
    const callers = g.callers.get(ns.itemKey) ?? 0;
    if (!(entry && ENTRY_KINDS.has(entry)) && callers < minCallers) continue;
    const full = k === 'macro' ? ctx.newGraph.resolver.resolvePath(ns.file, ns.site.text) : ctx.newGraph.resolver.fullPath(ns.file, ns.index);
    const root = full.split('::')[0];
    const f = fresh.get(root);
    if (!f) continue;
    // A build dependency serves the build script; a normal one the crate's own code.
    if ((f.dep.section === 'build') !== (ns.file.role === 'build')) continue;
    const once = `${ns.itemKey}|${root}`;
    if (seen.has(once)) continue;
    seen.add(once);
    let j = judged.get(root);
    if (!j) judged.set(root, (j = judge(ctx, f)));
    let severity = j.severity;
    let extra: string | undefined;
    // With the dependency's code summarised, the hand-off is judged by what the call reaches there:
    // nothing strong, or only what the crate already did at run time, is an ordinary adoption.
    const summarised = ctx.deps?.source.summaryOf(f.dep.package, f.dep.version);
    // Nothing known of it: dependency-unanalysed reports the same call with what to do about it, so
    // the hand-off here is the same fact said twice and counts little.
    if (!summarised && ctx.deps && j.looks === 'unknown') {
      severity = 'low';
    }
    if (summarised && severity !== 'info') {
      const reached = ctx.newGraph.resolver.capOf(ns.file, ns.index)?.viaDependency ?? [];
      const strong = reached.filter((d) => STRONG.some((p) => d.cap === p || d.cap.startsWith(`${p}.`)));
      if (strong.every((d) => ctx.hadAtRuntime(d.cap))) {
        out.push(siteMatch(ctx, ns.file, ns.index, {
          entry: ns.itemKey.replace(/^crate::/, ''), kind: entry ?? `${callers} callers`, dep: f.dep.name, why: f.why, how: j.how, looks: j.looks, call: short(`${ns.site.text}${ns.site.args ?? ''}`, 60),
        }, {
          severity: strong.length > 0 ? 'low' : 'info',
          extra: strong.length > 0 ? `its summary reaches ${[...new Set(strong.map((d) => d.cap))].join(', ')}, which the crate already used` : `its summary (${summarised.summary.name} ${summarised.summary.version}) reaches nothing that acts on the machine`,
          trace: [{ item: ns.itemKey, file: ns.file.path, line: ns.site.line }],
        }));
        continue;
      }
    }
    if (ch.addedStmts.length > maxStmts && severity !== 'info') {
      // A larger rewrite that adopts a crate reads as feature work; a one-line call reads as a hand-off.
      severity = severity === 'high' ? 'medium' : 'low';
      extra = `${ch.addedStmts.length} statements of the function are new`;
    } else if (severity !== 'info') extra = `the call is ${ch.addedStmts.length === 1 ? 'the one new statement' : `one of ${ch.addedStmts.length} new statements`} of the function`;
    const name = ns.itemKey.replace(/^crate::/, '');
    out.push(
      siteMatch(ctx, ns.file, ns.index, {
        entry: name, kind: entry ?? `${callers} callers`, dep: f.dep.name, why: f.why, how: j.how, looks: j.looks, call: short(`${ns.site.text}${ns.site.args ?? ''}`, 60),
      }, { severity, extra, trace: [{ item: ns.itemKey, file: ns.file.path, line: ns.site.line }] }),
    );
  }
  return out;
}
