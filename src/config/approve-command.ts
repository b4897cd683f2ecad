import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import semver from 'semver';
import { VERSION, type Report } from '../index.js';
import { FileReadError, readBoundedSync } from '../files/index.js';
import { UsageError } from '../usage.js';
import { ConfigError } from './errors.js';
import { loadConfig } from './loader.js';
import { isBuiltinCriteria, readAudits } from './vet.js';
import { appendAudit } from './vet-write.js';

const USAGE = `Usage: cratefence approve <name> <old> <new> [options]
Records a cargo-vet audit of the delta OLD -> NEW of crate NAME in supply-chain/audits.toml
(a full audit of NEW when OLD is "-"). The rest of the file is kept as it is.

Options:
  --criteria C          criteria certified (repeatable; default: [audits] criteria of the config,
                        else safe-to-deploy); must be built in or defined in audits.toml
  --notes TEXT          what was reviewed and why it is fine
  --who "NAME <MAIL>"   the auditor (default: git config user.name <user.email>)
  --report FILE         the cratefence JSON report of this delta: its verdict, score and SHA-256
                        go into the notes
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

/** The sentence about the scan that goes into the notes, after checking the report is about this delta. */
function reportNote(file: string, crate: string, from: string | null, to: string): string {
  let bytes: Buffer;
  try {
    bytes = readBoundedSync(file, { maxBytes: MAX_REPORT_BYTES, what: 'report' });
  } catch (e) {
    if (e instanceof FileReadError) throw new UsageError(`--report ${e.message}`);
    throw e;
  }
  let rep: Report;
  try {
    rep = JSON.parse(bytes.toString('utf8')) as Report;
  } catch {
    throw new UsageError(`--report ${file}: not a cratefence JSON report`);
  }
  if (rep?.schemaVersion !== 1 || typeof rep.verdict !== 'string' || !rep.crate) throw new UsageError(`--report ${file}: not a cratefence JSON report (schemaVersion 1)`);
  if (rep.crate.name !== crate || rep.crate.new !== to || (from !== null && rep.crate.old !== from)) {
    throw new UsageError(`--report ${file} is about ${rep.crate.name} ${rep.crate.old ?? '(none)'} -> ${rep.crate.new}, not ${crate} ${from ?? '(none)'} -> ${to}`);
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  const scan = rep.policy ? `${rep.verdict} after policy, scan ${rep.policy.scanVerdict}` : rep.verdict;
  return `cratefence ${rep.tool?.version ?? VERSION}: ${scan} (score ${rep.score}, ${rep.findings?.length ?? 0} findings); report sha256:${digest}`;
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
  if (positionals.length !== 3) throw new UsageError('approve takes exactly three arguments: <name> <old> <new> (old "-" for a full audit)');
  const [crate, oldArg, newArg] = positionals;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(crate)) throw new UsageError(`"${crate}" is not a crate name`);
  const full = oldArg === '-' || oldArg === 'none';
  const from = full ? null : semver.valid(oldArg);
  const to = semver.valid(newArg);
  if (!full && from === null) throw new UsageError(`"${oldArg}" is not a version (use "-" for a full audit of the new version)`);
  if (to === null) throw new UsageError(`"${newArg}" is not a version`);
  if (from !== null && from === to) throw new UsageError('old and new are the same version');

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
  const notes = [values.notes?.trim(), values.report ? reportNote(path.resolve(cwd, values.report), crate, from, to) : undefined].filter((x): x is string => !!x).join('\n');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'audits.toml');
  const entry = appendAudit(file, { crate, who, criteria, from, to, notes: notes || undefined });
  out.write(`cratefence: recorded in ${file}:\n${entry}`);
  return 0;
}
