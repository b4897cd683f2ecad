import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeTrees, treeFromFiles, type Report } from '../src/index.js';
import { addPolicyNote, applyPolicy, parseConfig, unusedSuppressions } from '../src/config/index.js';

const FILE = path.join('/repo', 'cratefence.toml');
const manifest = (v: string) => `[package]\nname = "httpish"\nversion = "${v}"\nedition = "2021"\n`;

/** A real scan: the new release opens a socket, names a bare IP and writes a file. */
function scan(): Report {
  const old = treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'src/lib.rs': 'pub fn get() -> usize { 1 }\n' });
  const nw = treeFromFiles({
    'Cargo.toml': manifest('1.0.1'),
    'src/lib.rs': 'pub fn get() -> usize { let _ = std::net::TcpStream::connect("203.0.113.5:4444"); 1 }\npub fn w() { let _ = std::fs::write("/tmp/x", "y"); }\n',
  });
  return analyzeTrees(old, nw).report;
}

let report: Report;
beforeAll(() => {
  report = scan();
  // The premise of every test below: the scan has these findings and fails review on its own.
  expect(report.findings.map((f) => f.ruleId).sort()).toEqual(['file-write-new', 'network-endpoint-literal', 'network-new-use']);
  expect(report.verdict).toBe('review');
});

const byRule = (r: Report, id: string) => r.findings.find((f) => f.ruleId === id)!;
const policy = (toml: string, now?: Date) => applyPolicy(report, { config: parseConfig(toml, FILE), file: FILE, now });

describe('suppressions', () => {
  const SUPPRESS = `[[suppress]]\nreason = "the probe connects to our own test range"\ncrate = "httpish"\nrule = "network-new-use"\n`;

  it('marks a suppressed finding, keeps it in the JSON and re-scores without its points', () => {
    const out = policy(SUPPRESS);
    const f = byRule(out, 'network-new-use');
    expect(f.suppressed).toEqual({ reason: 'the probe connects to our own test range', source: 'cratefence.toml:1' });
    expect(f.points).toBe(0);
    expect(out.findings).toHaveLength(report.findings.length);
    expect(out.score).toBeLessThan(report.score);
    expect(out.scoreBreakdown.some((b) => b.ruleId === 'network-new-use')).toBe(false);
    expect(out.policy).toMatchObject({ configFile: FILE, scanVerdict: 'review', scanScore: report.score, suppressedFindings: 1, approvedBy: [] });
    // The input is not changed.
    expect(byRule(report, 'network-new-use').suppressed).toBeUndefined();
  });

  it('applies before its expiry date and not after, reporting the expired one', () => {
    const withExpiry = `${SUPPRESS}expires = 2026-06-30\n`;
    const before = policy(withExpiry, new Date('2026-06-30T23:00:00Z'));
    expect(byRule(before, 'network-new-use').suppressed).toBeDefined();
    expect(before.policy!.notes.filter((n) => n.kind.startsWith('suppression'))).toEqual([]);
    const after = policy(withExpiry, new Date('2026-07-01T00:00:01Z'));
    expect(byRule(after, 'network-new-use').suppressed).toBeUndefined();
    expect(after.score).toBe(report.score);
    expect(after.policy!.notes).toContainEqual({ kind: 'suppression-expired', message: expect.stringContaining('expired on 2026-06-30') });
  });

  it('reports a suppression for this crate that matched nothing', () => {
    const out = policy(`[[suppress]]\nreason = "old"\ncrate = "httpish"\nrule = "shell-exec"\n\n${SUPPRESS}`);
    expect(out.policy!.notes).toContainEqual({ kind: 'suppression-unused', message: expect.stringContaining('cratefence.toml:1') });
    expect(byRule(out, 'network-new-use').suppressed?.source).toBe('cratefence.toml:6');
  });

  it('honours the version range and the file glob', () => {
    const other = policy(`[[suppress]]\nreason = "r"\ncrate = "httpish"\nversions = "<1.0.1"\n`);
    expect(other.findings.every((f) => !f.suppressed)).toBe(true);
    const inRange = policy(`[[suppress]]\nreason = "r"\ncrate = "httpish"\nversions = ">=1.0.1, <2"\nfiles = "src/**/*.rs"\n`);
    expect(inRange.findings.every((f) => f.suppressed)).toBe(true);
    expect(inRange.verdict).toBe('pass');
    const glob = policy(`[[suppress]]\nreason = "r"\ncrate = "httpish"\nfiles = "benches/**"\n`);
    expect(glob.findings.every((f) => !f.suppressed)).toBe(true);
    const otherCrate = policy(`[[suppress]]\nreason = "r"\ncrate = "serde"\n`);
    expect(otherCrate.findings.every((f) => !f.suppressed)).toBe(true);
    // Not this crate's: not reported as unused by this report, but by the run-wide check.
    expect(otherCrate.policy!.notes.some((n) => n.kind === 'suppression-unused')).toBe(false);
    expect(unusedSuppressions([otherCrate], { config: parseConfig(`[[suppress]]\nreason = "r"\ncrate = "serde"\n`, FILE) })).toEqual([
      { kind: 'suppression-unused', message: expect.stringContaining('cratefence.toml:1 (serde: r)') },
    ]);
  });

  it('finds unused and expired suppressions over a whole run', () => {
    const toml = `${SUPPRESS}\n[[suppress]]\nreason = "gone"\ncrate = "other"\n\n[[suppress]]\nreason = "late"\ncrate = "httpish"\nexpires = 2020-01-01\n`;
    const config = parseConfig(toml, FILE);
    const now = new Date('2026-01-01T00:00:00Z');
    const out = applyPolicy(report, { config, file: FILE, now });
    const notes = unusedSuppressions([out], { config, now });
    expect(notes.map((n) => n.kind)).toEqual(['suppression-unused', 'suppression-expired']);
    expect(notes[0].message).toContain('cratefence.toml:6');
    expect(notes[1].message).toContain('expired on 2020-01-01');
  });
});

describe('rule settings', () => {
  it('turns a rule off: its findings stay, marked, with no points', () => {
    const out = policy(`[rules.file-write-new]\nenabled = false\n`);
    expect(byRule(out, 'file-write-new').suppressed).toEqual({ reason: 'rule file-write-new is turned off in cratefence.toml', source: 'cratefence.toml: [rules.file-write-new]' });
    expect(out.score).toBeLessThan(report.score);
  });

  it('changes a severity and re-scores', () => {
    const out = policy(`[rules.network-new-use]\nseverity = "low"\n`);
    expect(byRule(out, 'network-new-use').severity).toBe('low');
    expect(byRule(out, 'network-new-use').points).toBeLessThan(byRule(report, 'network-new-use').points!);
    expect(out.score).toBeLessThan(report.score);
    expect(out.policy!.notes).toContainEqual({ kind: 'rule-config', message: '1 finding(s) of network-new-use given severity low by cratefence.toml' });
  });

  it('reports rule ids the rule set does not have', () => {
    const out = policy(`[rules.netwrok-new-use]\nenabled = false\n`);
    expect(out.policy!.notes).toContainEqual({ kind: 'rule-config', message: 'cratefence.toml names rule "netwrok-new-use", which the rule set does not have' });
  });
});

describe('expected capabilities and trust', () => {
  it('lets a declared network client use the network without review', () => {
    const out = policy(`[crates.httpish]\nexpected-capabilities = ["network.*"]\n`);
    expect(byRule(out, 'network-new-use').suppressed?.reason).toBe('expected capability (network.connect)');
    // A literal endpoint is not a capability use: it stays.
    expect(byRule(out, 'network-endpoint-literal').suppressed).toBeUndefined();
    expect(byRule(out, 'file-write-new').suppressed).toBeUndefined();
    // Nor does gaining the network capability itself add points.
    expect(out.scoreBreakdown.some((b) => b.capability === 'network')).toBe(false);
    expect(report.scoreBreakdown.some((b) => b.capability === 'network')).toBe(true);
    expect(out.policy!.notes.some((n) => n.kind === 'expected-capability')).toBe(true);
  });

  it('reads capabilities only where the rule prints the real ones, so code cannot name its own', () => {
    const old = treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'src/lib.rs': 'pub fn parse(s: &str) -> usize { helper(s) }\nfn helper(s: &str) -> usize { s.len() }\n' });
    const nw = treeFromFiles({
      'Cargo.toml': manifest('1.0.1'),
      // The literal names a capability the crate is allowed: it must not excuse the file write.
      'src/lib.rs': 'pub fn parse(s: &str) -> usize { helper(s) }\nfn helper(s: &str) -> usize { let _ = std::fs::write("network.http", s); let _ = std::net::TcpStream::connect("h:1"); s.len() }\n',
    });
    const scanned = analyzeTrees(old, nw).report;
    const reach = scanned.findings.find((f) => f.ruleId === 'entry-reaches-new-capability');
    expect(reach?.message).toMatch(/now reaches .*fs\.write/);
    const out = applyPolicy(scanned, { config: parseConfig(`[crates.httpish]\nexpected-capabilities = ["network.*"]\n`, FILE), file: FILE });
    expect(byRule(out, 'file-write-new').suppressed).toBeUndefined();
    expect(byRule(out, 'network-new-use').suppressed).toBeDefined();
    // The entry now reaches fs.write and network.connect: only one of them is expected.
    expect(byRule(out, 'entry-reaches-new-capability').suppressed).toBeUndefined();
    const both = applyPolicy(scanned, { config: parseConfig(`[crates.httpish]\nexpected-capabilities = ["network.*", "fs.write"]\n`, FILE), file: FILE });
    expect(byRule(both, 'entry-reaches-new-capability').suppressed?.reason).toMatch(/^expected capability \(.*fs\.write.*\)$/);
    expect(byRule(both, 'file-write-new').suppressed?.reason).toBe('expected capability (fs.write)');
  });

  it('never lets a wildcard cover turning TLS verification off', () => {
    const old = treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'src/lib.rs': 'pub fn client() -> reqwest::Client { reqwest::Client::builder().build().unwrap() }\n' });
    const nw = treeFromFiles({ 'Cargo.toml': manifest('1.0.1'), 'src/lib.rs': 'pub fn client() -> reqwest::Client { reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap() }\n' });
    const scanned = analyzeTrees(old, nw).report;
    expect(byRule(scanned, 'tls-verification-disabled')).toBeDefined();
    for (const pattern of ['network.*', 'network', '*']) {
      const out = applyPolicy(scanned, { config: parseConfig(`[crates.httpish]\nexpected-capabilities = ["${pattern}"]\n`, FILE), file: FILE });
      expect(byRule(out, 'tls-verification-disabled').suppressed, pattern).toBeUndefined();
    }
    const named = applyPolicy(scanned, { config: parseConfig(`[crates.httpish]\nexpected-capabilities = ["network.tls-insecure"]\n`, FILE), file: FILE });
    expect(byRule(named, 'tls-verification-disabled').suppressed?.reason).toBe('expected capability (network.tls-insecure)');
  });

  it('does not excuse a capability used at build time', () => {
    const old = treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'src/lib.rs': 'pub fn get() -> usize { 1 }\n', 'build.rs': 'fn main() {}\n' });
    const nw = treeFromFiles({ 'Cargo.toml': manifest('1.0.1'), 'src/lib.rs': 'pub fn get() -> usize { 1 }\n', 'build.rs': 'fn main() { let _ = std::net::TcpStream::connect("h:1"); }\n' });
    const scanned = analyzeTrees(old, nw).report;
    const f = byRule(scanned, 'network-new-use');
    expect([f.role, f.severity]).toEqual(['build', 'critical']);
    const out = applyPolicy(scanned, { config: parseConfig(`[crates.httpish]\nexpected-capabilities = ["network.*"]\n`, FILE), file: FILE });
    expect(byRule(out, 'network-new-use').suppressed).toBeUndefined();
    expect(out.verdict).toBe('block');
  });

  it('does not stretch an exact capability to its siblings', () => {
    const out = policy(`[crates.httpish]\nexpected-capabilities = ["network.http"]\n`);
    expect(byRule(out, 'network-new-use').suppressed).toBeUndefined();
  });

  it('passes a trusted crate and says so', () => {
    const out = policy(`[crates.httpish]\ntrusted = true\n`);
    expect(out.verdict).toBe('pass');
    expect(out.policy!.scanVerdict).toBe('review');
    expect(out.policy!.notes).toContainEqual({ kind: 'trusted', message: expect.stringContaining('httpish is trusted') });
  });
});

describe('notes from other policy sources', () => {
  it('raises the verdict and keeps the scan verdict', () => {
    const passed = policy(`[crates.httpish]\ntrusted = true\n`);
    const out = addPolicyNote(passed, { kind: 'cool-off', message: 'published 2 hours ago; may be adopted after 2026-01-04' }, 'review');
    expect(out.verdict).toBe('review');
    expect(out.policy!.scanVerdict).toBe('review');
    expect(out.policy!.notes.map((n) => n.kind)).toEqual(['trusted', 'cool-off']);
    expect(passed.verdict).toBe('pass');
  });

  it('keeps a raise from cool-off or yanked when the policy is applied after it', () => {
    const young = addPolicyNote(report, { kind: 'cool-off', message: 'published 2 hours ago' }, 'review');
    const out = applyPolicy(young, { config: parseConfig(`[[suppress]]\nreason = "r"\ncrate = "httpish"\n`, FILE), file: FILE });
    expect(out.findings.every((f) => f.suppressed)).toBe(true);
    expect(out.verdict).toBe('review');
    expect(out.verdictReason).toBe('published 2 hours ago');
    expect(out.policy!.notes[0]).toEqual({ kind: 'cool-off', message: 'published 2 hours ago' });
    // Applied again (another config), its own notes are replaced, the cool-off note kept.
    const again = applyPolicy(out, { config: parseConfig('[rules.nope]\nenabled = false\n', FILE), file: FILE });
    expect(again.policy!.notes.map((n) => n.kind)).toEqual(['cool-off', 'rule-config']);
    expect(again.findings.every((f) => !f.suppressed)).toBe(true);
    expect(again.policy!.scanVerdict).toBe(report.verdict);
    const yanked = applyPolicy(addPolicyNote(report, { kind: 'yanked', message: 'yanked' }, 'block'), { config: parseConfig('[crates.httpish]\ntrusted = true\n', FILE), file: FILE });
    expect(yanked.verdict).toBe('block');
  });
});

describe('cratefence diff --config', () => {
  const BIN = path.join(import.meta.dirname, '..', 'bin', 'cratefence.js');
  const repo = mkdtempSync(path.join(tmpdir(), 'cratefence-policy-cli-'));
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: path.join(repo, 'sub'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  beforeAll(() => {
    mkdirSync(path.join(repo, '.git'));
    for (const [side, v, lib] of [
      ['old', '1.0.0', 'pub fn get() -> usize { 1 }\n'],
      ['new', '1.0.1', 'pub fn get() -> usize { let _ = std::net::TcpStream::connect("203.0.113.5:4444"); 1 }\npub fn w() { let _ = std::fs::write("/tmp/x", "y"); }\n'],
    ]) {
      mkdirSync(path.join(repo, side, 'src'), { recursive: true });
      writeFileSync(path.join(repo, side, 'Cargo.toml'), manifest(v));
      writeFileSync(path.join(repo, side, 'src', 'lib.rs'), lib);
    }
    mkdirSync(path.join(repo, 'sub'));
  });

  it('finds cratefence.toml up to the repository root, takes its fail-on and applies its suppressions', () => {
    writeFileSync(path.join(repo, 'cratefence.toml'), 'fail-on = "review"\n');
    const strict = run(['diff', '../old', '../new', '--format', 'json']);
    expect(strict.err).toBe('');
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out).policy).toMatchObject({ configFile: path.join(repo, 'cratefence.toml'), scanVerdict: 'review' });
    writeFileSync(path.join(repo, 'cratefence.toml'), 'fail-on = "review"\n\n[[suppress]]\nreason = "test fixture"\ncrate = "httpish"\n');
    const relaxed = run(['diff', '../old', '../new', '--format', 'json']);
    expect(relaxed.code).toBe(0);
    const rep = JSON.parse(relaxed.out) as Report;
    expect(rep.verdict).toBe('pass');
    expect(rep.findings.every((f) => f.suppressed?.reason === 'test fixture')).toBe(true);
    // --fail-on on the command line wins over the file.
    writeFileSync(path.join(repo, 'cratefence.toml'), 'fail-on = "review"\n');
    expect(run(['diff', '../old', '../new', '--fail-on', 'block']).code).toBe(0);
  });

  it('exits 2 with one line naming file, key and line for a broken --config', () => {
    writeFileSync(path.join(repo, 'bad.toml'), '[rules.network-new-use]\nseverity = 3\n');
    const r = run(['diff', '../old', '../new', '--config', '../bad.toml']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`cratefence: ${path.join(repo, 'bad.toml')}:2: rules.network-new-use.severity: must be one of "info", "low", "medium", "high", "critical"\n`);
  });
});
