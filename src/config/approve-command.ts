import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import semver from 'semver';
import { VERSION, type LockReport, type Report } from '../index.js';
import { safeText } from '../report/safe-text.js';
import { FileReadError, readBoundedSync } from '../files/index.js';
import { UsageError } from '../usage.js';
import { ConfigError } from './errors.js';
import { loadConfig } from './loader.js';
import { isBuiltinCriteria, readAudits } from './vet.js';
import { appendAudit } from './vet-write.js';

const USAGE = `Usage: cratefence approve <name> <old> <new> [options]
       cratefence approve --report lock.json [options]
Records a cargo-vet audit of the delta OLD -> NEW of crate NAME in supply-chain/audits.toml
(a full audit of NEW when OLD is "-"). The rest of the file is kept as it is. With the JSON report
of \`cratefence lock\` and no NAME, every package delta it scanned is recorded (added packages as
full audits); with NAME OLD NEW, only that one, which the report must list.

Options:
  --criteria C          criteria certified (repeatable; default: [audits] criteria of the config,
                        else safe-to-deploy); must be built in or defined in audits.toml
  --notes TEXT          what was reviewed and why it is fine
  --who "NAME <MAIL>"   the auditor (default: git config user.name <user.email>)
  --report FILE         the cratefence JSON report of this delta, or of the lock run that scanned
                        it: its verdict, score and the report's SHA-256 go into the notes
  --supply-chain DIR    the cargo-vet folder (default: [audits] supply-chain, else ./supply-chain)
  --config FILE         cratefence.toml to use (default: found from the current folder up)`;

const run_ = promisify(execFile);

/** `Name <mail>` from git's config in `cwd`, or null when git or the settings are missing. */
export async function gitIdentity(cwd: string): Promise<string | null> {
  const get = async (key: string) => {
    try {
      const { stdout } = await run_('git', ['config', '--get', key], { cwd, timeout: 5000 });
      return stdout.trim() || null;
    } catch {
      return null;
    }
  };
  const [name, email] = await Promise.all([get('user.name'), get('user.email')]);
  if (!name) return null;
  return email ? `${name} <${email}>` : name;
}

/** A JSON report larger than this is not one cratefence wrote for a single delta. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** A JSON report read for `--report`: a single release's or a lock run's, with its SHA-256. */
interface ReadReport {
  file: string;
  digest: string;
  single?: Report;
  lock?: LockReport;
}

function readReport(file: string): ReadReport {
  let bytes: Buffer;
  try {
    bytes = readBoundedSync(file, { maxBytes: MAX_REPORT_BYTES, what: 'report' });
  } catch (e) {
    if (e instanceof FileReadError) throw new UsageError(`--report ${e.message}`);
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UsageError(`--report ${file}: not a cratefence JSON report`);
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  const d = doc as Partial<Report> & Partial<LockReport>;
  if (d?.kind === 'lock') {
    if (d.lockSchemaVersion !== 1 || !Array.isArray(d.entries)) throw new UsageError(`--report ${file}: not a cratefence lock report (lockSchemaVersion 1)`);
    return { file, digest, lock: d as LockReport };
  }
  if (d?.schemaVersion !== 1 || typeof d.verdict !== 'string' || !d.crate) throw new UsageError(`--report ${file}: not a cratefence JSON report (schemaVersion 1)`);
  return { file, digest, single: d as Report };
}

/** The sentence about the scan that goes into the notes. */
function scanNote(rep: Report, digest: string, lock: boolean): string {
  const scan = rep.policy ? `${rep.verdict} after policy, scan ${rep.policy.scanVerdict}` : rep.verdict;
  return `cratefence ${rep.tool?.version ?? VERSION}: ${scan} (score ${rep.score}, ${rep.findings?.length ?? 0} findings); ${lock ? 'lock report' : 'report'} sha256:${digest}`;
}

/** One audit to record: the crate, the delta (from null = full audit) and the scan note. */
interface Target {
  crate: string;
  from: string | null;
  to: string;
  note?: string;
}

/** Checks a crate name and versions (from the command line or from a report): UsageError naming `where`. */
function checkDelta(where: string, crate: string, oldArg: string | null, newArg: string): { from: string | null; to: string } {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(crate)) throw new UsageError(`${where}"${crate.slice(0, 80)}" is not a crate name`);
  const from = oldArg === null ? null : semver.valid(oldArg);
  const to = semver.valid(newArg);
  if (oldArg !== null && from === null) throw new UsageError(`${where}"${oldArg.slice(0, 80)}" is not a version (use "-" for a full audit of the new version)`);
  if (to === null) throw new UsageError(`${where}"${newArg.slice(0, 80)}" is not a version`);
  if (from !== null && from === to) throw new UsageError(`${where}old and new are the same version`);
  return { from, to };
}

/**
 * The audits a lock report asks for: every package it scanned, or the one named. Packages it did not
 * scan (removed, git, path, failed) cannot be approved from it and are listed in `skipped`.
 */
function lockTargets(rep: ReadReport, named: { crate: string; from: string | null; to: string } | null): { targets: Target[]; skipped: string[] } {
  const targets: Target[] = [];
  const skipped: string[] = [];
  for (const e of rep.lock!.entries) {
    if (named && (e.name !== named.crate || e.new !== named.to || (e.old ?? null) !== named.from)) continue;
    const what = `${e.name} ${e.old ? `${e.old} -> ` : ''}${e.new ?? e.old}`;
    if (!e.report || e.new === null || e.change === 'removed') {
      skipped.push(`${what}: not scanned${e.error ? ` (${e.error})` : e.note ? ` (${e.note})` : ''}`);
      continue;
    }
    const from = e.change === 'added' ? null : e.old;
    if (from !== null && from === e.new) {
      skipped.push(`${what}: same version (a lockfile change, not a code delta)`);
      continue;
    }
    const d = checkDelta(`--report ${rep.file}: `, e.name, from, e.new);
    targets.push({ crate: e.name, ...d, note: scanNote(e.report, rep.digest, true) });
  }
  if (named && targets.length === 0) {
    throw new UsageError(`--report ${rep.file} does not list a scanned ${named.crate} ${named.from ?? '(none)'} -> ${named.to}${skipped.length ? ` (${skipped[0]})` : ''}`);
  }
  return { targets, skipped: named ? [] : skipped };
}

/** `cratefence approve`: appends a cargo-vet audit entry. Returns the exit code. */
export async function run(argv: string[], cwd: string = process.cwd(), out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      criteria: { type: 'string', multiple: true },
      notes: { type: 'string' },
      who: { type: 'string' },
      report: { type: 'string' },
      'supply-chain': { type: 'string' },
      config: { type: 'string' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const rep = values.report ? readReport(path.resolve(cwd, values.report)) : null;
  if (positionals.length !== 3 && !(positionals.length === 0 && rep?.lock)) {
    throw new UsageError('approve takes exactly three arguments: <name> <old> <new> (old "-" for a full audit), or none with --report of a lock run');
  }
  let named: { crate: string; from: string | null; to: string } | null = null;
  if (positionals.length === 3) {
    const [crate, oldArg, newArg] = positionals;
    const full = oldArg === '-' || oldArg === 'none';
    named = { crate, ...checkDelta('', crate, full ? null : oldArg, newArg) };
  }
  let targets: Target[];
  let skipped: string[] = [];
  if (rep?.lock) ({ targets, skipped } = lockTargets(rep, named));
  else {
    const t = named!;
    const r = rep?.single;
    if (r && (r.crate.name !== t.crate || r.crate.new !== t.to || (t.from !== null && r.crate.old !== t.from))) {
      throw new UsageError(`--report ${rep!.file} is about ${r.crate.name} ${r.crate.old ?? '(none)'} -> ${r.crate.new}, not ${t.crate} ${t.from ?? '(none)'} -> ${t.to}`);
    }
    targets = [{ ...t, note: r ? scanNote(r, rep!.digest, false) : undefined }];
  }

  const { config } = loadConfig({ cwd, file: values.config });
  const dir = values['supply-chain'] ? path.resolve(cwd, values['supply-chain']) : config.audits.supplyChain;
  const criteria = values.criteria && values.criteria.length > 0 ? values.criteria : [config.audits.criteria];
  const audits = readAudits(dir);
  const own = audits?.sets.find((s) => s.name === 'own');
  for (const c of criteria) {
    if (!isBuiltinCriteria(c) && !(own && Object.hasOwn(own.criteria, c))) {
      throw new ConfigError(`criteria "${c}" is neither built in (safe-to-deploy, safe-to-run) nor defined in ${path.join(dir, 'audits.toml')}`);
    }
  }
  const who = values.who ?? (await gitIdentity(cwd));
  if (!who) throw new UsageError('--who is required: git config user.name is not set here');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'audits.toml');
  // Everything was checked above; each entry is then written whole (appendAudit replaces the file).
  for (const t of targets) {
    const notes = [values.notes?.trim(), t.note].filter((x): x is string => !!x).join('\n');
    const entry = appendAudit(file, { crate: t.crate, who, criteria, from: t.from, to: t.to, notes: notes || undefined });
    out.write(`cratefence: recorded in ${file}:\n${entry}`);
  }
  for (const s of skipped) out.write(`cratefence: skipped ${safeText(s)}\n`);
  if (targets.length === 0) out.write('cratefence: the report lists no scanned package delta; nothing recorded\n');
  return 0;
}
