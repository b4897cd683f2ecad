import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, findConfigFile, formatCargoDuration, loadConfig, parseCargoDuration, parseConfig } from '../src/config/index.js';
import { lineOfKey } from '../src/config/toml-lines.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'cratefence-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FILE = '/repo/cratefence.toml';

/** The ConfigError that parsing `text` throws. */
function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).name).toBe('ConfigError');
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const FULL = `# team policy
fail-on = "review"

[rules.dos-new-panic]
enabled = false

[rules.network-endpoint-literal]
severity = "low"

[[suppress]]
reason = "reviewed: the build script only probes rustc"
crate = "serde"
versions = ">=1.0.200, <2"
rule = "build-script-changed"
files = "build.rs"
expires = 2026-12-31

[crates.reqwest]
expected-capabilities = ["network.*", "fs.write"]
trusted = false

[crates.anyhow]
trusted = true

[registry]
url = "sparse+https://index.crates.io/"

[registries.mirror]
index = "sparse+https://mirror.example.com/index/"

[cool-off]
min-publish-age = "3 days"

[audits]
criteria = "safe-to-run"
supply-chain = "vet"
`;

describe('cratefence.toml', () => {
  it('reads every section into the config', () => {
    const c = parseConfig(FULL, FILE);
    expect(c.failOn).toBe('review');
    expect(c.rules).toEqual({ 'dos-new-panic': { enabled: false }, 'network-endpoint-literal': { severity: 'low' } });
    expect(c.suppress).toEqual([
      {
        reason: 'reviewed: the build script only probes rustc', crate: 'serde', versions: '>=1.0.200, <2', rule: 'build-script-changed', files: 'build.rs',
        expires: { text: '2026-12-31', endsAt: new Date('2027-01-01T00:00:00Z') }, source: 'cratefence.toml:10',
      },
    ]);
    expect(c.crates).toEqual({ reqwest: { expectedCapabilities: ['network.*', 'fs.write'], trusted: false }, anyhow: { expectedCapabilities: [], trusted: true } });
    expect(c.registry).toEqual({ url: 'sparse+https://index.crates.io/', minPublishAge: undefined });
    expect(c.registries).toEqual({ mirror: { index: 'sparse+https://mirror.example.com/index/', minPublishAge: undefined } });
    expect(c.coolOff).toEqual({ minPublishAge: '3 days' });
    expect(c.audits).toEqual({ criteria: 'safe-to-run', supplyChain: '/repo/vet' });
  });

  it('names file, key and line for a value of the wrong type', () => {
    const e = errorOf('# x\n\n[[suppress]]\nreason = "r"\ncrate = "a"\n\n[[suppress]]\nreason = "r"\ncrate = 42\n');
    expect(e.message).toBe('/repo/cratefence.toml:9: suppress[1].crate: expected string, got number 42');
    expect([e.file, e.keyPath, e.line]).toEqual([FILE, 'suppress[1].crate', 9]);
  });

  it('names file, key and line for an unknown key', () => {
    const e = errorOf('[crates.reqwest]\nexpected-capabilities = ["network.*"]\nexpected-capabilites = ["fs.write"]\n');
    expect(e.message).toBe('/repo/cratefence.toml:3: crates.reqwest.expected-capabilites: unknown key "expected-capabilites"');
    const top = errorOf('fail-on = "block"\nfailon = "review"\n');
    expect(top.message).toBe('/repo/cratefence.toml:2: failon: unknown key "failon"');
  });

  it('requires a reason, and checks ranges, globs, dates, severities and durations', () => {
    expect(errorOf('[[suppress]]\ncrate = "a"\n').message).toBe('/repo/cratefence.toml:1: suppress[0].reason: expected string (missing)');
    expect(errorOf('[[suppress]]\nreason = "  "\ncrate = "a"\n').message).toContain(':2: suppress[0].reason: must say why');
    expect(errorOf('[[suppress]]\nreason = "r"\ncrate = "a"\nversions = "one point oh"\n').message).toContain(':4: suppress[0].versions: is not a semver version range');
    expect(errorOf('[[suppress]]\nreason = "r"\ncrate = "a"\nexpires = "soon"\n').message).toContain(':4: suppress[0].expires: is not a date');
    expect(errorOf('[rules.x]\nseverity = "huge"\n').message).toBe('/repo/cratefence.toml:2: rules.x.severity: must be one of "info", "low", "medium", "high", "critical"');
    expect(errorOf('[cool-off]\nmin-publish-age = "3 fortnights"\n').message).toContain(':2: cool-off.min-publish-age: "3 fortnights" is not a duration');
    expect(errorOf('[crates.a]\nexpected-capabilities = ["network**"]\n').message).toContain(':2: crates.a.expected-capabilities[0]: is not a capability pattern');
  });

  it('refuses a reason of only blanks, zero-width or other invisible characters', () => {
    for (const reason of ['\\u200B', '\\u200B\\u200C\\u200D\\uFEFF', ' \\u3164 ', '\\u2800', '\\t\\u00A0\\u2003', '\\u202E\\u2066']) {
      const e = errorOf(`[[suppress]]\nreason = "${reason}"\ncrate = "a"\n`);
      expect(e.message, reason).toBe('/repo/cratefence.toml:2: suppress[0].reason: must say why the finding is accepted (visible text, not only blanks or invisible characters)');
    }
    expect(parseConfig('[[suppress]]\nreason = "\\u200Breviewed"\ncrate = "a"\n', FILE).suppress[0].reason).toBe('\u200Breviewed');
  });

  it('refuses dates that are not on the calendar, as TOML dates or strings, naming the key and line', () => {
    const at = (expires: string) => errorOf(`# policy\n[[suppress]]\nreason = "r"\ncrate = "a"\nexpires = ${expires}\n`).message;
    expect(at('2027-02-31')).toBe('/repo/cratefence.toml:5: suppress[0].expires: "2027-02-31" is not a calendar date (February 2027 has 28 days)');
    expect(at('2027-02-29')).toContain(':5: suppress[0].expires: "2027-02-29" is not a calendar date (February 2027 has 28 days)');
    expect(at('"2027-02-31"')).toContain(':5: suppress[0].expires: "2027-02-31" is not a calendar date');
    expect(at('2027-04-31T12:00:00Z')).toContain(':5: suppress[0].expires: "2027-04-31T12:00:00Z" is not a calendar date (April 2027 has 30 days)');
    expect(at('"2027-04-30T24:00:00Z"')).toContain('"2027-04-30T24:00:00Z" is not a valid time of day');
    // In an inline table and in an array of tables further down, the line is still the right one.
    expect(errorOf('suppress = [\n  { reason = "r", crate = "a", expires = 2026-11-31 },\n]\n').message).toContain(':2: suppress: "2026-11-31" is not a calendar date (November 2026 has 30 days)');
    // Real dates pass, leap days included; a date inside a string that is not a date field is text.
    const ok = parseConfig('[[suppress]]\nreason = "until 2027-02-31, roughly"\ncrate = "a"\nexpires = 2028-02-29\n', FILE);
    expect(ok.suppress[0].expires).toEqual({ text: '2028-02-29', endsAt: new Date('2028-03-01T00:00:00Z') });
  });

  it('gives the line and column of a TOML syntax error', () => {
    const e = errorOf('fail-on = "block"\n[rules\n');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/^\/repo\/cratefence\.toml:2: not valid TOML: .*\(column \d+\)$/);
  });

  it('locates keys under headers, array entries, dotted and quoted keys', () => {
    const text = '[a]\nx = 1\n[[s]]\ny = 2\n[[s]]\n"q.k" = 3\nb.c = { d = 1 }\n';
    expect(lineOfKey(text, ['a', 'x'])).toBe(2);
    expect(lineOfKey(text, ['s', 1, 'q.k'])).toBe(6);
    expect(lineOfKey(text, ['s', 1, 'b', 'c', 'd'])).toBe(7);
    expect(lineOfKey(text, ['s', 0, 'missing'])).toBe(3);
    expect(lineOfKey(text, ['nowhere'])).toBeNull();
  });
});

describe('hostile config files', () => {
  it('give a short one-line ConfigError, never a crash or a hang', () => {
    const cases = [
      `x = ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      `[${Array.from({ length: 20000 }, (_, i) => `a${i}`).join('.')}]\n`,
      `${'k'.repeat(200000)} = 1\n`,
      '__proto__ = 1\n',
      'suppress = 3\n',
      '[suppress]\nreason = "x"\n',
      '\u0000\u0001 = "\u0002"\n',
    ];
    for (const text of cases) {
      const t0 = Date.now();
      const e = errorOf(text);
      expect(e.message.includes('\n'), e.message).toBe(false);
      expect(e.message.length).toBeLessThan(600);
      expect(Date.now() - t0).toBeLessThan(5000);
    }
  });
});

describe('finding the config file', () => {
  it('searches from the working folder up to the repository root', () => {
    const repo = path.join(tmp, 'repo');
    const deep = path.join(repo, 'crates', 'app', 'src');
    mkdirSync(deep, { recursive: true });
    mkdirSync(path.join(repo, '.git'));
    // A config above the repository is not the repository's.
    writeFileSync(path.join(tmp, 'cratefence.toml'), 'fail-on = "never"\n');
    expect(findConfigFile(deep)).toBeNull();
    const none = loadConfig({ cwd: deep });
    expect(none).toMatchObject({ file: null, config: { suppress: [], audits: { criteria: 'safe-to-deploy', supplyChain: path.join(deep, 'supply-chain') } } });
    expect(none.config.failOn).toBeUndefined();
    writeFileSync(path.join(repo, 'cratefence.toml'), 'fail-on = "review"\n');
    const found = loadConfig({ cwd: deep });
    expect(found.file).toBe(path.join(repo, 'cratefence.toml'));
    expect(found.config.failOn).toBe('review');
    expect(found.config.audits.supplyChain).toBe(path.join(repo, 'supply-chain'));
  });

  it('reads --config FILE relative to the working folder and fails clearly when it is missing', () => {
    writeFileSync(path.join(tmp, 'other.toml'), 'fail-on = "block"\n');
    expect(loadConfig({ cwd: tmp, file: 'other.toml' })).toMatchObject({ file: path.join(tmp, 'other.toml'), config: { failOn: 'block' } });
    expect(() => loadConfig({ cwd: tmp, file: 'absent.toml' })).toThrow(/absent\.toml: no such config file$/);
  });
});

describe("Cargo's min-publish-age durations", () => {
  it('reads every unit, singular or plural, and "0"', () => {
    const H = 3600 * 1000;
    expect(parseCargoDuration('0')).toBe(0);
    expect(parseCargoDuration('30 seconds')).toBe(30 * 1000);
    expect(parseCargoDuration('1 minute')).toBe(60 * 1000);
    expect(parseCargoDuration('12 hours')).toBe(12 * H);
    expect(parseCargoDuration('1 day')).toBe(24 * H);
    expect(parseCargoDuration('14 days')).toBe(14 * 24 * H);
    expect(parseCargoDuration('2 weeks')).toBe(14 * 24 * H);
    expect(parseCargoDuration('3days')).toBe(3 * 24 * H); // cargo's parse_time_span takes an optional single space
    expect(parseCargoDuration('1 month')).toBe(2_629_746 * 1000);
    expect(formatCargoDuration(parseCargoDuration('3 days'))).toBe('3 days');
    expect(formatCargoDuration(parseCargoDuration('1 week'))).toBe('1 week');
  });

  it('refuses what Cargo refuses', () => {
    for (const bad of ['', '3', 'three days', '-1 days', '1.5 days', '3 fortnights', '1 s']) {
      expect(() => parseCargoDuration(bad), bad).toThrow(/is not a duration/);
    }
  });
});
