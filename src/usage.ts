import type { Verdict } from './score/index.js';

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
