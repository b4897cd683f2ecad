/**
 * Calls, method calls and macros for the build-script evaluator (buildeval.ts): what the standard
 * library's string, path, file, environment and formatting functions do to the values it tracks.
 * Anything else gives an unknown value deriving from its receiver and arguments.
 */

import type Parser from 'tree-sitter';
import { RUST_LANGUAGE } from './parser.js';
import { treeSitterBinding } from './syntax.js';
import { display, dyn, format, literalOf, str, taintOf, UNIT, type Piece, type Scope, type Sink, type Val } from './values.js';
import type { BuildPrint, BuildWrite } from './values.js';

/** What calls and macros need of the evaluator. */
export interface Ctx {
  file: string;
  readonly fns: Map<string, { node: Parser.SyntaxNode; file: string }>;
  readonly writes: BuildWrite[];
  readonly prints: BuildPrint[];
  readonly sinks: Sink[];
  readShipped(path: string): string | undefined;
  tick(): void;
  line(node: Parser.SyntaxNode): number;
  append(to: Piece[], p: Piece[]): void;
  lookup(name: string, scope: Scope, node: Parser.SyntaxNode | null): Val;
  callFn(node: Parser.SyntaxNode, file: string, args: Val[], outer?: Scope): Val;
  bind(p: Parser.SyntaxNode, v: Val, scope: Scope): void;
  expr(node: Parser.SyntaxNode, scope: Scope): Val;
}

/** Methods that give back their receiver (conversions, borrows, unwrapping). */
const SAME = new Set([
  'to_string', 'to_owned', 'clone', 'into', 'as_str', 'as_ref', 'as_bytes', 'as_path', 'as_os_str', 'display', 'to_str', 'to_string_lossy', 'unwrap',
  'expect', 'unwrap_or_default', 'unwrap_unchecked', 'borrow', 'deref', 'to_path_buf', 'into_os_string', 'into_string', 'as_deref', 'as_slice', 'to_vec',
  'iter', 'into_iter', 'copied', 'cloned', 'by_ref', 'ok', 'into_owned', 'as_mut', 'lock', 'unwrap_or', 'unwrap_or_else', 'or', 'or_else', 'map_err',
]);
/** Methods whose result says nothing about the receiver's content (lengths, tests). */
const OPAQUE = /^(len|is_empty|is_some|is_none|is_ok|is_err|starts_with|ends_with|contains|eq|ne|cmp|partial_cmp|exists|is_file|is_dir|count|matches)$/;
/** Callee paths whose results come from the network, another program or a decoder. */
const SOURCES: Array<[RegExp, string]> = [
  [/\b(reqwest|ureq|attohttpc|minreq|curl|isahc|hyper|TcpStream|UdpSocket|http_req|tinyget)\b/, 'net'],
  [/\bCommand\b|\b(output|spawn|status)$/, 'process'],
  [/\b(base64|hex|decode|from_base64|decrypt|xor|inflate|decompress|from_utf8|from_hex)\b/i, 'decode'],
];

/** The compiler cargo gives a build script: `$RUSTC` (with or without a `rustc` fallback) or the literal `rustc`. */
function isCompiler(v: Val): boolean {
  const lit = literalOf(v);
  if (lit !== null) return lit === 'rustc';
  const t = taintOf(v);
  return t.length > 0 && t.every((x) => x === 'env:RUSTC');
}

let parser: Parser | undefined;
const parsedArgs = new Map<string, Parser.SyntaxNode[]>();
/** Rows the re-parsed argument lists start at in their build-script file, by re-parsed tree. */
const treeRows = new WeakMap<Parser.Tree, number>();

/** Rows to add to a node's own row to get its build-script line (non-zero only inside re-parsed macro arguments). */
export function rowOffset(node: Parser.SyntaxNode): number {
  return treeRows.get(node.tree) ?? 0;
}

/** A macro's arguments as expressions: the token tree parsed again as a call's argument list. */
function macroArgs(tt: Parser.SyntaxNode, bracket: boolean): Parser.SyntaxNode[] {
  const inner = tt.text.slice(1, -1);
  const row = tt.startPosition.row + rowOffset(tt);
  const key = `${row}|${bracket ? '[' : '('}${inner}`;
  let nodes = parsedArgs.get(key);
  if (!nodes) {
    if (!parser) {
      parser = new (treeSitterBinding())();
      parser.setLanguage(RUST_LANGUAGE);
    }
    const tree = parser.parse(`fn __f(){__m(${bracket ? '[' : ''}${inner}${bracket ? ']' : ''});}`);
    treeRows.set(tree, row);
    const call = tree.rootNode.descendantsOfType('call_expression')[0];
    const args = call?.childForFieldName('arguments')?.namedChildren.filter((c) => !c.type.endsWith('comment')) ?? [];
    nodes = bracket ? (args[0]?.namedChildren ?? []) : args;
    if (parsedArgs.size > 5000) parsedArgs.clear();
    parsedArgs.set(key, nodes);
  }
  return nodes;
}

/** Evaluates the arguments of a macro: positional values, and `name = value` ones. */
function argValues(ctx: Ctx, tt: Parser.SyntaxNode, scope: Scope, bracket = false): { vals: Val[]; named: Map<string, Val> } {
  const named = new Map<string, Val>();
  const vals: Val[] = [];
  for (const n of macroArgs(tt, bracket)) {
    if (n.type === 'assignment_expression' && n.childForFieldName('left')?.type === 'identifier') named.set(n.childForFieldName('left')!.text, ctx.expr(n.childForFieldName('right')!, scope));
    else vals.push(ctx.expr(n, scope));
  }
  return { vals, named };
}

/** The environment variable a read names, as a value: OUT_DIR and the manifest folder are known places. */
function envValue(ctx: Ctx, name: string | null, what: string, line: number): Val {
  if (name === 'OUT_DIR') return str('$OUT_DIR', ctx.file, line);
  if (name === 'CARGO_MANIFEST_DIR') return str('$CARGO_MANIFEST_DIR', ctx.file, line);
  return dyn(what, [name ? `env:${name}` : 'env:?'], ctx.file, line);
}

/** A crate file's text by a path the build script names (relative to the crate root, or to `dir` for include_str!). */
function shipped(ctx: Ctx, path: string, dir: string | null, line: number, what: string): Val {
  const rel = path.replace(/^\$CARGO_MANIFEST_DIR\/?/, '');
  const full = dir !== null && !path.startsWith('$CARGO_MANIFEST_DIR') ? [dir, rel].filter(Boolean).join('/') : rel;
  const at = full.replace(/^(\.\/)+/, '');
  const text = /^[^$/][^$]*$/.test(full) && !full.split('/').includes('..') ? ctx.readShipped(at) : undefined;
  // Each line keeps its place in the shipped file, so that findings in generated code point there.
  if (text !== undefined) return { k: 'str', p: text.split(/(?<=\n)/).map((l, i) => ({ text: l, file: at, line: i + 1 })) };
  return dyn(what, [`file:${path}`], ctx.file, line);
}

/** A byte string or a list of byte values as text (other values pass through). */
function bytesToText(v: Val, ctx: Ctx, line: number): Val {
  if (v.k !== 'list') return v;
  const codes = v.items.map((it) => (it.k === 'str' && it.num ? Number(literalOf(it)) : NaN));
  if (codes.length === 0 || codes.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) return dyn('bytes', taintOf(v), ctx.file, line);
  return str(Buffer.from(codes).toString('utf8'), ctx.file, line);
}

function joinPath(a: Val, b: Val, ctx: Ctx, line: number): Val {
  const ap = display(a, ctx.file, line);
  return { k: 'str', p: [...ap, { text: '/', file: ctx.file, line }, ...display(b, ctx.file, line)] };
}

/** Writes `p` to a sink, a string buffer, or standard output. */
function writeTo(ctx: Ctx, target: Val, p: Piece[], line: number): void {
  if (target.k === 'sink') ctx.append(target.sink.out, p);
  else if (target.k === 'str' && !target.num) ctx.append(target.p, p);
  else if (target.k === 'stdout') ctx.prints.push({ value: p, file: ctx.file, line });
}

/** Calls with a closure argument run it once per known element, or once with an unknown one. */
function runClosures(ctx: Ctx, args: Val[], recv: Val): Val[] {
  const out: Val[] = [];
  for (const a of args) {
    if (a.k !== 'fn') continue;
    const items = recv.k === 'list' ? recv.items.slice(0, 4096) : [recv.k === 'dyn' ? { ...recv } : dyn('element', taintOf(recv), ctx.file, 0)];
    for (const it of items) out.push(ctx.callFn(a.node as Parser.SyntaxNode, a.file, [it], a.scope));
  }
  return out;
}

/** `a.b(...)`, `path::f(...)`, `f(...)`. */
export function calls(ctx: Ctx, node: Parser.SyntaxNode, scope: Scope): Val {
  const fnNode = node.childForFieldName('function')!;
  const argNodes = node.childForFieldName('arguments')?.namedChildren.filter((c) => !c.type.endsWith('comment')) ?? [];
  const line = ctx.line(node);
  // `x.m(…)` and `x.m::<T>(…)`.
  const inner = fnNode.type === 'generic_function' ? fnNode.childForFieldName('function') : fnNode;
  if (inner?.type === 'field_expression') {
    const recv = ctx.expr(inner.childForFieldName('value')!, scope);
    const args = argNodes.map((a) => ctx.expr(a, scope));
    const turbofish = fnNode.type === 'generic_function' ? (fnNode.childForFieldName('type_arguments')?.text ?? '') : '';
    return method(ctx, recv, inner.childForFieldName('field')?.text ?? '', args, line, node.text, turbofish);
  }
  const path = (fnNode.type === 'generic_function' ? (fnNode.childForFieldName('function')?.text ?? fnNode.text) : fnNode.text).replace(/\s+/g, '').replace(/^(::)?(std|core|alloc)::/, '');
  const last = path.split('::').pop()!;
  // Associated functions are recognised by type and name, however the type's module is written.
  const tail = path.split('::').slice(-2).join('::');
  // Local functions and closures held in variables run with their arguments.
  const local = !path.includes('::') ? (scope.get(path) ?? (ctx.fns.has(path) ? ctx.lookup(path, scope, fnNode) : undefined)) : ctx.fns.has(last) && /^(self|super|crate)::/.test(path) ? ctx.lookup(last, scope, fnNode) : undefined;
  const args = argNodes.map((a) => ctx.expr(a, scope));
  if (local?.k === 'fn') return ctx.callFn(local.node as Parser.SyntaxNode, local.file, args, local.scope);
  const lit0 = args[0] ? literalOf(args[0]) : null;
  if (/^(env::)?var(_os)?$/.test(path) && (path.startsWith('env::') || lit0 !== null)) return envValue(ctx, lit0, `${path}(${lit0 ?? '…'})`, line);
  if (/^env::vars(_os)?$/.test(path)) return { ...dyn(`${path}()`, ['env:*'], ctx.file, line), pairs: true } as Val;
  if (/^(String::(new|with_capacity)|PathBuf::new|Vec::(new|with_capacity)|OsString::new)$/.test(tail)) return path.startsWith('Vec') ? { k: 'list', items: [] } : str('', ctx.file, line);
  if (/^(String|PathBuf|OsString|OsStr|Path|Cow)::(from|new)$/.test(tail)) return args[0] ? (args[0].k === 'str' ? { k: 'str', p: [...args[0].p] } : args[0]) : str('', ctx.file, line);
  if (/^File::create(_new)?$/.test(tail)) {
    const sink: Sink = { path: display(args[0] ?? UNIT, ctx.file, line), out: [], file: ctx.file, line, how: `${path}` };
    ctx.sinks.push(sink);
    return { k: 'sink', sink };
  }
  if (/^(File::options|OpenOptions::new)$/.test(tail)) return { k: 'opener' };
  if (/^(BufWriter|LineWriter)::(new|with_capacity)$/.test(tail)) return args[args.length - 1] ?? UNIT;
  if (/^io::stdout$|^stdout$/.test(path)) return { k: 'stdout' };
  if (path === 'fs::write') {
    ctx.writes.push({ path: display(args[0] ?? UNIT, ctx.file, line), content: display(args[1] ?? UNIT, ctx.file, line), file: ctx.file, line, how: 'fs::write' });
    return UNIT;
  }
  if (path === 'fs::copy') {
    const from = literalOf(args[0] ?? UNIT);
    const content = from !== null ? shipped(ctx, from, null, line, `the file ${from}`) : dyn('a copied file', taintOf(args[0] ?? UNIT), ctx.file, line);
    ctx.writes.push({ path: display(args[1] ?? UNIT, ctx.file, line), content: display(content, ctx.file, line), file: ctx.file, line, how: 'fs::copy' });
    return UNIT;
  }
  if (/^fs::read(_to_string)?$/.test(path)) {
    const p = literalOf(args[0] ?? UNIT);
    return p !== null ? shipped(ctx, p, null, line, `${path}("${p}")`) : dyn(`${path}(…)`, ['file:?', ...taintOf(args[0] ?? UNIT)], ctx.file, line);
  }
  // Text from bytes: known strings pass through, known byte lists (`vec![112, 117, 98]`) are decoded.
  if (/^(String::from_utf8(_lossy|_unchecked)?|str::from_utf8(_unchecked)?|from_utf8)$/.test(tail) && args[0]) return bytesToText(args[0], ctx, line);
  // `Write::write_all(&mut f, …)` and friends, called as paths.
  if (/(^|::)write(_all|_fmt)?$/.test(path) && path.includes('::') && args[0] && (args[0].k === 'sink' || args[0].k === 'stdout')) {
    writeTo(ctx, args[0], display(args[1] ?? UNIT, ctx.file, line), line);
    return UNIT;
  }
  let source = SOURCES.find(([re]) => re.test(path))?.[1];
  // `Command::new($RUSTC)`: the compiler cargo runs anyway, asked for its version or target
  // (rustversion, autocfg-style probes). Its output is not text an attacker controls, so it is a
  // source of its own (`compiler`), not `process`; the arguments still carry their own taint.
  if (source === 'process' && /(^|::)Command::new$/.test(path) && args[0] && isCompiler(args[0])) source = 'compiler';
  const closures = runClosures(ctx, args, UNIT);
  return dyn(`${path}(…)`, [...args.flatMap(taintOf), ...closures.flatMap(taintOf), ...(source ? [source] : [])], ctx.file, line);
}

function method(ctx: Ctx, recv: Val, name: string, args: Val[], line: number, text: string, turbofish = ''): Val {
  ctx.tick();
  const whole = text.length > 80 ? `${text.slice(0, 79)}…` : text;
  if (recv.k === 'sink' || recv.k === 'stdout') {
    if (/^write(_all|_fmt)?$/.test(name)) writeTo(ctx, recv, display(args[0] ?? UNIT, ctx.file, line), line);
    return recv;
  }
  if (recv.k === 'opener') {
    if (name !== 'open') return recv;
    const sink: Sink = { path: display(args[0] ?? UNIT, ctx.file, line), out: [], file: ctx.file, line, how: 'OpenOptions::open' };
    ctx.sinks.push(sink);
    return { k: 'sink', sink };
  }
  if (recv.k === 'fn' && name === 'call') return ctx.callFn(recv.node as Parser.SyntaxNode, recv.file, args, recv.scope);
  if (recv.k === 'str' && !recv.num) {
    const lit = literalOf(recv);
    if (SAME.has(name)) return recv;
    if (name === 'join') return joinPath(recv, args[0] ?? UNIT, ctx, line);
    if (name === 'push_str' || name === 'push') {
      ctx.append(recv.p, display(args[0] ?? UNIT, ctx.file, line));
      return UNIT;
    }
    if (lit !== null) {
      const a0 = args[0] ? literalOf(args[0]) : null;
      const a1 = args[1] ? literalOf(args[1]) : null;
      if (name === 'replace' && a0 !== null && a1 !== null && a0 !== '') return str(lit.split(a0).join(a1), ctx.file, line);
      if (/^trim(_start|_end)?$/.test(name)) return str(name === 'trim' ? lit.trim() : name === 'trim_start' ? lit.trimStart() : lit.trimEnd(), ctx.file, line);
      if (name === 'to_uppercase' || name === 'to_lowercase') return str(name === 'to_uppercase' ? lit.toUpperCase() : lit.toLowerCase(), ctx.file, line);
      if (name === 'chars') return { k: 'list', items: [...lit].slice(0, 65536).map((c) => str(c, ctx.file, line)) };
      if (name === 'lines') return { k: 'list', items: lit.split(/\r?\n/).slice(0, 65536).map((l) => str(l, ctx.file, line)) };
      if (name === 'split' && a0 !== null && a0 !== '') return { k: 'list', items: lit.split(a0).slice(0, 65536).map((l) => str(l, ctx.file, line)) };
      if (name === 'strip_prefix' && a0 !== null) return lit.startsWith(a0) ? str(lit.slice(a0.length), ctx.file, line) : dyn(whole, [], ctx.file, line);
    }
  }
  if (recv.k === 'list') {
    // Collecting into a String concatenates; into anything else keeps the elements.
    if (name === 'collect' && /\bString\b/.test(turbofish)) return { k: 'str', p: recv.items.flatMap((it) => display(it, ctx.file, line)) };
    if (SAME.has(name) || name === 'collect' || name === 'filter' || name === 'skip_while' || name === 'take_while') return recv;
    if (name === 'rev') return { k: 'list', items: [...recv.items].reverse() };
    if (name === 'map' || name === 'filter_map' || name === 'flat_map') {
      const f = args[0];
      if (f?.k === 'fn') return { k: 'list', items: runClosures(ctx, [f], recv) };
    }
    if (name === 'for_each') {
      runClosures(ctx, args, recv);
      return UNIT;
    }
    if (name === 'join' || name === 'concat') {
      const sep = name === 'join' ? display(args[0] ?? str('', ctx.file, line), ctx.file, line) : [];
      const p: Piece[] = [];
      recv.items.forEach((it, i) => {
        if (i > 0) p.push(...sep);
        p.push(...display(it, ctx.file, line));
      });
      return { k: 'str', p };
    }
    if (name === 'push' && args[0]) {
      recv.items.push(args[0]);
      return UNIT;
    }
  }
  if (OPAQUE.test(name)) {
    runClosures(ctx, args, recv);
    return dyn(whole, [], ctx.file, line);
  }
  // Anything else: the result derives from the receiver, the arguments and what closures return.
  const closures = runClosures(ctx, args, recv);
  // `env::vars().filter(…).map(|(name, _)| …)`: what a map gives back is what its closure returns
  // for each (name, value) pair, so the names alone do not carry the values' taint.
  if (recv.k === 'dyn' && recv.pairs && /^(map|filter_map|flat_map)$/.test(name) && closures.length > 0) {
    return dyn(whole, [...args.flatMap(taintOf), ...closures.flatMap(taintOf)], ctx.file, line);
  }
  let source = SOURCES.find(([re]) => re.test(name))?.[1];
  // Running a command built on the compiler (`Command::new($RUSTC).arg("--version").output()`).
  if (source === 'process' && taintOf(recv).includes('compiler')) source = undefined;
  const out = dyn(whole, [...taintOf(recv), ...args.flatMap(taintOf), ...closures.flatMap(taintOf), ...(source && recv.k !== 'str' ? [source] : [])], ctx.file, line);
  return recv.k === 'dyn' && recv.pairs ? ({ ...out, pairs: true } as Val) : out;
}

/** `format!`, `println!`, `write!`, `concat!`, `env!`, `include_str!`, `vec!`… */
export function macro(ctx: Ctx, node: Parser.SyntaxNode, scope: Scope): Val {
  const name = (node.childForFieldName('macro')?.text ?? '').replace(/^(::)?(std|core|alloc)::/, '');
  const tt = node.namedChildren.find((c) => c.type === 'token_tree');
  const line = ctx.line(node);
  if (!tt) return UNIT;
  if (name === 'stringify') return str(tt.text.slice(1, -1), ctx.file, line);
  if (/^(panic|assert\w*|debug_assert\w*|unreachable|todo|unimplemented|cfg|matches|line|column|file|module_path|compile_error)$/.test(name)) return dyn(`${name}!`, [], ctx.file, line);
  const bracket = name === 'vec';
  const { vals, named } = argValues(ctx, tt, scope, bracket);
  if (bracket) return { k: 'list', items: vals };
  const fmt = (from: number): Piece[] => {
    const f = vals[from];
    const text = f ? literalOf(f) : null;
    if (text === null) return f ? display(f, ctx.file, line) : [];
    const fline = f.k === 'str' ? (f.p[0]?.line ?? line) : line;
    return format(text, ctx.file, fline, vals.slice(from + 1), named, (n) => ctx.lookup(n, scope, null));
  };
  switch (name) {
    case 'format':
    case 'format_args':
      return { k: 'str', p: fmt(0) };
    case 'print':
    case 'println': {
      const p = fmt(0);
      if (name === 'println') p.push({ text: '\n', file: ctx.file, line });
      ctx.prints.push({ value: p, file: ctx.file, line });
      return UNIT;
    }
    case 'eprint':
    case 'eprintln':
      return UNIT;
    case 'write':
    case 'writeln': {
      const p = fmt(1);
      if (name === 'writeln') p.push({ text: '\n', file: ctx.file, line });
      writeTo(ctx, vals[0] ?? UNIT, p, line);
      return UNIT;
    }
    case 'concat':
      return { k: 'str', p: vals.flatMap((v) => display(v, ctx.file, line)) };
    case 'env':
    case 'option_env': {
      const n = vals[0] ? literalOf(vals[0]) : null;
      return envValue(ctx, n, `${name}!(${n ?? '…'})`, line);
    }
    case 'include_str':
    case 'include_bytes': {
      const p = vals[0] ? literalOf(vals[0]) : null;
      const dir = ctx.file.includes('/') ? ctx.file.slice(0, ctx.file.lastIndexOf('/')) : '';
      return p !== null ? shipped(ctx, p, dir, line, `${name}!("${p}")`) : dyn(`${name}!(…)`, ['file:?'], ctx.file, line);
    }
    default:
      return dyn(`${name}!(…)`, [...vals.flatMap(taintOf), ...[...named.values()].flatMap(taintOf)], ctx.file, line);
  }
}

