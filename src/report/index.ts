import type { FileHunks } from '../index.js';
import type { RuleMeta, SarifOptions } from './sarif.js';
import { isLockReport, type ReportInput } from './input.js';

export type Format = 'text' | 'json' | 'sarif' | 'markdown' | 'html';
export const FORMATS: Format[] = ['text', 'json', 'sarif', 'markdown', 'html'];

export type { ReportInput } from './input.js';
export { isLockReport, entryKey } from './input.js';

/** What a reporter may be given beside the report; each uses only what it needs. */
export interface ReporterOptions {
  /** Terminal colours (text only). */
  color: boolean;
  /** The release diff of a single report (html): `diffReleasesWithHunks` / `analyzeTrees(...).hunks`. */
  hunks?: FileHunks[];
  /** The release diffs of a lock report's entries (html), keyed by `entryKey(entry)`. */
  lockHunks?: Record<string, FileHunks[]>;
  /** Metadata of the rules that ran (sarif); loaded from `rulesDir` (default: the bundled rules) when absent. */
  rules?: RuleMeta[];
  rulesDir?: string;
  /** What enters the SARIF log and where it points (sarif): `--min-severity`, `--sarif-root`, the rule reference. */
  sarif?: Omit<SarifOptions, 'rules'>;
  /** Where the full report can be read (markdown links to it): `--report-url`. */
  reportUrl?: string;
}

export type Reporter = (r: ReportInput, o: ReporterOptions) => string;

/**
 * The one map from format names to reporters, loaded on demand so a JSON run never loads the
 * terminal-colour code. Reporters are pure: `(report, options) => string`; every format takes a single
 * release's report or a lock report.
 */
export async function reporter(format: Format): Promise<Reporter> {
  switch (format) {
    case 'text': {
      const { formatText, formatLockText } = await import('./text.js');
      return (r, o) => (isLockReport(r) ? formatLockText(r, o) : formatText(r, o));
    }
    case 'json':
      return (await import('./json.js')).formatJson;
    case 'sarif': {
      const { formatSarif } = await import('./sarif.js');
      const { ruleMetaOf } = await import('./rule-meta.js');
      const { rulesFor } = await import('../index.js');
      return (r, o) => formatSarif(r, { ...o.sarif, rules: o.rules ?? ruleMetaOf(rulesFor(o.rulesDir)) });
    }
    case 'markdown': {
      const { formatMarkdown } = await import('./markdown.js');
      return (r, o) => formatMarkdown(r, { reportUrl: o.reportUrl });
    }
    case 'html': {
      const { formatHtml } = await import('./html.js');
      return (r, o) => formatHtml(r, { hunks: o.hunks, lockHunks: o.lockHunks });
    }
  }
}
