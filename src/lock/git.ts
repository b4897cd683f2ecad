import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { LockfileError } from './parse.js';

const run = promisify(execFile);

/** The old lockfile for `--git-base REF`: `git show REF:<path from the repository root>`. */
export interface GitBase {
  /** Lockfile text at REF, or null when the file did not exist there (every package is then added). */
  text: string | null;
  /** The lockfile's path relative to the repository root, with `/` (used for report locations). */
  relPath: string;
  root: string;
}

/**
 * Reads a lockfile as it was at a git revision. git runs with fixed arguments through execFile (no
 * shell); a ref that could be read as an option is refused.
 */
export async function readAtGitBase(ref: string, lockPath: string): Promise<GitBase> {
  if (!ref || ref.startsWith('-') || /[\s\0]/.test(ref) || ref.length > 256) throw new LockfileError(`--git-base: "${ref.slice(0, 60)}" is not a git revision`);
  let abs: string;
  try {
    abs = realpathSync(path.resolve(lockPath));
  } catch {
    throw new LockfileError(`${lockPath}: no such file`);
  }
  let root: string;
  try {
    root = realpathSync((await run('git', ['rev-parse', '--show-toplevel'], { cwd: path.dirname(abs) })).stdout.trim());
  } catch (e) {
    throw new LockfileError(`--git-base: ${lockPath} is not inside a git repository (${firstLine(e)})`);
  }
  const relPath = path.relative(root, abs).split(path.sep).join('/');
  try {
    await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root });
  } catch {
    throw new LockfileError(`--git-base: unknown revision "${ref}" in ${root}`);
  }
  try {
    const { stdout } = await run('git', ['show', `${ref}:${relPath}`], { cwd: root, maxBuffer: 128 * 1024 * 1024, encoding: 'utf8' });
    return { text: stdout, relPath, root };
  } catch (e) {
    // The lockfile is new in this change: nothing to compare against, every package is added.
    if (/does not exist in|exists on disk, but not in/.test(String((e as { stderr?: string }).stderr ?? ''))) return { text: null, relPath, root };
    throw new LockfileError(`--git-base: git show ${ref}:${relPath} failed (${firstLine(e)})`);
  }
}

function firstLine(e: unknown): string {
  const s = String((e as { stderr?: string }).stderr || (e as Error).message || e);
  return s.trim().split('\n')[0];
}
