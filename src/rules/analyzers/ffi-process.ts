import { capMatches } from '../../analysis/catalogue.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { short, siteMatch } from './util.js';

/**
 * New calls to a foreign function the crate declares itself (`extern "C" { fn system(…); }`) whose C
 * symbol has a capability under `params.capabilities` (by default running a program: `system`,
 * `popen`, the `exec*` family, `posix_spawn`, `WinExec`; see rules/data/platform/). The call graph
 * records such a call as a use of the C function at the call site (src/analysis/foreign.ts); a call
 * through `libc::system` is an ordinary capability site and is reported by the capability rules.
 */
export function ffiCapabilityAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const want = (rule.spec.match.params?.capabilities as string[] | undefined) ?? ['process'];
  const g = ctx.newGraph;
  const out: Match[] = [];
  for (const kind of ['call', 'ident', 'path'] as const) {
    for (const ns of ctx.newSitesOfKind(kind)) {
      if (!ns.itemKey) continue;
      const use = (g.caps.get(ns.itemKey) ?? []).find((u) => u.site === ns.index && u.file === ns.file.path && u.foreign !== undefined && want.some((p) => capMatches(u.cap, p)));
      if (!use?.foreign) continue;
      const target = ctx.delta.new.items.get(use.foreign);
      if (!target) continue;
      out.push(
        siteMatch(ctx, ns.file, ns.index, { callee: ns.site.text, args: short(ns.site.args ?? ''), cfn: use.resolved.replace(/^extern fn /, ''), capability: use.cap, decl: `${target.file.path}:${target.item.span.line}`, declNew: ctx.delta.itemByKey.get(use.foreign)?.status === 'added' || !ctx.delta.old.items.has(use.foreign) ? 'yes' : 'no' }, {
          trace: [{ item: ns.itemKey, file: ns.file.path, line: ns.site.line }, { item: use.foreign, file: target.file.path, line: target.item.span.line }],
        }),
      );
    }
  }
  return out;
}
