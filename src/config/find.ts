import { existsSync, lstatSync } from 'node:fs';
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
 *
 * Whatever is at that name counts (a folder aside), even a FIFO or a link to a device: the loader
 * then refuses it with an error rather than the search passing over the team's policy in silence.
 */
export function findConfigFile(cwd: string): string | null {
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (present(candidate)) return candidate;
    if (existsSync(path.join(dir, '.git'))) return null;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** True when something other than a folder is at `file` (a dangling link included). */
function present(file: string): boolean {
  try {
    return !lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** True when there is a policy to apply: a config file (given or found) or a `supply-chain` folder in `cwd`. */
export function hasPolicy(cwd: string, file?: string): boolean {
  return file !== undefined || findConfigFile(cwd) !== null || existsSync(path.join(path.resolve(cwd), 'supply-chain'));
}
