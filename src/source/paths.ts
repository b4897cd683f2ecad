import { InputError, type SourceLimits, type SourceNote } from './types.js';

/**
 * Validates one archive or directory entry name and returns it as a clean `a/b/c` path.
 * Throws on anything that could escape the crate root or that cargo itself would never produce.
 */
export function checkEntryPath(raw: string, limits: SourceLimits, input: string): string {
  if (raw.includes('\0')) throw new InputError(`entry name contains a NUL byte: ${JSON.stringify(raw)}`, input);
  if (raw.includes('\uFFFD')) throw new InputError(`entry name is not valid UTF-8: ${JSON.stringify(raw)}`, input);
  if (raw.includes('\\')) throw new InputError(`entry name contains a backslash: ${JSON.stringify(raw)}`, input);
  if (raw.startsWith('/')) throw new InputError(`absolute path in archive: ${JSON.stringify(raw)}`, input);
  if (/^[A-Za-z]:/.test(raw)) throw new InputError(`drive-letter path in archive: ${JSON.stringify(raw)}`, input);
  if (raw.length > limits.maxPathLength) throw new InputError(`entry path longer than ${limits.maxPathLength} characters`, input);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new InputError(`path traversal ('..') in entry: ${JSON.stringify(raw)}`, input);
  if (parts.length > limits.maxPathDepth) throw new InputError(`entry nested deeper than ${limits.maxPathDepth} folders: ${JSON.stringify(raw)}`, input);
  return parts.join('/');
}

/** Resolves a link target relative to the link's folder; returns null when it leaves the root. */
export function resolveLinkTarget(linkPath: string, target: string): string | null {
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes('\\')) return null;
  const base = linkPath.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (base.length === 0) return null;
      base.pop();
    } else base.push(seg);
  }
  return base.join('/');
}

/** Notes for paths that collide on case-insensitive or Unicode-normalizing file systems. */
export function collisionNotes(paths: Iterable<string>): SourceNote[] {
  const seen = new Map<string, string>();
  const out: SourceNote[] = [];
  for (const p of paths) {
    const k = p.normalize('NFC').toLowerCase();
    const prev = seen.get(k);
    if (prev !== undefined && prev !== p) {
      out.push({ kind: 'case-collision', path: p, message: `${prev} and ${p} differ only in letter case or Unicode normalization; on some systems one overwrites the other` });
    } else seen.set(k, p);
  }
  return out;
}
