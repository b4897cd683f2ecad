/**
 * A small evaluator of build scripts, run over their syntax trees (never executed): it follows
 * `main` and the functions it calls, statement by statement, and keeps track of strings built from
 * literals (`format!`, `concat!`, `push_str`, `include_str!` of a shipped file), of files created
 * and written (`fs::write`, `File::create` + `write!`), and of what is printed to cargo. Values it
 * cannot know carry the sources they derive from (an environment variable, the whole environment, a
 * file, a program's output, the network), so that rules can tell where a printed value comes from.
 * Loops run once over unknown collections and once per element of known ones; both branches of a
 * condition run. A step budget bounds the work; hostile input can only make it stop early.
 */

import type Parser from 'tree-sitter';
import { literalContent, unescapeRust } from './text.js';
import { calls, macro, rowOffset, type Ctx } from './buildeval-calls.js';
import { debug, display, dyn, Scope, str, taintOf, UNIT, type BuildEvaluation, type BuildFile, type BuildPrint, type BuildWrite, type Piece, type Sink, type Val } from './values.js';
import { bindPattern } from './buildeval-patterns.js';

export type { Piece, Val, Sink, BuildFile, BuildWrite, BuildPrint, BuildEvaluation } from './values.js';

export const MAX_STEPS = 100_000;
export const MAX_OUTPUT = 2 * 1024 * 1024;
/** Expressions nested in one another (calls included) before the evaluation stops. */
export const MAX_NESTING = 400;

class Budget extends Error {}

/** The evaluator's state for one build script. */
export class Evaluator implements Ctx {
  steps = 0;
  depth = 0;
  outChars = 0;
  readonly writes: BuildWrite[] = [];
  readonly prints: BuildPrint[] = [];
  readonly sinks: Sink[] = [];
  readonly fns = new Map<string, { node: Parser.SyntaxNode; file: string }>();
  private consts = new Map<string, { node: Parser.SyntaxNode; file: string; val?: Val; busy?: boolean }>();
  file = '';
  returned: Val | null = null;

  constructor(readonly files: BuildFile[], readonly readShipped: (path: string) => string | undefined) {
    for (const f of files) if (f.tree) this.declare(f.tree.rootNode, f.path);
  }

  /** Registers the functions and constants of a file or block (nested `mod x { }` included). */
  private declare(node: Parser.SyntaxNode, file: string): void {
    for (const c of node.namedChildren) {
      if (c.type === 'function_item') {
        const name = c.childForFieldName('name')?.text;
        if (name && !this.fns.has(name)) this.fns.set(name, { node: c, file });
      } else if (c.type === 'const_item' || c.type === 'static_item') {
        const name = c.childForFieldName('name')?.text;
        if (name && !this.consts.has(name)) this.consts.set(name, { node: c, file });
      } else if (c.type === 'mod_item') {
        const body = c.childForFieldName('body');
        if (body) this.declare(body, file);
      }
    }
  }

  run(): BuildEvaluation {
    let truncated = false;
    const main = this.fns.get('main');
    try {
      if (main) this.callFn(main.node, main.file, []);
    } catch (e) {
      if (!(e instanceof Budget)) throw e;
      truncated = true;
    }
    for (const s of this.sinks) this.writes.push({ path: s.path, content: s.out, file: s.file, line: s.line, how: s.how });
    return { writes: this.writes, prints: this.prints, truncated };
  }

  /** Counts one step; past the budget the evaluation stops. */
  tick(): void {
    if (++this.steps > MAX_STEPS) throw new Budget();
  }

  line(node: Parser.SyntaxNode): number {
    return node.startPosition.row + 1 + rowOffset(node);
  }

  /** Appends to generated output, within the size limit. */
  append(to: Piece[], p: Piece[]): void {
    for (const x of p) {
      this.outChars += x.text.length;
      if (this.outChars > MAX_OUTPUT) throw new Budget();
      to.push(x);
    }
  }

  constValue(name: string): Val | undefined {
    const c = this.consts.get(name);
    if (!c) return undefined;
    if (c.val) return c.val;
    if (c.busy) return undefined;
    c.busy = true;
    const saved = this.file;
    this.file = c.file;
    const v = c.node.childForFieldName('value');
    c.val = v ? this.expr(v, new Scope()) : UNIT;
    this.file = saved;
    c.busy = false;
    return c.val;
  }

  lookup(name: string, scope: Scope, node: Parser.SyntaxNode | null): Val {
    const v = scope.get(name) ?? this.constValue(name);
    if (v) return v;
    const f = this.fns.get(name);
    if (f) return { k: 'fn', node: f.node, scope: new Scope(), file: f.file };
    return dyn(name, [], this.file, node ? this.line(node) : 0);
  }

  /** Calls a function item or closure with argument values; its result is the tail expression or a `return`. */
  callFn(node: Parser.SyntaxNode, file: string, args: Val[], outer?: Scope): Val {
    if (this.depth >= 16) return dyn('recursion', args.flatMap(taintOf), file, this.line(node));
    this.depth++;
    const savedFile = this.file;
    const savedRet = this.returned;
    this.file = file;
    this.returned = null;
    const scope = new Scope(outer);
    const params = node.childForFieldName('parameters');
    const patterns = params ? params.namedChildren.map((p) => p.childForFieldName('pattern') ?? p).filter((p) => p.type !== 'self_parameter') : [];
    patterns.forEach((p, i) => this.bind(p, args[i] ?? dyn('argument', [], file, this.line(node)), scope));
    const body = node.childForFieldName('body');
    let v: Val = UNIT;
    try {
      if (body) v = this.expr(body, scope);
    } finally {
      const r = this.returned;
      this.returned = savedRet;
      this.file = savedFile;
      this.depth--;
      if (r) v = r;
    }
    return v;
  }

  /** Binds a pattern to a value (see bindPattern). */
  bind(p: Parser.SyntaxNode, v: Val, scope: Scope): void {
    bindPattern(this, p, v, scope);
  }

  /** Evaluates the statements of a block in order; the value is its tail expression. */
  block(node: Parser.SyntaxNode, scope: Scope): Val {
    const inner = new Scope(scope);
    this.declare(node, this.file);
    let last: Val = UNIT;
    for (const c of node.namedChildren) {
      if (c.type === 'line_comment' || c.type === 'block_comment') continue;
      last = this.stmt(c, inner);
    }
    const tail = node.namedChildren[node.namedChildren.length - 1];
    return tail && tail.type !== 'expression_statement' && tail.type !== 'let_declaration' ? last : UNIT;
  }

  stmt(node: Parser.SyntaxNode, scope: Scope): Val {
    this.tick();
    switch (node.type) {
      case 'let_declaration': {
        const value = node.childForFieldName('value');
        let v = value ? this.expr(value, scope) : dyn('uninitialised', [], this.file, this.line(node));
        // `let s: String = chars.rev().collect();`: the annotation says what `collect` built.
        if (v.k === 'list' && /^String$|^std::string::String$/.test(node.childForFieldName('type')?.text ?? '')) v = { k: 'str', p: v.items.flatMap((it) => display(it, this.file, this.line(node))) };
        const alt = node.childForFieldName('alternative');
        if (alt) this.expr(alt, scope);
        const pat = node.childForFieldName('pattern');
        if (pat) this.bind(pat, v, scope);
        return UNIT;
      }
      case 'expression_statement':
        for (const c of node.namedChildren) this.expr(c, scope);
        return UNIT;
      case 'function_item':
      case 'const_item':
      case 'static_item':
      case 'use_declaration':
      case 'attribute_item':
      case 'struct_item':
      case 'enum_item':
      case 'impl_item':
      case 'mod_item':
        return UNIT;
      default:
        return this.expr(node, scope);
    }
  }

  /** Expressions being evaluated inside one another: deep nesting stops the evaluation, not the stack. */
  private nesting = 0;

  expr(node: Parser.SyntaxNode, scope: Scope): Val {
    this.tick();
    if (++this.nesting > MAX_NESTING) throw new Budget();
    try {
      return this.exprInner(node, scope);
    } finally {
      this.nesting--;
    }
  }

  private exprInner(node: Parser.SyntaxNode, scope: Scope): Val {
    const line = this.line(node);
    switch (node.type) {
      case 'string_literal':
      case 'raw_string_literal':
        return str(literalContent(node.text), this.file, line);
      case 'char_literal':
        return str(unescapeRust(node.text.replace(/^b?'/, '').replace(/'$/, '')), this.file, line);
      case 'integer_literal':
      case 'float_literal':
      case 'boolean_literal':
        return { k: 'str', p: [{ text: node.text.replace(/_/g, '').replace(/(u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|f32|f64)$/, ''), file: this.file, line }], num: true };
      case 'identifier':
        return this.lookup(node.text, scope, node);
      case 'self':
        return dyn('self', [], this.file, line);
      case 'scoped_identifier': {
        const name = node.childForFieldName('name')?.text ?? node.text;
        return this.constValue(name) ?? dyn(node.text, [], this.file, line);
      }
      case 'reference_expression':
      case 'parenthesized_expression':
      case 'try_expression':
      case 'type_cast_expression':
      case 'unary_expression':
      case 'await_expression': {
        const inner = node.childForFieldName('value') ?? node.namedChildren[0];
        const v = inner ? this.expr(inner, scope) : UNIT;
        return node.type === 'unary_expression' && node.text.startsWith('-') && v.k === 'str' ? { ...v, p: [{ text: '-', file: this.file, line }, ...v.p] } : v;
      }
      case 'block':
      case 'unsafe_block':
      case 'async_block':
      case 'const_block':
        return this.block(node.type === 'block' ? node : (node.namedChildren.find((c) => c.type === 'block') ?? node), scope);
      case 'call_expression':
        return calls(this, node, scope);
      case 'macro_invocation':
        return macro(this, node, scope);
      case 'field_expression': {
        const v = this.expr(node.childForFieldName('value')!, scope);
        const field = node.childForFieldName('field')?.text ?? '';
        if (v.k === 'list' && /^\d+$/.test(field)) return v.items[Number(field)] ?? dyn(node.text, taintOf(v), this.file, line);
        return dyn(node.text, taintOf(v), this.file, line);
      }
      case 'index_expression': {
        const [a, b] = node.namedChildren;
        const v = this.expr(a, scope);
        const i = b ? this.expr(b, scope) : UNIT;
        const n = i.k === 'str' && i.num ? Number(i.p[0]?.text) : NaN;
        if (v.k === 'list' && Number.isInteger(n)) return v.items[n] ?? dyn(node.text, taintOf(v), this.file, line);
        return dyn(node.text, taintOf(v), this.file, line);
      }
      case 'binary_expression': {
        const l = this.expr(node.childForFieldName('left')!, scope);
        const r = this.expr(node.childForFieldName('right')!, scope);
        const op = node.childForFieldName('operator')?.text ?? node.children[1]?.text;
        if (op === '+' && l.k === 'str' && !l.num) return { k: 'str', p: [...l.p, ...display(r, this.file, line)] };
        // Comparisons and arithmetic give numbers and booleans, which carry nothing worth tracing.
        return dyn(node.text.length > 60 ? 'expression' : node.text, /^(==|!=|<|>|<=|>=|&&|\|\|)$/.test(op ?? '') ? [] : [...taintOf(l), ...taintOf(r)], this.file, line);
      }
      case 'compound_assignment_expr': {
        const left = node.childForFieldName('left')!;
        const r = this.expr(node.childForFieldName('right')!, scope);
        const op = node.childForFieldName('operator')?.text ?? node.children[1]?.text;
        const cur = this.expr(left, scope);
        if (op === '+=' && cur.k === 'str' && !cur.num) this.append(cur.p, display(r, this.file, line));
        return UNIT;
      }
      case 'assignment_expression': {
        const left = node.childForFieldName('left')!;
        const v = this.expr(node.childForFieldName('right')!, scope);
        if (left.type === 'identifier') scope.set(left.text, v);
        return UNIT;
      }
      case 'array_expression':
      case 'tuple_expression':
        return { k: 'list', items: node.namedChildren.filter((c) => !c.type.endsWith('comment')).map((c) => this.expr(c, scope)), tuple: node.type === 'tuple_expression' };
      case 'if_expression':
        return this.ifExpr(node, scope);
      case 'match_expression': {
        const v = this.expr(node.childForFieldName('value')!, scope);
        let out: Val | undefined;
        for (const arm of node.childForFieldName('body')?.namedChildren ?? []) {
          if (arm.type !== 'match_arm') continue;
          const s = new Scope(scope);
          const pat = arm.childForFieldName('pattern');
          if (pat) this.bind(pat, v.k === 'str' ? dyn('matched value', taintOf(v), this.file, line) : v, s);
          const r = arm.childForFieldName('value');
          const rv = r ? this.expr(r, s) : UNIT;
          if (!out || (out.k !== 'str' && rv.k === 'str')) out = rv;
        }
        return out ?? UNIT;
      }
      case 'for_expression':
        return this.forExpr(node, scope);
      case 'while_expression':
      case 'loop_expression': {
        const s = new Scope(scope);
        const cond = node.childForFieldName('condition');
        if (cond) this.condition(cond, s);
        const body = node.childForFieldName('body');
        if (body) this.expr(body, s);
        return UNIT;
      }
      case 'closure_expression':
        return { k: 'fn', node, scope, file: this.file };
      case 'return_expression': {
        const inner = node.namedChildren[0];
        const v = inner ? this.expr(inner, scope) : UNIT;
        this.returned ??= v;
        return v;
      }
      case 'let_condition':
      case 'let_chain':
        return this.condition(node, scope);
      case 'else_clause':
        return node.namedChildren[0] ? this.expr(node.namedChildren[0], scope) : UNIT;
      case 'struct_expression':
      case 'range_expression':
      case 'generic_function':
      default: {
        // Whatever else: evaluate the parts for their effects; the value derives from all of them.
        const taint: string[] = [];
        for (const c of node.namedChildren) if (!c.type.endsWith('type') && !c.type.endsWith('comment')) taint.push(...taintOf(this.expr(c, scope)));
        return dyn(node.text.length > 60 ? node.type : node.text, taint, this.file, line);
      }
    }
  }

  /** `if let` / `while let` bindings go into the scope of the branch. */
  condition(node: Parser.SyntaxNode, scope: Scope): Val {
    if (node.type === 'let_condition') {
      const v = this.expr(node.childForFieldName('value')!, scope);
      const pat = node.childForFieldName('pattern');
      if (pat) this.bind(pat, v, scope);
      return UNIT;
    }
    if (node.type === 'let_chain') {
      for (const c of node.namedChildren) this.condition(c, scope);
      return UNIT;
    }
    return this.expr(node, scope);
  }

  private ifExpr(node: Parser.SyntaxNode, scope: Scope): Val {
    const s = new Scope(scope);
    const cond = node.childForFieldName('condition');
    if (cond) this.condition(cond, s);
    const a = this.expr(node.childForFieldName('consequence')!, s);
    const alt = node.childForFieldName('alternative');
    const b = alt ? this.expr(alt, scope) : UNIT;
    if (a.k === 'str' && b.k === 'str') return a;
    if (a.k === 'unit') return b;
    return a.k === 'str' || b.k !== 'str' ? a : b;
  }

  private forExpr(node: Parser.SyntaxNode, scope: Scope): Val {
    const iter = this.expr(node.childForFieldName('value')!, scope);
    const pat = node.childForFieldName('pattern');
    const body = node.childForFieldName('body');
    const items = iter.k === 'list' ? iter.items.slice(0, 4096) : [iter.k === 'dyn' ? { ...iter } : dyn('element', taintOf(iter), this.file, this.line(node))];
    for (const item of items) {
      const s = new Scope(scope);
      if (pat) this.bind(pat, item, s);
      if (body) this.expr(body, s);
    }
    return UNIT;
  }

  /** A value's text as `{}` shows it (for building paths and strings). */
  show(v: Val, node: Parser.SyntaxNode): Piece[] {
    return display(v, this.file, this.line(node));
  }

  showDebug(v: Val, node: Parser.SyntaxNode): Piece[] {
    return debug(v, this.file, this.line(node));
  }
}

/**
 * Evaluates a build script (the first file's `main`, and what it calls). `readShipped` gives the text
 * of a file of the crate by its path from the crate root, for `include_str!` and `fs::read_to_string`.
 */
export function evaluateBuildScript(files: BuildFile[], readShipped: (path: string) => string | undefined): BuildEvaluation {
  if (files.length === 0 || !files[0].tree) return { writes: [], prints: [], truncated: false };
  return new Evaluator(files, readShipped).run();
}
