import type { Report } from './types.js';

export type Format = 'text' | 'json';
export const FORMATS: Format[] = ['text', 'json'];

export type Reporter = (r: Report, o: { color: boolean }) => string;

/**
 * The one map from format names to reporters, loaded on demand so a JSON run never loads the
 * terminal-colour code. Reporters are pure: `(report) => string`.
 */
export async function reporter(format: Format): Promise<Reporter> {
  switch (format) {
    case 'text':
      return (await import('./text.js')).formatText;
    case 'json':
      return (await import('./json.js')).formatJson;
  }
}
