/**
 * Extracted facts on disk, by content, so that a file already seen in an earlier scan (the old
 * release of a pair scanned before, the unchanged files of a crate scanned release after release) is
 * neither parsed nor walked again: a scan then costs what its changed files cost.
 *
 * Keys are the SHA-256 of the file's bytes together with the fingerprint of everything the facts
 * depend on (cratefence's version, the grammar's, and the code of the parse stage), so an entry
 * can only ever be read back for the same bytes analysed by the same code.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { packageRoot } from '../root.js';
import type { FileFacts } from '../parse/types.js';
import type { FactsStore } from '../parse/store.js';
import { decodeFacts, encodeFacts, isCompact } from './compact.js';

let fingerprint: string | undefined;

/**
 * What facts depend on besides the file: cratefence's and the grammar's versions and the parse
 * stage's code. Code running from dist/ (the CLI, the installed library) uses the fingerprint the
 * build computed from the sources it compiled; code running from src/ (the tests) computes it.
 */
export function factsFingerprint(): string {
  if (fingerprint) return fingerprint;
  const root = packageRoot();
  const here = fileURLToPath(import.meta.url);
  const fromDist = here.split(path.sep).includes('dist');
  fingerprint = fromDist ? readFileSync(path.join(root, 'dist', 'facts-fingerprint.txt'), 'utf8').trim() : computeFingerprint(root);
  return fingerprint;
}

/** The fingerprint from the sources (the build writes it to dist/facts-fingerprint.txt). */
export function computeFingerprint(root: string): string {
  const h = createHash('sha256');
  const require = createRequire(path.join(root, 'package.json'));
  const files = [
    path.join(root, 'package.json'),
    require.resolve('tree-sitter/package.json'),
    require.resolve('tree-sitter-rust/package.json'),
    path.join(root, 'native', 'syntax.c'),
    // The stored form is these modules': a change to it changes the key too.
    path.join(root, 'src', 'cache', 'facts.ts'),
    path.join(root, 'src', 'cache', 'compact.ts'),
    ...readdirSync(path.join(root, 'src', 'parse')).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(root, 'src', 'parse', f)),
  ];
  for (const f of files) {
    h.update(path.relative(root, f)).update('\0');
    h.update(existsSync(f) ? readFileSync(f) : 'missing').update('\0');
  }
  return h.digest('hex').slice(0, 32);
}

/** True when `v` has the shape of FileFacts for `hash` (a cache entry is checked before it is used). */
function isFacts(v: unknown, hash: string): v is FileFacts {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return f.hash === hash && f.unparsed !== true && typeof f.partial === 'boolean' && typeof f.lineCount === 'number'
    && Array.isArray(f.items) && Array.isArray(f.sites) && Array.isArray(f.errors) && Array.isArray(f.globs) && Array.isArray(f.mods)
    && Array.isArray(f.innerAttrs) && Array.isArray(f.safetyLines) && Array.isArray(f.oddIdentifiers)
    && typeof f.aliases === 'object' && f.aliases !== null;
}

/**
 * Facts on disk, one file per content under DIR/<fingerprint>/<2 hex>/<hash>, written through a
 * temporary file and a rename so that a reader never sees half an entry. DIR must be writable only
 * by whoever runs the scans: an entry is trusted to describe the content its name says.
 */
export class DiskFactsStore implements FactsStore {
  private readonly dir: string;
  hits = 0;
  misses = 0;
  writes = 0;
  /** Why the first write failed (a cache that cannot be written only costs speed). */
  writeError: string | undefined;

  constructor(dir: string) {
    this.dir = path.join(dir, factsFingerprint());
  }

  private fileOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a content hash: ${hash}`);
    return path.join(this.dir, hash.slice(0, 2), hash);
  }

  get(hash: string): FileFacts | undefined {
    let v: unknown;
    try {
      const c: unknown = deserialize(readFileSync(this.fileOf(hash)));
      v = isCompact(c) ? decodeFacts(c) : undefined;
    } catch {
      this.misses++;
      return undefined;
    }
    if (!isFacts(v, hash)) {
      this.misses++;
      return undefined;
    }
    // Names from the scanned code (`constructor`, `__proto__`) must not meet Object's members.
    v.aliases = Object.assign(Object.create(null) as Record<string, string>, v.aliases);
    this.hits++;
    return v;
  }

  put(hash: string, facts: FileFacts): void {
    if (facts.unparsed) return;
    const file = this.fileOf(hash);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize(encodeFacts(facts)));
      renameSync(tmp, file);
      this.writes++;
    } catch (e) {
      this.writeError ??= (e as Error).message;
    }
  }
}
