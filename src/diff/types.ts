import type { LineDiff } from '../parse/text.js';
import type { Tree } from 'tree-sitter';
import type { CrateTree, SourceNote } from '../source/types.js';
import type { FileFacts, ItemFacts } from '../parse/types.js';
import type { Manifest, ManifestDelta } from './manifest.js';
import type { BuildScriptFacts } from './generated.js';

/** What a file is for, which decides when its code runs: at build time, in users' programs, or only in tests. */
export type FileRole = 'lib' | 'proc-macro' | 'bin' | 'build' | 'test' | 'bench' | 'example' | 'other';

export interface RustFile {
  path: string;
  role: FileRole;
  /** Module path of the file's items (`crate::net`, `build`, `tests::smoke`). */
  module: string;
  facts: FileFacts;
  text: string;
  /** The file's syntax tree (parsed again on demand if it was handed on); null when never parsed. */
  readonly tree: Tree | null;
  /** The line diff from the earlier release's text (`before`) found by the incremental parse. */
  readonly lineDiff?: { before: string; diff: LineDiff };
}

/** One item of a release, located. */
export interface ItemRef {
  key: string;
  file: RustFile;
  item: ItemFacts;
}

/** One side of the comparison, parsed. */
export interface ReleaseView {
  label: string;
  tree: CrateTree;
  manifest: Manifest | null;
  manifestError?: string;
  name?: string;
  version?: string;
  buildPath?: string;
  procMacro: boolean;
  rust: Map<string, RustFile>;
  /** Files that are not valid UTF-8 text or hold NUL bytes. */
  binaries: Set<string>;
  items: Map<string, ItemRef>;
  /** Item key by (file, item id). */
  keyOf: Map<string, readonly string[]>;
  /** What evaluating the build script found: its OUT_DIR writes and cargo print-outs (see generated.ts). */
  buildScript?: BuildScriptFacts;
}

export type FileStatus = 'added' | 'removed' | 'modified' | 'renamed';

export interface FileChange {
  path: string;
  oldPath?: string;
  status: FileStatus;
  binary: boolean;
  linesAdded: number;
  linesRemoved: number;
  /** New-side line numbers that the text diff marks as added. */
  addedLines: Set<number>;
  /** Old-side line numbers that the text diff marks as removed. */
  removedLines: Set<number>;
}

export type ItemStatus = 'added' | 'removed' | 'changed' | 'moved';

export interface ItemChange {
  key: string;
  oldKey?: string;
  status: ItemStatus;
  newRef?: ItemRef;
  oldRef?: ItemRef;
  /** Statements of a changed function body that are new, by line span. */
  addedStmts: Array<{ line: number; endLine: number }>;
  removedStmts: number;
  /** Statements of the new body in total. */
  totalStmts: number;
}

/** The one object later stages read: what changed between two releases. */
export interface ReleaseDelta {
  old: ReleaseView;
  new: ReleaseView;
  files: FileChange[];
  fileByPath: Map<string, FileChange>;
  items: ItemChange[];
  itemByKey: Map<string, ItemChange>;
  /** For each new-side Rust file, the indices of its sites that the new release adds. */
  newSites: Map<string, Set<number>>;
  /** Files unchanged (or only renamed) whose code now ships or now runs at build time, having not before: all of it counts as added. */
  promoted: Set<string>;
  manifest: ManifestDelta;
  notes: SourceNote[];
  linesAdded: number;
  linesRemoved: number;
}
