/**
 * Cargo's `min-publish-age` duration syntax, as the config file is checked against it. The one
 * parser is the registry layer's (`parseMinPublishAge`, a copy of cargo's `parse_time_span`); this
 * module gives config errors their own type and formats durations back for messages.
 */
import { parseMinPublishAge } from '../registry/cooloff.js';

const UNIT_SECONDS: Array<[string, number]> = [
  ['month', 2_629_746],
  ['week', 604_800],
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** Why a duration was refused (thrown by {@link parseCargoDuration}; callers wrap it with the file and key). */
export class DurationError extends Error {
  override name = 'DurationError';
}

/** Parses a Cargo duration into milliseconds (`"0"` gives 0). Throws DurationError on anything else. */
export function parseCargoDuration(text: string): number {
  try {
    return parseMinPublishAge(text.trim());
  } catch {
    throw new DurationError(`"${text}" is not a duration: write a whole number and a unit (seconds, minutes, hours, days, weeks, months), e.g. "3 days", or "0"`);
  }
}

/** Formats milliseconds back into the largest whole Cargo unit, e.g. 259200000 → "3 days". */
export function formatCargoDuration(ms: number): string {
  if (ms === 0) return '0';
  const secs = ms / 1000;
  for (const [unit, n] of UNIT_SECONDS) {
    if (secs % n === 0) {
      const k = secs / n;
      return `${k} ${unit}${k === 1 ? '' : 's'}`;
    }
  }
  return `${Math.round(secs)} seconds`;
}
