import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeTrees, treeFromFiles, type Report } from '../src/index.js';
import { applyPolicy, checkAudits, ConfigError, parseConfig, readAudits, type Audits } from '../src/config/index.js';
import { run as approve } from '../src/config/approve-command.js';
import { appendAudit, insertAuditText, tomlString } from '../src/config/vet-write.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'cratefence-vet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const AUDITS = `# cargo-vet audits file

[criteria.crypto-reviewed]
description = "The cryptographic code in this crate has been reviewed"
implies = "safe-to-deploy"

# The first release we took in, read in full.
[[audits.httpish]]
who = "Alice Foo <alice@example.com>"
criteria = "safe-to-deploy"
version = "0.9.0"

[[audits.httpish]]
who = "Bob Bar <bob@example.com>"
criteria = "safe-to-deploy"
delta = "0.9.0 -> 1.0.0"

[[audits.httpish]]
who = ["Alice Foo <alice@example.com>", "Bob Bar <bob@example.com>"]
criteria = "crypto-reviewed"
delta = "1.0.0 -> 1.0.1"
notes = "read every line"

[[audits.runner]]
who = "Alice Foo <alice@example.com>"
criteria = "safe-to-run"
version = "2.0.0"

[[audits.evil]]
who = "Alice Foo <alice@example.com>"
criteria = "safe-to-run"
violation = ">=0.3.1, <0.4"
notes = "ships a credential stealer"

[[trusted.tokioish]]
criteria = "safe-to-deploy"
user-id = 10
start = "2020-01-01"
end = "2030-01-01"
`;

const CONFIG = `[cargo-vet]
version = "0.10"

[imports.mozilla]
url = "https://raw.githubusercontent.com/mozilla/supply-chain/main/audits.toml"

[imports.google]
url = "https://example.com/google/audits.toml"
criteria-map = { fuzzed = "safe-to-run" }

[policy.app]
criteria = "safe-to-deploy"

[[exemptions.legacy]]
version = "3.1.4"
criteria = "safe-to-deploy"
`;

const IMPORTS = `
# cargo-vet imports lock

[[publisher.tokioish]]
version = "1.2.0"
when = "2024-05-01"
user-id = 10
user-login = "tk"

[[publisher.tokioish]]
version = "1.3.0"
when = "2024-06-01"
user-id = 99
user-login = "someone-else"

[[audits.mozilla.audits.httpish]]
who = "Carol <carol@mozilla.example>"
criteria = "safe-to-deploy"
delta = "1.0.0 -> 1.0.1"

[[audits.mozilla.audits.chained]]
who = "Carol <carol@mozilla.example>"
criteria = "safe-to-deploy"
version = "1.0.0"

[[audits.google.audits.chained]]
who = "Dan <dan@google.example>"
criteria = "safe-to-deploy"
delta = "1.0.0 -> 1.1.0"

[[audits.google.audits.fuzzy]]
who = "Dan <dan@google.example>"
criteria = "fuzzed"
version = "1.0.0"

[[audits.google.audits.private]]
who = "Dan <dan@google.example>"
criteria = "google-internal"
version = "1.0.0"

[audits.google.criteria.google-internal]
description = "internal"

[audits.google.criteria.google-strict]
description = "stricter than safe-to-deploy"
implies = "safe-to-deploy"

[[audits.google.audits.strict]]
who = "Dan <dan@google.example>"
criteria = "google-strict"
version = "1.0.0"

[[audits.dropped.audits.httpish]]
who = "Old <old@example.com>"
criteria = "safe-to-deploy"
version = "1.0.1"
`;

let store: string;
let audits: Audits;
beforeAll(() => {
  store = path.join(tmp, 'supply-chain');
  mkdirSync(store);
  writeFileSync(path.join(store, 'audits.toml'), AUDITS);
  writeFileSync(path.join(store, 'config.toml'), CONFIG);
  writeFileSync(path.join(store, 'imports.lock'), IMPORTS);
  audits = readAudits(store)!;
});

describe('reading a cargo-vet store', () => {
  it('reads own and imported audits, criteria, trust, exemptions and publishers', () => {
    expect(audits.sets.map((s) => s.name)).toEqual(['own', 'mozilla', 'google']);
    const own = audits.sets[0];
    expect(own.criteria).toEqual({ 'crypto-reviewed': ['safe-to-deploy'] });
    expect(own.audits.httpish).toEqual([
      { who: ['Alice Foo <alice@example.com>'], criteria: ['safe-to-deploy'], version: '0.9.0', notes: undefined },
      { who: ['Bob Bar <bob@example.com>'], criteria: ['safe-to-deploy'], delta: { from: '0.9.0', to: '1.0.0' }, notes: undefined },
      { who: ['Alice Foo <alice@example.com>', 'Bob Bar <bob@example.com>'], criteria: ['crypto-reviewed'], delta: { from: '1.0.0', to: '1.0.1' }, notes: 'read every line' },
    ]);
    expect(own.audits.evil[0].violation).toBe('>=0.3.1, <0.4');
    expect(own.trusted.tokioish).toEqual([{ criteria: ['safe-to-deploy'], userId: 10, start: new Date('2020-01-01'), end: new Date('2030-01-01') }]);
    expect(audits.sets[2].criteriaMap).toEqual({ fuzzed: ['safe-to-run'] });
    expect(audits.exemptions.legacy).toEqual([{ version: '3.1.4', criteria: ['safe-to-deploy'] }]);
    expect(audits.publishers.tokioish.map((p) => [p.version, p.userId])).toEqual([['1.2.0', 10], ['1.3.0', 99]]);
  });

  it('names file, key and line of a malformed entry', () => {
    const bad = path.join(tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'audits.toml'), '[[audits.x]]\nwho = "a"\ncriteria = "safe-to-run"\nversion = "1.0.0"\n\n[[audits.x]]\nwho = "a"\ncriteria = "safe-to-run"\ndelta = "1.0.0 => 1.0.1"\n');
    expect(() => readAudits(bad)).toThrow(ConfigError);
    expect(() => readAudits(bad)).toThrow(`${path.join(bad, 'audits.toml')}:9: audits.x[1].delta: "1.0.0 => 1.0.1" is not of the form "OLD -> NEW"`);
    writeFileSync(path.join(bad, 'audits.toml'), '[[audits.x]]\nwho = "a"\ncriteria = "safe-to-run"\nversion = "1.0.0"\ndelta = "1.0.0 -> 1.0.1"\n');
    expect(() => readAudits(bad)).toThrow(/audits\.toml:1: audits\.x\[0\]: an audit needs exactly one of version, delta and violation/);
    expect(readAudits(path.join(tmp, 'no-such-folder'))).toBeNull();
  });
});

describe('which audits approve a release', () => {
  it('approves an exactly audited delta by each party that audited it', () => {
    expect(checkAudits(audits, 'httpish', '1.0.0', '1.0.1', 'safe-to-deploy')).toMatchObject({ approvedBy: ['own', 'mozilla'], violations: [] });
  });

  it('follows a chain of deltas from a fully audited version', () => {
    const c = checkAudits(audits, 'httpish', null, '1.0.1', 'safe-to-deploy');
    expect(c.approvedBy).toEqual(['own']);
    expect(c.path).toBe('0.9.0 (full, own) -> 1.0.0 (delta, own) -> 1.0.1 (delta, own)');
    expect(checkAudits(audits, 'httpish', '0.8.0', '1.0.0', 'safe-to-deploy').approvedBy).toEqual(['own']);
  });

  it('counts a chain that needs two parties, naming both', () => {
    const c = checkAudits(audits, 'chained', '0.5.0', '1.1.0', 'safe-to-deploy');
    expect(c.approvedBy).toEqual(['google', 'mozilla']);
    expect(c.path).toBe('1.0.0 (full, mozilla) -> 1.1.0 (delta, google)');
  });

  it('applies implied criteria, and only mapped foreign criteria', () => {
    // crypto-reviewed implies safe-to-deploy, which implies safe-to-run.
    expect(checkAudits(audits, 'httpish', '1.0.0', '1.0.1', 'safe-to-run').approvedBy).toEqual(['own', 'mozilla']);
    // safe-to-run does not give safe-to-deploy.
    expect(checkAudits(audits, 'runner', null, '2.0.0', 'safe-to-deploy').approvedBy).toEqual([]);
    expect(checkAudits(audits, 'runner', null, '2.0.0', 'safe-to-run').approvedBy).toEqual(['own']);
    // google's fuzzed is mapped to safe-to-run; its private criteria mean nothing here, unless they
    // imply a built-in criteria, which means the same in every project.
    expect(checkAudits(audits, 'fuzzy', null, '1.0.0', 'safe-to-run').approvedBy).toEqual(['google']);
    expect(checkAudits(audits, 'fuzzy', null, '1.0.0', 'safe-to-deploy').approvedBy).toEqual([]);
    expect(checkAudits(audits, 'private', null, '1.0.0', 'safe-to-run').approvedBy).toEqual([]);
    expect(checkAudits(audits, 'strict', null, '1.0.0', 'safe-to-run').approvedBy).toEqual(['google']);
  });

  it('trusts what a trusted publisher published inside the window, and exemptions', () => {
    expect(checkAudits(audits, 'tokioish', '1.1.0', '1.2.0', 'safe-to-deploy').approvedBy).toEqual(['own']);
    expect(checkAudits(audits, 'tokioish', '1.2.0', '1.3.0', 'safe-to-deploy').approvedBy).toEqual([]);
    expect(checkAudits(audits, 'legacy', null, '3.1.4', 'safe-to-deploy')).toMatchObject({ approvedBy: ['own'], path: '3.1.4 (exemption, own)' });
  });

  it('ignores imports no longer in config.toml, and unaudited versions', () => {
    expect(checkAudits(audits, 'httpish', '1.0.1', '1.0.2', 'safe-to-deploy').approvedBy).toEqual([]);
    expect(audits.sets.some((s) => s.name === 'dropped')).toBe(false);
  });

  it('reports violations that cover the version', () => {
    expect(checkAudits(audits, 'evil', '0.3.0', '0.3.2', 'safe-to-deploy').violations).toEqual([
      { party: 'own', range: '>=0.3.1, <0.4', criteria: ['safe-to-run'], notes: 'ships a credential stealer' },
    ]);
    expect(checkAudits(audits, 'evil', '0.2.0', '0.3.0', 'safe-to-deploy').violations).toEqual([]);
  });
});

describe('audits in the policy result', () => {
  const manifest = (name: string, v: string) => `[package]\nname = "${name}"\nversion = "${v}"\nedition = "2021"\n`;
  const risky = 'pub fn get() -> usize { let _ = std::net::TcpStream::connect("203.0.113.5:4444"); 1 }\n';
  const scan = (name: string, from: string, to: string): Report =>
    analyzeTrees(
      treeFromFiles({ 'Cargo.toml': manifest(name, from), 'src/lib.rs': 'pub fn get() -> usize { 1 }\n' }),
      treeFromFiles({ 'Cargo.toml': manifest(name, to), 'src/lib.rs': risky }),
    ).report;
  const config = parseConfig('', path.join(tmp, 'cratefence.toml'));

  it('passes an approved delta, keeps the scan verdict and counts the audits', () => {
    const report = scan('httpish', '1.0.0', '1.0.1');
    expect(report.verdict).not.toBe('pass');
    const out = applyPolicy(report, { config, file: null, audits });
    expect(out.verdict).toBe('pass');
    expect(out.verdictReason).toBe('approved by 2 audits: own, mozilla (safe-to-deploy)');
    expect(out.policy).toMatchObject({ approvedBy: ['own', 'mozilla'], scanVerdict: report.verdict, scanScore: report.score });
    expect(out.policy!.notes).toContainEqual({ kind: 'audited', message: expect.stringMatching(/^approved by 2 audits: own, mozilla for safe-to-deploy/) });
  });

  it('blocks a version a violation covers', () => {
    const out = applyPolicy(scan('evil', '0.3.0', '0.3.5'), { config, file: null, audits });
    expect(out.verdict).toBe('block');
    expect(out.policy!.notes).toContainEqual({ kind: 'violation', message: expect.stringContaining('ships a credential stealer') });
  });

  it('leaves an unaudited delta as the scan said', () => {
    const report = scan('httpish', '1.0.1', '1.0.2');
    const out = applyPolicy(report, { config, file: null, audits });
    expect(out.verdict).toBe(report.verdict);
    expect(out.policy!.approvedBy).toEqual([]);
  });
});

describe('cratefence approve', () => {
  const sink = () => {
    let text = '';
    return { stream: { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream, text: () => text };
  };

  it('adds a delta audit, keeping every comment and entry, and cargo-vet fields only', async () => {
    const dir = path.join(tmp, 'approve');
    mkdirSync(path.join(dir, 'supply-chain'), { recursive: true });
    const file = path.join(dir, 'supply-chain', 'audits.toml');
    writeFileSync(file, AUDITS);
    const report = path.join(dir, 'report.json');
    writeFileSync(report, JSON.stringify({ schemaVersion: 1, tool: { version: '0.1.0' }, crate: { name: 'httpish', old: '1.0.1', new: '1.0.2' }, verdict: 'review', score: 31, findings: [{}, {}] }));
    const out = sink();
    const code = await approve(['httpish', '1.0.1', '1.0.2', '--criteria', 'safe-to-deploy', '--notes', 'Reviewed the new "retry" loop.', '--who', 'Eve <eve@example.com>', '--report', 'report.json'], dir, out.stream);
    expect(code).toBe(0);
    const after = readFileSync(file, 'utf8');
    // Text insertion: the old file's lines are all there, in order, comments included; only the entry is new.
    const oldLines = AUDITS.split('\n');
    const newLines = after.split('\n');
    let j = 0;
    for (const l of newLines) if (j < oldLines.length && l === oldLines[j]) j++;
    expect(j).toBe(oldLines.length);
    // It sits after httpish's last entry, before the next crate, as cargo-vet orders them.
    expect(after.indexOf('delta = "1.0.1 -> 1.0.2"')).toBeGreaterThan(after.indexOf('delta = "1.0.0 -> 1.0.1"'));
    expect(after.indexOf('delta = "1.0.1 -> 1.0.2"')).toBeLessThan(after.indexOf('[[audits.runner]]'));
    // Multi-line notes with quotes are written as cargo-vet writes them.
    expect(after).toContain(`notes = '''\nReviewed the new "retry" loop.\ncratefence 0.1.0:`);
    const before = parseToml(AUDITS) as { audits: Record<string, unknown[]> };
    const parsed = parseToml(after) as { audits: Record<string, Array<Record<string, unknown>>>; criteria: unknown; trusted: unknown };
    expect(parsed.criteria).toEqual((before as Record<string, unknown>).criteria);
    expect(parsed.trusted).toEqual((before as Record<string, unknown>).trusted);
    for (const k of Object.keys(before.audits)) expect(parsed.audits[k].slice(0, before.audits[k].length)).toEqual(before.audits[k]);
    const added = parsed.audits.httpish.at(-1)!;
    expect(Object.keys(added)).toEqual(['who', 'criteria', 'delta', 'notes']);
    expect(added).toMatchObject({ who: 'Eve <eve@example.com>', criteria: 'safe-to-deploy', delta: '1.0.1 -> 1.0.2' });
    expect(added.notes).toMatch(/^Reviewed the new "retry" loop\.\ncratefence 0\.1\.0: review \(score 31, 2 findings\); report sha256:[0-9a-f]{64}$/);
    expect(out.text()).toContain('delta = "1.0.1 -> 1.0.2"');
    // And the reader now approves the delta.
    expect(checkAudits(readAudits(path.join(dir, 'supply-chain'))!, 'httpish', '1.0.1', '1.0.2', 'safe-to-deploy').approvedBy).toEqual(['own']);
  });

  it('writes a full audit for "-", creates the file, and takes the auditor from git', async () => {
    const dir = path.join(tmp, 'fresh');
    mkdirSync(dir);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('git', ['config', 'user.name', 'Frank Git'], { cwd: dir });
    execFileSync('git', ['config', 'user.email', 'frank@example.com'], { cwd: dir });
    expect(await approve(['new-crate', '-', '0.1.0', '--notes', 'first look'], dir, sink().stream)).toBe(0);
    const parsed = parseToml(readFileSync(path.join(dir, 'supply-chain', 'audits.toml'), 'utf8')) as { audits: Record<string, unknown[]> };
    expect(parsed.audits['new-crate']).toEqual([{ who: 'Frank Git <frank@example.com>', criteria: 'safe-to-deploy', version: '0.1.0', notes: 'first look' }]);
  });

  it('refuses unknown criteria, bad versions and a report about another delta', async () => {
    const dir = path.join(tmp, 'approve');
    const before = readFileSync(path.join(dir, 'supply-chain', 'audits.toml'), 'utf8');
    await expect(approve(['httpish', '1.0.2', '1.0.3', '--criteria', 'safe-to-dance', '--who', 'x'], dir, sink().stream)).rejects.toThrow(/criteria "safe-to-dance" is neither built in/);
    await expect(approve(['httpish', 'one', '1.0.3', '--who', 'x'], dir, sink().stream)).rejects.toThrow(/"one" is not a version/);
    await expect(approve(['httpish', '1.0.2', '1.0.3', '--who', 'x', '--report', 'report.json'], dir, sink().stream)).rejects.toThrow(/is about httpish 1\.0\.1 -> 1\.0\.2, not httpish 1\.0\.2 -> 1\.0\.3/);
    // A custom criteria defined in audits.toml is fine.
    expect(await approve(['httpish', '1.0.2', '1.0.3', '--criteria', 'crypto-reviewed', '--who', 'x'], dir, sink().stream)).toBe(0);
    const now = readFileSync(path.join(dir, 'supply-chain', 'audits.toml'), 'utf8');
    expect(now.length).toBeGreaterThan(before.length);
    expect(before.split('\n').every((l) => now.includes(l))).toBe(true);
  });

  it('puts the entry where cargo-vet would, so a file it wrote stays in its exact format', () => {
    const canonical = (entries: string[]) => `\n# cargo-vet audits file\n\n${entries.join('\n\n')}\n\n[[trusted.zz]]\ncriteria = "safe-to-deploy"\nuser-id = 1\nstart = "2020-01-01"\nend = "2030-01-01"\n`;
    const A1 = '[[audits.aaa]]\nwho = "A <a@x>"\ncriteria = "safe-to-deploy"\nversion = "1.0.0"';
    const A2 = '[[audits.aaa]]\nwho = "A <a@x>"\ncriteria = "safe-to-deploy"\ndelta = "1.0.0 -> 1.2.0"';
    const C1 = '[[audits.ccc]]\nwho = "A <a@x>"\ncriteria = "safe-to-run"\nversion = "0.1.0"\nnotes = """\nTwo\nlines\n"""';
    type Parsed = Parameters<typeof insertAuditText>[1];
    const add = (entries: string[], a: Parameters<typeof insertAuditText>[2]) => {
      const text = canonical(entries);
      return insertAuditText(text, parseToml(text) as Parsed, a);
    };
    // A new crate between two others.
    const B1 = '[[audits.bbb]]\nwho = "B <b@x>"\ncriteria = "safe-to-deploy"\ndelta = "0.1.0 -> 0.2.0"';
    expect(add([A1, A2, C1], { crate: 'bbb', who: 'B <b@x>', criteria: ['safe-to-deploy'], from: '0.1.0', to: '0.2.0' })).toBe(canonical([A1, A2, B1, C1]));
    // Inside a crate: deltas sorted by version, after full audits.
    const A3 = '[[audits.aaa]]\nwho = "A <a@x>"\ncriteria = "safe-to-deploy"\ndelta = "1.0.0 -> 1.1.0"';
    expect(add([A1, A2, C1], { crate: 'aaa', who: 'A <a@x>', criteria: ['safe-to-deploy'], from: '1.0.0', to: '1.1.0' })).toBe(canonical([A1, A3, A2, C1]));
    // The last crate: before the trusted entries.
    const D1 = '[[audits.ddd]]\nwho = "D <d@x>"\ncriteria = "safe-to-deploy"\nversion = "2.0.0"';
    expect(add([A1, A2, C1], { crate: 'ddd', who: 'D <d@x>', criteria: ['safe-to-deploy'], from: null, to: '2.0.0' })).toBe(canonical([A1, A2, C1, D1]));
    // The first audit of a new store takes the place of the empty [audits] table.
    expect(insertAuditText('\n# cargo-vet audits file\n\n[audits]\n', {}, { crate: 'ddd', who: 'D <d@x>', criteria: ['safe-to-deploy'], from: null, to: '2.0.0' })).toBe(`\n# cargo-vet audits file\n\n${D1}\n`);
  });

  it("writes strings in cargo-vet's style and keeps CRLF files CRLF", () => {
    expect(tomlString('plain')).toBe('"plain"');
    expect(tomlString('say "hi"')).toBe(`'say "hi"'`);
    expect(tomlString(`it's "so"`)).toBe(`'''it's "so"'''`);
    expect(tomlString('two\nlines\n')).toBe('"""\ntwo\nlines\n"""');
    expect(tomlString('bell\u0007 and \u007f')).toBe('"bell\\u0007 and \\u007F"');
    const crlf = '# c\r\n\r\n[[audits.b]]\r\nwho = "x"\r\ncriteria = "safe-to-run"\r\nversion = "1.0.0"\r\n';
    const text = insertAuditText(crlf, parseToml(crlf) as Parameters<typeof insertAuditText>[1], { crate: 'a', who: 'q"uote\\', criteria: ['safe-to-run', 'x'], from: '1.0.0', to: '1.0.1', notes: 'line\nnext\u007f' });
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(parseToml(text)).toEqual({ audits: { a: [{ who: 'q"uote\\', criteria: ['safe-to-run', 'x'], delta: '1.0.0 -> 1.0.1', notes: 'line\nnext\u007f' }], b: [{ who: 'x', criteria: 'safe-to-run', version: '1.0.0' }] } });
    expect(text.indexOf('[[audits.a]]')).toBeLessThan(text.indexOf('[[audits.b]]'));
  });
});

describe('cargo-vet dates and files', () => {
  const store = (files: Record<string, string>) => {
    const dir = mkdtempSync(path.join(tmp, 'store-'));
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
    return dir;
  };
  const failure = (dir: string) => {
    try {
      readAudits(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses trust windows and publish times that are not on the calendar, naming file, key and line', () => {
    const trusted = (start: string) => `[[trusted.tokioish]]\ncriteria = "safe-to-deploy"\nuser-id = 10\nstart = ${start}\nend = 2030-01-01\n`;
    const a = store({ 'audits.toml': trusted('2024-02-30') });
    expect(failure(a)).toBe(`${path.join(a, 'audits.toml')}:4: trusted.tokioish[0].start: "2024-02-30" is not a calendar date (February 2024 has 29 days)`);
    const b = store({ 'audits.toml': trusted('"2023-02-29"') });
    expect(failure(b)).toBe(`${path.join(b, 'audits.toml')}:4: trusted.tokioish[0].start: "2023-02-29" is not a calendar date (February 2023 has 28 days)`);
    const c = store({ 'imports.lock': '[[publisher.tokioish]]\nversion = "1.2.0"\nwhen = "2024-06-31"\nuser-id = 10\n' });
    expect(failure(c)).toBe(`${path.join(c, 'imports.lock')}:3: publisher.tokioish[0].when: "2024-06-31" is not a calendar date (June 2024 has 30 days)`);
    expect(readAudits(store({ 'audits.toml': trusted('2024-02-29') }))!.sets[0].trusted.tokioish[0].start).toEqual(new Date('2024-02-29T00:00:00Z'));
  });

  it('appending an audit reads the old file bounded and never writes through a link at its name', () => {
    const dir = store({});
    const target = path.join(tmp, 'elsewhere.toml');
    writeFileSync(target, AUDITS);
    symlinkSync(target, path.join(dir, 'audits.toml'));
    appendAudit(path.join(dir, 'audits.toml'), { crate: 'httpish', who: 'A <a@x>', criteria: ['safe-to-deploy'], from: '1.0.1', to: '1.0.2' });
    expect(readFileSync(target, 'utf8')).toBe(AUDITS);
    expect(lstatSync(path.join(dir, 'audits.toml')).isFile()).toBe(true);
    expect(readFileSync(path.join(dir, 'audits.toml'), 'utf8')).toContain('delta = "1.0.1 -> 1.0.2"');
    const fifoDir = store({});
    execFileSync('mkfifo', [path.join(fifoDir, 'audits.toml')]);
    expect(() => appendAudit(path.join(fifoDir, 'audits.toml'), { crate: 'x', who: 'A', criteria: ['safe-to-run'], from: null, to: '1.0.0' })).toThrow(/audits\.toml: the cargo-vet file is a FIFO/);
  });
});
