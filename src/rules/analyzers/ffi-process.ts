import { capMatches } from '../../analysis/catalogue.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { short, siteMatch } from './util.js';

/**
 * New calls to a foreign function the crate declares itself (`extern "C" { fn system(…); }`) whose C
 * name runs a program (`system`, `popen`, the `exec*` family, `posix_spawn`; see `libc::` in
 * rules/capabilities.yaml). A call through `libc::system` is a capability site of its own; a call to
 * the crate's own declaration is an edge to it, so without this check it had no process finding.
 */
export function ffiCapabilityAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const want = (rule.spec.match.params?.capabilities as string[] | undefined) ?? ['process'];
  const g = ctx.newGraph;
  const out: Match[] = [];
  for (const kind of ['call', 'ident', 'path'] as const) {
    for (const ns of ctx.newSitesOfKind(kind)) {
      if (!ns.itemKey) continue;
      for (const e of g.edges.get(ns.itemKey) ?? []) {
        if (e.site !== ns.index) continue;
        const target = ctx.delta.new.items.get(e.to);
        if (!target?.item.foreign) continue;
        const use = (g.caps.get(e.to) ?? []).find((u) => want.some((p) => capMatches(u.cap, p)));
        if (!use) continue;
        out.push(
          siteMatch(ctx, ns.file, ns.index, { callee: ns.site.text, args: short(ns.site.args ?? ''), cfn: use.resolved.replace(/^extern fn /, ''), capability: use.cap, decl: `${target.file.path}:${target.item.span.line}`, declNew: ctx.delta.itemByKey.get(e.to)?.status === 'added' || !ctx.delta.old.items.has(e.to) ? 'yes' : 'no' }, {
            trace: [{ item: ns.itemKey, file: ns.file.path, line: ns.site.line }, { item: e.to, file: target.file.path, line: target.item.span.line }],
          }),
        );
        break;
      }
    }
  }
  return out;
}
