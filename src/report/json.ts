import type { ReportInput } from './input.js';

/** The JSON contract: the report (single or lock) as is, two-space indented. */
export function formatJson(report: ReportInput): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
