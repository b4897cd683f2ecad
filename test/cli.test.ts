import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { makeTar, type Entry } from './helpers/tarball.js';
import { tempDir } from './helpers/tmp.js';
import { lockFixture, lockText } from './helpers/lock-fixture.js';

const ROOT = path.join(import.meta.dirname, '..');
/** `CRATEFENCE_BIN` runs these tests against another build (to measure an older one). */
const BIN = process.env.CRATEFENCE_BIN ?? path.join(ROOT, 'bin', 'cratefence.js');
const CORPUS = path.join(ROOT, 'corpus');

function run(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Packs a corpus side into a crates.io-style `.crate` file. */
async function packSide(dir: string, top: string, file: string): Promise<void> {
  const entries: Entry[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else entries.push({ name: `${top}/${r}`, content: readFileSync(path.join(d, e.name)) });
    }
  };
  walk(dir, '');
  writeFileSync(file, await makeTar(entries));
}

const CASE = 'm05-far-jump-payload-in-new-module';

describe('cratefence CLI', () => {
  it('prints the JSON contract for two folders and exits 1 on a block verdict', () => {
    const r = run(['diff', path.join(CORPUS, CASE, 'old'), path.join(CORPUS, CASE, 'new'), '--format', 'json']);
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out);
    expect(Object.keys(rep)).toEqual(expect.arrayContaining(['schemaVersion', 'tool', 'crate', 'verdict', 'score', 'summary', 'capabilities', 'findings', 'scoreBreakdown']));
    expect(rep.schemaVersion).toBe(1);
    expect(rep.tool).toMatchObject({ name: 'cratefence', treeSitter: expect.stringMatching(/^0\.22\./), treeSitterRust: expect.stringMatching(/^0\.24\./) });
    expect(rep.crate).toEqual({ name: 'rust_decimal_fast', old: '1.30.0', new: '1.30.1' });
    expect(rep.verdict).toBe('block');
    expect(Object.keys(rep.summary)).toEqual(expect.arrayContaining(['filesChanged', 'linesAdded', 'linesRemoved', 'partialFiles']));
    expect(Object.keys(rep.capabilities).sort()).toEqual(['added', 'after', 'before']);
    const f = rep.findings.find((x: { ruleId: string }) => x.ruleId === 'far-jump-call');
    expect(Object.keys(f)).toEqual(expect.arrayContaining(['ruleId', 'category', 'severity', 'confidence', 'message', 'file', 'line', 'column', 'endLine', 'snippet', 'item', 'trace']));
    expect(f.file).toBe('src/lib.rs');
    expect(f.trace[0]).toEqual({ item: 'crate::Decimal::new', file: 'src/lib.rs', line: 10 });
  });

  it('reads .crate files the same way as folders', async () => {
    const d = tempDir('cratefence-cli-');
    await packSide(path.join(CORPUS, CASE, 'old'), 'rust_decimal_fast-1.30.0', path.join(d, 'old.crate'));
    await packSide(path.join(CORPUS, CASE, 'new'), 'rust_decimal_fast-1.30.1', path.join(d, 'new.crate'));
    const a = JSON.parse(run(['diff', path.join(d, 'old.crate'), path.join(d, 'new.crate'), '--format', 'json']).out);
    const b = JSON.parse(run(['diff', path.join(CORPUS, CASE, 'old'), path.join(CORPUS, CASE, 'new'), '--format', 'json']).out);
    expect(a.verdict).toBe(b.verdict);
    expect(a.findings.map((x: { ruleId: string; line: number }) => `${x.ruleId}:${x.line}`)).toEqual(b.findings.map((x: { ruleId: string; line: number }) => `${x.ruleId}:${x.line}`));
  });

  it('reports a top folder that does not match the manifest', async () => {
    const d = tempDir('cratefence-top-');
    await packSide(path.join(CORPUS, 'h09-error-message-urls', 'new'), 'serde-9.9.9', path.join(d, 'x.crate'));
    const rep = JSON.parse(run(['scan', path.join(d, 'x.crate'), '--format', 'json']).out);
    const f = rep.findings.find((x: { ruleId: string }) => x.ruleId === 'archive-ambiguity');
    expect(f?.message).toMatch(/top folder is serde-9\.9\.9 but its Cargo\.toml describes errs-0\.2\.1/);
  });

  it('exits 0 below --fail-on and honours --fail-on review and never', () => {
    const harmless = ['diff', path.join(CORPUS, 'h01-network-client-new-endpoint', 'old'), path.join(CORPUS, 'h01-network-client-new-endpoint', 'new')];
    expect(run(harmless).code).toBe(0);
    const review = ['diff', path.join(CORPUS, 'm15-tls-verification-off', 'old'), path.join(CORPUS, 'm15-tls-verification-off', 'new')];
    expect(run(review).code).toBe(0);
    expect(run([...review, '--fail-on', 'review']).code).toBe(1);
    expect(run(['diff', path.join(CORPUS, CASE, 'old'), path.join(CORPUS, CASE, 'new'), '--fail-on', 'never']).code).toBe(0);
  });

  it('prints compiler-style text without colour when NO_COLOR is set or output is not a terminal', () => {
    const r = run(['diff', path.join(CORPUS, CASE, 'old'), path.join(CORPUS, CASE, 'new')], { NO_COLOR: '1' });
    expect(r.out).toContain('BLOCK');
    expect(r.out).toContain('--> src/lib.rs:10:9 in crate::Decimal::new');
    expect(r.out).toContain('10 |         scale::normalize(scale);');
    expect(r.out).toContain('reached through:');
    // eslint-disable-next-line no-control-regex
    expect(r.out).not.toMatch(/\x1b\[/);
  });

  it('writes --output atomically and prints nothing on stdout', () => {
    const d = tempDir('cratefence-out-');
    const out = path.join(d, 'r.json');
    const r = run(['scan', path.join(CORPUS, CASE, 'new'), '--format', 'json', '--output', out, '--fail-on', 'never']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).crate.old).toBeNull();
    expect(readdirSync(d)).toEqual(['r.json']);
  });

  it('exits 2 with a short message on bad usage and bad input', () => {
    expect(run(['diff', 'only-one']).code).toBe(2);
    expect(run(['frobnicate']).err).toMatch(/unknown command/);
    expect(run(['diff', 'a', 'b', '--format', 'xml']).err).toMatch(/--format must be one of/);
    const missing = run(['diff', '/nonexistent/a', '/nonexistent/b']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file or directory/);
    expect(missing.err).not.toMatch(/at .*\.js:\d+/);
  });

  it('exits 2 on a hostile archive and writes no report', async () => {
    const d = tempDir('cratefence-bad-');
    writeFileSync(path.join(d, 'evil.crate'), await makeTar([{ name: 'x-1.0.0/Cargo.toml', content: '' }, { name: 'x-1.0.0/../../escape', content: 'x' }]));
    const out = path.join(d, 'r.json');
    const r = run(['scan', path.join(d, 'evil.crate'), '--output', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/path traversal/);
    expect(readdirSync(d)).toEqual(['evil.crate']);
  });
});

/** Exit 2, one line on stderr (plus the --help hint for usage mistakes) that names `what`, no stack, no "internal error". */
function oneLineError(r: { code: number | null; out: string; err: string }, what: string | RegExp): void {
  expect(r.code, r.err).toBe(2);
  const lines = r.err.split('\n').filter((l) => l && l !== "Run 'cratefence --help' for usage.");
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^cratefence: /);
  if (typeof what === 'string') expect(lines[0]).toContain(what);
  else expect(lines[0]).toMatch(what);
  expect(r.err).not.toMatch(/internal error|Error:|    at /);
  expect(r.out).toBe('');
}

describe('user mistakes: one line naming the flag, file or port, exit 2, nothing created', () => {
  const old = path.join(CORPUS, CASE, 'old');
  const neu = path.join(CORPUS, CASE, 'new');

  it('--output or --output-FORMAT into a folder that does not exist', () => {
    const d = tempDir('cf-err-out-');
    oneLineError(run(['diff', old, neu, '--output', path.join(d, 'missing', 'r.txt')]), `--output ${path.join(d, 'missing', 'r.txt')}: the folder ${path.join(d, 'missing')} does not exist`);
    oneLineError(run(['diff', old, neu, '--format', 'markdown', '--output-sarif', path.join(d, 'no', 'r.sarif')]), '--output-sarif');
    oneLineError(run(['lock', 'a.lock', 'b.lock', '--output', path.join(d, 'nope', 'x.json')]), '--output');
    expect(readdirSync(d)).toEqual([]);
  });

  it('--rules on a folder that does not exist', () => {
    const d = tempDir('cf-err-rules-');
    oneLineError(run(['diff', old, neu, '--rules', path.join(d, 'rules')]), `--rules ${path.join(d, 'rules')}: no such folder`);
    oneLineError(run(['lock', 'a.lock', 'b.lock', '--rules', path.join(d, 'rules')]), '--rules');
    expect(readdirSync(d)).toEqual([]);
  });

  it('a duplicate serve token --name', () => {
    const d = tempDir('cf-err-token-');
    const db = path.join(d, 's.sqlite');
    const first = run(['serve', 'token', '--name', 'alice', '--role', 'admin', '--db', db]);
    expect(first.code, first.err).toBe(0);
    expect(first.out.trim().length).toBeGreaterThan(20);
    oneLineError(run(['serve', 'token', '--name', 'alice', '--role', 'reviewer', '--db', db]), 'serve token --name alice: a user of that name already exists');
  });

  it('a port in use for serve', async () => {
    const d = tempDir('cf-err-port-');
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      oneLineError(run(['serve', '--port', String(port), '--db', path.join(d, 'serve.sqlite')]), `--port ${port}: 127.0.0.1:${port} is already in use`);
    } finally {
      busy.close();
    }
    expect(readdirSync(d)).toEqual([]);
  });

  it('batch --db into a folder that does not exist (no folders are made)', () => {
    const d = tempDir('cf-err-db-');
    writeFileSync(path.join(d, 'jobs.txt'), `${old} ${neu}\n`);
    oneLineError(run(['batch', path.join(d, 'jobs.txt'), '--db', path.join(d, 'a', 'b', 'r.sqlite'), '--quiet']), `--db ${path.join(d, 'a', 'b', 'r.sqlite')}: the folder ${path.join(d, 'a', 'b')} does not exist`);
    expect(readdirSync(d)).toEqual(['jobs.txt']);
  });

  it('--min-publish-age, --min-severity, --registry and --report-url are checked for folder inputs too', () => {
    oneLineError(run(['diff', old, neu, '--min-publish-age', 'a while']), /^cratefence: --min-publish-age: .*got "a while"$/);
    oneLineError(run(['diff', old, neu, '--min-severity', 'huge']), '--min-severity must be one of info, low, medium, high, critical');
    oneLineError(run(['diff', old, neu, '--registry', 'notaurl']), '--registry: "notaurl" is not an http(s) URL');
    oneLineError(run(['scan', neu, '--report-url', 'javascript:alert(1)']), '--report-url');
    oneLineError(run(['diff', old, neu, '--sarif-root', '../elsewhere']), '--sarif-root');
    oneLineError(run(['lock', 'a.lock', 'b.lock', '--sarif-root', 'vendor']), '--sarif-root is for diff and scan');
  });

  it('unknown options and missing values in cratefence\'s words, not node\'s', () => {
    for (const args of [['diff', old, neu, '--frob'], ['lock', 'a', 'b', '--frob'], ['batch', 'jobs', '--frob'], ['serve', '--frob'], ['approve', '--frob']]) {
      const r = run(args);
      oneLineError(r, 'cratefence: unknown option --frob');
      expect(r.err).toContain("Run 'cratefence --help' for usage.");
      expect(r.err).not.toMatch(/positional argument|To specify/);
    }
    oneLineError(run(['diff', old, neu, '--format']), 'cratefence: --format needs a value');
    oneLineError(run(['diff', old, neu, '--no-progress=yes']), 'cratefence: --no-progress takes no value');
  });

  it('an unreachable registry is one line for the outage, not one per crate', async () => {
    const d = tempDir('cf-err-registry-');
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';
    const pkgs = (v: string) => ['alpha', 'beta', 'gamma', 'delta'].map((name) => ({ name, version: v, source: CRATES_IO, checksum: 'ab'.repeat(32) }));
    writeFileSync(path.join(d, 'old.lock'), lockText(pkgs('1.0.0'), 4));
    writeFileSync(path.join(d, 'new.lock'), lockText(pkgs('1.0.1'), 4));
    const r = run(['lock', 'old.lock', 'new.lock', '--registry', `http://127.0.0.1:${port}/`, '--no-progress', '--format', 'json', '--output', 'r.json'], { XDG_CACHE_HOME: tempDir('cf-xdg-'), CARGO_HOME: tempDir('cf-cargo-') }, d);
    expect(r.code).toBe(2);
    const lines = r.err.split('\n').filter(Boolean);
    expect(lines, r.err).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^cratefence: cannot fetch http://127\\.0\\.0\\.1:${port}/config\\.json .*\\(4 packages: alpha 1\\.0\\.1, beta 1\\.0\\.1, delta 1\\.0\\.1, gamma 1\\.0\\.1\\)$`));
  });

  it('approve --report takes a lock report: every scanned package delta, or the one named', async () => {
    const d = tempDir('cf-approve-lock-');
    mkdirSync(path.join(d, '.git'));
    const { lock } = await lockFixture(['m02-key-scan-post', 'h01-network-client-new-endpoint']);
    writeFileSync(path.join(d, 'lock.json'), JSON.stringify(lock));
    const who = ['--who', 'Rita <rita@example.com>'];
    const one = lock.entries.find((e) => e.report)!;
    const named = run(['approve', one.name, one.old!, one.new!, '--report', 'lock.json', ...who], {}, d);
    expect(named.code, named.err).toBe(0);
    const audits = () => (parseToml(readFileSync(path.join(d, 'supply-chain', 'audits.toml'), 'utf8')) as { audits: Record<string, Array<{ delta?: string; notes?: string }>> }).audits;
    expect(Object.keys(audits())).toEqual([one.name]);
    expect(audits()[one.name][0].notes).toMatch(new RegExp(`^cratefence [^:]+: ${one.report!.verdict} \\(score ${one.report!.score}, ${one.report!.findings.length} findings\\); lock report sha256:[0-9a-f]{64}$`));
    const all = run(['approve', '--report', 'lock.json', ...who, '--supply-chain', 'other'], {}, d);
    expect(all.code, all.err).toBe(0);
    const recorded = parseToml(readFileSync(path.join(d, 'other', 'audits.toml'), 'utf8')) as { audits: Record<string, Array<{ delta?: string }>> };
    const scanned = lock.entries.filter((e) => e.report);
    expect(Object.keys(recorded.audits).sort()).toEqual(scanned.map((e) => e.name).sort());
    for (const e of scanned) expect(recorded.audits[e.name][0].delta).toBe(`${e.old} -> ${e.new}`);
    // The failed, removed and git packages cannot be approved from it, and the output says so.
    for (const e of lock.entries.filter((x) => !x.report)) expect(all.out).toContain(`skipped ${e.name}`);
    // A package the report does not list is refused.
    oneLineError(run(['approve', 'nothere', '1.0.0', '1.0.1', '--report', 'lock.json', ...who], {}, d), /lock\.json does not list a scanned nothere 1\.0\.0 -> 1\.0\.1/);
  });
});

describe('several outputs from one scan', () => {
  it('--format markdown --output FILE --output-sarif FILE --output-json FILE write what separate runs print', () => {
    const d = tempDir('cf-outputs-');
    const old = path.join(CORPUS, CASE, 'old');
    const neu = path.join(CORPUS, CASE, 'new');
    const r = run(['diff', old, neu, '--format', 'markdown', '--output', path.join(d, 'pr.md'), '--output-sarif', path.join(d, 'r.sarif'), '--output-json', path.join(d, 'r.json'), '--min-severity', 'medium']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(readdirSync(d).sort()).toEqual(['pr.md', 'r.json', 'r.sarif']);
    expect(readFileSync(path.join(d, 'pr.md'), 'utf8')).toBe(run(['diff', old, neu, '--format', 'markdown']).out);
    expect(readFileSync(path.join(d, 'r.sarif'), 'utf8')).toBe(run(['diff', old, neu, '--format', 'sarif', '--min-severity', 'medium']).out);
    const json = JSON.parse(readFileSync(path.join(d, 'r.json'), 'utf8'));
    const sarif = JSON.parse(readFileSync(path.join(d, 'r.sarif'), 'utf8'));
    expect(sarif.runs[0].results).toHaveLength(json.findings.filter((f: { severity: string }) => ['medium', 'high', 'critical'].includes(f.severity)).length);
    // The same file named twice is refused before anything runs.
    oneLineError(run(['diff', old, neu, '--output', path.join(d, 'x'), '--output-json', path.join(d, 'x')]), 'name the same file');
    expect(existsSync(path.join(d, 'x'))).toBe(false);
  });

  it('SARIF rules link to the rule reference of the repository named by the config or the action', () => {
    const d = tempDir('cf-helpuri-');
    mkdirSync(path.join(d, '.git'));
    const old = path.join(CORPUS, CASE, 'old');
    const neu = path.join(CORPUS, CASE, 'new');
    const helpUris = (r: { out: string }) => [...new Set(JSON.parse(r.out).runs[0].tool.driver.rules.map((x: { helpUri?: string }) => x.helpUri?.replace(/#.*$/, '') ?? 'none'))];
    expect(helpUris(run(['diff', old, neu, '--format', 'sarif'], {}, d))).toEqual(['none']);
    expect(helpUris(run(['diff', old, neu, '--format', 'sarif'], { CRATEFENCE_REPOSITORY_URL: 'https://github.com/acme/cratefence', CRATEFENCE_REPOSITORY_REF: 'v1' }, d))).toEqual(['https://github.com/acme/cratefence/blob/v1/docs/rule-reference.md']);
    writeFileSync(path.join(d, 'cratefence.toml'), '[report]\nrepository-url = "https://git.example.org/sec/cratefence"\nrepository-ref = "main"\n');
    expect(helpUris(run(['diff', old, neu, '--format', 'sarif'], { CRATEFENCE_REPOSITORY_URL: 'https://github.com/acme/cratefence', CRATEFENCE_REPOSITORY_REF: 'v1' }, d))).toEqual(['https://git.example.org/sec/cratefence/blob/main/docs/rule-reference.md']);
    writeFileSync(path.join(d, 'cratefence.toml'), '[report]\nrepository-url = "not a url"\n');
    oneLineError(run(['diff', old, neu, '--format', 'sarif'], {}, d), /repository-url/);
  });
});
