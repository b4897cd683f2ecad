import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { getHeapStatistics } from 'node:v8';
import type Parser from 'tree-sitter';
import Rust from 'tree-sitter-rust';
import { extractFacts } from './walker.js';
import { blankEdition2024 } from './edition.js';
import { syntaxBackend, bindingBackend, type SyntaxTree } from './syntax.js';
import { boundedLineDiff, hashText, splitLines, type LineDiff } from './text.js';
import { LineIndex } from './tokens.js';
import type { FileFacts } from './types.js';
import type { FactsStore } from './store.js';
import { cGrammarVersion } from './c.js';

const require = createRequire(import.meta.url);

/** Versions of the parsing stack, printed in every JSON report. */
export const GRAMMAR_VERSIONS = {
  treeSitter: (require('tree-sitter/package.json') as { version: string }).version,
  treeSitterRust: (require('tree-sitter-rust/package.json') as { version: string }).version,
  /** The C grammar for the sources build scripts compile (null when it is not installed). */
  treeSitterC: cGrammarVersion(),
};

/** The Rust grammar, for compiling queries once per process. */
export const RUST_LANGUAGE = Rust as unknown as Parser.Language;

export interface ParseOptions {
  /** Parse time budget per file in milliseconds; over it, the file is reported partial and unanalysed. */
  fileBudgetMs: number;
  /** Time budget for all parsing of one scan; files left when it runs out are reported unanalysed. */
  crateBudgetMs: number;
  /** Parse changed files incrementally from their earlier version (default true; same facts either way). */
  incremental?: boolean;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = { fileBudgetMs: 10_000, crateBudgetMs: 180_000, incremental: true };

const UTF8_LOSSY = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Decodes Rust source bytes; invalid UTF-8 is decoded lossily and flagged, a BOM is dropped as rustc does. */
export function decodeSource(bytes: Uint8Array): { text: string; invalidUtf8: boolean } {
  // Validate first (fast, no copy), then decode without the fatal decoder's per-character checks.
  const invalidUtf8 = !isUtf8(bytes);
  let text = invalidUtf8 ? UTF8_LOSSY.decode(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, invalidUtf8 };
}

export interface ParsedFile {
  facts: FileFacts;
  text: string;
  /** The syntax tree, kept as the base for an incremental parse of a later version of the file. */
  syntax: SyntaxTree | null;
  /** The tree-sitter binding's tree, for query rules; made when first asked for (see ParseCache.treeOf). */
  tree: Parser.Tree | null;
  /** The line diff from the earlier version's text (`before`) that the incremental parse computed, for the file diff to reuse. */
  lineDiff?: { before: string; diff: LineDiff };
}

/** What the grammar is given for a source: the 2015 `try!` macro respelled, edition-2024 extern qualifiers blanked (see edition.ts). */
export function parserInput(text: string): string {
  // The grammar reserves `try` (2018 try blocks) and so cannot parse the 2015 `try!` macro that older
  // crates use everywhere. Parse a same-length spelling instead; the walker reports it as `try`.
  const t = text.includes('try!') ? text.replace(/\btry!(?=\s*[({[])/g, 'tr\u0800!') : text;
  return blankEdition2024(t);
}

/**
 * The syntax tree of a decoded source, or null when parsing ran over the per-file budget. With `base`
 * (the tree of an earlier version of the file, already edited to this text's coordinates, see
 * `editTree`), tree-sitter reuses the unchanged parts; a result with syntax errors is parsed again
 * from scratch, so error recovery never depends on the earlier version. `binding` asks for the
 * tree-sitter binding's tree (query rules need one) whatever backend the facts come from.
 */
export function parseTree(text: string, options: ParseOptions, base?: SyntaxTree, binding = false): { tree: SyntaxTree | null; input: string } {
  const input = parserInput(text);
  const backend = binding ? bindingBackend : syntaxBackend();
  let tree: SyntaxTree | null = null;
  try {
    tree = backend.parse(input, base, options.fileBudgetMs);
    if (base && tree?.hasError) {
      tree.release();
      tree = backend.parse(input, undefined, options.fileBudgetMs);
    }
  } catch {
    tree = null;
  } finally {
    // The new tree shares what it reused; the edited base describes no text any more.
    base?.release();
  }
  return { tree, input };
}

/**
 * Parses one Rust source and extracts its facts. `budgetLeft` false means the scan's parsing budget
 * is spent: the file is reported unanalysed without being parsed.
 */
export function parseSource(bytes: Uint8Array, hash: string, options: ParseOptions, budgetLeft: boolean, base?: { tree: SyntaxTree; input: string; text: string; editBudget: { work: number } }): ParsedFile {
  const { text, invalidUtf8 } = decodeSource(bytes);
  if (!budgetLeft) {
    base?.tree.release();
    return { facts: emptyFacts(hash, `not analysed: the scan's ${options.crateBudgetMs} ms parsing budget ran out before this file`), text, syntax: null, tree: null };
  }
  let baseTree: SyntaxTree | undefined;
  let lineDiff: ParsedFile['lineDiff'];
  if (base) {
    const input = parserInput(text);
    const d = editTree(base.tree, base.input, input, base.editBudget);
    if (d) {
      baseTree = base.tree;
      // The parser's input is the text itself unless `try!` was respelled: only then is this the
      // diff of the two texts.
      if (base.input === base.text && input === text) lineDiff = { before: base.text, diff: d };
    } else base.tree.release();
  }
  // The per-file budget covers parsing and fact extraction together. Extraction counts the process's
  // CPU time, not the clock: a machine shared with other work must not turn a fast walk into a budget
  // overrun (tree-sitter's own timeout, for the parse, is its own).
  const cpu0 = process.cpuUsage();
  const limitMicros = options.fileBudgetMs * 1000;
  const overBudget = () => {
    const c = process.cpuUsage(cpu0);
    return c.user + c.system > limitMicros;
  };
  const { tree, input } = parseTree(text, options, baseTree);
  if (!tree) {
    return { facts: emptyFacts(hash, `not analysed: parsing took longer than the ${options.fileBudgetMs} ms budget`), text, syntax: null, tree: null };
  }
  const facts = extractFacts(tree.nodes(), tree.hasError, text, hash, overBudget);
  if (!facts) {
    tree.release();
    return { facts: emptyFacts(hash, `not analysed: parsing and fact extraction took longer than the ${options.fileBudgetMs} ms budget`), text, syntax: null, tree: null };
  }
  if (input !== text) for (const site of facts.sites) if (site.kind === 'macro' && site.text === 'tr\u0800') site.text = 'try';
  if (invalidUtf8) {
    facts.partial = true;
    facts.partialReason = 'the file is not valid UTF-8 (rustc would reject it); analysed after lossy decoding';
  } else if (facts.partial) {
    facts.partialReason = `${facts.errors.length >= 50 ? '50+' : facts.errors.length} syntax error(s); code around them may be unanalysed`;
  }
  if (text.includes('\0')) {
    facts.partial = true;
    facts.partialReason = (facts.partialReason ? `${facts.partialReason}; ` : '') + 'the file holds NUL bytes';
  }
  return { facts, text, syntax: tree, tree: tree.bindingTree ?? null, lineDiff };
}

/**
 * JavaScript heap a scan needs per source byte parsed, at its peak (facts, the diff, the graphs and
 * the rules, garbage included; measured ≈ 30-45, see docs/security.md), and the share of the heap
 * limit the scan may plan to fill.
 */
export const HEAP_PER_SOURCE_BYTE = 60;
const HEAP_SHARE = 0.85;

/**
 * null when the heap has room for a scan that parses `bytes` source bytes in all, else why the next
 * file is not analysed. Past its heap limit V8 aborts the whole process (a batch worker's heap is
 * capped at 4 GB): a release too large for the memory at hand gets a critical unanalysed-code finding
 * for the files left out instead. A count of bytes, not the heap's current use (which holds garbage
 * and depends on when the collector last ran), so one input on one heap limit gives one report.
 */
function memoryLeftFor(bytes: number, baseline: number): string | null {
  const limit = getHeapStatistics().heap_size_limit;
  if (baseline + bytes * HEAP_PER_SOURCE_BYTE <= limit * HEAP_SHARE) return null;
  const mb = (n: number) => Math.round(n / 2 ** 20);
  return `not analysed: the scan's memory budget ran out before this file (a heap of ${mb(limit)} MB analyses about ${mb(Math.max(0, limit * HEAP_SHARE - baseline) / HEAP_PER_SOURCE_BYTE)} MiB of source per scan)`;
}

/** Source bytes of the earlier release whose syntax trees are kept as bases for incremental parsing. */
export const MAX_KEPT_TREE_BYTES = 24 * 1024 * 1024;

/**
 * Parses Rust sources, each distinct content once per cache. Keeps the trees so that query rules
 * can run on changed files without parsing them again.
 */
export class ParseCache {
  private byHash = new Map<string, ParsedFile>();
  parsedFiles = 0;
  parsedBytes = 0;
  /** Milliseconds spent parsing and extracting so far. */
  spentMs = 0;
  /** Work left for computing incremental-parse edits in this scan, in squared edits (≈ 3 s). */
  private editBudget = { work: 4e7 };
  private interned = new Map<string, string>();
  /** Source bytes parsed so far (or about to be), for the memory budget (see memoryLeftFor). */
  private analysedBytes = 0;
  /** Heap in use when the scan started: the rule set, the program itself. */
  private readonly baselineHeap = getHeapStatistics().used_heap_size;
  /** Source bytes whose syntax trees are kept for incremental parsing (see MAX_KEPT_TREE_BYTES). */
  private keptBytes = 0;

  /**
   * The syntax tree of parsed content: kept from parsing, or parsed again when it was handed on to an
   * incremental parse; null only for content that was never parsed (a time budget ran out).
   */
  treeOf(parsed: ParsedFile): Parser.Tree | null {
    if (!parsed.tree && !parsed.facts.unparsed) parsed.tree = parseTree(parsed.text, this.options, undefined, true).tree?.bindingTree ?? null;
    return parsed.tree;
  }

  /** One shared string object per distinct string (the suffixed keys of duplicate items, see buildRelease). */
  intern(s: string): string {
    const hit = this.interned.get(s);
    if (hit !== undefined) return hit;
    this.interned.set(s, s);
    return s;
  }

  /**
   * `store` keeps facts across scans (see store.ts): content found there is neither parsed nor
   * walked, and its facts are the same as parsing would give (the store's key covers the code that
   * made them). Such content has no syntax tree until a query rule asks for one.
   */
  constructor(readonly options: ParseOptions = DEFAULT_PARSE_OPTIONS, private readonly store?: FactsStore) {}

  /**
   * Facts for the given bytes, parsing them only if this content was not seen before. `earlier` is
   * the same file's content in the other release: when its tree is at hand, it is edited and reused
   * (incremental parsing, so cost follows the changed lines), and then no longer kept for that content.
   */
  parse(bytes: Uint8Array, earlier?: Uint8Array, keepTree = true): ParsedFile {
    const hash = hashText(bytes);
    const hit = this.byHash.get(hash);
    if (hit) return hit;
    const t0 = performance.now();
    this.parsedFiles++;
    this.parsedBytes += bytes.length;
    const stored = this.store?.get(hash);
    if (stored) {
      // The text is made when first read: most of a warm scan's files are never read as text.
      let text: string | undefined;
      const hit: ParsedFile = {
        facts: stored, syntax: null, tree: null,
        get text() {
          return (text ??= decodeSource(bytes).text);
        },
      };
      this.byHash.set(hash, hit);
      this.spentMs += performance.now() - t0;
      return hit;
    }
    const prev = earlier && this.options.incremental !== false ? this.byHash.get(hashText(earlier)) : undefined;
    const base = prev?.syntax ? { tree: prev.syntax, input: parserInput(prev.text), text: prev.text, editBudget: this.editBudget } : undefined;
    // The earlier tree is edited in place: it no longer describes its own text. Whoever needs it
    // again (query rules on removed lines) gets it parsed anew (see treeOf).
    if (prev && base) {
      prev.syntax = null;
      if (prev.tree === base.tree.bindingTree) prev.tree = null;
    }
    const noMemory = memoryLeftFor(this.analysedBytes + bytes.length, this.baselineHeap);
    let result: ParsedFile;
    if (noMemory === null) {
      this.analysedBytes += bytes.length;
      result = parseSource(bytes, hash, this.options, this.spentMs <= this.options.crateBudgetMs, base);
    } else {
      base?.tree.release();
      result = { facts: emptyFacts(hash, noMemory), text: decodeSource(bytes).text, syntax: null, tree: null };
    }
    // Facts left incomplete by a time budget depend on the machine's speed: never stored.
    if (this.store && !result.facts.unparsed) this.store.put(hash, result.facts);
    // A syntax tree costs about 75 bytes per source byte outside the JavaScript heap. It is kept only
    // as the base of an incremental parse of the file's next version, so only for the earlier release
    // and only up to MAX_KEPT_TREE_BYTES of source in all; the others are freed now (facts are the same
    // either way, the later parse of a file without a base just starts from scratch).
    if (result.syntax && (!keepTree || this.keptBytes + bytes.length > MAX_KEPT_TREE_BYTES)) {
      if (result.tree === result.syntax.bindingTree) result.tree = null;
      result.syntax.release();
      result.syntax = null;
    } else if (result.syntax) this.keptBytes += bytes.length;
    this.spentMs += performance.now() - t0;
    this.byHash.set(hash, result);
    return result;
  }
}

/** Where `from` ends after the text `t` is appended at point `at`. */
function advancePoint(at: Parser.Point, t: string): Parser.Point {
  const nl = t.lastIndexOf('\n');
  if (nl < 0) return { row: at.row, column: at.column + t.length };
  let rows = 0;
  for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) rows++;
  return { row: at.row + rows, column: t.length - nl - 1 };
}

/** Beyond this many changed lines, one edit covers the whole changed middle. */
const MAX_EDIT_LINES = 2000;

/**
 * Tells `tree` (parsed from `before`) how the text became `after`, one edit per changed run of lines,
 * in order, each in the coordinates the earlier edits leave. Returns the line diff it used, or null
 * (tree untouched) when the texts are equal.
 */
export function editTree(tree: SyntaxTree, before: string, after: string, budget: { work: number }): LineDiff | null {
  if (before === after) return null;
  const b = splitLines(after);
  // A search that would cost too much (or the scan's budget for them is spent) falls back to one edit
  // over the changed middle.
  const diff = boundedLineDiff(splitLines(before), b, MAX_EDIT_LINES, budget);
  const { pre, midA, midB, changes } = diff;
  // Runs of [old lines, new lines] replaced, in order; equal lines between them.
  type Run = { same: number } | { removed: string[]; added: string[] };
  let runs: Run[] = [];
  if (!changes) runs = [{ removed: midA, added: midB }];
  else {
    for (let k = 0; k < changes.length; k++) {
      const c = changes[k];
      if (!c.added && !c.removed) runs.push({ same: c.count ?? c.value.length });
      else if (c.removed) {
        const next = changes[k + 1];
        const added = next?.added ? next.value : [];
        if (next?.added) k++;
        runs.push({ removed: c.value, added });
      } else runs.push({ removed: [], added: c.value });
    }
  }
  const lines = new LineIndex(after);
  // tree-sitter points are 0-based rows and columns.
  const pointAt = (offset: number): Parser.Point => {
    const [line, column] = lines.pos(offset);
    return { row: line - 1, column: column - 1 };
  };
  let offset = 0;
  for (let i = 0; i < pre; i++) offset += b[i].length;
  let line = pre;
  for (const r of runs) {
    if ('same' in r) {
      for (let i = 0; i < r.same; i++) offset += b[line + i].length;
      line += r.same;
      continue;
    }
    const removed = r.removed.join('');
    const added = r.added.join('');
    const start = pointAt(offset);
    tree.edit({
      startIndex: offset,
      oldEndIndex: offset + removed.length,
      newEndIndex: offset + added.length,
      startPosition: start,
      oldEndPosition: advancePoint(start, removed),
      newEndPosition: pointAt(offset + added.length),
    });
    offset += added.length;
    line += r.added.length;
  }
  return diff;
}

function emptyFacts(hash: string, reason: string): FileFacts {
  return {
    hash,
    partial: true,
    partialReason: reason,
    unparsed: true,
    errors: [],
    items: [],
    sites: [],
    aliases: Object.create(null) as Record<string, string>,
    globs: [],
    mods: [],
    innerAttrs: [],
    safetyLines: [],
    oddIdentifiers: [],
    lineCount: 0,
  };
}
