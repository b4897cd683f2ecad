import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';

const PKG = path.join(import.meta.dirname, '..', '..', 'node_modules', '@microsoft', 'sarif-multitool-linux');
const BINARY = path.join(PKG, 'Sarif.Multitool');

/**
 * Validation rules left out: SARIF2006 fetches every URI in the log over HTTP (tests never use the
 * network; the URIs are checked for form by the schema and by SARIF1002 instead).
 */
const DISABLED = ['SARIF2006.UrisShouldBeReachable'];

/** What the official validator said about one file: problems at `error` and `warning`, and its notes. */
export interface Verdict {
  errors: string[];
  warnings: string[];
  notes: string[];
}

/**
 * The SARIF multitool's binary, runnable. npm installs it without its execute bit when install scripts
 * are not allowed (`allowScripts` in package.json turns its postinstall `chmod` off); the bit is set
 * here, or, where the package folder cannot be changed, the binary is copied to a temporary folder.
 * Null (with the reason) when it is not installed or not for this machine.
 */
export function multitool(): { bin: string } | { missing: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { missing: `the SARIF multitool package ships a linux-x64 binary; this is ${process.platform}-${process.arch}` };
  if (!existsSync(BINARY)) return { missing: `${BINARY} is not installed (npm ci installs @microsoft/sarif-multitool-linux as a dev dependency)` };
  try {
    accessSync(BINARY, constants.X_OK);
    return { bin: BINARY };
  } catch {
    // fall through: not executable yet
  }
  try {
    chmodSync(BINARY, statSync(BINARY).mode | 0o111);
    return { bin: BINARY };
  } catch {
    const dir = mkdtempSync(path.join(tmpdir(), 'cratefence-multitool-'));
    const copy = path.join(dir, 'Sarif.Multitool');
    copyFileSync(BINARY, copy);
    chmodSync(copy, 0o755);
    return { bin: copy };
  }
}

/** A validator message from its rule's message string and arguments (`{0}`, `{1}`…). */
function render(run: Log['runs'][number], res: NonNullable<Log['runs'][number]['results']>[number]): string {
  const rule = run.tool.driver.rules?.find((r) => r.id === res.ruleId);
  const template = res.message.id ? rule?.messageStrings?.[res.message.id]?.text : undefined;
  const args = res.message.arguments ?? [];
  return template ? template.replace(/\{(\d+)\}/g, (_, i: string) => args[Number(i)] ?? '') : JSON.stringify(args);
}

function configFile(dir: string): string {
  const file = path.join(dir, 'validator.xml');
  const body = DISABLED.map((r) => `  <Properties Key="${r}.Options">\n    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />\n  </Properties>`).join('\n');
  writeFileSync(file, `<?xml version="1.0" encoding="utf-8"?>\n<Properties>\n${body}\n</Properties>\n`);
  return file;
}

/**
 * Runs the official SARIF validator (`Sarif.Multitool validate`, SARIF and GitHub rule sets) over
 * the given logs, in one process, and returns what it reported about each, keyed like `logs`.
 * Throws when the tool itself fails or reports a problem with its own run.
 */
export function validateWithMultitool(bin: string, logs: Record<string, string>): Record<string, Verdict> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cratefence-sarif-validate-'));
  const inputs = path.join(dir, 'in');
  mkdirSync(inputs);
  for (const [name, text] of Object.entries(logs)) writeFileSync(path.join(inputs, `${name}.sarif`), text);
  const out = path.join(dir, 'validation.sarif');
  const r = spawnSync(bin, ['validate', path.join(inputs, '*.sarif'), '--output', out, '--log', 'ForceOverwrite', '--rule-kind', 'Sarif;Gh', '--level', 'Error;Warning;Note', '--config', configFile(dir)], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_BUNDLE_EXTRACT_BASE_DIR: path.join(tmpdir(), 'cratefence-multitool-extract') },
  });
  if (r.error) throw r.error;
  if (!existsSync(out)) throw new Error(`the SARIF multitool wrote no output (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
  const log = JSON.parse(readFileSync(out, 'utf8')) as Log;
  const run = log.runs[0];
  const inv = run.invocations?.[0];
  const toolProblems = [...(inv?.toolExecutionNotifications ?? []), ...(inv?.toolConfigurationNotifications ?? [])].filter((n) => n.level === 'error');
  if (inv?.executionSuccessful === false || toolProblems.length > 0) throw new Error(`the SARIF multitool failed: ${JSON.stringify(toolProblems.map((n) => n.message.text))}\n${r.stdout}`);
  const verdicts: Record<string, Verdict> = Object.fromEntries(Object.keys(logs).map((n) => [n, { errors: [], warnings: [], notes: [] }]));
  for (const res of run.results ?? []) {
    const uri = res.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '';
    const name = Object.keys(logs).find((n) => decodeURIComponent(uri).endsWith(`/${n}.sarif`));
    if (!name) throw new Error(`validator result for an unknown file ${uri}: ${res.message.text}`);
    const line = `${res.ruleId}: ${res.message.text ?? render(run, res)}`;
    // A result without a level is a warning (SARIF §3.27.10), unless its kind says otherwise.
    const level = res.level ?? (res.kind && res.kind !== 'fail' ? 'none' : 'warning');
    if (level === 'error') verdicts[name].errors.push(line);
    else if (level === 'warning') verdicts[name].warnings.push(line);
    else verdicts[name].notes.push(line);
  }
  return verdicts;
}
