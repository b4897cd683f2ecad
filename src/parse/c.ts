/**
 * Facts of C, C++ and assembly sources that a build script compiles into the crate (`cc`, `cmake`):
 * the calls each function makes, platform functions it names, constructors (code that runs when a
 * program linking the crate starts or ends), inline assembly that makes system calls, macros and
 * string literals. C and C++ are parsed with tree-sitter's C grammar (one parser and one query per
 * process); assembly files are read as text. A source that names none of the platform functions,
 * constructor markers or assembly below cannot produce a finding and is not parsed at all.
 */

import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { treeSitterBinding } from './syntax.js';
import { LineIndex } from './tokens.js';
import { CAPABILITY_OF, CTOR_SECTION, platformCapability } from './c-names.js';
import { assemblyFacts, inlineAssembly, lexC, macros } from './c-text.js';

export { PLATFORM_NAMES, platformCapability, SYSCALL_INSN, CTOR_SECTION } from './c-names.js';

/** A platform function called (`system(...)`) or used as a value (`= system`, `atexit(f)`). */
export interface CRef {
  kind: 'call' | 'ref';
  name: string;
  line: number;
  /** The function the reference is in; null at file level. */
  fn: string | null;
  /** The call's arguments as written, cut to 160 characters. */
  args?: string;
}

/** A function that runs without being called: before `main`, or when the program or library unloads. */
export interface CCtor {
  /** The function that runs; null when the entry names none the parser could see. */
  name: string | null;
  line: number;
  how: string;
}

/** Inline assembly (or an assembly-file line) that makes a system call. */
export interface CAsm {
  line: number;
  fn: string | null;
  text: string;
}

export interface CFacts {
  /** Defined functions (or assembly labels), with the lines they span. */
  functions: Array<{ name: string; line: number; endLine: number }>;
  /** Names each function calls or takes the address of, by function ('' for file level). */
  calls: Record<string, string[]>;
  /** Uses of the platform functions listed in PLATFORM_NAMES. */
  refs: CRef[];
  ctors: CCtor[];
  asm: CAsm[];
  /** Macros: the names their bodies call (a call to the macro is a call to those). */
  macros: Record<string, string[]>;
  strings: Array<{ text: string; line: number; fn: string | null }>;
  /** Characters the grammar could not parse (inside ERROR nodes). */
  errorBytes: number;
  partial: boolean;
  partialReason?: string;
  /** Not parsed (a budget ran out, or the grammar is not available): nothing in it was seen. */
  unparsed?: boolean;
  /** Names none of the platform functions or markers: not parsed, nothing to report. */
  skipped?: boolean;
  assembly: boolean;
  lines: number;
  bytes: number;
}

/** Extensions of what a C build compiles; headers too, since their code is compiled into every file that includes them. */
export const C_FAMILY = /\.(c|h|cc|cpp|cxx|c\+\+|hh|hpp|hxx|inl|ipp|m|mm|s|S|asm)$/;
const ASSEMBLY = /\.(s|S|asm)$/;
const CPLUSPLUS = /\.(cc|cpp|cxx|c\+\+|hh|hpp|hxx|ipp|mm)$/;

/** Any word that could lead to a finding: without one, a source is not parsed. */
const WORTH_PARSING = new RegExp(
  `\\b(?:${[...CAPABILITY_OF.keys()].join('|')}|curl_\\w+|constructor|destructor|__constructor__|__destructor__|asm|__asm__|__asm)\\b|pragma\\s+(?:init|fini)\\b|${CTOR_SECTION.source}`,
);

const MAX_REFS = 20_000;

let grammar: { language: Parser.Language; version: string } | null | undefined;
let grammarError: string | undefined;

/** The C grammar, loaded on first use; null when its native module cannot be loaded (see cGrammarProblem). */
function cGrammar(): { language: Parser.Language; version: string } | null {
  if (grammar !== undefined) return grammar;
  try {
    const require = createRequire(import.meta.url);
    const language = require('tree-sitter-c') as Parser.Language;
    const version = (require('tree-sitter-c/package.json') as { version: string }).version;
    grammar = { language, version };
  } catch (e) {
    grammarError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    grammar = null;
  }
  return grammar;
}

/** The installed tree-sitter-c version (read from its package file, without loading the grammar), or null. */
export function cGrammarVersion(): string | null {
  try {
    return (createRequire(import.meta.url)('tree-sitter-c/package.json') as { version: string }).version;
  } catch {
    return null;
  }
}

/** Why the C grammar is not available, if it is not. */
export function cGrammarProblem(): string | undefined {
  cGrammar();
  return grammarError;
}

const QUERY_SOURCE = `
(function_definition declarator: (_) @fn.decl) @fn
(attribute_specifier) @attr
(call_expression function: (identifier) @callee arguments: (argument_list) @args)
(call_expression function: (parenthesized_expression (identifier) @callee) arguments: (argument_list) @args)
(init_declarator value: (identifier) @ref)
(init_declarator value: (pointer_expression argument: (identifier) @ref))
(assignment_expression right: (identifier) @ref)
(initializer_list (identifier) @ref)
(initializer_list (pointer_expression argument: (identifier) @ref))
(preproc_call directive: (preproc_directive) @pdir argument: (preproc_arg) @parg)
(ERROR) @error
`;

let tools: { parser: Parser; query: Parser.Query } | undefined;

/** The process-wide C parser and its one query, compiled on first use. */
function cTools(): { parser: Parser; query: Parser.Query } | null {
  const g = cGrammar();
  if (!g) return null;
  if (!tools) {
    const P = treeSitterBinding();
    const parser = new P();
    parser.setLanguage(g.language);
    tools = { parser, query: new P.Query(g.language, QUERY_SOURCE) };
  }
  return tools;
}

const DECODER = new TextDecoder('utf-8', { fatal: false });

function blankFacts(bytes: number, lines: number, assembly: boolean): CFacts {
  return { functions: [], calls: {}, refs: [], ctors: [], asm: [], macros: {}, strings: [], errorBytes: 0, partial: false, assembly, lines, bytes };
}

/**
 * Parses one C-family source. `budgetMs` bounds the parse (tree-sitter's own timeout) and the query
 * over the tree; past it, or without the grammar, the facts say what was not analysed. Never throws
 * on the source's content.
 */
export function parseC(bytes: Uint8Array, path: string, budgetMs: number): CFacts {
  const text = DECODER.decode(bytes);
  const lines = new LineIndex(text);
  if (ASSEMBLY.test(path)) return assemblyFacts(text, blankFacts(bytes.length, lines.lines, true));
  const { code, strings } = lexC(text);
  const facts = blankFacts(bytes.length, lines.lines, false);
  if (!WORTH_PARSING.test(code)) return { ...facts, skipped: true };
  const t = cTools();
  if (!t) return { ...facts, partial: true, unparsed: true, partialReason: `not analysed: the C grammar could not be loaded (${cGrammarProblem() ?? 'unknown error'})` };
  const t0 = performance.now();
  let tree: Parser.Tree | null = null;
  t.parser.setTimeoutMicros(Math.max(1, budgetMs) * 1000);
  try {
    tree = t.parser.parse(text, undefined, { bufferSize: Math.max(64 * 1024, text.length * 2 + 16) });
  } catch {
    tree = null;
  } finally {
    t.parser.setTimeoutMicros(0);
    t.parser.reset();
  }
  if (!tree) return { ...facts, partial: true, unparsed: true, partialReason: `not analysed: parsing took longer than the ${budgetMs} ms budget` };
  const left = budgetMs - (performance.now() - t0);
  let matches: Parser.QueryMatch[] = [];
  let outOfTime = left <= 0;
  if (!outOfTime) {
    try {
      matches = t.query.matches(tree.rootNode, { timeoutMicros: Math.ceil(left * 1000), maxStartDepth: 400 });
    } catch {
      outOfTime = true;
    }
  }
  macros(code, facts);
  collect(matches, facts, tree, strings, lines);
  inlineAssembly(code, facts, lines);
  if (outOfTime || performance.now() - t0 > budgetMs) {
    facts.partial = true;
    facts.partialReason = `partly analysed: the ${budgetMs} ms budget ran out while reading the syntax tree`;
  } else if (facts.errorBytes > 0) {
    facts.partial = true;
    facts.partialReason = `${facts.errorBytes} of ${text.length} characters could not be parsed as C${CPLUSPLUS.test(path) ? ' (a C++ source, read with the C grammar)' : ' (macros the C grammar does not know)'}`;
  }
  return facts;
}

/** The name a function declarator declares (through pointer and parenthesized declarators). */
function declaredName(node: Parser.SyntaxNode): string | null {
  let n: Parser.SyntaxNode | null = node;
  for (let guard = 0; n && guard < 50; guard++) {
    if (n.type === 'identifier' || n.type === 'field_identifier') return n.text;
    n = n.childForFieldName('declarator') ?? n.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
  }
  return null;
}

/** Identifiers a declaration's initializer names (`= f`, `= &f`, `= { f, &g }`). */
function initializerNames(decl: Parser.SyntaxNode): string[] {
  const out: string[] = [];
  const visit = (n: Parser.SyntaxNode, depth: number) => {
    if (depth > 6 || out.length > 32) return;
    if (n.type === 'identifier') out.push(n.text);
    else for (const c of n.namedChildren) visit(c, depth + 1);
  };
  for (const d of decl.descendantsOfType('init_declarator')) {
    const v = d.childForFieldName('value');
    if (v) visit(v, 0);
  }
  return out;
}

function collect(matches: Parser.QueryMatch[], facts: CFacts, tree: Parser.Tree, strings: Array<{ start: number; text: string }>, lines: LineIndex): void {
  const fnRanges: Array<{ start: number; end: number; name: string }> = [];
  const uses: Array<{ at: number; name: string; call: boolean; line: number; args?: string }> = [];
  let errorEnd = -1;
  for (const m of matches) {
    const cap = (name: string) => m.captures.find((c) => c.name === name)?.node;
    const fn = cap('fn');
    if (fn) {
      const name = declaredName(cap('fn.decl')!);
      if (name) {
        fnRanges.push({ start: fn.startIndex, end: fn.endIndex, name });
        facts.functions.push({ name, line: fn.startPosition.row + 1, endLine: fn.endPosition.row + 1 });
      }
      continue;
    }
    const attr = cap('attr');
    if (attr) {
      constructorAttribute(attr, facts);
      continue;
    }
    const callee = cap('callee') ?? cap('ref');
    if (callee) {
      const call = !!cap('callee');
      const at = callee.startIndex;
      const line = callee.startPosition.row + 1;
      const args = call ? cap('args')!.text : undefined;
      uses.push({ at, name: callee.text, call, line, args: args && args.length > 160 ? `${args.slice(0, 159)}…` : args });
      // Functions passed as arguments (`atexit(f)`, `pthread_create(…, f, …)`) are used as values.
      if (args) for (const a of args.slice(0, 2000).replace(/"(?:[^"\\\n]|\\.)*"/g, '""').matchAll(/\b[A-Za-z_]\w*\b/g)) uses.push({ at, name: a[0], call: false, line });
      continue;
    }
    const pdir = cap('pdir');
    if (pdir) {
      // `#pragma init(f)` / `#pragma fini(f)`: f runs at load or unload.
      const pm = /^\s*(init|fini)\s*\(\s*([A-Za-z_]\w*)/.exec(cap('parg')!.text);
      if (pdir.text === '#pragma' && pm) facts.ctors.push({ name: pm[2], line: pdir.startPosition.row + 1, how: `#pragma ${pm[1]}` });
      continue;
    }
    const err = cap('error');
    if (err && err.startIndex >= errorEnd) {
      facts.errorBytes += err.endIndex - err.startIndex;
      errorEnd = err.endIndex;
    }
  }
  fnRanges.sort((a, b) => a.start - b.start);
  const defined = new Set(fnRanges.map((r) => r.name));
  const calls = new Map<string, Set<string>>();
  for (const u of uses) {
    const fn = enclosing(fnRanges, u.at);
    const platform = platformCapability(u.name) !== undefined;
    // A name used as a value is an edge only when it is a function: argument lists are full of variables.
    if (u.call || platform || defined.has(u.name)) {
      const k = fn ?? '';
      let s = calls.get(k);
      if (!s) calls.set(k, (s = new Set()));
      s.add(u.name);
    }
    if (platform && facts.refs.length < MAX_REFS) facts.refs.push({ kind: u.call ? 'call' : 'ref', name: u.name, line: u.line, fn, ...(u.args !== undefined ? { args: u.args } : {}) });
    // A macro that stands for a platform function (`#define RUN system`, `#define RUN(c) system(c)`).
    else if (u.call && Object.hasOwn(facts.macros, u.name) && facts.refs.length < MAX_REFS) {
      const target = facts.macros[u.name].find((n) => platformCapability(n) !== undefined);
      if (target) facts.refs.push({ kind: 'call', name: target, line: u.line, fn, args: `${u.args ?? ''} (through the macro ${u.name})` });
    }
  }
  for (const [k, s] of calls) facts.calls[k] = [...s];
  for (const s of strings) {
    const fn = enclosing(fnRanges, s.start);
    facts.strings.push({ text: s.text, line: lines.line(s.start), fn });
    if (CTOR_SECTION.test(s.text)) sectionEntry(tree.rootNode.descendantForIndex(s.start), facts, lines.line(s.start));
  }
}

/** The function whose range holds `at` (C function definitions do not nest). */
function enclosing(ranges: Array<{ start: number; end: number; name: string }>, at: number): string | null {
  let lo = 0;
  let hi = ranges.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].start <= at) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best >= 0 && at < ranges[best].end ? ranges[best].name : null;
}


/** `__attribute__((constructor))` / `destructor` on a function definition or a prototype. */
function constructorAttribute(attr: Parser.SyntaxNode, facts: CFacts): void {
  const m = /\b(?:__)?(constructor|destructor)(?:__)?\b/.exec(attr.text);
  const owner = attr.parent;
  if (!m || !owner) return;
  const line = attr.startPosition.row + 1;
  const how = `__attribute__((${m[1]}))`;
  if (owner.type === 'function_definition') {
    facts.ctors.push({ name: declaredName(owner.childForFieldName('declarator') ?? owner), line, how });
    return;
  }
  let decl: Parser.SyntaxNode | null = owner;
  while (decl && decl.type !== 'declaration' && decl.type !== 'translation_unit') decl = decl.parent;
  const target = decl?.type === 'declaration' ? decl : owner;
  const names = target.descendantsOfType('function_declarator').map((d) => declaredName(d)).filter((x): x is string => !!x);
  if (names.length === 0) facts.ctors.push({ name: null, line, how });
  for (const name of names) facts.ctors.push({ name, line, how });
}

/** A section attribute or `__declspec(allocate(...))` naming a constructor section: its entries run at load. */
function sectionEntry(at: Parser.SyntaxNode, facts: CFacts, line: number): void {
  let n: Parser.SyntaxNode | null = at;
  while (n && !['declaration', 'function_definition', 'ERROR', 'expression_statement', 'translation_unit', 'preproc_call'].includes(n.type)) n = n.parent;
  // Assembly and pragmas are read elsewhere.
  if (!n || n.type === 'expression_statement' || n.type === 'preproc_call' || n.type === 'translation_unit') return;
  const how = `an entry in the ${CTOR_SECTION.exec(n.text)?.[0] ?? 'constructor'} section`;
  let names: string[] = [];
  if (n.type === 'function_definition') names = [declaredName(n.childForFieldName('declarator') ?? n)].filter((x): x is string => !!x);
  else if (n.type === 'declaration') names = initializerNames(n);
  else if (n.nextNamedSibling?.type === 'declaration') names = initializerNames(n.nextNamedSibling); // `__declspec(allocate(...))` is an ERROR to the C grammar
  if (names.length === 0) facts.ctors.push({ name: null, line, how });
  for (const name of names) facts.ctors.push({ name, line, how });
}

