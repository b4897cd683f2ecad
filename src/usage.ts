import type { Verdict } from './index.js';

/** A usage mistake (bad flag, wrong number of arguments): printed with a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Verdicts and `--fail-on` levels in order of severity. */
export const LEVEL = { pass: 0, review: 1, block: 2, never: 3 } as const;
export type FailOn = 'review' | 'block' | 'never';

/** Checks a `--fail-on` value. */
export function parseFailOn(v: string | undefined, dflt: FailOn = 'block'): FailOn {
  const f = v ?? dflt;
  if (f !== 'review' && f !== 'block' && f !== 'never') throw new UsageError('--fail-on must be review, block or never');
  return f;
}

/** The exit code for a verdict: 1 at or above the `--fail-on` level, else 0. */
export function exitCodeFor(verdict: Verdict, failOn: FailOn): 0 | 1 {
  return LEVEL[verdict] >= LEVEL[failOn] ? 1 : 0;
}

/** The worse of two verdicts. */
export function worstVerdict(a: Verdict, b: Verdict): Verdict {
  return LEVEL[a] >= LEVEL[b] ? a : b;
}

/**
 * A mistake the user can fix that is not about usage (a folder that does not exist, a port in use, a
 * name already taken): printed in one line without a usage hint, exit code 2.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/**
 * The one-line message for an error of node's `parseArgs` (an unknown option, a value missing or
 * given to a switch), in cratefence's words instead of node's. Null for any other error.
 */
export function parseArgsMessage(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const text = String((e as Error | null)?.message ?? '');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const opt = /^Unknown option '([^']*)'/.exec(text)?.[1] ?? text.split("'")[1] ?? '?';
    return `unknown option ${opt}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const opt = /^Option '(-\w, )?(--[\w-]+)/.exec(text)?.[2];
    if (opt && /argument missing/.test(text)) return `${opt} needs a value`;
    if (opt && /does not take an argument/.test(text)) return `${opt} takes no value`;
    return opt ? `${opt}: invalid value` : 'invalid option value';
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return 'unexpected argument';
  return null;
}
