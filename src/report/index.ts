import { formatJson } from './json.js';
import { formatText } from './text.js';
import type { Report } from './types.js';

export type Format = 'text' | 'json';

/** The one map from format names to reporters. Reporters are pure: `(report) => string`. */
export const REPORTERS: Record<Format, (r: Report, o: { color: boolean }) => string> = {
  text: formatText,
  json: (r) => formatJson(r),
};
