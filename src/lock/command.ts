import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FileHunks, LockEntry, LockReport } from '../index.js';
import { UsageError, parseFailOn } from '../usage.js';
import { OUTPUT_OPTIONS, outputUsage, checkFolder, checkUrl, outputsOf, sarifSettings } from '../cli-options.js';
import { FileReadError, readBoundedText } from '../files/index.js';
import { safeText as t } from '../report/safe-text.js';
import { lockDelta } from './delta.js';
import { parseLockfile, LockfileError, MAX_LOCK_BYTES, type Lockfile } from './parse.js';

const USAGE = `Usage:
  cratefence lock <old Cargo.lock> <new Cargo.lock> [options]
  cratefence lock --git-base REF [Cargo.lock] [options]

Scans every release a lockfile change brings in: a changed package is diffed against its old
version, an added one is scanned as a first release, a removed one is listed; git and path
packages are listed with a note. Releases come from the Cargo cache, cratefence's cache or the
registry, each checked against the lockfile's checksum. The lockfile records are checked too: a
package moved to another source (a git fork, a path, another registry) is review ([lock]
source-change in cratefence.toml makes it block); a version pinned to another checksum, or a
checksum the registry index disagrees with, is block.

Options:
  --git-base REF            old lockfile = git show REF:<path> (default path: ./Cargo.lock)
  --format text|json|sarif|markdown|html
                            output format (default: text)
  --output FILE             write the report to FILE instead of stdout (its folder must exist)
${outputUsage(false)}
  --fail-on review|block|never
                            exit 1 when the overall verdict is at or above this (default: the
                            config's fail-on, else block)
  --config FILE             team policy: suppressions, rule settings, expected capabilities,
                            cargo-vet audits, registry, cool-off (default: cratefence.toml found
                            from the current folder up to the repository root)
  --registry URL            sparse index to use for crates.io packages (a mirror)
  --min-publish-age AGE     cool-off: a release younger than AGE ("7 days") is at least review
                            (default: [registry] global-min-publish-age of .cargo/config.toml)
  --server URL              also ask a cratefence serve at URL about every pinned version: a
                            revoked, rejected or still-quarantined one makes the lockfile block
  --timeout DURATION        time limit for the whole run: fetches, scans and --server checks
                            ("90s", "10m", "1h"; default 10m). Past it the run stops with exit 2
                            and names the packages and requests it was still waiting for
  --max-packages N          most packages one run fetches and scans (default 2000); a larger
                            delta stops with exit 2 before anything is fetched
  --jobs N                  scan workers (default: all cores)
  --rules DIR               use the rules in DIR instead of the bundled ones
  --cache DIR               facts cache shared by the workers (see cratefence --help)
  --deps offline|off        dependency summaries at the versions the lockfile pins, from this machine
                            (cratefence's cache, the Cargo cache, the shipped index; default) or none
  --quiet                   no progress on stderr
  -h, --help                show this help

Exit codes: 0 below --fail-on, 1 at or above it, 2 when a release could not be fetched or scanned
(or bad input).`;

/** Progress on stderr: a rewritten line on a terminal, one line per package otherwise. */
function progress(quiet: boolean): { update: (done: number, total: number, e: LockEntry) => void; warn: (m: string) => void; stop: () => void } {
  if (quiet) return { update: () => {}, warn: () => {}, stop: () => {} };
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    update: (done, total, e) => {
      // Names and versions come from the lockfile: safe-text keeps them from writing to the CI log as commands.
      const what = t(`${e.name} ${e.old ? `${e.old} → ` : ''}${e.new}`);
      const result = e.error ? 'error' : (e.verdict ?? 'not scanned');
      if (tty) {
        shown = true;
        process.stderr.write(`\r\x1b[2Kcratefence: [${done}/${total}] ${what}: ${result}`);
      } else {
        process.stderr.write(`cratefence: [${done}/${total}] ${what}: ${result}\n`);
      }
    },
    // A warning clears the progress line first; the next update writes it again below.
    warn: (m) => process.stderr.write(`${tty && shown ? '\r\x1b[2K' : ''}cratefence: ${t(m)}\n`),
    stop: () => {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}

async function readLock(file: string): Promise<Lockfile> {
  let text: string;
  try {
    // Regular files only, at most 64 MiB: a FIFO or a link to /dev/zero is refused at once.
    text = await readBoundedText(file, { maxBytes: MAX_LOCK_BYTES, what: 'lockfile' });
  } catch (e) {
    if (e instanceof FileReadError) throw new LockfileError(e.message);
    throw new LockfileError(`${file}: cannot read the lockfile`);
  }
  return parseLockfile(text, file);
}

const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000, m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hour: 3_600_000, hours: 3_600_000 };
const MAX_TIMEOUT_MS = 24 * 3_600_000;

/** `--timeout`: a positive duration ("90s", "10m", "1h", "2 minutes"; a bare number is seconds), at most a day. */
export function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([a-z]*)$/.exec(text.trim());
  const unit = m ? (m[2] === '' ? 1000 : TIME_UNITS[m[2]]) : undefined;
  const ms = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!(ms > 0) || ms > MAX_TIMEOUT_MS) throw new UsageError(`--timeout takes a duration from 1 second to 24 hours, e.g. "90s", "10m" or "1h" (got "${text.slice(0, 40)}")`);
  return ms;
}

/** Names shown on one error line before the rest are counted. */
const ERROR_NAMES = 8;

/**
 * The stderr lines for failed packages: one per distinct error, naming the packages it hit. An
 * unreachable registry fails every package with the same message, and is one line, not one per crate.
 */
export function errorLines(entries: LockEntry[]): string[] {
  const by = new Map<string, string[]>();
  for (const e of entries) {
    if (!e.error) continue;
    const who = `${e.name} ${e.new ?? e.old}`;
    by.set(e.error, [...(by.get(e.error) ?? []), who]);
  }
  return [...by].map(([error, who]) =>
    who.length === 1 ? `${who[0]}: ${error}` : `${error} (${who.length} packages: ${who.slice(0, ERROR_NAMES).join(', ')}${who.length > ERROR_NAMES ? `, and ${who.length - ERROR_NAMES} more` : ''})`,
  );
}

/** `cratefence lock`: parses its options, scans the lockfile delta, writes the report, returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'git-base': { type: 'string' },
      format: { type: 'string', default: 'text' },
      output: { type: 'string' },
      'fail-on': { type: 'string' },
      config: { type: 'string' },
      registry: { type: 'string' },
      'min-publish-age': { type: 'string' },
      server: { type: 'string' },
      jobs: { type: 'string' },
      timeout: { type: 'string', default: '10m' },
      'max-packages': { type: 'string' },
      rules: { type: 'string' },
      cache: { type: 'string' },
      deps: { type: 'string' },
      quiet: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
      ...OUTPUT_OPTIONS,
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // The team's policy is read before anything is fetched, so a broken config fails fast.
  const policyLayer = (await import('../config/find.js')).hasPolicy(process.cwd(), values.config) ? await import('../config/index.js') : null;
  const loaded = policyLayer?.loadConfig({ cwd: process.cwd(), file: values.config }) ?? null;
  const audits = loaded ? policyLayer!.readAudits(loaded.config.audits.supplyChain) : null;
  const failOn = parseFailOn(values['fail-on'] ?? loaded?.config.failOn);
  const registryUrl = values.registry ?? loaded?.config.registry.url;
  const { LOCK_FORMATS, lockReporter } = await import('./reporters.js');
  const format = values.format as (typeof LOCK_FORMATS)[number];
  if (!LOCK_FORMATS.includes(format)) throw new UsageError(`lock --format must be one of ${LOCK_FORMATS.join(', ')}`);
  // Every output folder, the rules folder and every URL are checked before anything is fetched.
  const outputs = outputsOf(values, { format, file: values.output });
  if (values['sarif-root'] !== undefined) throw new UsageError('--sarif-root is for diff and scan: lock results sit on the Cargo.lock lines of their packages');
  if (values.rules !== undefined) checkFolder('--rules', path.resolve(values.rules));
  if (values.registry !== undefined) checkUrl('--registry', values.registry.replace(/^sparse\+/, ''));
  const reportUrl = values['report-url'] !== undefined ? checkUrl('--report-url', values['report-url']) : undefined;
  const sarif = await sarifSettings(values, loaded?.config.report, (await import('../index.js')).VERSION);
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs takes a positive whole number');
  }
  let maxPackages: number | undefined;
  if (values['max-packages'] !== undefined) {
    maxPackages = Number(values['max-packages']);
    if (!Number.isInteger(maxPackages) || maxPackages < 1) throw new UsageError('--max-packages takes a positive whole number');
  }
  const timeoutMs = parseTimeout(values.timeout!);
  // One deadline for everything that waits on the outside world from here on.
  const deadline = AbortSignal.timeout(timeoutMs);
  const timeoutText = `--timeout ${values.timeout}`;

  let oldLock: Lockfile;
  let newLock: Lockfile;
  let label: string;
  if (values['git-base'] !== undefined) {
    if (positionals.length > 1) throw new UsageError('lock --git-base REF takes at most one lockfile');
    const file = positionals[0] ?? 'Cargo.lock';
    const { readAtGitBase } = await import('./git.js');
    const base = await readAtGitBase(values['git-base'], file);
    newLock = await readLock(file);
    oldLock = base.text === null ? { version: newLock.version, packages: [] } : parseLockfile(base.text, `${values['git-base']}:${base.relPath}`);
    label = base.relPath;
  } else {
    if (positionals.length !== 2) throw new UsageError('lock takes two lockfiles (<old> <new>) or --git-base REF [Cargo.lock]');
    [oldLock, newLock] = await Promise.all([readLock(positionals[0]), readLock(positionals[1])]);
    label = positionals[1];
  }

  const { cargoMinPublishAge, parseMinPublishAge, normaliseIndexUrl } = await import('../registry/index.js');
  if (registryUrl !== undefined) normaliseIndexUrl(registryUrl);
  const { policyNow } = await import('../registry/inputs.js');
  const flag = values['min-publish-age'];
  const fromConfig = loaded?.config.coolOff.minPublishAge ?? loaded?.config.registry.minPublishAge;
  const flagMs = (v: string) => {
    try {
      return parseMinPublishAge(v);
    } catch (e) {
      throw new UsageError(`--min-publish-age: ${(e as Error).message}`);
    }
  };
  const minAge =
    flag !== undefined
      ? { ms: flagMs(flag), text: flag, source: '--min-publish-age' }
      : fromConfig !== undefined
        ? { ms: parseMinPublishAge(fromConfig), text: fromConfig, source: loaded!.file ?? 'cratefence.toml' }
        : cargoMinPublishAge(process.cwd());

  const depsMode = values.deps ?? 'offline';
  if (depsMode !== 'offline' && depsMode !== 'off') throw new UsageError('lock --deps is offline (default) or off');
  const delta = lockDelta(oldLock.packages, newLock.packages);
  // Dependency summaries at the versions the new lockfile pins; each release this run fetches is
  // summarised as it is scanned, for the packages that depend on it.
  const pinned = new Map<string, string[]>();
  for (const p of newLock.packages) pinned.set(p.name, [...(pinned.get(p.name) ?? []), p.version]);
  const { defaultCacheDir, defaultCargoHome } = await import('../registry/cache.js');
  const deps = { mode: depsMode, cargoHome: defaultCargoHome(), cacheDir: defaultCacheDir(), pinned: [...pinned] } as const;
  const { ScanPool } = await import('../runner/index.js');
  const { scanLockDelta, lockExitCode, lockVerdict } = await import('./run.js');
  const { entryVerdict } = await import('./findings.js');
  const quiet = values.quiet === true || values['no-progress'] === true;
  const prog = progress(quiet);
  const pool = new ScanPool({ threads: jobs, cacheDir: values.cache ? path.resolve(values.cache) : undefined });
  let report: LockReport;
  // Only the HTML page shows the release diffs; the other formats never build them.
  const lockHunks: Record<string, FileHunks[]> = {};
  try {
    report = await scanLockDelta(delta, {
      onHunks: outputs.some((o) => o.format === 'html') ? (key, h) => (lockHunks[key] = h) : undefined,
      pool,
      lockfile: label,
      registry: registryUrl,
      client: { onWarning: prog.warn },
      rulesDir: values.rules ? path.resolve(values.rules) : undefined,
      minAge,
      now: policyNow(),
      onProgress: prog.update,
      sourceChange: loaded?.config.lock?.sourceChange,
      maxPackages,
      deps: { ...deps, pinned: [...deps.pinned] },
      signal: deadline,
      timeoutText,
    });
  } finally {
    prog.stop();
    await pool.close();
  }
  if (policyLayer && loaded && (loaded.file !== null || audits !== null)) {
    // Suppressions, rule settings, expected capabilities and audits, per crate, on top of each scan.
    for (const e of report.entries) {
      if (!e.report) continue;
      e.report = policyLayer.applyPolicy(e.report, { config: loaded.config, file: loaded.file, audits, rulesDir: values.rules ? path.resolve(values.rules) : undefined });
      // An audit approves code, not where it comes from: lockfile findings keep their verdicts.
      e.verdict = entryVerdict(e);
    }
    report.policyNotes = policyLayer.unusedSuppressions(report.entries.flatMap((e) => (e.report ? [e.report] : [])), { config: loaded.config });
    report.verdict = lockVerdict(report.entries);
  }
  if (values.server !== undefined) {
    const { checkAgainstServer } = await import('./server.js');
    const checks = await checkAgainstServer(values.server, newLock.packages, { signal: deadline, timeoutText });
    const refused = checks.filter((c) => !c.usable).map((c) => ({ name: c.name, version: c.version, lockLine: c.lockLine, state: c.state ?? 'unknown' }));
    report.server = { url: values.server, checked: checks.length, refused };
    if (refused.length > 0) report.verdict = 'block';
    for (const r of refused) process.stderr.write(`cratefence: ${t(`${r.name} ${r.version} is ${r.state} on ${values.server}`)}: builds must not use it\n`);
  }
  for (const line of errorLines(report.entries)) process.stderr.write(`cratefence: ${t(line)}\n`);
  // Every output is rendered before any is written: a reporter that fails leaves no file behind.
  const rendered: Array<{ file: string | undefined; text: string }> = [];
  for (const o of outputs) {
    const color = o.file === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    rendered.push({ file: o.file, text: (await lockReporter(o.format))(report, { color, lockHunks, rulesDir: values.rules ? path.resolve(values.rules) : undefined, sarif, reportUrl }) });
  }
  const { writeAtomic } = await import('../registry/cache.js');
  for (const r of rendered) {
    if (r.file !== undefined) await writeAtomic(r.file, r.text);
    else process.stdout.write(r.text);
  }
  return lockExitCode(report, failOn);
}
