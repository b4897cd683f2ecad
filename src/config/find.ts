import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Finding the policy files, with no dependencies: the CLI asks this first and loads the config layer
 * (zod, TOML, semver: a noticeable part of a small scan's start-up) only when there is a policy to apply.
 */

/** The file name looked for from the working directory up. */
export const CONFIG_FILE_NAME = 'cratefence.toml';

/**
 * Finds `cratefence.toml` from `cwd` up. The search stops at the first folder that holds a `.git`
 * entry (the repository root: a config above the repository belongs to someone else) or at the
 * filesystem root. Returns the absolute path, or null.
 */
export function findConfigFile(cwd: string): string | null {
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    if (existsSync(path.join(dir, '.git'))) return null;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** True when there is a policy to apply: a config file (given or found) or a `supply-chain` folder in `cwd`. */
export function hasPolicy(cwd: string, file?: string): boolean {
  return file !== undefined || findConfigFile(cwd) !== null || existsSync(path.join(path.resolve(cwd), 'supply-chain'));
}
