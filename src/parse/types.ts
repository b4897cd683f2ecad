/** 1-based line and column (UTF-16 units) of a source range, plus string offsets. */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  start: number;
  end: number;
}

export type ItemKind =
  | 'fn'
  | 'impl'
  | 'struct'
  | 'enum'
  | 'union'
  | 'trait'
  | 'static'
  | 'const'
  | 'macro'
  | 'mod'
  | 'type'
  | 'extern';

/** One item of a file. `local` is its path inside the file (`Type::method`, `inner::f`); the module prefix is added by the diff stage. */
export interface ItemFacts {
  id: number;
  local: string;
  name: string;
  kind: ItemKind;
  span: Span;
  /** Impl, mod, trait or extern block: judged by its members, never by its own text. */
  container: boolean;
  isPub: boolean;
  attrs: string[];
  parent: number;
  selfType?: string;
  trait?: string;
  params?: string;
  returnType?: string;
  unsafe: boolean;
  /** Declared inside `extern { }` (an FFI import). */
  foreign: boolean;
  /** Marked `#[test]`, `#[cfg(test)]` or nested in such an item. */
  test: boolean;
  /** Top-level statements of a function body, for the statement-level diff. */
  stmts: StmtFacts[];
}

export interface StmtFacts {
  start: number;
  end: number;
  line: number;
  endLine: number;
}

export type SiteKind =
  | 'call'
  | 'method'
  | 'macro'
  | 'path'
  | 'ident'
  | 'string'
  | 'bytes'
  | 'unsafe'
  | 'index'
  | 'arith'
  | 'attr'
  | 'extern'
  | 'closure';

/**
 * Something a rule may care about, at one place in the file: a call, a literal, an unsafe block...
 * `text` is the callee path as written, the macro name, or the literal's content.
 */
export interface Site {
  kind: SiteKind;
  text: string;
  /** Arguments (calls, macros) or extra detail, whitespace-collapsed and truncated. */
  args?: string;
  item: number;
  line: number;
  column: number;
  endLine: number;
  /** Found inside a macro's token tree, where the grammar gives tokens, not expressions. */
  inMacro: boolean;
  /** Full length of a literal before truncation. */
  len?: number;
}

export interface ModDecl {
  name: string;
  /** The `#[path = "..."]` attribute's value, when present (the first of several `cfg_attr` variants). */
  pathAttr?: string;
  /** Every path the module may be loaded from, one per `#[path]` / `#[cfg_attr(…, path = …)]`. */
  pathAttrs: string[];
  /** Names of the inline `mod x { }` blocks around the declaration, outermost first (they shift the base folder). */
  inlineParents: string[];
  inline: boolean;
  line: number;
  item: number;
}

/** Everything the later stages need from one file, computed once per distinct content. */
export interface FileFacts {
  hash: string;
  /** True when the grammar reported errors: what parsed is kept, the rest is unanalysed. */
  partial: boolean;
  partialReason?: string;
  /** True when the file was not parsed at all (a time budget ran out): nothing of it was analysed. */
  unparsed?: boolean;
  /** Where the grammar gave up: start, end line and the size of the unparsed text. */
  errors: Array<{ line: number; column: number; endLine: number; bytes: number }>;
  items: ItemFacts[];
  sites: Site[];
  /** `use` aliases: local name → full path as written (`C` → `std::process::Command`). */
  aliases: Record<string, string>;
  globs: string[];
  mods: ModDecl[];
  /** `#![...]` attributes at file level, e.g. `forbid(unsafe_code)`. */
  innerAttrs: string[];
  /** Lines that hold a comment mentioning SAFETY, for judging unsafe blocks. */
  safetyLines: number[];
  /** Lines holding non-ASCII identifiers or bidirectional-control characters. */
  oddIdentifiers: Array<{ line: number; text: string }>;
  lineCount: number;
}
