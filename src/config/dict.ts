/**
 * Records keyed by names that come from files — crate names, criteria names, rule ids, import and
 * registry names — built without a prototype, so that `constructor`, `toString`, `__proto__` or
 * `hasOwnProperty` (all valid crate names) are keys like any other and never Object's members.
 */

/** A record with no prototype, filled from `entries`. */
export function dict<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** The value of `r` under its own key `k`; never an inherited member, whatever `r` was built as. */
export function own<T>(r: Record<string, T>, k: string): T | undefined {
  return Object.hasOwn(r, k) ? r[k] : undefined;
}
