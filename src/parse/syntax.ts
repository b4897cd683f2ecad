/**
 * Syntax trees as flat arrays. The fact walk reads a whole tree from one Uint32Array (four words a
 * node, pre-order: type and field, start, end, index past the subtree) instead of asking a
 * tree-sitter cursor for every node, which costs two or three native calls a node — as much as
 * parsing itself.
 *
 * Two backends make the same arrays from the same parse:
 * - `native`: cratefence's addon (native/syntax.c), tree-sitter's own C runtime from the copy the
 *   tree-sitter package vendors, which returns the array in one call;
 * - `binding`: the tree-sitter package's binding and its TreeCursor, node by node (slower), used when
 *   the addon is not built or CRATEFENCE_SYNTAX=binding is set. Tests check both give the same arrays.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type Parser from 'tree-sitter';
import Rust from 'tree-sitter-rust';
import { packageRoot } from '../root.js';
import { TOKEN_PARENTS, isDroppableToken } from './kinds.js';

/** A tree-sitter edit in UTF-16 code units and 0-based rows, as the tree-sitter binding takes it. */
export interface TextEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: Parser.Point;
  oldEndPosition: Parser.Point;
  newEndPosition: Parser.Point;
}

/** A parsed file's syntax tree, whichever backend made it. */
export interface SyntaxTree {
  readonly hasError: boolean;
  /** The flat node array (see the top of this module). */
  nodes(): Uint32Array;
  /** Tells the tree how its text changed, before it is given to `parse` as the base of the new text. */
  edit(e: TextEdit): void;
  /** Frees the tree now (it is unusable afterwards). */
  release(): void;
  /** The binding's tree, when this backend has one. */
  readonly bindingTree?: Parser.Tree;
}

export interface SyntaxBackend {
  readonly name: 'native' | 'binding';
  /** Parses `input`, reusing `base` (an edited tree of an earlier version); null when over `timeoutMs`. */
  parse(input: string, base: SyntaxTree | undefined, timeoutMs: number): SyntaxTree | null;
}

interface NativeAddon {
  setLanguage(language: unknown): { names: string[]; named: boolean[]; fields: string[] };
  setTokenFilter(drop: number[], keepUnder: number[]): void;
  parse(text: string, base: unknown, timeoutMicros: number): unknown;
  edit(tree: unknown, ...n: number[]): void;
  hasError(tree: unknown): boolean;
  release(tree: unknown): void;
  flatten(tree: unknown, withCursor?: boolean): Uint32Array;
}

/** Words per node in the flat array. */
export const NODE_WORDS = 4;
export const ERROR_SYMBOL = 0xffff;

/** Names of node types and fields by id, and which types are named (not punctuation or keywords). */
export interface Grammar {
  typeNames: string[];
  named: boolean[];
  fieldNames: string[];
}

const BINDING_LANGUAGE = Rust as unknown as Parser.Language;
let bindingParser: Parser | undefined;
let bindingModule: typeof Parser | undefined;

/**
 * The tree-sitter binding, loaded on first use: with the native addon built, only query rules and
 * the fallback path need it, and loading it is a noticeable part of a short scan's start-up.
 */
export function treeSitterBinding(): typeof Parser {
  return (bindingModule ??= createRequire(import.meta.url)('tree-sitter') as typeof Parser);
}

/** The binding's process-wide parser (reused: creating one per file is waste). */
function bindingRustParser(): Parser {
  if (!bindingParser) {
    const P = treeSitterBinding();
    bindingParser = new P();
    bindingParser.setLanguage(BINDING_LANGUAGE);
  }
  return bindingParser;
}

/** Names learnt by the binding backend as its cursor meets each id (it has no table to read them from). */
const learnt: Grammar = { typeNames: [], named: [], fieldNames: [] };
learnt.typeNames[ERROR_SYMBOL] = 'ERROR';
learnt.named[ERROR_SYMBOL] = true;

/**
 * Node type and field names by id. Ids are the grammar's, the same for both backends; the binding
 * backend fills its table while flattening, so every id of an array it made has its name.
 */
export function rustGrammar(): Grammar {
  return nativeAddon()?.grammar ?? learnt;
}

let native: { addon: NativeAddon; grammar: Grammar } | null | undefined;
let nativeError: string | undefined;

/** The built addon with the Rust grammar set, or null (not built, failed to load, or turned off). */
function nativeAddon(): { addon: NativeAddon; grammar: Grammar } | null {
  if (native !== undefined) return native;
  native = null;
  if (process.env.CRATEFENCE_SYNTAX === 'binding') {
    nativeError = 'turned off by CRATEFENCE_SYNTAX=binding';
    return native;
  }
  const file = path.join(packageRoot(), 'native', 'build', 'Release', 'cratefence_syntax.node');
  if (!existsSync(file)) {
    nativeError = `not built (${path.relative(packageRoot(), file)} is missing; npm run build:native builds it)`;
    return native;
  }
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    const g = addon.setLanguage(Rust);
    const typeNames = [...g.names];
    const named = [...g.named];
    typeNames[ERROR_SYMBOL] = 'ERROR';
    named[ERROR_SYMBOL] = true;
    const ids = (keep: (t: string) => boolean) => g.names.flatMap((t, i) => (keep(t) ? [i] : []));
    addon.setTokenFilter(ids(isDroppableToken), ids((t) => TOKEN_PARENTS.has(t)));
    native = { addon, grammar: { typeNames, named, fieldNames: g.fields } };
  } catch (e) {
    nativeError = `failed to load: ${(e as Error).message}`;
  }
  return native;
}

class NativeTree implements SyntaxTree {
  constructor(private readonly addon: NativeAddon, readonly handle: unknown) {}
  get hasError(): boolean {
    return this.addon.hasError(this.handle);
  }
  nodes(): Uint32Array {
    return this.addon.flatten(this.handle);
  }
  edit(e: TextEdit): void {
    this.addon.edit(this.handle, e.startIndex, e.oldEndIndex, e.newEndIndex, e.startPosition.row, e.startPosition.column, e.oldEndPosition.row, e.oldEndPosition.column, e.newEndPosition.row, e.newEndPosition.column);
  }
  release(): void {
    this.addon.release(this.handle);
  }
}

class BindingTree implements SyntaxTree {
  constructor(readonly bindingTree: Parser.Tree) {}
  get hasError(): boolean {
    return this.bindingTree.rootNode.hasError;
  }
  nodes(): Uint32Array {
    return flattenWithCursor(this.bindingTree);
  }
  edit(e: TextEdit): void {
    this.bindingTree.edit(e);
  }
  release(): void {
    /* the binding frees its trees at garbage collection */
  }
}

/** Per symbol id: 1 a token the arrays leave out, 2 a parent that keeps its tokens, 0 neither (learnt by name). */
const tokenRole: number[] = [];

/**
 * The flat array of a binding tree, built node by node with its TreeCursor (the slow reference path).
 * Leaves out the same tokens as the native addon: a non-empty leaf whose type is a droppable token,
 * under a parent not in TOKEN_PARENTS.
 */
function flattenWithCursor(tree: Parser.Tree): Uint32Array {
  let out = new Uint32Array(4096 * NODE_WORDS);
  let n = 0;
  const stack: number[] = [];
  const c = tree.walk();
  const role = (id: number) => (tokenRole[id] ??= isDroppableToken(learnt.typeNames[id]) ? 1 : TOKEN_PARENTS.has(learnt.typeNames[id]) ? 2 : 0);
  for (;;) {
    if ((n + 1) * NODE_WORDS > out.length) {
      const bigger = new Uint32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    const o = n * NODE_WORDS;
    const id = c.nodeTypeId;
    const field = c.currentFieldId ?? 0;
    if (learnt.typeNames[id] === undefined) {
      learnt.typeNames[id] = c.nodeType;
      learnt.named[id] = c.nodeIsNamed;
    }
    if (field !== 0 && learnt.fieldNames[field] === undefined) learnt.fieldNames[field] = c.currentFieldName;
    out[o] = (id | ((field & 0x7fff) << 16) | (c.nodeIsMissing ? 0x80000000 : 0)) >>> 0;
    out[o + 1] = c.startIndex;
    out[o + 2] = c.endIndex;
    stack.push(n);
    n++;
    if (c.gotoFirstChild()) continue;
    const parent = stack.length >= 2 ? stack[stack.length - 2] : -1;
    if (role(id) === 1 && out[o + 2] > out[o + 1] && parent >= 0 && role(out[parent * NODE_WORDS] & 0xffff) !== 2) {
      stack.pop();
      n--;
    } else out[stack.pop()! * NODE_WORDS + 3] = n;
    let more = false;
    for (;;) {
      if (c.gotoNextSibling()) {
        more = true;
        break;
      }
      if (!c.gotoParent()) break;
      out[stack.pop()! * NODE_WORDS + 3] = n;
    }
    if (!more) break;
  }
  return out.slice(0, n * NODE_WORDS);
}

const nativeBackend = (addon: NativeAddon): SyntaxBackend => ({
  name: 'native',
  parse(input, base, timeoutMs) {
    const h = addon.parse(input, base instanceof NativeTree ? base.handle : null, timeoutMs * 1000);
    return h === null ? null : new NativeTree(addon, h);
  },
});

export const bindingBackend: SyntaxBackend = {
  name: 'binding',
  parse(input, base, timeoutMs) {
    const p = bindingRustParser();
    p.setTimeoutMicros(timeoutMs * 1000);
    try {
      // The binding's default buffer is too small for large files; size it to the input.
      const t = p.parse(input, base?.bindingTree, { bufferSize: Math.max(64 * 1024, input.length * 2 + 16) });
      return t ? new BindingTree(t) : null;
    } finally {
      p.setTimeoutMicros(0);
      p.reset();
    }
  },
};

let chosen: SyntaxBackend | undefined;

/** The backend in use: the addon when it is built and loads, else the binding. */
export function syntaxBackend(): SyntaxBackend {
  if (chosen) return chosen;
  const n = nativeAddon();
  return (chosen = n ? nativeBackend(n.addon) : bindingBackend);
}

/** Both backends, for tests that compare them (the native one only when built). */
export function allBackends(): SyntaxBackend[] {
  const n = nativeAddon();
  return n ? [nativeBackend(n.addon), bindingBackend] : [bindingBackend];
}

/**
 * For tests: the native addon's two flattening walks of one parse of `input` (its direct subtree walk,
 * used by scans, and the TSTreeCursor walk it is checked against); null without the addon.
 */
export function nativeFlattenings(input: string): [Uint32Array, Uint32Array] | null {
  const n = nativeAddon();
  if (!n) return null;
  const h = n.addon.parse(input, null, 10_000_000);
  if (h === null) return null;
  return [n.addon.flatten(h), n.addon.flatten(h, true)];
}

/** Why the native backend is not in use (undefined when it is). */
export function nativeSyntaxProblem(): string | undefined {
  nativeAddon();
  return nativeError;
}

/**
 * A read-only view of one node of a flat array, with the few SyntaxNode members the fact walk uses
 * (`use` trees and `extern crate` are read through it).
 */
export class FlatNode {
  constructor(private readonly a: Uint32Array, readonly i: number, private readonly src: string, private readonly g: Grammar) {}
  get typeId(): number {
    return this.a[this.i * NODE_WORDS] & 0xffff;
  }
  get type(): string {
    return this.g.typeNames[this.typeId];
  }
  get isNamed(): boolean {
    return this.g.named[this.typeId] === true;
  }
  get startIndex(): number {
    return this.a[this.i * NODE_WORDS + 1];
  }
  get endIndex(): number {
    return this.a[this.i * NODE_WORDS + 2];
  }
  get text(): string {
    return this.src.slice(this.startIndex, this.endIndex);
  }
  /** Direct children, in order. */
  get children(): FlatNode[] {
    const out: FlatNode[] = [];
    const end = this.a[this.i * NODE_WORDS + 3];
    for (let c = this.i + 1; c < end; c = this.a[c * NODE_WORDS + 3]) out.push(new FlatNode(this.a, c, this.src, this.g));
    return out;
  }
  get namedChildren(): FlatNode[] {
    return this.children.filter((c) => c.isNamed);
  }
  childForFieldName(name: string): FlatNode | null {
    const end = this.a[this.i * NODE_WORDS + 3];
    for (let c = this.i + 1; c < end; c = this.a[c * NODE_WORDS + 3]) {
      const f = (this.a[c * NODE_WORDS] >>> 16) & 0x7fff;
      if (f !== 0 && this.g.fieldNames[f] === name) return new FlatNode(this.a, c, this.src, this.g);
    }
    return null;
  }
}

/** The ERROR nodes of a flat array in pre-order, as the binding's `descendantsOfType('ERROR')` lists them. */
export function errorNodes(a: Uint32Array): number[] {
  const out: number[] = [];
  const n = a.length / NODE_WORDS;
  for (let i = 0; i < n; ) {
    // A node ending at offset 0 is passed over with its subtree, as the binding's search does.
    if (a[i * NODE_WORDS + 2] === 0) {
      i = a[i * NODE_WORDS + 3];
      continue;
    }
    if ((a[i * NODE_WORDS] & 0xffff) === ERROR_SYMBOL) out.push(i);
    i++;
  }
  return out;
}

/**
 * The type of the smallest node (named or not) at string offset `at`, as the binding's
 * `descendantForPosition` finds it: at each level the first child that covers the offset (an empty
 * child exactly at it counts).
 */
export function typeAt(a: Uint32Array, at: number, g: Grammar): string {
  let node = 0;
  for (;;) {
    const end = a[node * NODE_WORDS + 3];
    let found = -1;
    for (let c = node + 1; c < end; c = a[c * NODE_WORDS + 3]) {
      const s = a[c * NODE_WORDS + 1];
      const e = a[c * NODE_WORDS + 2];
      if (e < at) continue;
      if (s === e ? e < at : e <= at) continue;
      if (at < s) break;
      found = c;
      break;
    }
    if (found < 0) return g.typeNames[a[node * NODE_WORDS] & 0xffff];
    node = found;
  }
}
