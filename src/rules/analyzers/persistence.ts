/**
 * The `persistence-write` analyzer: every write that new code reaches (file writes, registry writes,
 * program starts that write) has its destination evaluated (persistence-paths.ts) and matched
 * against the sensitive-targets table (persistence-targets.ts). Severity comes from the table,
 * lowered to high when the crate says the target is its job or nothing calls the code yet.
 */
import { CallGraph } from '../../analysis/graph.js';
import type { ItemRef } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Severity, TraceHop } from '../../contract/finding.js';
import { changedItems, short, siteMatch } from './util.js';
import { PARAM_RE, PathEval, type Evidence } from './persistence-paths.js';
import { literalSketch, matchTarget, segments, type CompiledTarget, type TargetHit } from './persistence-targets.js';
import { lookupOf, crateWords, fillParams, noteBudget, reachedFromEntries, traceRank, writerItems, writesOf, type WriteSite } from './persistence-writes.js';

/** A command line that writes where it names (a redirection, a copy, a download to a file). */
const WRITES_CMD = /(^|\s)(>>?|tee|cp|mv|install|ln|dd|rsync|curl|wget|copy|Copy-Item|Set-Content|Add-Content|Out-File)(\s|$)|>>?\s*\S/i;
const WRITER_PROGRAMS = /^(cp|mv|install|ln|tee|dd|rsync|curl|wget|sh|bash|zsh|dash|cmd|powershell|pwsh)$/i;

const SHOWN: Record<string, string> = { home: '~', cargo_home: '$CARGO_HOME', rustup_home: '$RUSTUP_HOME', appdata: '%APPDATA%', manifest: '$CARGO_MANIFEST_DIR', root: '' };

/** A path sketch for a reader: markers spelled as a shell would, parameters and unknown parts as `…`. */
function display(sketch: string): string {
  const t = sketch
    .replace(/\u0001(\w+)\u0001/g, (_m, n: string) => `/${SHOWN[n] ?? n}/`)
    .replace(PARAM_RE, '/…/')
    .replace(/(^|\/)\?(?=\/|$)/g, '$1…')
    .replace(/\/{2,}/g, '/')
    .replace(/(.)\/$/, '$1');
  // Only an absolute path keeps its leading slash.
  return short(sketch.trimStart().startsWith('/\u0001root\u0001') ? t : t.replace(/^\//, ''), 100);
}

/** The program a sketch names, by base name without `.exe`. */
function programName(sketch: string): string {
  return (segments(sketch).pop() ?? '').replace(/\.exe$/, '');
}

/** Whether a program start may write a target: a table program, a copier or a shell, or a program the caller names. */
function programMayWrite(ctx: ScanContext, sketch: string): boolean {
  const name = programName(sketch);
  return sketch.includes('\u0002') || WRITER_PROGRAMS.test(name) || ctx.rules.targets.targets.some((t) => t.programs.some((p) => p.name === name));
}

/** Which target a write's destinations land on. */
function targetOf(ctx: ScanContext, w: WriteSite, sketches: string[]): { hit: TargetHit; sketch: string } | undefined {
  const table = ctx.rules.targets;
  if (w.kind !== 'process') {
    for (const sk of sketches) {
      const hit = matchTarget(table, segments(sk), w.kind);
      if (hit) return { hit, sketch: sk };
    }
    return undefined;
  }
  // A program start: the program, then its arguments; a shell command line is split into words.
  const words = sketches.slice(1).flatMap((sk) => sk.split(/\s+/)).filter((x) => x !== '');
  const program = programName(sketches[0] ?? '');
  const plain = words.map((x) => x.replace(/^\/+|\/+$/g, ''));
  for (const t of table.targets) {
    for (const p of t.programs) {
      if (p.name !== program || (p.only && !plain.some((x) => p.only!.test(x))) || (p.unless && plain.some((x) => p.unless!.test(x)))) continue;
      if (t.spec.kind === 'file') return { hit: { target: t, pattern: `the ${program} program` }, sketch: [program, ...plain].join(' ') };
      for (const x of words) {
        const hit = matchTarget(table, segments(literalSketch(x)), 'registry');
        if (hit) return { hit, sketch: x };
      }
    }
  }
  if (!WRITER_PROGRAMS.test(program) && !WRITES_CMD.test(plain.join(' '))) return undefined;
  for (const x of words) {
    const hit = matchTarget(table, segments(literalSketch(x)), 'file');
    if (hit) return { hit, sketch: x };
  }
  return undefined;
}

/**
 * Writes whose destination, as the code builds it, is a place that runs code later (the table in
 * rules/data/sensitive-targets.yaml): shell start-up files, cargo's config and bin folder, git hooks,
 * autostart entries, services, cron, Run keys, authorized_keys, other crates' sources.
 */
export function persistenceAnalyzer(ctx: ScanContext, _rule: CompiledRule): Match[] {
  const out = new Map<string, Match>();
  const ranks = new Map<string, number>();
  const lookup = lookupOf(ctx);
  const words = crateWords(ctx);
  const evals = new Map<string, PathEval>();
  const evalOf = (ref: ItemRef) => {
    let e = evals.get(ref.key);
    if (!e) evals.set(ref.key, (e = new PathEval(ref, lookup)));
    return e;
  };
  // Each write's own sketches are evaluated once; parameters are filled in per call chain.
  const base = new Map<string, { sketches: string[]; evidence: Evidence[] }>();
  const writers = writerItems(ctx);
  for (const ch of changedItems(ctx)) {
    const reached = ctx.reachFrom(ch.key);
    for (const holder of writers) {
      if (!reached.has(holder)) continue;
      const ref = ctx.delta.new.items.get(holder);
      if (!ref || ref.item.kind !== 'fn' || !ctx.isProduct(ref.file, ref.item.id)) continue;
      let chain: ReturnType<typeof CallGraph.path> | undefined;
      for (const w of writesOf(ctx, ref, () => evalOf(ref))) {
        const bk = `${holder}|${w.index}`;
        let own = base.get(bk);
        if (!own) {
          const ev = new PathEval(ref, lookup);
          const sketches: string[] = [];
          for (const [a, b] of w.dests) {
            sketches.push(ev.expr(a, b));
            // A program start's arguments only matter when the program may write (crontab, reg, cp, a shell…).
            if (w.kind === 'process' && sketches.length === 1 && !programMayWrite(ctx, sketches[0])) break;
          }
          own = { sketches, evidence: ev.evidence };
          base.set(bk, own);
        }
        if (own.sketches.length < w.dests.length) continue;
        const path = (chain ??= CallGraph.path(reached, holder));
        const evidence = [...own.evidence];
        const sketches = own.sketches.map((sk) => (sk.includes('\u0002') ? fillParams(ctx, sk, path, evidence, lookup) : sk));
        const found = targetOf(ctx, w, sketches);
        if (!found) continue;
        const site = ref.file.facts.sites[w.index];
        const anyNew = ch.status === 'added' || ctx.isNew(ref.file.path, w.index) || evidence.some((x) => ctx.isAddedLine(x.file, x.line));
        if (!anyNew) continue;
        const k = `${ref.file.path}:${w.index}`;
        const trace: TraceHop[] = [...path.map((e) => ({ item: e.from, file: e.file, line: e.line })), { item: holder, file: ref.file.path, line: site.line }];
        // The trace shown starts at an entry point when one reaches the write, else the nearest change.
        const rank = traceRank(ctx, ch.key, trace.length);
        if ((ranks.get(k) ?? Infinity) <= rank) continue;
        ranks.set(k, rank);
        const { severity, extra } = judge(ctx, found.hit.target, holder, words);
        out.set(k, siteMatch(ctx, ref.file, w.index, {
          path: display(found.sketch), target: found.hit.target.spec.name, targetId: found.hit.target.spec.id, pattern: found.hit.pattern, gives: found.hit.target.spec.gives,
          sinkCall: short(w.call, 60), entry: ch.key,
        }, { trace, item: holder, severity, ...(extra ? { extra } : {}) }));
      }
    }
  }
  noteBudget(ctx);
  return [...out.values()];
}

/** The table's severity, lowered for a crate that says this is its job, or for code nothing calls yet. */
function judge(ctx: ScanContext, t: CompiledTarget, holder: string, words: string): { severity: Severity; extra?: string } {
  const severity = t.spec.severity;
  if (severity !== 'critical') return { severity };
  const job = t.job?.exec(words);
  if (job) return { severity: 'high', extra: `the crate describes its job with "${short(job[0], 30)}": a person should confirm the write happens only when its user asks for it` };
  if (!reachedFromEntries(ctx).has(holder)) return { severity: 'high', extra: 'no entry point of the crate reaches this code yet' };
  return { severity };
}

