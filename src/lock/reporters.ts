import type { LockReport } from './types.js';

/** Formats `cratefence lock` can write; reporters of LockReport are added here and nowhere else. */
export const LOCK_FORMATS = ['text', 'json'] as const;
export type LockFormat = (typeof LOCK_FORMATS)[number];

export type LockReporter = (r: LockReport, o: { color: boolean }) => string;

/** The reporter for a format, loaded on demand. Reporters are pure: report in, text out. */
export async function lockReporter(format: LockFormat): Promise<LockReporter> {
  switch (format) {
    case 'text':
      return (await import('./text.js')).formatLockText;
    case 'json':
      return (r) => `${JSON.stringify(r, null, 2)}\n`;
  }
}
