/**
 * The compact stored form of a file's facts. Items and sites are most of the facts (a large crate
 * has tens of thousands of items), and reading them back object by object through the structured
 * clone format cost more than parsing the changed files of a release. Here they are stored in
 * columns instead: every number in one Int32Array (copied in one go when read), every string once
 * in one joined string with an offset table (read back as slices), and the objects rebuilt with the
 * one shape the walker gives them. The small remaining fields stay as they are.
 */
import type { FileFacts, ItemFacts, ItemKind, Site, SiteKind } from '../parse/types.js';

/** Format version inside the stored value (the cache key changes with this file anyway). */
const VERSION = 2;
const NONE = -1;

const ITEM_KINDS: ItemKind[] = ['fn', 'impl', 'struct', 'enum', 'union', 'trait', 'static', 'const', 'macro', 'mod', 'type', 'extern'];
const SITE_KINDS: SiteKind[] = ['call', 'method', 'macro', 'path', 'ident', 'string', 'bytes', 'unsafe', 'index', 'arith', 'attr', 'extern', 'closure'];
const ITEM_KIND = new Map(ITEM_KINDS.map((k, i) => [k, i]));
const SITE_KIND = new Map(SITE_KINDS.map((k, i) => [k, i]));

/** What is serialised: plain data and typed arrays only. */
export interface CompactFacts {
  v: number;
  rest: Omit<FileFacts, 'items' | 'sites'>;
  /** The facts' own key order, restored on reading. */
  keys: string[];
  items: number;
  sites: number;
  nums: Int32Array;
  strs: string;
  offs: Uint32Array;
}

class Strings {
  private readonly index = new Map<string, number>();
  private readonly parts: string[] = [];
  private readonly ends: number[] = [];
  private length = 0;

  id(s: string | undefined): number {
    if (s === undefined) return NONE;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.parts.length;
      this.index.set(s, i);
      this.parts.push(s);
      this.length += s.length;
      this.ends.push(this.length);
    }
    return i;
  }

  done(): { strs: string; offs: Uint32Array } {
    return { strs: this.parts.join(''), offs: Uint32Array.from(this.ends) };
  }
}

const bits = (...b: boolean[]) => b.reduce((a, x, i) => a | (x ? 1 << i : 0), 0);

/** Facts to their compact form. */
export function encodeFacts(f: FileFacts): CompactFacts {
  const { items, sites, ...rest } = f;
  const s = new Strings();
  const n: number[] = [];
  for (const it of items) {
    n.push(it.id, s.id(it.local), s.id(it.name), ITEM_KIND.get(it.kind) ?? NONE, it.span.line, it.span.column, it.span.endLine, it.span.start, it.span.end);
    n.push(bits(it.container, it.isPub, it.unsafe, it.foreign, it.test), it.parent, s.id(it.selfType), s.id(it.trait), s.id(it.params), s.id(it.returnType));
    n.push(it.attrs.length);
    for (const a of it.attrs) n.push(s.id(a));
    n.push(it.stmts.length);
    for (const st of it.stmts) n.push(st.start, st.end, st.line, st.endLine);
  }
  for (const x of sites) {
    n.push(SITE_KIND.get(x.kind) ?? NONE, s.id(x.text), s.id(x.args), x.item, x.line, x.column, x.endLine, x.inMacro ? 1 : 0, x.len ?? NONE);
  }
  if (items.some((it) => !ITEM_KIND.has(it.kind)) || sites.some((x) => !SITE_KIND.has(x.kind))) throw new Error('facts with a kind this form does not know');
  return { v: VERSION, rest, keys: Object.keys(f), items: items.length, sites: sites.length, nums: Int32Array.from(n), ...s.done() };
}

/** True when `v` looks like a compact form (checked before decoding). */
export function isCompact(v: unknown): v is CompactFacts {
  const c = v as CompactFacts;
  return typeof v === 'object' && v !== null && c.v === VERSION && c.nums instanceof Int32Array && c.offs instanceof Uint32Array
    && Array.isArray(c.keys) && typeof c.strs === 'string' && Number.isInteger(c.items) && Number.isInteger(c.sites) && typeof c.rest === 'object' && c.rest !== null;
}

/**
 * One empty list shared by every decoded item without attributes or statements (nearly all of a
 * bindings crate's tens of thousands of constants): decoded facts are read, never added to (only the
 * walker builds lists, on facts it makes itself), and a warm scan of a large crate spent a tenth of
 * its time collecting garbage, much of it these lists.
 */
const NO_ATTRS: string[] = [];
const NO_STMTS: ItemFacts['stmts'] = [];

/** The compact form back to facts; throws on anything inconsistent (a damaged entry is a miss). */
export function decodeFacts(c: CompactFacts): FileFacts {
  const { nums, strs, offs } = c;
  let p = 0;
  const num = () => {
    if (p >= nums.length) throw new Error('truncated facts');
    return nums[p++];
  };
  // Each stored string is made once, however often it is used (an item's name and local name are
  // often the same, a type or attribute recurs across items): fewer objects for the collector.
  const made: Array<string | undefined> = new Array(offs.length);
  const str = (): string | undefined => {
    const i = num();
    if (i === NONE) return undefined;
    if (i < 0 || i >= offs.length) throw new Error('bad string index');
    return (made[i] ??= strs.slice(i === 0 ? 0 : offs[i - 1], offs[i]));
  };
  const must = (v: string | undefined) => {
    if (v === undefined) throw new Error('missing string');
    return v;
  };
  const items: ItemFacts[] = new Array(c.items);
  for (let k = 0; k < c.items; k++) {
    const id = num();
    const local = must(str());
    const name = must(str());
    const kind = ITEM_KINDS[num()];
    if (kind === undefined) throw new Error('bad item kind');
    const span = { line: num(), column: num(), endLine: num(), start: num(), end: num() };
    const b = num();
    const parent = num();
    const selfType = str();
    const trait = str();
    const params = str();
    const returnType = str();
    const nAttrs = num();
    const attrs: string[] = nAttrs === 0 ? NO_ATTRS : new Array(nAttrs);
    for (let a = 0; a < nAttrs; a++) attrs[a] = must(str());
    const nStmts = num();
    const stmts: ItemFacts['stmts'] = nStmts === 0 ? NO_STMTS : new Array(nStmts);
    for (let t = 0; t < nStmts; t++) stmts[t] = { start: num(), end: num(), line: num(), endLine: num() };
    // The walker's key order, so that anything that walks an item's keys sees the same object.
    items[k] = {
      id, local, name, kind, span, container: (b & 1) !== 0, isPub: (b & 2) !== 0, attrs, parent, selfType, trait, params, returnType,
      unsafe: (b & 4) !== 0, foreign: (b & 8) !== 0, test: (b & 16) !== 0, stmts,
    };
  }
  const sites: Site[] = new Array(c.sites);
  for (let k = 0; k < c.sites; k++) {
    const kind = SITE_KINDS[num()];
    if (kind === undefined) throw new Error('bad site kind');
    const text = must(str());
    const args = str();
    const item = num();
    const line = num();
    const column = num();
    const endLine = num();
    const inMacro = num() === 1;
    const len = num();
    sites[k] = { kind, text, args, item, line, column, endLine, inMacro, len: len === NONE ? undefined : len };
  }
  if (p !== nums.length) throw new Error('trailing data in facts');
  const out: Record<string, unknown> = {};
  const rest = c.rest as Record<string, unknown>;
  for (const k of c.keys) out[k] = k === 'items' ? items : k === 'sites' ? sites : rest[k];
  return out as unknown as FileFacts;
}
