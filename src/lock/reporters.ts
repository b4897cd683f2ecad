import type { FileHunks, LockReport } from '../index.js';
import type { ReporterOptions } from '../report/index.js';

/** Formats `cratefence lock` can write; reporters of LockReport are added here and nowhere else. */
export const LOCK_FORMATS = ['text', 'json', 'sarif', 'markdown', 'html'] as const;
export type LockFormat = (typeof LOCK_FORMATS)[number];

export type LockReporter = (r: LockReport, o: { color: boolean; lockHunks?: Record<string, FileHunks[]>; rulesDir?: string; sarif?: ReporterOptions['sarif']; reportUrl?: string }) => string;

/**
 * The reporter for a format, loaded on demand. Reporters are pure: report in, text out. The text
 * form is the lock layer's own; the others are the report stage's, which take lock reports too.
 */
export async function lockReporter(format: LockFormat): Promise<LockReporter> {
  if (format === 'text') return (await import('./text.js')).formatLockText;
  const { reporter } = await import('../report/index.js');
  const r = await reporter(format);
  return (report, o) => r(report, o);
}
