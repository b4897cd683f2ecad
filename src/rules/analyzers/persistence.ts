import { CallGraph, type Edge } from '../../analysis/graph.js';
import { sitesByItem } from '../../diff/index.js';
import type { ItemRef } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match, Severity, TraceHop } from '../types.js';
import { changedItems, short, siteMatch } from './util.js';
import { PARAM_RE, PathEval, argsAt, offsetOf, parenAfter, type Evidence } from './persistence-paths.js';
import { literalSketch, matchTarget, segments, type CompiledTarget, type TargetHit } from './persistence-targets.js';

/** A place in a function where it writes a file, a registry key, or starts a program that does. */
interface WriteSite {
  index: number;
  kind: 'file' | 'registry' | 'process';
  call: string;
  /** Where the destination is written: argument ranges of the function's file. */
  dests: Array<[number, number]>;
}

const WRITE_MODE = /\.\s*(write|append|create|create_new|truncate)\s*\(\s*true\s*\)/;
const SECOND_ARG = /(^|::)(copy|rename|hard_link|symlink|symlink_file|symlink_dir|soft_link)$/;
const NO_CONTENT = /(^|::)(create_dir|create_dir_all|DirBuilder)(::|$)/;
const REG_WRITE = /^(set_value|set_raw_value|create_subkey|create_subkey_with_flags|create_subkey_transacted)$|(^|::)Reg(SetValueEx|SetKeyValue|CreateKeyEx|CreateKey)[AW]?$/;
const REG_ARG0 = /^(create_subkey|create_subkey_with_flags|create_subkey_transacted|open_subkey|open_subkey_with_flags)$/;
const REG_ARG1 = /(^|::)Reg(CreateKeyEx|CreateKey|OpenKeyEx|OpenKey|SetKeyValue)[AW]?$/;
/** A command line that writes where it names (a redirection, a copy, a download to a file). */
const WRITES_CMD = /(^|\s)(>>?|tee|cp|mv|install|ln|dd|rsync|curl|wget|copy|Copy-Item|Set-Content|Add-Content|Out-File)(\s|$)|>>?\s*\S/i;
const WRITER_PROGRAMS = /^(cp|mv|install|ln|tee|dd|rsync|curl|wget|sh|bash|zsh|dash|cmd|powershell|pwsh)$/i;

const memo = new WeakMap<ScanContext, Map<string, WriteSite[]>>();

/** The argument ranges of the call at site `index` of a file. */
function siteArgs(ref: ItemRef, index: number, ev: PathEval): Array<[number, number]> {
  const s = ref.file.facts.sites[index];
  const text = ev.shape.text;
  let at = offsetOf(ev.shape, s.line, s.column);
  const name = s.text.split('::').pop() ?? s.text;
  const k = text.indexOf(name, at);
  if (k >= 0 && k - at < 400) at = k + name.length;
  const open = parenAfter(text, at, Math.min(text.length, at + 400));
  return open < 0 ? [] : argsAt(text, open, Math.min(text.length, open + 20_000)).args;
}

/** Every write of a function (memoized per scan). */
function writesOf(ctx: ScanContext, ref: ItemRef, ev: () => PathEval): WriteSite[] {
  let byItem = memo.get(ctx);
  if (!byItem) memo.set(ctx, (byItem = new Map()));
  const hit = byItem.get(ref.key);
  if (hit) return hit;
  const out: WriteSite[] = [];
  const sites = ref.file.facts.sites;
  const ids = sitesByItem(sites).get(ref.item.id) ?? [];
  const resolver = ctx.newGraph.resolver;
  let regWrite: number | undefined;
  const regDests: Array<[number, number]> = [];
  for (let n = 0; n < ids.length; n++) {
    const i = ids[n];
    const s = sites[i];
    if (s.kind !== 'call' && s.kind !== 'method') continue;
    const name = s.text.split('::').pop() ?? '';
    if (REG_WRITE.test(s.kind === 'method' ? name : s.text)) regWrite ??= i;
    if (s.kind === 'method' && REG_ARG0.test(name)) regDests.push(...siteArgs(ref, i, ev()).slice(0, 1));
    if (s.kind === 'call' && REG_ARG1.test(s.text)) regDests.push(...siteArgs(ref, i, ev()).slice(1, 2));
    if (s.kind !== 'call') continue;
    const cap = resolver.capOf(ref.file, i);
    const full = cap?.resolved ?? resolver.fullPath(ref.file, i);
    // `File::options()` is recognised here until the platform model gives it fs.write itself.
    const builder = /(^|::)(OpenOptions|File::options)(::|$)/.test(full) && /^(std|tokio|async_std)::/.test(full);
    if (builder || cap?.cap === 'fs.write') {
      if (NO_CONTENT.test(full)) continue;
      if (builder) {
        if (!WRITE_MODE.test(ctx.itemText(ref.key))) continue;
        const open = ids.slice(n + 1).find((j) => sites[j].kind === 'method' && sites[j].text === 'open');
        if (open !== undefined) out.push({ index: i, kind: 'file', call: full, dests: siteArgs(ref, open, ev()).slice(0, 1) });
        continue;
      }
      const args = siteArgs(ref, i, ev());
      out.push({ index: i, kind: 'file', call: full, dests: SECOND_ARG.test(full) ? args.slice(1, 2) : args.slice(0, 1) });
    } else if (cap?.cap === 'process.spawn' && /Command::new$/.test(full)) {
      const dests = siteArgs(ref, i, ev()).slice(0, 1);
      for (const j of ids.slice(n + 1)) {
        const t = sites[j];
        if (t.kind === 'call' && /Command::new$/.test(t.text)) break;
        if (t.kind === 'method' && (t.text === 'arg' || t.text === 'args')) dests.push(...siteArgs(ref, j, ev()));
      }
      out.push({ index: i, kind: 'process', call: full, dests });
    }
  }
  if (regWrite !== undefined && regDests.length > 0) out.push({ index: regWrite, kind: 'registry', call: sites[regWrite].text, dests: regDests });
  byItem.set(ref.key, out);
  return out;
}

/** A path sketch for a reader: markers spelled as a shell would. */
function display(sketch: string): string {
  const t = sketch
    .replace(/\/?\u0001home\u0001\/?/g, '~/').replace(/\/?\u0001cargo_home\u0001\/?/g, '$CARGO_HOME/')
    .replace(/\/?\u0001rustup_home\u0001\/?/g, '$RUSTUP_HOME/').replace(/\/?\u0001appdata\u0001\/?/g, '%APPDATA%/')
    .replace(/\/?\u0001manifest\u0001\/?/g, '$CARGO_MANIFEST_DIR/').replace(PARAM_RE, '…').replace(/\/\?\//g, '/…/');
  return short(t.replace(/\/{2,}/g, '/'), 100);
}

/** Fills in the parameters of the sketch's function with the arguments of the calls on `chain`, nearest caller first. */
function fillParams(ctx: ScanContext, sketch: string, chain: Array<Edge & { from: string }>, evidence: Evidence[], consts: (n: string) => ItemRef | undefined): string {
  let out = sketch;
  for (let k = chain.length - 1, guard = 0; k >= 0 && guard < 4 && out.includes('\u0002'); k--, guard++) {
    const e = chain[k];
    const caller = ctx.delta.new.items.get(e.from);
    const callee = ctx.delta.new.items.get(e.to);
    if (!caller || !callee || e.kind === 'value' || e.kind === 'macro') break;
    const ev = new PathEval(caller, consts);
    const args = siteArgs(caller, e.site, ev);
    const shift = e.kind === 'call' && new PathEval(callee, consts).paramList().self ? 1 : 0;
    out = out.replace(PARAM_RE, (_m, i: string) => {
      const r = args[Number(i) + shift];
      return r ? `/${ev.expr(r[0], r[1])}/` : '/?/';
    });
    evidence.push(...ev.evidence);
  }
  return out;
}

/** The crate's own words about its job: name, description, keywords, categories. */
function crateWords(ctx: ScanContext): string {
  const pkg = (ctx.delta.new.manifest?.raw.package ?? {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(' ') : typeof v === 'string' ? v : '');
  return [list(pkg.name), list(pkg.description), list(pkg.keywords), list(pkg.categories)].join('\n');
}

const entryReach = new WeakMap<ScanContext, Set<string>>();

/** Items the new release's entry points (public API, main, build script, constructors…) reach. */
function reachedFromEntries(ctx: ScanContext): Set<string> {
  let seen = entryReach.get(ctx);
  if (seen) return seen;
  const g = ctx.newGraph;
  seen = new Set();
  const queue: string[] = [];
  for (const [key, kind] of g.entries) if (kind !== 'test') (seen.add(key), queue.push(key));
  for (let i = 0; i < queue.length; i++) {
    for (const e of g.edges.get(queue[i]) ?? []) if (!seen.has(e.to)) (seen.add(e.to), queue.push(e.to));
  }
  entryReach.set(ctx, seen);
  return seen;
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
  const program = (segments(sketches[0] ?? '').pop() ?? '').replace(/\.exe$/, '');
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
  const consts = constLookup(ctx);
  const words = crateWords(ctx);
  const evals = new Map<string, PathEval>();
  const evalOf = (ref: ItemRef) => {
    let e = evals.get(ref.key);
    if (!e) evals.set(ref.key, (e = new PathEval(ref, consts)));
    return e;
  };
  // Each write's own sketches are evaluated once; parameters are filled in per call chain.
  const base = new Map<string, { sketches: string[]; evidence: Evidence[] }>();
  for (const ch of changedItems(ctx)) {
    const reached = ctx.reachFrom(ch.key);
    for (const holder of reached.keys()) {
      const ref = ctx.delta.new.items.get(holder);
      if (!ref || ref.item.kind !== 'fn' || !ctx.isProduct(ref.file, ref.item.id)) continue;
      for (const w of writesOf(ctx, ref, () => evalOf(ref))) {
        const bk = `${holder}|${w.index}`;
        let own = base.get(bk);
        if (!own) {
          const ev = new PathEval(ref, consts);
          own = { sketches: w.dests.map(([a, b]) => ev.expr(a, b)), evidence: ev.evidence };
          base.set(bk, own);
        }
        const chain = CallGraph.path(reached, holder);
        const evidence = [...own.evidence];
        const sketches = own.sketches.map((sk) => (sk.includes('\u0002') ? fillParams(ctx, sk, chain, evidence, consts) : sk));
        const found = targetOf(ctx, w, sketches);
        if (!found) continue;
        const site = ref.file.facts.sites[w.index];
        const anyNew = ch.status === 'added' || ctx.isNew(ref.file.path, w.index) || evidence.some((x) => ctx.isAddedLine(x.file, x.line));
        if (!anyNew) continue;
        const k = `${ref.file.path}:${w.index}`;
        const trace: TraceHop[] = [...chain.map((e) => ({ item: e.from, file: e.file, line: e.line })), { item: holder, file: ref.file.path, line: site.line }];
        const prev = out.get(k);
        if (prev && (prev.trace?.length ?? 0) <= trace.length) continue;
        const { severity, extra } = judge(ctx, found.hit.target, holder, words);
        out.set(k, siteMatch(ctx, ref.file, w.index, {
          path: display(found.sketch), target: found.hit.target.spec.name, targetId: found.hit.target.spec.id, pattern: found.hit.pattern, gives: found.hit.target.spec.gives,
          sinkCall: short(w.call, 60), entry: ch.key,
        }, { trace, item: holder, severity, ...(extra ? { extra } : {}) }));
      }
    }
  }
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

const constMemo = new WeakMap<ScanContext, (n: string) => ItemRef | undefined>();

/** Constants and statics of the new release by name (a name held by several is not followed). */
function constLookup(ctx: ScanContext): (n: string) => ItemRef | undefined {
  let f = constMemo.get(ctx);
  if (f) return f;
  const byName = new Map<string, ItemRef | null>();
  for (const ref of ctx.delta.new.items.values()) {
    if (ref.item.kind !== 'const' && ref.item.kind !== 'static') continue;
    byName.set(ref.item.name, byName.has(ref.item.name) ? null : ref);
  }
  f = (n: string) => byName.get(n) ?? undefined;
  constMemo.set(ctx, f);
  return f;
}
