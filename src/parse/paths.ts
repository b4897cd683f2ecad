/** Item paths inside a file (`outer::inner::f`), kept short however deep the nesting. */
import { createHash } from 'node:crypto';

/**
 * Longest path prefix kept as written. Real code nests a handful of levels; a prefix past this length
 * comes only from generated or hostile nesting, where writing every ancestor into every item's path
 * would cost the square of the depth in time and memory.
 */
export const MAX_PATH_PREFIX = 96;

/**
 * The path of item `name` declared under `prefix`. A prefix longer than MAX_PATH_PREFIX is replaced by
 * a digest of it (`…<24 hex>`): the same ancestors give the same path in both releases, so items still
 * pair up across releases, and each level costs the length of one bounded prefix, not of all ancestors.
 */
export function qualify(prefix: string, name: string): string {
  if (!prefix) return name;
  if (prefix.length <= MAX_PATH_PREFIX) return `${prefix}::${name}`;
  return `…${createHash('sha256').update(prefix).digest('hex').slice(0, 24)}::${name}`;
}
