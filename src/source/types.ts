/** The in-memory view of one release: crate-relative paths (with `/`) to file bytes. */
export interface CrateTree {
  /** What the user named: a directory path, a tarball path, or a synthetic label. */
  label: string;
  files: Map<string, Uint8Array>;
  /** Things about the input itself that a reviewer should know (duplicate tar entries, skipped folders). */
  notes: SourceNote[];
  /** The tarball's single top folder (`name-version`), when the input was a package (not a source archive). */
  topFolder?: string;
}

/**
 * `ambiguity`: an archive construct `cargo package` never writes (links, PAX or GNU overrides, data
 * cargo skips, extra gzip members, ...) where another reader could see a different tree. The
 * archive is read as cargo reads it; the rules make the note a critical `archive-ambiguity` finding.
 * `source-archive`: a `.tar.gz` / `.tgz` / `.tar` that is a source tree (git archive, `tar -czf ./`),
 * not a package written by cargo, read as a folder is read; an info-level finding.
 */
export type SourceNoteKind = 'duplicate-entry' | 'case-collision' | 'skipped' | 'top-folder-mismatch' | 'dangling-link' | 'ambiguity' | 'source-archive';

export interface SourceNote {
  kind: SourceNoteKind;
  path: string;
  message: string;
}

/** Hard limits applied while reading untrusted input. Exceeding one is an error, never a silent truncation. */
export interface SourceLimits {
  maxTotalBytes: number;
  maxFileBytes: number;
  maxFiles: number;
  maxPathDepth: number;
  maxPathLength: number;
  /** Largest allowed gunzip expansion ratio once the output passes `ratioFloorBytes`. */
  maxCompressionRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_LIMITS: SourceLimits = {
  maxTotalBytes: 256 * 1024 * 1024,
  maxFileBytes: 32 * 1024 * 1024,
  maxFiles: 50_000,
  maxPathDepth: 40,
  maxPathLength: 1024,
  maxCompressionRatio: 200,
  ratioFloorBytes: 16 * 1024 * 1024,
};

/** A problem with the user's input (bad archive, limit exceeded, missing path). The CLI maps it to exit 2. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(message: string, readonly input?: string) {
    super(input ? `${input}: ${message}` : message);
  }
}
