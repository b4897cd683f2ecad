import { UsageError } from '../usage.js';

/** A `--name N` option that must be a positive whole number; undefined when not given. */
export function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} takes a positive whole number`);
  return n;
}
