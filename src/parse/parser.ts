import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import Parser from 'tree-sitter';
import Rust from 'tree-sitter-rust';
import { extractFacts } from './walker.js';
import { hashText } from './text.js';
import type { FileFacts } from './types.js';

const require = createRequire(import.meta.url);

/** Versions of the parsing stack, printed in every JSON report. */
export const GRAMMAR_VERSIONS = {
  treeSitter: (require('tree-sitter/package.json') as { version: string }).version,
  treeSitterRust: (require('tree-sitter-rust/package.json') as { version: string }).version,
};

let parser: Parser | undefined;

/** The process-wide parser; tree-sitter parsers are reusable and creating one per file is waste. */
export function rustParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Rust as unknown as Parser.Language);
  }
  return parser;
}

/** The Rust grammar, for compiling queries once per process. */
export const RUST_LANGUAGE = Rust as unknown as Parser.Language;

export interface ParseOptions {
  /** Parse time budget per file in milliseconds; over it, the file is reported partial and unanalysed. */
  fileBudgetMs: number;
  /** Time budget for all parsing of one scan; files left when it runs out are reported unanalysed. */
  crateBudgetMs: number;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = { fileBudgetMs: 10_000, crateBudgetMs: 180_000 };

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
  tree: Parser.Tree | null;
}

/** The syntax tree of a decoded source, or null when parsing ran over the per-file budget. */
export function parseTree(text: string, options: ParseOptions): { tree: Parser.Tree | null; input: string } {
  // The grammar reserves `try` (2018 try blocks) and so cannot parse the 2015 `try!` macro that older
  // crates use everywhere. Parse a same-length spelling instead; the walker reports it as `try`.
  const input = text.includes('try!') ? text.replace(/\btry!(?=\s*[({[])/g, 'tr\u0800!') : text;
  const p = rustParser();
  p.setTimeoutMicros(options.fileBudgetMs * 1000);
  let tree: Parser.Tree | null = null;
  try {
    // The binding's default buffer is too small for large files; size it to the input.
    tree = p.parse(input, undefined, { bufferSize: Math.max(64 * 1024, input.length * 2 + 16) }) ?? null;
  } catch {
    tree = null;
  } finally {
    p.setTimeoutMicros(0);
    p.reset();
  }
  return { tree, input };
}

/**
 * Parses one Rust source and extracts its facts. `budgetLeft` false means the scan's parsing budget
 * is spent: the file is reported unanalysed without being parsed. Used by the cache on the main
 * thread and by parse workers alike, so both give the same facts for the same bytes.
 */
export function parseSource(bytes: Uint8Array, hash: string, options: ParseOptions, budgetLeft: boolean): ParsedFile {
  const { text, invalidUtf8 } = decodeSource(bytes);
  if (!budgetLeft) {
    return { facts: emptyFacts(hash, `not analysed: the scan's ${options.crateBudgetMs} ms parsing budget ran out before this file`), text, tree: null };
  }
  const { tree, input } = parseTree(text, options);
  if (!tree) {
    return { facts: emptyFacts(hash, `not analysed: parsing took longer than the ${options.fileBudgetMs} ms budget`), text, tree: null };
  }
  const facts = extractFacts(tree, text, hash);
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
  return { facts, text, tree };
}

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

  constructor(readonly options: ParseOptions = DEFAULT_PARSE_OPTIONS) {}

  /** Facts for the given bytes, parsing them only if this content was not seen before. */
  parse(bytes: Uint8Array): ParsedFile {
    const hash = hashText(bytes);
    const hit = this.byHash.get(hash);
    if (hit) return hit;
    const t0 = performance.now();
    this.parsedFiles++;
    this.parsedBytes += bytes.length;
    const result = parseSource(bytes, hash, this.options, this.spentMs <= this.options.crateBudgetMs);
    this.spentMs += performance.now() - t0;
    this.byHash.set(hash, result);
    return result;
  }
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
