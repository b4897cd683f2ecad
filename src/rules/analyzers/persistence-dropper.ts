/**
 * Download and run: code that reaches the network, writes a file and starts that same file as a
 * program. The link between the write and the start is the path: the same sketch (see
 * persistence-paths.ts) or, in one function, the same expression. It holds in a first release as in
 * a diff: a typosquat's payload is all new code.
 */
import { CallGraph } from '../../analysis/graph.js';
import type { ItemRef } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
import { compileRegex, type CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { TraceHop } from '../../contract/finding.js';
import { changedItems, short, siteMatch } from './util.js';
import { PathEval } from './persistence-paths.js';
import { segments } from './persistence-targets.js';
import { lookupOf, crateWords, fillParams, noteBudget, siteArgs, traceRank, writerItems, writesOf } from './persistence-writes.js';

interface Place {
  holder: string;
  ref: ItemRef;
  index: number;
  /** The path as the code builds it, and the expression text at the site. */
  key: string;
  expr: string;
  call: string;
}

/** A sketch's segments without the unknown ones, as one comparable string ('' when nothing is known). */
function keyOf(sketch: string): string {
  return segments(sketch).filter((s) => s !== '?').join('/');
}

/** The expression text with borrows and conversions stripped (`&path`, `path.as_path()` → `path`). */
function bareExpr(text: string): string {
  return text.replace(/\s+/g, '').replace(/^&(mut)?/, '').replace(/(\.(as_path|as_ref|as_os_str|clone|to_path_buf)\(\))+$/, '');
}

const jobs = new WeakMap<CompiledRule, RegExp | null>();

/** The rule's `params.job` regex (crates whose job is installing or updating programs), compiled once. */
function jobOf(rule: CompiledRule): RegExp | undefined {
  let re = jobs.get(rule);
  if (re === undefined) {
    const src = rule.spec.match.params?.job;
    re = typeof src === 'string' ? compileRegex(src, `${rule.file}: match.params.job`) : null;
    jobs.set(rule, re);
  }
  return re ?? undefined;
}

/** Download-and-run from new code; see the module comment. */
export function dropperAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const job = jobOf(rule)?.exec(crateWords(ctx));
  const lookup = lookupOf(ctx);
  const out = new Map<string, Match>();
  const ranks = new Map<string, number>();
  // Each place's own sketch is evaluated once; parameters are filled in per call chain.
  const base = new Map<string, { sketch: string; expr: string }>();
  for (const ch of changedItems(ctx)) {
    const spawns = ctx.reachedCaps(ch.key, ['process.spawn']).filter((r) => /Command::new$/.test(r.cap.resolved) && r.cap.site >= 0);
    if (spawns.length === 0) continue;
    const net = ctx.reachedCaps(ch.key, ['network']);
    if (net.length === 0) continue;
    const reached = ctx.reachFrom(ch.key);
    const places = (ref: ItemRef, holder: string, index: number, range: [number, number] | undefined, call: string): Place | undefined => {
      if (!range) return undefined;
      const bk = `${holder}|${range[0]}`;
      let own = base.get(bk);
      if (!own) {
        const ev = new PathEval(ref, lookup);
        own = { sketch: ev.expr(range[0], range[1]), expr: bareExpr(ev.shape.text.slice(range[0], range[1])) };
        base.set(bk, own);
      }
      const sketch = own.sketch.includes('\u0002') ? fillParams(ctx, own.sketch, CallGraph.path(reached, holder), [], lookup) : own.sketch;
      return { holder, ref, index, key: keyOf(sketch), expr: own.expr, call };
    };
    const writes: Place[] = [];
    for (const holder of writerItems(ctx)) {
      if (!reached.has(holder)) continue;
      const ref = ctx.delta.new.items.get(holder);
      if (!ref || ref.item.kind !== 'fn' || !ctx.isProduct(ref.file, ref.item.id)) continue;
      for (const w of writesOf(ctx, ref, () => new PathEval(ref, lookup))) {
        if (w.kind !== 'file') continue;
        const p = places(ref, holder, w.index, w.dests[0], w.call);
        if (p) writes.push(p);
      }
    }
    if (writes.length === 0) continue;
    for (const r of spawns) {
      const ref = ctx.delta.new.items.get(r.holder);
      if (!ref || !ctx.isProduct(ref.file, ref.item.id)) continue;
      const prog = places(ref, r.holder, r.cap.site, siteArgs(ref, r.cap.site, new PathEval(ref, lookup))[0], r.cap.resolved);
      if (!prog) continue;
      const w = writes.find((x) => (x.key !== '' && x.key === prog.key) || (x.holder === prog.holder && x.expr !== '' && x.expr === prog.expr && !/^"/.test(x.expr)));
      if (!w) continue;
      const anyNew = ch.status === 'added' || ctx.isNew(r.cap.file, r.cap.site) || ctx.isNew(w.ref.file.path, w.index) || net.some((n) => ctx.isNew(n.cap.file, n.cap.site));
      if (!anyNew) continue;
      const k = `${r.cap.file}:${r.cap.site}`;
      const rank = traceRank(ctx, ch.key, r.trace.length);
      if ((ranks.get(k) ?? Infinity) <= rank) continue;
      ranks.set(k, rank);
      const file = ctx.delta.new.rust.get(r.cap.file)!;
      const wSite = w.ref.file.facts.sites[w.index];
      const trace: TraceHop[] = r.trace;
      const chmod = ctx.reachedCaps(ch.key, ['fs.permissions']).some((x) => {
        const f = ctx.delta.new.rust.get(x.cap.file);
        const a = x.cap.site >= 0 ? f?.facts.sites[x.cap.site]?.args : undefined;
        return !!a && w.expr !== '' && a.replace(/\s+/g, '').includes(w.expr);
      });
      out.set(k, siteMatch(ctx, file, r.cap.site, {
        net: short(net[0].cap.resolved, 50), write: short(w.call, 50), writeAt: `${w.ref.file.path}:${wSite.line}`,
        path: short(w.expr || w.key, 60), spawn: short(r.cap.resolved, 50), entry: ch.key, chmod: chmod ? ', marks it executable' : '',
      }, {
        trace, item: r.holder,
        ...(job ? { severity: 'high' as const, extra: `the crate describes its job with "${short(job[0], 30)}"` } : {}),
      }));
    }
  }
  noteBudget(ctx);
  return [...out.values()];
}
