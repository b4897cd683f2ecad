import type { FileFacts, ItemFacts, ItemKind, ModDecl, Site, SiteKind } from './types.js';
import { cleanPath, clip, literalContent, normalizeWs } from './text.js';
import { collectUse } from './uses.js';
import { LineIndex, lexTokenTree } from './tokens.js';
import { CONTAINERS, ITEM_KINDS, NEEDS_RANGE, SKIP_SUBTREE, VALUE_PARENTS, bareType, collectErrors, collectOddIdentifiers } from './ast.js';
import { ANON_NAMES, LEAF_NAMES } from './kinds.js';
import { FlatNode, NODE_WORDS, rustGrammar, type Grammar } from './syntax.js';
import { qualify } from './paths.js';

const MAX_ARGS = 300;
const MAX_LITERAL = 8192;

const typeNames: string[] = [];

// Per node-type-id flags, learnt the first time an id is met, so the hot loop does array reads
// instead of string-keyed look-ups.
const LEAF = 1;
const SKIP = 2;
const RANGE = 4;
const NOT_STMT = 8;
const SWITCH = 16;
/** Attributes and comments: outer attributes seen before them still wait for their item. */
const KEEPS_ATTRS = 32;
const ANON = 64;
const typeFlags: number[] = [];
const typeItems: Array<ItemKind | undefined> = [];

const SWITCHED = new Set([
  'line_comment', 'block_comment', 'attribute_item', 'inner_attribute_item', 'use_declaration', 'extern_crate_declaration',
  'call_expression', 'macro_invocation', 'binary_expression', 'index_expression', 'macro_definition', 'token_tree',
  'string_literal', 'raw_string_literal', 'integer_literal', 'unsafe_block', 'identifier', 'scoped_identifier',
]);

function learnType(id: number, type: string): void {
  typeNames[id] = type;
  let f = 0;
  if (LEAF_NAMES.has(type)) f |= LEAF;
  if (SKIP_SUBTREE.has(type) || type === 'visibility_modifier' || type === 'parameters' || type === 'function_modifiers') f |= SKIP;
  if (NEEDS_RANGE.has(type)) f |= RANGE;
  if (type === 'line_comment' || type === 'block_comment' || type === 'empty_statement' || type === '{' || type === '}' || type === ';') f |= NOT_STMT;
  if (SWITCHED.has(type)) f |= SWITCH;
  if (type === 'attribute_item' || type === 'line_comment' || type === 'block_comment') f |= KEEPS_ATTRS;
  if (ANON_NAMES.has(type) && LEAF_NAMES.has(type)) f |= ANON;
  typeFlags[id] = f;
  typeItems[id] = Object.hasOwn(ITEM_KINDS, type) ? ITEM_KINDS[type] : undefined;
}

interface Frame {
  type: string;
  /** Item that owns sites found under this node (-1: file level). */
  item: number;
  /** The item this node *is* (-1 when the node is not an item). */
  self: number;
  /** Local path prefix for items declared under this node. */
  ctx: string;
  attrs: string[] | null;
  attrSites: number[] | null;
  ints: number;
  test: boolean;
  inMacro: boolean;
  /** Set on a function body: its named children are the statements of item `stmtsOf`. */
  stmtsOf: number;
  start: number;
  end: number;
  /** A call, macro, operator or index expression waiting for its children to be seen. */
  pend: Pending | null;
}

interface Pending {
  kind: 'call' | 'macro' | 'binop' | 'index';
  callee: string | null;
  method: boolean;
  line: number;
  column: number;
  op: string | null;
  bracket: boolean;
}

function newFrame(): Frame {
  return { type: '', item: -1, self: -1, ctx: '', attrs: null, attrSites: null, ints: 0, test: false, inMacro: false, stmtsOf: -1, start: 0, end: 0, pend: null };
}

// The walk's state. Module-level, not per-call closures: the helpers below then stay the same
// functions from file to file, so optimized code is not thrown away at every new file ("wrong call
// target"), which made the JIT recompile the walk a dozen times per scan. Extraction never re-enters.
let src = '';
let items: ItemFacts[] = [];
let sites: Site[] = [];
let aliases: Record<string, string> = Object.create(null) as Record<string, string>;
let globs: string[] = [];
let facts: FileFacts;
// The flat node array (syntax.ts) and the walk's place in it: `at` is the word offset of the current
// node, `up` the offsets of its ancestors. Read directly, not through a cursor object: the walk
// visits every node, and in a short process most of it runs unoptimized, where each call counts.
let A: Uint32Array = new Uint32Array(0);
let at = 0;
const up: number[] = [];
let upN = 0;
let grammar: Grammar;

function gotoFirstChild(): boolean {
  if (A[at + 3] <= (at >> 2) + 1) return false;
  up[upN++] = at;
  at += NODE_WORDS;
  return true;
}
function gotoNextSibling(): boolean {
  if (upN === 0) return false;
  const next = A[at + 3] * NODE_WORDS;
  if (next >= A[up[upN - 1] + 3] * NODE_WORDS) return false;
  at = next;
  return true;
}
function gotoParent(): boolean {
  if (upN === 0) return false;
  at = up[--upN];
  return true;
}
/** The current node's field name, or null when it is in no field. */
function fieldOf(): string | null {
  const fid = (A[at] >>> 16) & 0x7fff;
  return fid ? (grammar.fieldNames[fid] ?? '') : null;
}
let lines: LineIndex;
// The modules open around the walk's place (their declarations and item ids), innermost last.
let modDecls: ModDecl[] = [];
const modItems: number[] = [];
let modN = 0;
/**
 * Inline modules kept in a declaration's `inlineParents`, the innermost ones. Deeper nesting is kept
 * to its innermost part: the folder a file module is looked for in then does not exist, so a
 * `#[path]` there is reported as pointing nowhere and a `mod x;` file keeps its own role and path.
 */
const MAX_INLINE_PARENTS = 64;
const pool: Frame[] = [newFrame()];
let depth = 0;

/** Every site is built here, so all have the same fields in the same order (one object shape). */
function mkSite(kind: SiteKind, text: string, args: string | undefined, item: number, line: number, column: number, endLine: number, inMacro: boolean, len?: number): Site {
  return { kind, text, args, item, line, column, endLine, inMacro, len };
}

function text(): string {
  return src.slice(A[at + 1], A[at + 2]);
}
function addSite(kind: SiteKind, t: string, f: Frame, line: number, column: number, endLine: number, args?: string, len?: number): number {
  sites.push(mkSite(kind, t, args, f.item, line, column, endLine, f.inMacro, len));
  return sites.length - 1;
}
function pos(): [number, number] {
  return lines.pos(A[at + 1]);
}

// Lines and columns come from the text's line index: cheaper than asking the cursor for points.
function endLine(): number {
  return lines.line(A[at + 2]);
}
// Macro token trees are lexed as text (see tokens.ts) instead of walked node by node.
function lexMacro(f: Frame, start: number, end: number): void {
  for (const t of lexTokenTree(src, start, end, MAX_ARGS)) {
    const [line, column] = lines.pos(t.start);
    if (t.kind === 'string') {
      const raw = t.text.length > MAX_LITERAL + 8 ? t.text.slice(0, MAX_LITERAL + 8) : t.text;
      const content = raw.length === t.text.length ? literalContent(raw) : raw.replace(/^[bcr#]*"/, '');
      sites.push(mkSite('string', content, t.bytes ? 'bytes' : undefined, f.item, line, column, lines.line(t.end), true, t.len));
    } else {
      sites.push(mkSite(t.kind, t.text, t.args, f.item, line, column, t.kind === 'bytes' ? lines.line(t.end) : line, true, t.len));
    }
  }
}

// Fills the item that `parent` is, from one of its direct children.
function onItemChild(parent: Frame, type: string, frame: Frame): void {
  const it = items[parent.self];
  const field = fieldOf();
  // Only plain `pub` is public API; `pub(crate)`, `pub(super)` and `pub(in …)` stay inside the crate.
  if (type === 'visibility_modifier') it.isPub = A[at + 2] - A[at + 1] === 3;
  else if (type === 'function_modifiers' || type === 'unsafe') {
    if (type === 'unsafe' || /\bunsafe\b/.test(text())) it.unsafe = true;
  }
  switch (field) {
    case 'name':
      it.name = text();
      if (it.kind !== 'impl') it.local = qualify(parent.ctx, it.name);
      break;
    case 'type':
      if (it.kind === 'impl') it.selfType = bareType(text());
      else if (it.kind === 'type' && it.name) {
        // `type C = std::process::Command;` is an alias like `use … as C`.
        const target = bareType(text());
        if (/^(::)?[A-Za-z_][\w]*(::[A-Za-z_][\w]*)+$/.test(target)) aliases[it.name] = target;
      }
      break;
    case 'trait':
      if (it.kind === 'impl') it.trait = bareType(text());
      break;
    case 'parameters':
      it.params = clip(text(), 400);
      break;
    case 'return_type':
      it.returnType = clip(text(), 200);
      break;
    case 'body':
      if (it.kind === 'impl') {
        it.name = it.trait ? `<${it.selfType} as ${it.trait}>` : (it.selfType ?? '?');
        it.local = qualify(parent.ctx, it.name);
      }
      if (it.kind === 'fn') frame.stmtsOf = it.id;
      if (it.kind === 'mod') facts.mods[facts.mods.length - 1].inline = true;
      break;
    default:
      break;
  }
  if (it.local === '' && it.name !== '') it.local = qualify(parent.ctx, it.name);
  frame.ctx = it.kind === 'extern' ? parent.ctx : it.local || parent.ctx;
}

// Calls, macros, operators and index expressions are recorded from their children as the walk
// meets them, so no node object is ever built for them.
function argsText(a: number, b: number) {
  return clip(src.slice(a, Math.min(b, a + MAX_ARGS * 2)), MAX_ARGS);
}
function onPendingChild(parent: Frame, p: Pending, type: string): void {
  switch (p.kind) {
    case 'call': {
      const field = fieldOf();
      if (field === 'function') {
        if (type === 'identifier' || type === 'scoped_identifier' || type === 'self' || type === 'super' || type === 'crate') {
          p.callee = cleanPath(src.slice(A[at + 1], A[at + 2]));
        } else if (type === 'field_expression' || type === 'generic_function') {
          p.method = type === 'field_expression';
          // Look one level down for the method name (`field`) or the generic function's path.
          if (gotoFirstChild()) {
            do {
              const f = fieldOf();
              if (type === 'field_expression' && f === 'field') {
                p.callee = src.slice(A[at + 1], A[at + 2]);
                [p.line, p.column] = lines.pos(A[at + 1]);
              } else if (type === 'generic_function' && f === 'function') {
                const t = grammar.typeNames[A[at] & 0xffff];
                if (t === 'identifier' || t === 'scoped_identifier') p.callee = cleanPath(src.slice(A[at + 1], A[at + 2]));
                else if (t === 'field_expression') {
                  p.method = true;
                  const e = A[at + 2];
                  const dot = src.lastIndexOf('.', e);
                  p.callee = src.slice(dot + 1, e).trim();
                  [p.line, p.column] = lines.pos(dot + 1);
                }
              }
            } while (gotoNextSibling());
            gotoParent();
          }
        }
      } else if (field === 'arguments' && p.callee !== null) {
        const a = A[at + 1];
        sites.push(mkSite(p.method ? 'method' : 'call', p.callee, argsText(a, A[at + 2]), parent.item, p.line, p.column, lines.line(parent.end), parent.inMacro));
      }
      return;
    }
    case 'macro': {
      if (type === 'identifier' || type === 'scoped_identifier') {
        if (p.callee === null) p.callee = cleanPath(src.slice(A[at + 1], A[at + 2]));
      } else if (type === 'token_tree' && p.callee !== null) {
        sites.push(mkSite('macro', p.callee, argsText(A[at + 1], A[at + 2]), parent.item, p.line, p.column, lines.line(parent.end), depth > 0 ? pool[depth - 1].inMacro : false));
        p.callee = null;
      }
      return;
    }
    case 'binop': {
      const field = fieldOf();
      if (field === 'operator') p.op = type;
      else if (field === 'right' && p.op !== null) {
        const op = p.op;
        if (op === '^') {
          sites.push(mkSite('arith', '^', clip(src.slice(parent.start, Math.min(parent.end, parent.start + 240)), 120), parent.item, p.line, p.column, p.line, parent.inMacro));
        } else if ((op === '/' || op === '%') && type !== 'integer_literal') {
          sites.push(mkSite('arith', op, clip(src.slice(parent.start, Math.min(parent.end, parent.start + 240)), 120), parent.item, p.line, p.column, p.line, parent.inMacro));
        } else if ((op === '-' || op === '*' || op === '+') && /\blen\(\)|\bsize\b|\bcount\b/.test(src.slice(parent.start, Math.min(parent.end, parent.start + 200)))) {
          sites.push(mkSite('arith', op, clip(src.slice(parent.start, Math.min(parent.end, parent.start + 240)), 120), parent.item, p.line, p.column, p.line, parent.inMacro));
        }
      }
      return;
    }
    case 'index': {
      if (type === '[') p.bracket = true;
      else if (p.bracket) {
        p.bracket = false;
        sites.push(mkSite('index', clip(src.slice(A[at + 1], Math.min(A[at + 2], A[at + 1] + 160)), 80), type, parent.item, p.line, p.column, lines.line(parent.end), parent.inMacro));
      }
      return;
    }
  }
}

function enterItem(parent: Frame, frame: Frame, kind: ItemKind): void {
  const id = items.length;
  const attrs = parent.attrs ?? [];
  const attrSites = parent.attrSites ?? [];
  parent.attrs = null;
  parent.attrSites = null;
  const start = A[at + 1];
  const end = A[at + 2];
  const [line, column] = lines.pos(start);
  const parentItem = parent.item >= 0 ? items[parent.item] : undefined;
  const inImpl = parentItem?.kind === 'impl' || parentItem?.kind === 'trait';
  // `#[test]`, `#[cfg(test)]`, `#[cfg(all(test, …))]` — but not `#[cfg(not(test))]` or `cfg(any(test, …))`.
  const test = parent.test || attrs.some((a) => a === 'test' || /^(tokio|async_std)::test/.test(a) || (/^cfg\((all\()?\s*test\b/.test(a) && !/not\s*\(\s*test/.test(a)));
  const name = kind === 'extern' ? `extern#${line}` : '';
  items.push({
    id,
    local: name,
    name,
    kind,
    span: { line, column, endLine: lines.line(end), start, end },
    container: CONTAINERS.has(kind),
    // Methods of trait impls and trait items are as public as the trait and type.
    isPub: inImpl && (parentItem?.trait !== undefined || parentItem?.kind === 'trait'),
    attrs,
    parent: parent.item,
    selfType: inImpl ? (parentItem?.selfType ?? parentItem?.name) : undefined,
    trait: inImpl ? (parentItem?.trait ?? (parentItem?.kind === 'trait' ? parentItem.name : undefined)) : undefined,
    // Filled from the item's children; present from the start so every item has one object shape.
    params: undefined,
    returnType: undefined,
    unsafe: false,
    foreign: parentItem?.kind === 'extern',
    test,
    stmts: [],
  });
  for (const s of attrSites) sites[s].item = id;
  frame.item = id;
  frame.self = id;
  frame.test = test;
  if (kind === 'mod') {
    // Also `#[cfg_attr(unix, path = "…")]`, which applies the path on some targets only.
    const pathAttrs = attrs.map((a) => /(?:^|[(,]\s*)path\s*=\s*"([^"]*)"/.exec(a)?.[1]).filter((x): x is string => x !== undefined);
    // `inlineParents` is filled when the module is left (see leave): only for the declarations that
    // need it, from the stack of open modules, so nested modules cost no walk over their ancestors.
    const decl = { name: '', pathAttr: pathAttrs[0], pathAttrs, inlineParents: [] as string[], inline: false, line, item: id };
    facts.mods.push(decl);
    modDecls[modN] = decl;
    modItems[modN++] = id;
  }
}


// The walk visits a node in small functions, one per kind of node that carries something: in a short
// scan most of this code runs before the optimizing compiler has finished with it, and small
// functions get optimized far sooner than one large one (a single walk function took 40-60 ms to
// compile in the background, longer than a typical scan's whole fact extraction).

/** Sets up the frame of the current node and records what it carries; null when its children are not visited. */
function visit(parent: Frame, typeId: number, type: string, flags: number): Frame | null {
  if (depth + 1 >= pool.length) pool.push(newFrame());
  const frame = pool[depth + 1];
  frame.type = type;
  frame.item = parent.item;
  frame.self = -1;
  frame.ctx = parent.ctx;
  frame.attrs = null;
  frame.attrSites = null;
  frame.ints = 0;
  frame.test = parent.test;
  frame.inMacro = parent.inMacro;
  frame.stmtsOf = -1;
  frame.pend = null;
  let start = 0;
  let end = 0;
  if (parent.stmtsOf >= 0 || (flags & RANGE) !== 0) {
    start = A[at + 1];
    end = A[at + 2];
  }
  frame.start = start;
  frame.end = end;
  let descend = true;

  if (parent.self >= 0) onItemChild(parent, type, frame);
  if (parent.stmtsOf >= 0 && (flags & NOT_STMT) === 0) {
    items[parent.stmtsOf].stmts.push({ start, end, line: lines.line(start), endLine: lines.line(end) });
  }
  if (parent.pend !== null) onPendingChild(parent, parent.pend, type);
  if ((flags & SKIP) !== 0) {
    descend = false;
  } else {
    if ((flags & SWITCH) !== 0) descend = visitSwitched(parent, frame, type);
    const kind = typeItems[typeId];
    if (kind !== undefined) visitItem(parent, frame, kind);
  }

  // Outer attributes belong to the next node only. When that node is not an item (`#[cfg(test)]
  // some_macro!();`, a `use`), they must not carry over to a later item: a `#[cfg(test)]` left
  // pending would make the next `mod` test code.
  if (parent.attrs !== null && (flags & KEEPS_ATTRS) === 0) {
    parent.attrs = null;
    parent.attrSites = null;
  }
  return descend ? frame : null;
}

/** Node types with something of their own to record (SWITCHED); returns whether to visit the children. */
function visitSwitched(parent: Frame, frame: Frame, type: string): boolean {
  switch (type) {
    case 'line_comment':
    case 'block_comment':
      visitComment();
      return false;
    case 'attribute_item':
    case 'inner_attribute_item':
      visitAttribute(parent, type);
      return false;
    case 'use_declaration':
      collectUse(new FlatNode(A, at / NODE_WORDS, src, grammar), aliases, globs);
      return false;
    case 'extern_crate_declaration':
      visitExternCrate();
      return false;
    case 'call_expression':
    case 'macro_invocation':
    case 'binary_expression':
    case 'index_expression':
      visitCallLike(parent, frame, type);
      return true;
    case 'macro_definition':
      frame.inMacro = true;
      return true;
    case 'token_tree':
      frame.inMacro = true;
      lexMacro(frame, A[at + 1], A[at + 2]);
      return false;
    case 'string_literal':
    case 'raw_string_literal':
      visitString(frame);
      return false;
    case 'integer_literal':
      if (parent.type === 'array_expression') parent.ints++;
      return true;
    case 'unsafe_block': {
      const [line, column] = pos();
      addSite('unsafe', 'unsafe', frame, line, column, endLine());
      return true;
    }
    case 'identifier':
    case 'scoped_identifier':
      visitName(parent, frame, type);
      return type !== 'scoped_identifier';
    default:
      return true;
  }
}

function visitComment(): void {
  const t = src.slice(A[at + 1], Math.min(A[at + 2], A[at + 1] + 400));
  if (/SAFETY|Safety:|# Safety/.test(t)) facts.safetyLines.push(endLine());
}

function visitAttribute(parent: Frame, type: string): void {
  const inner = normalizeWs(text().replace(/^#!?\[/, '').replace(/\]$/, ''));
  const [line, column] = pos();
  const idx = addSite('attr', inner, parent, line, column, endLine());
  if (type === 'inner_attribute_item') {
    if (parent.type === 'source_file') facts.innerAttrs.push(inner);
    else if (parent.item >= 0) items[parent.item].attrs.push(inner);
  } else {
    (parent.attrs ??= []).push(inner);
    (parent.attrSites ??= []).push(idx);
  }
}

function visitExternCrate(): void {
  const n = new FlatNode(A, at / NODE_WORDS, src, grammar);
  const name = n.childForFieldName('name')?.text;
  const alias = n.childForFieldName('alias')?.text;
  if (name) aliases[alias ?? name] = name;
}

/** Calls, macros, operators and index expressions wait for their children (see onPendingChild). */
function visitCallLike(parent: Frame, frame: Frame, type: string): void {
  if (type === 'binary_expression' && !(frame.item >= 0 && items[frame.item].kind === 'fn')) return;
  const start = frame.start;
  const end = frame.end;
  const [line, column] = lines.pos(start);
  const kind = type === 'call_expression' ? 'call' : type === 'macro_invocation' ? 'macro' : type === 'binary_expression' ? 'binop' : 'index';
  frame.pend = { kind, callee: null, method: false, line, column, op: null, bracket: false };
  if (kind !== 'macro') return;
  frame.inMacro = true;
  // `lazy_static! { static ref X: T = init(); }` and `thread_local!` declare statics whose
  // initializers run on first use: give them an item so `X` resolves to its initializer.
  if (parent.item < 0 || items[parent.item].kind === 'mod') {
    const head = src.slice(start, Math.min(end, start + 400));
    const m = /^(?:::)?(?:[\w]+::)*(lazy_static|thread_local)\s*!\s*[({[][^]*?\bstatic\s+(?:ref\s+)?([A-Za-z_]\w*)/.exec(head);
    if (m) {
      enterItem(parent, frame, 'static');
      const it = items[frame.self];
      it.name = m[2];
      it.local = qualify(parent.ctx, m[2]);
      frame.ctx = it.local;
    }
  }
}

function visitString(frame: Frame): void {
  const s = A[at + 1];
  const e = A[at + 2];
  const cut = Math.min(e, s + MAX_LITERAL + 8);
  const raw = src.slice(s, cut);
  const content = cut === e ? literalContent(raw) : raw.replace(/^[bcr#]*"/, '');
  const [line, column] = pos();
  addSite('string', content, frame, line, column, endLine(), raw[0] === 'b' ? 'bytes' : undefined, e - s);
}

/** A bare name or path used as a value (possibly a function pointer), not as a callee or pattern. */
function visitName(parent: Frame, frame: Frame, type: string): void {
  if (parent.self < 0 && parent.type in VALUE_PARENTS) {
    const want = VALUE_PARENTS[parent.type];
    const ok = want === null || fieldOf() === want;
    if (ok) {
      const [line, column] = pos();
      addSite(type === 'identifier' ? 'ident' : 'path', cleanPath(text()), frame, line, column, line);
      if (parent.type === 'let_declaration' && type === 'scoped_identifier') bindFunctionValue();
    }
  } else if (parent.self >= 0 && parent.type in VALUE_PARENTS && (type === 'scoped_identifier' || parent.type === 'static_item')) {
    // `static X: T = some::path;` — a path as the value of a static or const; for a static also a
    // bare function name (`static INIT: extern "C" fn() = init;` in a constructor section).
    if (fieldOf() === 'value') {
      const [line, column] = pos();
      addSite(type === 'identifier' ? 'ident' : 'path', cleanPath(text()), frame, line, column, line);
    }
  } else if (parent.type === 'generic_function' && type === 'scoped_identifier' && depth > 0 && pool[depth - 1].type !== 'call_expression' && fieldOf() === 'function') {
    // `let mk = std::process::Command::new::<&str>;` takes the function as a value (a call is recorded as a call).
    const [line, column] = pos();
    addSite('path', cleanPath(text()), frame, line, column, line);
    if (pool[depth - 1].type === 'let_declaration') bindFunctionValue();
  }
}

/**
 * `let mk = std::process::Command::new;` then `mk("sh")`: the local name is read as an alias of the
 * path (for the file, a little wider than its real scope), so the call resolves like the plain one.
 */
function bindFunctionValue(): void {
  const s = A[at + 1];
  const m = /\blet\s+(?:mut\s+)?([A-Za-z_]\w*)\s*(?::[^=;]{0,80})?=\s*$/.exec(src.slice(Math.max(0, s - 120), s));
  if (m && !Object.hasOwn(aliases, m[1])) aliases[m[1]] = cleanPath(text());
}

function visitItem(parent: Frame, frame: Frame, kind: ItemKind): void {
  enterItem(parent, frame, kind);
  if (kind === 'extern') {
    const [line, column] = pos();
    addSite('extern', clip(src.slice(A[at + 1], Math.min(A[at + 2], A[at + 1] + 60)).split('{')[0], 60), frame, line, column, endLine());
  }
}

/**
 * Extracts the facts of one parsed file in a single walk over its flat node array (see syntax.ts).
 * Iterative, with pooled frames, so deep nesting cannot overflow the JavaScript stack and large files
 * do not churn the heap. `hasError`: the tree holds ERROR or MISSING nodes. With `overBudget`
 * (asked every few thousand nodes), the walk gives up when it says so and returns null: the file's
 * time budget covers extraction as well as parsing.
 */
export function extractFacts(nodes: Uint32Array, hasError: boolean, source: string, hash: string): FileFacts;
export function extractFacts(nodes: Uint32Array, hasError: boolean, source: string, hash: string, overBudget: () => boolean): FileFacts | null;
export function extractFacts(nodes: Uint32Array, hasError: boolean, source: string, hash: string, overBudget?: () => boolean): FileFacts | null {
  src = source;
  items = [];
  sites = [];
  // No prototype: names from the scanned code (`constructor`, `__proto__`) must not hit Object's members.
  aliases = Object.create(null) as Record<string, string>;
  globs = [];
  facts = {
    hash, partial: false, errors: [], items, sites, aliases, globs, mods: [], innerAttrs: [], safetyLines: [], oddIdentifiers: [], lineCount: 0,
  };
  grammar = rustGrammar();
  A = nodes;
  at = 0;
  upN = 0;
  lines = new LineIndex(src);
  depth = 0;
  modDecls = [];
  modN = 0;
  Object.assign(pool[0], { type: 'source_file', item: -1, self: -1, ctx: '', attrs: [], attrSites: [], ints: 0, test: false, inMacro: false, stmtsOf: -1, start: 0, end: 0, pend: null });

  let steps = 0;
  for (;;) {
    if ((++steps & 0x3fff) === 0 && overBudget?.() === true) {
      src = '';
      A = new Uint32Array(0);
      modDecls = [];
      return null;
    }
    const parent = pool[depth];
    const typeId = A[at] & 0xffff;
    if (typeNames[typeId] === undefined) learnType(typeId, grammar.typeNames[typeId]);
    const type = typeNames[typeId];
    const flags = typeFlags[typeId];
    // Most nodes are punctuation and keywords under nodes that wait for nothing: no frame to set up.
    // Under an item, its keywords and punctuation (`const`, `:`, `=`, `;`) carry nothing to read either.
    if ((flags & (LEAF | SWITCH)) === LEAF && (parent.self < 0 || (flags & ANON) !== 0) && parent.pend === null && parent.stmtsOf < 0 && typeItems[typeId] === undefined) {
      if (!advance()) break;
      continue;
    }
    const frame = visit(parent, typeId, type, flags);
    if (frame !== null && (flags & LEAF) === 0 && gotoFirstChild()) {
      depth++;
      continue;
    }
    leave(pool[depth + 1]);
    if (!advance()) break;
  }
  collectErrors(nodes, hasError, lines, facts);
  collectOddIdentifiers(src, facts, nodes, grammar);
  // tree-sitter's last row: the line the root node ends on.
  facts.lineCount = nodes.length >= NODE_WORDS ? lines.line(nodes[2]) : 1;
  const out = facts;
  // Let the file's text and tree go.
  src = '';
  A = new Uint32Array(0);
  modDecls = [];
  return out;
}

/** Moves to the next node in pre-order, closing the frames it leaves; false at the end of the tree. */
function advance(): boolean {
  for (;;) {
    if (upN === 0) return false;
    // The next sibling, unless this node was its parent's last child.
    const next = A[at + 3] * NODE_WORDS;
    const parent = up[upN - 1];
    if (next < A[parent + 3] * NODE_WORDS) {
      at = next;
      return true;
    }
    at = parent;
    upN--;
    leave(pool[depth]);
    depth--;
  }
}

function leave(f: Frame): void {
  if (f.self >= 0) {
    const it = items[f.self];
    if (it.kind === 'mod' && modN > 0 && modItems[modN - 1] === it.id) {
      const m = modDecls[--modN];
      m.name = it.name;
      // Only `mod x;` declarations and `#[path]` modules read where they sit (release.ts, files.ts).
      if (!m.inline || m.pathAttrs.length > 0) {
        const from = Math.max(0, modN - MAX_INLINE_PARENTS);
        for (let k = from; k < modN; k++) m.inlineParents.push(items[modItems[k]].name);
      }
    }
  }
  if (f.type === 'array_expression' && f.ints >= 16) {
    const [line, column] = pos();
    sites.push(mkSite('bytes', `${f.ints} integer literals`, clip(src.slice(A[at + 1], Math.min(A[at + 2], A[at + 1] + 400)), 200), f.item, line, column, endLine(), f.inMacro, f.ints));
  }
}
