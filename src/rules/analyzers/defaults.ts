import type { ItemRef } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { short } from './util.js';

/** Field names about TLS: certificate, host-name and peer verification. */
const TLS_NAME = /verif|cert|host_?name|sni|tls|ssl|peer|pinn?ing/i;
/** Field names about resource limits. */
const LIMIT_NAME = /max|limit|timeout|depth|nesting|recursion|budget|cap(acity)?$/i;
/** Field names about input validation. */
const CHECK_NAME = /strict|validat|check|verif|sanitiz|reject/i;
/** Names that say "unsafe when true". */
const NEGATIVE_NAME = /insecure|danger|accept_?invalid|allow_?invalid|skip|disable|no_?verif|unchecked|lenient|permissive|trust_?all|unsafe/i;
/** Values that switch a protection off. */
const OFF_VALUE = /\b(None|Off|Disabled?|Skip|Never|Insecure|No(ne)?Verif\w*|Danger\w*|AcceptAll|AcceptInvalid\w*|Unlimited|Unbounded|Permissive|Lenient|MAX|INFINITY)\b/;
/** Items that hold defaults: constants and statics, `Default` impls, constructors and builders. */
const DEFAULT_FN = /^(default|new|builder|init|defaults|with_defaults|empty|create)$|config|options|settings/i;

interface Assign {
  name: string;
  value: string;
  line: number;
}

/** `name: value` / `name = value` pairs on lines (struct literals, field assignments, consts). */
function assignments(lines: Array<{ line: number; text: string }>): Assign[] {
  const out: Assign[] = [];
  for (const { line, text } of lines) {
    const t = text.replace(/\/\/.*$/, '');
    for (const m of t.matchAll(/(?:^|[\s{(,.])([A-Za-z_]\w*)\s*(?::(?!:)|=(?!=|>))\s*([^,;{}]{1,120}?)\s*(?=[,;}]|$)/g)) {
      // `name: Type` in a field or parameter declaration is not a value.
      if (/^(bool|u\d+|i\d+|usize|isize|f\d+|Option<|Duration\b|String\b|&)/.test(m[2]) && !/::/.test(m[2])) continue;
      out.push({ name: m[1], value: m[2].trim(), line });
    }
  }
  return out;
}

function numberOf(v: string): number | undefined {
  const m = /^(?:Some\()?\s*(?:Duration::from_(secs|millis|micros)\()?\s*([0-9][0-9_]*)(?:\s*\*\s*([0-9][0-9_]*))?(?:\s*<<\s*([0-9]+))?/.exec(v);
  if (!m) return undefined;
  let n = Number(m[2].replace(/_/g, ''));
  if (m[3]) n *= Number(m[3].replace(/_/g, ''));
  if (m[4]) n *= 2 ** Number(m[4]);
  if (m[1] === 'millis') n /= 1000;
  if (m[1] === 'micros') n /= 1e6;
  return n;
}

/** Why the change from `old` to `nw` weakens the protection a field named `name` gives, or null. */
function weakened(name: string, old: string, nw: string, kind: 'tls' | 'limit'): string | null {
  if (old === nw) return null;
  const negative = NEGATIVE_NAME.test(name);
  if (kind === 'tls' ? TLS_NAME.test(name) || (negative && /verif|cert|host/i.test(name)) : CHECK_NAME.test(name) || negative) {
    if (kind === 'limit' && TLS_NAME.test(name) && !/strict|validat|sanitiz|reject/i.test(name)) return null;
    if (!negative && old === 'true' && nw === 'false') return 'verification turned off';
    if (negative && old === 'false' && nw === 'true') return 'turned on';
    if (!negative && !OFF_VALUE.test(old) && OFF_VALUE.test(nw)) return 'set to a value that disables it';
    if (kind === 'tls') return null;
  }
  if (kind !== 'limit' || !LIMIT_NAME.test(name) || negative) return null;
  const a = numberOf(old);
  if (!OFF_VALUE.test(old) && OFF_VALUE.test(nw)) return 'limit removed';
  if (a !== undefined && a > 0 && /^(Some\()?\s*0\s*\)?$/.test(nw) && /timeout/i.test(name)) return 'timeout set to zero (no timeout)';
  const b = numberOf(nw);
  if (a !== undefined && b !== undefined && a > 0 && b >= a * 64) return `limit raised ${Math.round(b / a)}-fold`;
  return null;
}

function holdsDefaults(ref: ItemRef): boolean {
  const it = ref.item;
  if (it.kind === 'const' || it.kind === 'static') return true;
  if (it.kind !== 'fn') return false;
  return it.trait?.split('::').pop() === 'Default' || DEFAULT_FN.test(it.name) || /\bSelf\b|Config|Options|Builder|Settings/.test(it.returnType ?? '');
}

/**
 * A default that a field name says is a protection (certificate / host-name verification, strict
 * parsing, depth and size limits, timeouts) changed from the safe value to the unsafe one, in a
 * const, a static, a `Default` impl, a constructor or a builder's initial state.
 * `params.kind`: `tls` (network) or `limit` (limits and validation, dos).
 */
export function defaultFlippedAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const kind = String(rule.spec.match.params?.kind ?? 'tls') as 'tls' | 'limit';
  const out: Match[] = [];
  for (const ch of ctx.delta.items) {
    if (ch.status !== 'changed' || !ch.newRef || !ch.oldRef) continue;
    const { file, item } = ch.newRef;
    if (file.role !== 'lib' || !ctx.isProduct(file, item.id) || !holdsDefaults(ch.newRef)) continue;
    const fc = ctx.delta.fileByPath.get(file.path);
    if (!fc) continue;
    const oldLines = ctx.linesOf(ch.oldRef.file);
    const newLines = ctx.linesOf(file);
    const sameFile = ch.oldRef.file.path === file.path;
    const removed: Array<{ line: number; text: string }> = [];
    for (let l = ch.oldRef.item.span.line; l <= ch.oldRef.item.span.endLine && removed.length < 400; l++) if (!sameFile || fc.removedLines.has(l)) removed.push({ line: l, text: oldLines[l - 1] ?? '' });
    const added: Array<{ line: number; text: string }> = [];
    for (let l = item.span.line; l <= item.span.endLine && added.length < 400; l++) if (ctx.isAddedLine(file.path, l)) added.push({ line: l, text: newLines[l - 1] ?? '' });
    if (removed.length === 0 || added.length === 0) continue;
    const before = new Map<string, string>();
    let nowAssigns: Assign[];
    if (item.kind === 'const' || item.kind === 'static') {
      // A constant is one value: `const MAX_DEPTH: usize = 128;`.
      const value = (ls: Array<{ text: string }>) => /=\s*([^;]+);/.exec(ls.map((r) => r.text).join(' '))?.[1]?.trim();
      const was = value(removed);
      const now = value(added);
      if (was === undefined || now === undefined) continue;
      before.set(item.name.toLowerCase(), was);
      nowAssigns = [{ name: item.name, value: now, line: added[0].line }];
    } else {
      for (const a of assignments(removed)) before.set(a.name.toLowerCase(), a.value);
      nowAssigns = assignments(added);
    }
    for (const a of nowAssigns) {
      const old = before.get(a.name.toLowerCase());
      if (old === undefined) continue;
      const why = weakened(a.name, old, a.value, kind);
      if (!why) continue;
      out.push({
        file: file.path, line: a.line, column: 1, endLine: a.line, role: file.role, item: ch.key, text: a.name,
        data: { field: a.name, old: short(old, 40), new: short(a.value, 40), why, where: item.kind === 'fn' ? `\`${item.local}\`` : `the ${item.kind} \`${item.name}\`` },
      });
    }
  }
  return out;
}
