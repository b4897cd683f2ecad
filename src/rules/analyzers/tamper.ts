/**
 * Tampering that needs no new capability: a hard-coded wallet address in code that rewrites data
 * (an address swapper), and a verify/check/auth function that starts accepting a constant.
 */
import { sitesByItem } from '../../diff/index.js';
import type { ItemRef } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { changedItems, short, siteMatch } from './util.js';
import { addressIn } from './tamper-address.js';
import { lineOf, shapeOf, type Shape } from './persistence-shape.js';

/** Methods and calls that rewrite data in place or replace it: where a swapped address goes in. */
const REWRITE = /^(replace|replace_all|replacen|replace_range|splice|copy_from_slice|clone_from_slice|set_text|set_contents|set_clipboard|set_clipboard_string)$|(^|::)(copy_nonoverlapping|ptr::copy|SetClipboardData)$/;
/** Text that looks for addresses in the data it is given (a regex, a prefix-and-length test). */
const FINDS_ADDRESSES = /0x\[[^\]]*a-f[^\]]*\]\{40\}|\[13\]\[[^\]]*\]\{2[0-9],3[0-9]\}|bc1\[|\[1-9A-HJ-NP-Za-km-z\]|starts_with\(\s*"0x"\s*\)[\s\S]{0,200}len\(\)\s*==\s*42|len\(\)\s*==\s*42[\s\S]{0,200}starts_with\(\s*"0x"\s*\)/;

/** The functions that hold a site's literal: the item itself, or the functions that use a const/static. */
function usersOf(ctx: ScanContext, key: string): ItemRef[] {
  const ref = ctx.delta.new.items.get(key);
  if (!ref) return [];
  if (ref.item.kind === 'fn') return [ref];
  if (ref.item.kind !== 'const' && ref.item.kind !== 'static') return [];
  const out: ItemRef[] = [];
  for (const e of ctx.newGraph.reverse().get(key) ?? []) {
    const r = ctx.delta.new.items.get(e.from);
    if (r && r.item.kind === 'fn' && !out.includes(r)) out.push(r);
  }
  return out;
}

const rewrites = new WeakMap<ItemRef, string | null>();

/** The first rewriting call of a function, by name (memoized: many literals may share one function). */
function rewriteIn(ref: ItemRef): string | undefined {
  let r = rewrites.get(ref);
  if (r === undefined) rewrites.set(ref, (r = firstRewrite(ref) ?? null));
  return r ?? undefined;
}

function firstRewrite(ref: ItemRef): string | undefined {
  const sites = ref.file.facts.sites;
  for (const i of sitesByItem(sites).get(ref.item.id) ?? []) {
    const s = sites[i];
    if ((s.kind === 'method' || s.kind === 'call') && REWRITE.test(s.kind === 'method' ? s.text : s.text.split('::').slice(-2).join('::'))) return s.text;
  }
  return undefined;
}

/**
 * New literals shaped like a cryptocurrency address in a function that replaces, splices or copies
 * data (or used by one): the shape of a clipboard or payload swapper that puts the attacker's wallet
 * where the user's was. A wallet library's table of addresses that nothing rewrites with is quiet.
 */
export function walletSwapAnalyzer(ctx: ScanContext, _rule: CompiledRule): Match[] {
  const out: Match[] = [];
  for (const ns of ctx.newSitesOfKind('string')) {
    if (!ns.itemKey || !ctx.isProduct(ns.file, ns.site.item)) continue;
    const addr = addressIn(ns.site.text);
    if (!addr) continue;
    for (const fn of usersOf(ctx, ns.itemKey)) {
      const op = rewriteIn(fn);
      if (!op) continue;
      const finds = FINDS_ADDRESSES.test(ctx.itemText(fn.key));
      out.push(siteMatch(ctx, ns.file, ns.index, { kind: addr.kind, address: short(addr.text, 64), rewrite: op, fn: fn.key }, {
        confidence: finds ? 'high' : 'medium',
        ...(finds ? { extra: 'the function also looks for addresses in the data it is given' } : {}),
      }));
      break;
    }
  }
  return out;
}

/** How far the branch and `||` searches look around a comparison, and how many comparisons of one function are tried. */
const SCAN = 4096;
const MAX_COMPARISONS = 256;

/**
 * Names of functions whose answer decides whether something is let through: a gate verb first
 * (`verify_token`, `check_password`, `authenticate`, `Key::verify`), or a yes/no question about it
 * (`is_valid`, `is_authorized`, `can_access`). A predicate that merely mentions one
 * (`cache_maybe_has_http_auth`) is not a gate.
 */
const GATE_NAME = /^_*(verify|verif|check|validate|auth|authenticate|authorize|authorise|login|log_in|permit|allow|accept|trust)(_|$)|^_*(is|can|has|may)_(valid|verified|authori[sz]ed|authenticated|allowed|permitted|trusted|admin|access|login|logged_in)(_|$)/i;
/** What a branch returns when it lets the input through, and when it does not. */
const ACCEPT = /\breturn\s+(true|Ok\b|Some\b)|\bOk\s*\(|\bSome\s*\(|^\s*\{?\s*true\s*\}?\s*$|\{\s*true\s*\}/;
const REJECT = /\bfalse\b|\bErr\s*\(|\bNone\b|\bpanic!|\bbail!|\bunreachable!|\bdeny\b|\breject/;

const litEnds = new WeakMap<Shape, Map<number, string>>();

/** A shape's string literals by the offset just past their closing quote. */
function literalsByEnd(shape: Shape): Map<number, string> {
  let m = litEnds.get(shape);
  if (!m) {
    m = new Map();
    for (const v of shape.lits.values()) m.set(v.end, v.content);
    litEnds.set(shape, m);
  }
  return m;
}

/** A number long enough to be chosen rather than a limit or a count (`0xdeadbeef`, `31337`). */
const MAGIC_NUMBER = /^(0x[0-9a-fA-F_]{6,}|[0-9][0-9_]{4,})$/;

/** The constant on either side of a comparison at `[at, at+len)` of the shape, if any. */
function constantNear(ctx: ScanContext, shape: Shape, at: number, len: number): string | undefined {
  const t = shape.text;
  let r = at + len;
  while (/[\s&(*]/.test(t[r] ?? '')) r++;
  let l = at - 1;
  while (/\s/.test(t[l] ?? '')) l--;
  const lit = shape.lits.get(r)?.content ?? literalsByEnd(shape).get(l + 1);
  if (lit !== undefined) return `"${short(lit, 40)}"`;
  const right = /^(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*|0x[0-9a-fA-F_]+|[0-9][0-9_]*)/.exec(t.slice(r, r + 80))?.[1];
  const left = /([A-Za-z_]\w*|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$/.exec(t.slice(Math.max(0, l - 80), l + 1))?.[1];
  for (const name of [right, left]) {
    if (!name) continue;
    if (MAGIC_NUMBER.test(name)) return name;
    if (/^[A-Z][A-Z0-9_]{2,}$/.test(name) && constNames(ctx).has(name)) return name;
  }
  return undefined;
}

const constMemo = new WeakMap<ScanContext, Set<string>>();

/** Names of the new release's consts and statics. */
function constNames(ctx: ScanContext): Set<string> {
  let s = constMemo.get(ctx);
  if (!s) {
    s = new Set();
    for (const ref of ctx.delta.new.items.values()) if (ref.item.kind === 'const' || ref.item.kind === 'static') s.add(ref.item.name);
    constMemo.set(ctx, s);
  }
  return s;
}

/** The block that follows an `if` condition containing `at`, or null when `at` is not in one. */
function ifBlock(t: string, start: number, at: number, end: number): [number, number] | null {
  // Back to the statement's start: the condition must belong to an `if` at the same nesting.
  let depth = 0;
  let i = at;
  const lo = Math.max(start, at - SCAN);
  for (; i > lo; i--) {
    const c = t[i];
    if (c === ')' || c === ']') depth++;
    else if (c === '(' || c === '[') depth = Math.max(0, depth - 1);
    else if ((c === ';' || c === '{' || c === '}') && depth === 0) break;
  }
  if (!/^\s*(else\s+)?if\b/.test(t.slice(i + 1, at))) return null;
  let j = at;
  depth = 0;
  const hi = Math.min(end, at + SCAN);
  for (; j < hi; j++) {
    const c = t[j];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '{' && depth <= 0) break;
  }
  let k = j + 1;
  for (let d = 1; k < hi && d > 0; k++) {
    if (t[k] === '{') d++;
    else if (t[k] === '}') d--;
  }
  return [j, k];
}

/**
 * A changed verify/check/auth function whose added lines compare the input with a constant and let it
 * through on a match (`if token == "…" { return true }`, `|| key == MASTER`, a `"…" => Ok(())` arm):
 * a backdoor that needs no new capability. Added comparisons that reject are stricter, and quiet.
 */
export function verifyBypassAnalyzer(ctx: ScanContext, _rule: CompiledRule): Match[] {
  const out: Match[] = [];
  for (const ch of changedItems(ctx)) {
    if (ch.status !== 'changed' || !ch.oldRef) continue;
    const ref = ch.newRef!;
    if (ref.item.kind !== 'fn' || !GATE_NAME.test(ref.item.name)) continue;
    const added = ctx.addedLines(ref.file.path);
    if (!added) continue;
    const shape = shapeOf(ref.file);
    const t = shape.text;
    const { start, end } = ref.item.span;
    const body = t.slice(start, end);
    const re = /==|\.eq\s*\(|\.eq_ignore_ascii_case\s*\(|=>/g;
    let tried = 0;
    for (const m of body.matchAll(re)) {
      const at = start + m.index;
      const line = lineOf(shape, at);
      if (!added.has(line)) continue;
      // Hostile bodies of endless comparisons: the first ones on added lines decide.
      if (++tried > MAX_COMPARISONS) break;
      const constant = constantNear(ctx, shape, at, m[0].length);
      if (!constant) continue;
      let how: string | undefined;
      if (m[0] === '=>') {
        const arm = t.slice(at + 2, armEnd(t, at + 2, end));
        if (ACCEPT.test(arm) && !REJECT.test(arm)) how = `a match arm for ${constant} that lets it through`;
      } else {
        const blk = ifBlock(t, start, at, end);
        const stmt = t.slice(Math.max(start, at - 160), Math.min(end, at + 160));
        if (blk) {
          const inner = t.slice(blk[0], blk[1]);
          if (ACCEPT.test(inner) && !REJECT.test(inner)) how = `a branch that lets the input through when it equals ${constant}`;
        }
        // In an if condition the branch decides; elsewhere (a returned or assigned expression) an `||` operand lets the value through.
        else if (/\|\|/.test(stmt) && orOperand(t, at, start, end)) how = `\`|| … == ${constant}\`, which lets that value through whatever the other checks say`;
      }
      if (!how) continue;
      const idx = ref.file.facts.sites.findIndex((s) => s.item === ref.item.id && s.line === line);
      const base = idx >= 0 ? siteMatch(ctx, ref.file, idx, {}) : { file: ref.file.path, line, column: 1, endLine: line, role: ref.file.role, item: ref.key, data: {} };
      out.push({ ...base, item: ref.key, data: { fn: ref.item.name, constant, how } });
      break;
    }
  }
  return out;
}

/** True when the comparison at `at` is an operand of `||` in its expression. */
function orOperand(t: string, at: number, start: number, end: number): boolean {
  const stop = /[;{}]/;
  for (let i = at; i > Math.max(start, at - SCAN) && !stop.test(t[i]); i--) if (t[i] === '|' && t[i - 1] === '|') return true;
  for (let i = at; i < Math.min(end, at + SCAN) && !stop.test(t[i]); i++) if (t[i] === '|' && t[i + 1] === '|') return true;
  return false;
}

/** Where a match arm's expression starting at `from` ends: a top-level comma or the closing brace. */
function armEnd(t: string, from: number, end: number): number {
  let depth = 0;
  for (let i = from; i < end && i < from + 400; i++) {
    const c = t[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return i;
      depth--;
      if (depth === 0 && c === '}') return i + 1;
    } else if (c === ',' && depth === 0) return i;
  }
  return Math.min(end, from + 400);
}
