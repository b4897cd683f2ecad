import { parseArgs } from 'node:util';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { analyzeTrees, FileHunks, Report } from './index.js';
import { VERSION } from './version.js';
import { UsageError, exitCodeFor, parseArgsMessage, parseFailOn } from './usage.js';
import type { Format } from './report/index.js';
import { OUTPUT_OPTIONS, outputUsage, checkFolder, checkUrl, outputsOf, sarifSettings } from './cli-options.js';
import { safeText } from './report/safe-text.js';

const USAGE = `cratefence ${VERSION} — diff-aware risk review of Rust crate releases

Usage:
  cratefence diff <old> <new> [options]   compare two releases (directories, .crate/.tar.gz files
                                          or name@version from the registry, e.g. serde@1.0.200)
  cratefence scan <crate> [options]       review a first release: everything counts as added
  cratefence lock <old Cargo.lock> <new Cargo.lock> | --git-base REF [Cargo.lock]
                                          scan every release a lockfile change brings in
  cratefence approve <name> <old> <new>   record a cargo-vet audit of a delta
  cratefence batch <jobs> [--db FILE]     scan many releases on all cores into a result store
  cratefence worker --queue redis://…     consume batch jobs from a shared queue
  cratefence results [--db FILE]          query the result store
  cratefence serve [--port N]             run the registry ingest service
Each command has its own help: cratefence <command> --help.

Options:
  --format text|json|sarif|markdown|html
                            output format (default: text); html is one self-contained page
                            with the release diff, sarif is for GitHub code scanning, markdown
                            for a pull-request comment
  --output FILE             write the report to FILE instead of stdout (its folder must exist)
${outputUsage(true)}
  --fail-on review|block|never
                            exit 1 when the verdict is at or above this level (default: the
                            config's fail-on, else block)
  --config FILE             team policy (suppressions, rule settings, expected capabilities,
                            cargo-vet audits; default: cratefence.toml found from the current
                            folder up to the repository root)
  --rules DIR               use the rules in DIR instead of the bundled ones
  --cache DIR               keep extracted facts in DIR and reuse them in later scans (a file
                            seen before is not parsed again; the report is the same). DIR must
                            be writable only by you: its entries are trusted
                            (default: $CRATEFENCE_CACHE when set, else no cache)
  --vcs DIR                 a local clone of the crate's repository: every published file is
                            checked against the commit named in .cargo_vcs_info.json (read with
                            git plumbing; nothing is checked out)
  --file-budget-ms N        parse time allowed per file (default 10000); slower files are
                            reported as unanalysed code
  --crate-budget-ms N       parse time allowed per scan (default 180000)
  --deps offline|fetch|off  capability summaries of dependencies: offline (default) uses what is on
                            this machine (cratefence's cache, the Cargo cache, the shipped index);
                            fetch also downloads (verified) and summarises dependencies it lacks;
                            off follows no call into a dependency
  --registry URL            sparse index for name@version (default https://index.crates.io/)
  --min-publish-age AGE     cool-off for name@version: a release younger than AGE ("7 days",
                            Cargo's min-publish-age syntax) is at least review (default: the
                            [registry] global-min-publish-age of .cargo/config.toml, if any)
  --no-progress             never show progress on stderr
  --debug                   print stack traces for errors
  -h, --help                show this help
  -v, --version             print the version

Exit codes: 0 below the --fail-on level, 1 at or above it, 2 on bad input or usage.`;

/**
 * Commands of the layers above the core, loaded only when used. Each module's `run(argv)` parses its
 * own options, does its work and returns the exit code; errors it throws are printed here.
 */
const COMMANDS = new Map<string, () => Promise<{ run: (argv: string[]) => Promise<number> }>>([
  ['lock', () => import('./lock/command.js')],
  ['approve', () => import('./config/approve-command.js')],
  ['batch', () => import('./batch/command.js')],
  ['worker', () => import('./batch/worker-command.js')],
  ['results', () => import('./batch/results-command.js')],
  ['serve', () => import('./serve/command.js')],
]);

/** Errors whose message is the whole story for the user: printed in one line, no stack unless --debug. */
const KNOWN_ERRORS = new Set(['UsageError', 'UserError', 'InputError', 'RuleError', 'StoreError', 'RegistryError', 'ConfigError', 'LockfileError', 'QueueError', 'FileReadError', 'UnsafePathError']);

/**
 * Progress on stderr for scans that take longer than a second: one status line, rewritten in place.
 * The analysis is synchronous, so the line is written as phases report in, not by a timer.
 */
function progress(enabled: boolean): { phase: (p: string) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { phase: () => {}, stop: () => {} };
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    phase: (p) => {
      const now = Date.now();
      if (now - start < 1000 || now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[2Kcratefence: ${p} (${((now - start) / 1000).toFixed(1)} s)`);
    },
    stop: () => {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}

async function writeAtomically(file: string, data: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  // Created exclusively: a link planted at the temporary name is refused, never written through.
  await writeFile(tmp, data, { flag: 'wx' });
  await rename(tmp, file);
}

/**
 * Reads the releases of `diff` / `scan` — folders, archives or `name@version` fetched and verified
 * through the registry — checks the new one against its repository with `--vcs`, scans, and applies
 * the registry's yanked and cool-off policy to a release named by version.
 */
async function scanInputs(
  args: string[],
  cmd: 'diff' | 'scan',
  values: { registry?: string; 'min-publish-age'?: string; deps?: string; debug?: boolean },
  vcs: string | undefined,
  opts: Parameters<typeof analyzeTrees>[2],
): Promise<{ report: Report; readonly hunks: FileHunks[] }> {
  const { analyzeTrees, emptyTree, loadRelease } = await import('./index.js');
  const { classifyInput, loadNamedRelease } = await import('./registry/inputs.js');
  const named = args.map(classifyInput);
  const registry = named.some((n) => n.kind === 'registry') ? await import('./registry/index.js') : null;
  let client: import('./registry/index.js').RegistryClient | undefined;
  const get = () => (client ??= registry!.commandLineClient(values.registry));
  opts?.onPhase?.(named.some((n) => n.kind === 'registry') ? 'fetching' : 'reading');
  const trees = await Promise.all(named.map((n) => (n.kind === 'path' ? loadRelease({ path: n.path }, opts?.limits) : loadNamedRelease(n, get, opts?.limits))));
  const newTree = trees[trees.length - 1];
  const oldTree = cmd === 'diff' ? trees[0] : emptyTree();
  // Provenance: git is asked about the commit the new release names, before the analysis.
  const provenance = vcs !== undefined ? await (await import('./provenance/index.js')).vcsSnapshot(newTree, path.resolve(vcs)) : undefined;
  const depsLayer = await import('./deps/index.js');
  let mode: import('./deps/index.js').DepsMode;
  try {
    mode = depsLayer.parseDepsMode(values.deps);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  opts?.onPhase?.('gathering dependency summaries');
  const { defaultCacheDir, defaultCargoHome } = await import('./registry/cache.js');
  const gathered = await depsLayer.gatherDependencies([oldTree, newTree], {
    mode, cargoHome: defaultCargoHome(), cacheDir: path.join(defaultCacheDir()), registry: mode === 'fetch' ? (registry ? get() : (await import('./registry/index.js')).commandLineClient(values.registry)) : undefined,
    limits: opts?.limits, rulesDir: opts?.rulesDir, warn: (m) => process.stderr.write(`cratefence: ${m}\n`),
  });
  if (values.debug) {
    const s = gathered.stats;
    process.stderr.write(`cratefence: dependency summaries: ${s.fromCache} cached, ${s.computed} computed, ${s.fromIndex} from the shipped index, ${s.fetched} fetched; unknown: ${s.unknown.join(', ') || 'none'}\n`);
  }
  const a = analyzeTrees(oldTree, newTree, { ...opts, provenance, dependencies: gathered.source });
  const last = named[named.length - 1];
  if (last.kind === 'registry') {
    const { cargoMinPublishAge, parseMinPublishAge } = await import('./registry/index.js');
    const { applyRegistryPolicy, policyNow } = await import('./registry/inputs.js');
    const flag = values['min-publish-age'];
    const minAge = flag !== undefined ? { ms: parseMinPublishAge(flag), text: flag, source: '--min-publish-age' } : cargoMinPublishAge(process.cwd());
    await applyRegistryPolicy(a.report, get(), last.name, last.version, minAge, policyNow());
  }
  // The analysis itself, not a copy: its hunks are built only if the caller reads them.
  return a;
}

/** Runs the CLI; sets process.exitCode (0 clean, 1 at or above --fail-on, 2 error). */
export async function main(argv: string[]): Promise<void> {
  let debug = argv.includes('--debug');
  try {
    const sub = argv[0] !== undefined ? COMMANDS.get(argv[0]) : undefined;
    if (sub) {
      process.exitCode = await (await sub()).run(argv.slice(1));
      return;
    }
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        output: { type: 'string' },
        'fail-on': { type: 'string' },
        config: { type: 'string' },
        rules: { type: 'string' },
        cache: { type: 'string' },
        vcs: { type: 'string' },
        'file-budget-ms': { type: 'string' },
        'crate-budget-ms': { type: 'string' },
        'no-progress': { type: 'boolean' },
        registry: { type: 'string' },
        'min-publish-age': { type: 'string' },
        deps: { type: 'string' },
        ...OUTPUT_OPTIONS,
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
    debug = values.debug ?? false;
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    if (values.version) {
      process.stdout.write(`${VERSION}\n`);
      return;
    }
    // The reporters' index reaches the core (their shared input types): loaded after --help and --version.
    const { FORMATS, reporter } = await import('./report/index.js');
    const [cmd, ...args] = positionals;
    const format = values.format as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    // Every flag is checked before anything is read, scanned or written, whatever the inputs are:
    // a value that only matters for name@version inputs is still refused when it is wrong.
    if (cmd !== 'diff' && cmd !== 'scan') throw new UsageError(cmd ? `unknown command "${safeText(cmd)}"` : 'missing command');
    const outputs = outputsOf(values, { format, file: values.output });
    if (values.rules !== undefined) checkFolder('--rules', path.resolve(values.rules));
    if (values.registry !== undefined) checkUrl('--registry', values.registry.replace(/^sparse\+/, ''));
    if (values['min-publish-age'] !== undefined) {
      const { parseMinPublishAge } = await import('./registry/cooloff.js');
      try {
        parseMinPublishAge(values['min-publish-age']);
      } catch (e) {
        throw new UsageError(`--min-publish-age: ${(e as Error).message}`);
      }
    }
    const reportUrl = values['report-url'] !== undefined ? checkUrl('--report-url', values['report-url']) : undefined;
    // The policy is read before the scan so that a broken config fails fast; the layer is loaded only
    // when there is one (see config/find.ts).
    const policyLayer = (await import('./config/find.js')).hasPolicy(process.cwd(), values.config) ? await import('./config/index.js') : null;
    const loaded = policyLayer?.loadConfig({ cwd: process.cwd(), file: values.config }) ?? null;
    const audits = loaded ? policyLayer!.readAudits(loaded.config.audits.supplyChain) : null;
    const failOn = parseFailOn(values['fail-on'] ?? loaded?.config.failOn);
    const sarif = await sarifSettings(values, loaded?.config.report, VERSION);
    // The core is loaded only for a scan: --help, --version and usage errors do without it (its parser,
    // hashing and native grammar are most of what a process loads).
    const { DiskFactsStore } = await import('./index.js');
    const { DEFAULT_PARSE_OPTIONS } = await import('./parse/parser.js');
    const budget = (v: string | undefined, name: string, dflt: number) => {
      if (v === undefined) return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} takes a positive whole number of milliseconds`);
      return n;
    };
    const parse = {
      fileBudgetMs: budget(values['file-budget-ms'], 'file-budget-ms', DEFAULT_PARSE_OPTIONS.fileBudgetMs),
      crateBudgetMs: budget(values['crate-budget-ms'], 'crate-budget-ms', DEFAULT_PARSE_OPTIONS.crateBudgetMs),
    };
    const cacheDir = values.cache ?? (process.env.CRATEFENCE_CACHE || undefined);
    const factsStore = cacheDir ? new DiskFactsStore(path.resolve(cacheDir)) : undefined;
    const opts = { rulesDir: values.rules ? path.resolve(values.rules) : undefined, parse, factsStore };
    const prog = progress(!values['no-progress']);
    let report: Report;
    // Only the HTML page shows the release diff; the other formats never build it.
    let hunks: FileHunks[] | undefined;
    try {
      if (cmd === 'diff' && args.length !== 2) throw new UsageError('diff takes exactly two inputs: <old> <new>');
      if (cmd === 'scan' && args.length !== 1) throw new UsageError('scan takes exactly one input: <crate>');
      const settings = {
        registry: values.registry ?? loaded?.config.registry.url,
        'min-publish-age': values['min-publish-age'] ?? loaded?.config.coolOff.minPublishAge ?? loaded?.config.registry.minPublishAge,
        deps: values.deps,
        debug: values.debug,
      };
      const a = await scanInputs(args, cmd, settings, values.vcs, { ...opts, onPhase: prog.phase });
      report = a.report;
      // Only the HTML page shows the release diff; the other formats never build it.
      if (outputs.some((o) => o.format === 'html')) hunks = a.hunks;
    } finally {
      prog.stop();
    }
    if (policyLayer && loaded && (loaded.file !== null || audits !== null)) {
      report = policyLayer.applyPolicy(report, { config: loaded.config, file: loaded.file, audits, rulesDir: opts.rulesDir });
    }
    if (factsStore?.writeError) process.stderr.write(`cratefence: the facts cache could not be written (${safeText(factsStore.writeError)}); the scan did not need it\n`);
    if (factsStore?.refused) process.stderr.write(`cratefence: ${safeText(factsStore.refused)}; the facts cache was not used\n`);
    if (factsStore?.readProblem) process.stderr.write(`cratefence: ${safeText(factsStore.readProblem)}; such entries were treated as misses\n`);
    if (debug) {
      const problem = (await import('./parse/syntax.js')).nativeSyntaxProblem();
      process.stderr.write(`cratefence: syntax trees from ${problem ? `the tree-sitter binding (the native addon is ${problem})` : 'the native addon'}\n`);
    }
    if (factsStore && debug) process.stderr.write(`cratefence: facts cache ${factsStore.hits} hits, ${factsStore.misses} misses, ${factsStore.writes} written\n`);
    // Every output is rendered before any is written: a reporter that fails leaves no file behind.
    const rendered: Array<{ file: string | undefined; text: string }> = [];
    for (const o of outputs) {
      const color = o.file === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
      rendered.push({ file: o.file, text: (await reporter(o.format))(report, { color, hunks, rulesDir: opts.rulesDir, sarif, reportUrl }) });
    }
    for (const r of rendered) {
      if (r.file !== undefined) await writeAtomically(r.file, r.text);
      else process.stdout.write(r.text);
    }
    process.exitCode = exitCodeFor(report.verdict, failOn);
  } catch (err) {
    const e = err as Error;
    // Messages quote names, paths and values from the input: one line each, nothing a terminal or a
    // CI log would run (safe-text.ts).
    const argsProblem = parseArgsMessage(e);
    const message = safeText(argsProblem ?? String(e?.message));
    if (e instanceof UsageError || argsProblem !== null) {
      process.stderr.write(`cratefence: ${message}\nRun 'cratefence --help' for usage.\n`);
    } else if (KNOWN_ERRORS.has(e.name)) {
      process.stderr.write(`cratefence: ${message}\n`);
    } else {
      process.stderr.write(`cratefence: internal error: ${message}\n`);
    }
    if (debug && e.stack) process.stderr.write(`${e.stack.split('\n').map(safeText).join('\n')}\n`);
    process.exitCode = 2;
  }
}
