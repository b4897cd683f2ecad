import { capMatches } from '../../analysis/catalogue.js';
import type { DepCap } from '../../analysis/deps.js';
import type { ScanContext } from '../context.js';
import type { Match } from '../types.js';
import type { Severity } from '../../contract/finding.js';
import { freshDeps } from './handoff.js';
import { canon, popularCrates } from './manifest.js';
import { manifestMatch, short, siteMatch } from './util.js';

/**
 * New code calls into a dependency this release adds, renames or re-points, and cratefence has no
 * capability summary of that dependency (not in the shipped index, not on the machine): whatever the
 * dependency does is invisible to this scan, so a reviewer must know — never a silent 0. One finding
 * per dependency, at its first new call.
 */
export function unknownDependencyAnalyzer(ctx: ScanContext): Match[] {
  const fresh = freshDeps(ctx);
  if (fresh.size === 0) return [];
  const popular = popularCrates(ctx.rules.dir);
  const resolver = ctx.newGraph.resolver;
  const out: Match[] = [];
  const done = new Set<string>();
  for (const ns of ctx.newSites()) {
    const k = ns.site.kind;
    // Calls run the dependency's code; a constant or type named by path does not.
    if (k !== 'call' && k !== 'macro') continue;
    if (!ctx.isProduct(ns.file, ns.site.item)) continue;
    const full = k === 'macro' ? resolver.resolvePath(ns.file, ns.site.text) : resolver.fullPath(ns.file, ns.index);
    const root = full.slice(0, Math.max(0, full.indexOf('::')));
    const f = root ? fresh.get(root) : undefined;
    if (!f || done.has(root)) continue;
    if ((f.dep.section === 'build') !== (ns.file.role === 'build')) continue;
    const known = ctx.deps?.source.summaryOf(f.dep.package, f.dep.version) ?? null;
    if (known) continue;
    done.add(root);
    // A widely used crate (or a member of a widely used crate's family, `serde_core`) from crates.io is
    // shown without points: the lock workflow scans it, and such crates are where summaries come from
    // first. Anything else is reviewed.
    const pkg = canon(f.dep.package);
    const stem = pkg.replace(FAMILY, '');
    const isPopular = popular.has(pkg) || (stem !== pkg && popular.has(stem));
    // Review is what an unknown dependency needs, not a block by accumulation: medium from crates.io,
    // high from git, a path or another registry (code no registry vouches for).
    const severity: Severity = f.dep.source !== 'registry' ? 'high' : isPopular ? 'low' : 'medium';
    out.push(siteMatch(ctx, ns.file, ns.index, {
      dep: f.dep.package,
      why: f.why,
      req: f.dep.version ?? '*',
      call: short(`${ns.site.text}${k === 'macro' ? '!' : ''}`, 60),
      how: ctx.deps ? 'it is not in the shipped summary index or any cache on this machine' : 'dependency summaries are switched off (`--deps off`)',
    }, { severity, trace: ns.itemKey ? [{ item: ns.itemKey, file: ns.file.path, line: ns.site.line }] : undefined }));
  }
  return out;
}

const FAMILY = /[-_](core|derive|macros?|impl|sys|internals?|shared|util|utils|types|codegen|attributes|proc[-_]macros?|common|backend)$/;

const BUILD_DANGER = ['process', 'network', 'env.secret', 'env.read-all', 'ffi.dlopen'];

/** A process start whose literal program downloads, opens a shell or runs an interpreter. */
const CARRIER_CALL = /\("(?:[^"]*[\\/])?(?:curl|wget|nc|ncat|netcat|socat|ssh|scp|ftp|sh|bash|dash|zsh|fish|cmd|powershell|pwsh|python[0-9.]*|perl|ruby|node|certutil|bitsadmin|mshta|rundll32)(?:\.exe)?"\)/i;

/**
 * A dependency this release adds (or renames, or re-points) whose build script or proc-macro reaches
 * a process, the network or a secret, per its capability summary: that code runs on every machine
 * that builds this crate, before any of the crate's own code. Reported on the Cargo.toml line.
 */
export function dependencyBuildAnalyzer(ctx: ScanContext): Match[] {
  if (!ctx.deps) return [];
  const out: Match[] = [];
  for (const f of freshDeps(ctx).values()) {
    if (f.dep.section === 'dev') continue;
    const rs = ctx.deps.source.summaryOf(f.dep.package, f.dep.version);
    if (!rs) continue;
    const parts: Array<{ what: string; caps: DepCap[] }> = [
      { what: 'build script', caps: ctx.deps.buildCaps(rs.summary) },
      { what: 'proc-macro', caps: ctx.deps.procMacroCaps(rs.summary) },
    ];
    for (const p of parts) {
      const bad = p.caps.filter((c) => BUILD_DANGER.some((d) => capMatches(c.cap, d)));
      if (bad.length === 0) continue;
      const has = (d: string) => bad.some((c) => capMatches(c.cap, d));
      // Build scripts start compilers, pkg-config and `$RUSTC --version` all the time: a process alone is
      // worth showing, not worth points, unless the program is one that fetches or runs what it is given.
      const carrier = bad.some((c) => capMatches(c.cap, 'process') && CARRIER_CALL.test(c.via));
      const severity: Severity = has('env.secret') || (has('network') && has('process')) || carrier ? 'critical'
        : has('network') || has('env.read-all') || has('ffi.dlopen') ? 'high'
        : p.what === 'proc-macro' ? 'medium' : 'info';
      const name = f.dep.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[-_]/g, '[-_]');
      out.push(manifestMatch(ctx, new RegExp(`^\\s*${name}\\s*=|^\\[[^\\]]*dependencies\\.${name}\\]`), {
        dep: f.dep.package,
        version: rs.summary.version + (rs.approximate ? ` (nearest known to ${f.dep.version ?? '*'})` : ''),
        why: f.why,
        what: p.what,
        caps: [...new Set(bad.map((c) => c.cap))].join(', '),
        via: short(bad[0].via, 200),
      }, { severity }));
    }
  }
  return out;
}
