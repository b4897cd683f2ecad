import { capMatches } from '../../analysis/catalogue.js';
import { sitesByItem } from '../../diff/index.js';
import type { ItemRef } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Severity } from '../../contract/finding.js';
import { changedItems, short, siteMatch } from './util.js';

/** An environment variable name (the whole literal) that holds a credential. */
const SECRET_NAME = /^[A-Z][A-Z0-9_]{2,63}$/;
const SECRET_WORD = /(TOKEN|SECRET|PASSW|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|SESSION_?KEY|CARGO_REGISTRY|AWS_(ACCESS|SECRET|SESSION)|GOOGLE_APPLICATION_CREDENTIALS|SSH_AUTH_SOCK)/;
/** Build metadata that build scripts read by computed names (`DEP_<links>_INCLUDE`), never a credential. */
const BUILD_META = /^(DEP_|CARGO_(?!REGISTRY)|RUSTC|TARGET|HOST|OUT_DIR|PROFILE|OPT_LEVEL|DEBUG|NUM_JOBS)/;
/** A fragment that picks credentials out of `env::vars()` (`starts_with("AWS_")`, `contains("TOKEN")`). */
const SECRET_FRAGMENT = /^(_?(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|CREDENTIALS?|PRIVATE_KEY|ACCESS_KEY)_?|(AWS|NPM|GITHUB|GH|GITLAB|CARGO_REGISTRY|AZURE|GCP|GOOGLE|DOCKER|PYPI|TWINE|VAULT|SLACK|STRIPE|OPENAI)_)$/;

interface Names {
  /** Secret variable names held by each item (literals in arrays, consts, match arms). */
  byItem: Map<string, string[]>;
  /** Consts and statics that hold secret names, by their own name: code that mentions them reads the list. */
  lists: Map<string, string[]>;
}

const memo = new WeakMap<ScanContext, Names>();

/** Secret variable names written as data anywhere in the new release's shipped code. */
function secretNames(ctx: ScanContext): Names {
  let n = memo.get(ctx);
  if (n) return n;
  n = { byItem: new Map(), lists: new Map() };
  for (const file of ctx.delta.new.rust.values()) {
    const keys = ctx.delta.new.keyOf.get(file.path) ?? [];
    for (const s of file.facts.sites) {
      if (s.kind !== 'string' || s.item < 0 || !SECRET_NAME.test(s.text) || !SECRET_WORD.test(s.text) || BUILD_META.test(s.text)) continue;
      if (!ctx.isProduct(file, s.item)) continue;
      const key = keys[s.item];
      const l = n.byItem.get(key);
      if (l) l.push(s.text);
      else n.byItem.set(key, [s.text]);
      const it = file.facts.items[s.item];
      if (it.kind === 'const' || it.kind === 'static') {
        const m = n.lists.get(it.name);
        if (m) m.push(s.text);
        else n.lists.set(it.name, [s.text]);
      }
    }
  }
  memo.set(ctx, n);
  return n;
}

/** Env reads in `ref` whose variable name is not a literal (`env::var(name)`), or whole-environment reads filtered by a secret-looking fragment. */
function dynamicReads(ctx: ScanContext, ref: ItemRef): Array<{ index: number; how: string }> {
  const out: Array<{ index: number; how: string }> = [];
  const sites = ref.file.facts.sites;
  const ids = sitesByItem(sites).get(ref.item.id) ?? [];
  let filterFragment: string | undefined;
  for (const i of ids) {
    const s = sites[i];
    if (s.kind === 'string' && SECRET_FRAGMENT.test(s.text)) filterFragment ??= s.text;
  }
  for (const i of ids) {
    const s = sites[i];
    const hit = ctx.newGraph.resolver.capOf(ref.file, i);
    if (!hit) continue;
    if (hit.cap === 'env.read' && !/^\(\s*"/.test(s.args ?? '')) out.push({ index: i, how: `\`${short(s.text, 40)}${short(s.args ?? '', 30)}\` with a name taken from data` });
    else if (hit.cap === 'env.read-all' && filterFragment) out.push({ index: i, how: `\`${short(s.text, 40)}\` filtered by "${filterFragment}"` });
  }
  return out;
}

/**
 * Secrets named as data: credential variable names kept in an array, a const or a match and read with
 * `env::var(name)` in a loop, or the whole environment filtered by a secret-looking prefix, reaching
 * the network, a process or a file from new code. The plain `env::var("TOKEN")` is the exfiltration
 * analyzer's; here the name never appears as the call's argument.
 */
export function secretNamesAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const allSinks = (rule.spec.match.params?.sinks as string[] | undefined) ?? ['network', 'process.spawn', 'fs.write'];
  const names = secretNames(ctx);
  const listNames = [...names.lists.keys()];
  const out = new Map<string, Match>();
  // Without secret names as data, only the whole environment filtered by a fragment is left to find.
  if (names.byItem.size === 0 && !ctx.has('env.read-all')) return [];
  const reads = new Map<string, Array<{ index: number; how: string }>>();
  for (const ch of changedItems(ctx)) {
    const reached = ctx.reachFrom(ch.key);
    let held: string[] = [];
    let read: { ref: ItemRef; index: number; how: string } | undefined;
    for (const holder of reached.keys()) {
      const ref = ctx.delta.new.items.get(holder);
      if (!ref || !ctx.isProduct(ref.file, ref.item.id)) continue;
      const own = names.byItem.get(holder);
      if (own) held = held.concat(own);
      if (listNames.length > 0 && ref.item.kind === 'fn') {
        const text = ctx.itemText(holder);
        for (const l of listNames) if (new RegExp(`\\b${l}\\b`).test(text)) held = held.concat(names.lists.get(l)!);
      }
      if (!read) {
        let rs = reads.get(holder);
        if (!rs) reads.set(holder, (rs = dynamicReads(ctx, ref)));
        const d = rs[0];
        if (d) read = { ref, ...d };
      }
    }
    if (!read) continue;
    const fragmentRead = read.how.includes('filtered by');
    if (held.length === 0 && !fragmentRead) continue;
    // The whole environment filtered by a prefix is the exfiltration analyzer's "every environment
    // variable" too; only the network-free sinks are left to this rule then.
    // Build scripts read variables by computed names and drive tools and files as their job: only the network counts there.
    const sinks = ch.newRef!.file.role === 'build' ? allSinks.filter((x) => capMatches(x, 'network') || capMatches('network', x)) : allSinks;
    const sinkList = ctx.reachedCaps(ch.key, sinks).filter((r) => !(fragmentRead && held.length === 0 && !capMatches(r.cap.cap, 'fs.write')));
    for (const r of sinkList) {
      const anyNew = ch.status === 'added' || ctx.isNew(r.cap.file, r.cap.site) || ctx.isNew(read.ref.file.path, read.index);
      if (!anyNew) continue;
      const k = `${r.cap.file}:${r.cap.site}`;
      const prev = out.get(k);
      if (prev && (prev.trace?.length ?? 0) <= r.trace.length) continue;
      const severity: Severity = capMatches(r.cap.cap, 'fs.write') ? 'high' : 'critical';
      const shown = [...new Set(held)].slice(0, 4).join(', ');
      out.set(k, siteMatch(ctx, ctx.delta.new.rust.get(r.cap.file)!, r.cap.site, {
        names: shown || `variables picked by name from the whole environment`,
        read: read.how, readAt: `${read.ref.file.path}:${read.ref.file.facts.sites[read.index].line}`,
        sink: r.cap.cap, sinkCall: short(r.cap.resolved, 60), entry: ch.key,
      }, { trace: r.trace, item: r.holder, severity }));
    }
  }
  return [...out.values()];
}
