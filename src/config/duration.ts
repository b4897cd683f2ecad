/**
 * Cargo's `min-publish-age` duration syntax (`[registry] global-min-publish-age`, `min-publish-age`,
 * `[registries.<name>] min-publish-age`): an integer, a space, then a unit — second(s), minute(s),
 * hour(s), day(s), week(s) or month(s) — or `"0"`, which turns the cool-off off. Cargo reads a month
 * as 1/12 of a Gregorian year (30.436875 days), as its other time spans do.
 */
const UNIT_SECONDS: Record<string, number> = {
  second: 1,
  minute: 60,
  hour: 60 * 60,
  day: 24 * 60 * 60,
  week: 7 * 24 * 60 * 60,
  month: 2_629_746,
};

/** Why a duration was refused (thrown by {@link parseCargoDuration}; callers wrap it with the file and key). */
export class DurationError extends Error {
  override name = 'DurationError';
}

/** Parses a Cargo duration into milliseconds (`"0"` gives 0). Throws DurationError on anything else. */
export function parseCargoDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const m = /^(\d{1,9})\s+([a-z]+?)s?$/.exec(s);
  const unit = m ? UNIT_SECONDS[m[2]] : undefined;
  if (!m || unit === undefined) {
    throw new DurationError(`"${text}" is not a duration: write a whole number and a unit (seconds, minutes, hours, days, weeks, months), e.g. "3 days", or "0"`);
  }
  return Number(m[1]) * unit * 1000;
}

/** Formats milliseconds back into the largest whole Cargo unit, e.g. 259200000 → "3 days". */
export function formatCargoDuration(ms: number): string {
  if (ms === 0) return '0';
  const secs = ms / 1000;
  for (const [unit, n] of Object.entries(UNIT_SECONDS).reverse()) {
    if (secs % n === 0) {
      const k = secs / n;
      return `${k} ${unit}${k === 1 ? '' : 's'}`;
    }
  }
  return `${Math.round(secs)} seconds`;
}
