import type { Report } from './types.js';

/** The JSON contract: the report as is, two-space indented. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
