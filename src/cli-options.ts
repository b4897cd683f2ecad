import { statSync } from 'node:fs';
import path from 'node:path';
import type { Severity } from './index.js';
import { UsageError, UserError } from './usage.js';
import type { SarifOptions } from './report/sarif.js';

/**
 * Options shared by the commands that write reports (`diff`, `scan`, `lock`): extra outputs from the
 * same scan, what enters SARIF, where its results point and where its rules are documented. Each is
 * checked before anything is scanned or written, so a mistake costs nothing and leaves nothing.
 */

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `parseArgs` options: `--output-<format> FILE` for every format, `--min-severity`, `--sarif-root`, `--report-url`. */
export const OUTPUT_OPTIONS = {
  ...Object.fromEntries(REPORT_FORMATS.map((f) => [`output-${f}`, { type: 'string' as const }])),
  'min-severity': { type: 'string' as const },
  'sarif-root': { type: 'string' as const },
  'report-url': { type: 'string' as const },
} as Record<`output-${ReportFormat}` | 'min-severity' | 'sarif-root' | 'report-url', { type: 'string' }>;

/** Help text of the shared options; `sarifRoot` for `diff`/`scan` (lock results sit on Cargo.lock lines). */
export function outputUsage(sarifRoot: boolean): string {
  const root = `
  --sarif-root DIR          the crate's folder in your repository, for SARIF locations (default:
                            the crate's own <name>-<version>/ folder under the CRATEFENCE_CRATE
                            base, which matches none of your files)`;
  return `  --output-FORMAT FILE      also write FORMAT (text, json, sarif, markdown or html) to FILE, from
                            the same scan (e.g. --format markdown --output pr.md --output-sarif
                            cratefence.sarif); every output folder must exist
  --min-severity LEVEL      least severe finding that enters SARIF: info, low, medium, high or
                            critical (default low; a lock run then also leaves out packages that
                            pass, which an explicit --min-severity keeps)${sarifRoot ? root : ''}
  --report-url URL          where the full report can be read (the GitHub Action sets it to the
                            run's page when it uploads the HTML report): linked from Markdown`;
}

const SEVERITIES: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** Checks a `--min-severity` value. */
export function parseSeverity(v: string): Severity {
  if (!(SEVERITIES as string[]).includes(v)) throw new UsageError(`--min-severity must be one of ${SEVERITIES.join(', ')} (got "${v.slice(0, 40)}")`);
  return v as Severity;
}

/** An http(s) URL given by `source` (a flag, a config key or an environment variable), or a UsageError naming it. */
export function checkUrl(source: string, v: string): string {
  let u: URL | null = null;
  try {
    u = new URL(v);
  } catch {
    u = null;
  }
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new UsageError(`${source}: "${v.slice(0, 80)}" is not an http(s) URL`);
  return u.href;
}

/** A folder given by `flag` must exist and be a folder. */
export function checkFolder(flag: string, dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UserError(`${flag} ${dir}: no such folder`);
  }
  if (!isDir) throw new UserError(`${flag} ${dir}: not a folder`);
}

/** A file to be written by `flag`: its folder must exist (nothing is created), and it must not be a folder itself. */
export function checkOutputFile(flag: string, file: string): void {
  const dir = path.dirname(path.resolve(file));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UserError(`${flag} ${file}: the folder ${path.dirname(file)} does not exist`);
  }
  if (!isDir) throw new UserError(`${flag} ${file}: ${path.dirname(file)} is not a folder`);
  try {
    if (statSync(file).isDirectory()) throw new UserError(`${flag} ${file}: is a folder`);
  } catch (e) {
    if (e instanceof UserError) throw e;
  }
}

/** Every output of one run: the main one (`--format` to `--output` or stdout) and the `--output-FORMAT` ones. */
export function outputsOf(values: Record<string, unknown>, main: { format: string; file: string | undefined }): Array<{ format: ReportFormat; file: string | undefined; flag: string }> {
  const outs: Array<{ format: ReportFormat; file: string | undefined; flag: string }> = [{ format: main.format as ReportFormat, file: main.file, flag: '--output' }];
  for (const f of REPORT_FORMATS) {
    const file = values[`output-${f}`];
    if (typeof file === 'string') outs.push({ format: f, file, flag: `--output-${f}` });
  }
  const seen = new Map<string, string>();
  for (const o of outs) {
    if (o.file === undefined) continue;
    if (o.file === '') throw new UsageError(`${o.flag} needs a file name`);
    checkOutputFile(o.flag, o.file);
    const key = path.resolve(o.file);
    if (seen.has(key)) throw new UsageError(`${o.flag} and ${seen.get(key)} name the same file ${o.file}`);
    seen.set(key, o.flag);
  }
  return outs;
}

/** `--sarif-root DIR`: a relative path inside the repository, written with `/`. */
export function parseSarifRoot(v: string): string {
  const p = v.replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (path.posix.isAbsolute(p) || /^[A-Za-z]:/.test(p) || p.split('/').includes('..') || /[\u0000-\u001f]/.test(p)) {
    throw new UsageError(`--sarif-root takes a folder relative to the repository root, without "..": got "${v.slice(0, 80)}"`);
  }
  return p === '' ? '.' : p;
}

/**
 * What the SARIF reporter is given: the least severity (default low, and then a lock run leaves out
 * packages that pass), the root, and the rule reference of the cratefence repository named by the
 * config's `[report] repository-url` / `repository-ref`, else by `CRATEFENCE_REPOSITORY_URL` /
 * `CRATEFENCE_REPOSITORY_REF` (set by the GitHub Action to its own repository and ref). No URL, no `helpUri`.
 */
export async function sarifSettings(values: { 'min-severity'?: string; 'sarif-root'?: string }, report: { repositoryUrl?: string; repositoryRef?: string } | undefined, version: string): Promise<Omit<SarifOptions, 'rules'>> {
  const { ruleReferenceUrl } = await import('./report/sarif.js');
  const envUrl = process.env.CRATEFENCE_REPOSITORY_URL || undefined;
  const envRef = process.env.CRATEFENCE_REPOSITORY_REF || undefined;
  const url = report?.repositoryUrl ?? (envUrl !== undefined ? checkUrl('CRATEFENCE_REPOSITORY_URL', envUrl) : undefined);
  // A ref from the config wins; a URL from the config without a ref links to the release tag of this version.
  const ref = report?.repositoryUrl ? (report.repositoryRef ?? `v${version}`) : envRef;
  if (ref !== undefined && !/^[A-Za-z0-9._/-]{1,200}$/.test(ref)) throw new UsageError(`${report?.repositoryRef ? '[report] repository-ref' : 'CRATEFENCE_REPOSITORY_REF'}: "${ref.slice(0, 60)}" is not a git ref`);
  const explicit = values['min-severity'] !== undefined;
  return {
    minSeverity: explicit ? parseSeverity(values['min-severity']!) : 'low',
    includePassed: explicit,
    root: values['sarif-root'] !== undefined ? parseSarifRoot(values['sarif-root']) : undefined,
    ruleReference: ruleReferenceUrl(url, ref) ?? undefined,
  };
}
