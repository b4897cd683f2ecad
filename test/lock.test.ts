import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockReport } from '../src/index.js';
import { lockDelta } from '../src/lock/delta.js';
import { parseLockfile, type LockPackage } from '../src/lock/parse.js';
import { formatLockText } from '../src/lock/text.js';
import { lockCli, lockText, type LockPkg } from './helpers/lock-fixture.js';
import { RegistryServer, startRegistryServer, type PublishedVersion } from './helpers/registry-server.js';

const ROOT = path.join(import.meta.dirname, '..');
const CORPUS = path.join(ROOT, 'corpus', 'm05-far-jump-payload-in-new-module');
const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';

const cli = (args: string[], env: Record<string, string>, cwd = ROOT) => lockCli(args, env, cwd);

const temps: string[] = [];
function temp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cratefence-lock-'));
  temps.push(d);
  return d;
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Pkg = LockPkg;

const reg = (v: PublishedVersion, source = CRATES_IO): Pkg => ({ name: v.name, version: v.vers, source, checksum: v.cksum });

describe('lockfile formats', () => {
  it('reads v1 ([root], [metadata] checksums), v2, v3 and v4 with header lines', () => {
    const sum = 'a'.repeat(64);
    const v1 = `[root]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n "dep 1.0.0 (${CRATES_IO})",\n]\n\n[[package]]\nname = "dep"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\n\n[metadata]\n"checksum dep 1.0.0 (${CRATES_IO})" = "${sum}"\n`;
    expect(parseLockfile(v1, 'v1')).toEqual({
      version: 1,
      packages: [
        { name: 'app', version: '0.1.0', source: null, checksum: null, line: 1 },
        { name: 'dep', version: '1.0.0', source: CRATES_IO, checksum: sum, line: 8 },
      ],
    });
    const v2 = `[[package]]\nname = "dep"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\nchecksum = "${sum}"\n`;
    expect(parseLockfile(v2, 'v2')).toMatchObject({ version: 2, packages: [{ name: 'dep', checksum: sum, line: 1 }] });
    const git = 'git+https://github.com/o/r?branch=main#0123456789abcdef0123456789abcdef01234567';
    const v4 = lockText([{ name: 'app', version: '0.1.0' }, { name: 'g', version: '0.3.0', source: git }, { name: 'dep', version: '1.0.0', source: CRATES_IO, checksum: sum }], 4);
    expect(parseLockfile(v4, 'v4')).toEqual({
      version: 4,
      packages: [
        { name: 'app', version: '0.1.0', source: null, checksum: null, line: 5 },
        { name: 'g', version: '0.3.0', source: git, checksum: null, line: 9 },
        { name: 'dep', version: '1.0.0', source: CRATES_IO, checksum: sum, line: 14 },
      ],
    });
    expect(() => parseLockfile('[[package]\nname=', 'junk.lock')).toThrow(/^junk\.lock: not a valid Cargo\.lock/);
    expect(() => parseLockfile('version = 9\n', 'v9.lock')).toThrow(/version 9 is not supported/);
    expect(() => parseLockfile('[[package]]\nname = "x"\n', 'nover.lock')).toThrow(/package 1 has no name or version/);
  });
});

describe('lockfile delta', () => {
  const p = (name: string, version: string, source: string | null = CRATES_IO): LockPackage => ({ name, version, source, checksum: null, line: null });
  const show = (d: ReturnType<typeof lockDelta>) => d.map((e) => `${e.change} ${e.kind} ${e.name} ${e.old?.version ?? '-'} ${e.new?.version ?? '-'}`);

  it('pairs duplicate versions of one name with the closest semver-compatible one, and lists the rest', () => {
    const gitA = 'git+https://github.com/o/g#aaaa';
    const gitB = 'git+https://github.com/o/g#bbbb';
    const old = [p('syn', '1.0.100'), p('syn', '2.0.10'), p('serde', '1.0.1'), p('gone', '0.1.0'), p('g', '0.3.0', gitA), p('app', '0.1.0', null), p('same', '1.0.0'), p('big', '1.4.0')];
    const neu = [p('syn', '2.0.50'), p('syn', '0.15.44'), p('syn', '1.0.109'), p('serde', '1.0.2'), p('fresh', '0.2.0'), p('g', '0.3.0', gitB), p('app', '0.2.0', null), p('same', '1.0.0'), p('big', '3.0.0')];
    expect(show(lockDelta(old, neu))).toEqual([
      'changed path app 0.1.0 0.2.0',
      'changed registry big 1.4.0 3.0.0',
      'added registry fresh - 0.2.0',
      'changed git g 0.3.0 0.3.0',
      'removed registry gone 0.1.0 -',
      'changed registry serde 1.0.1 1.0.2',
      'added registry syn - 0.15.44',
      'changed registry syn 1.0.100 1.0.109',
      'changed registry syn 2.0.10 2.0.50',
    ]);
    // 0.x versions are compatible only within one minor; a new minor of two old ones pairs with the nearest.
    expect(show(lockDelta([p('rand', '0.7.3'), p('rand', '0.8.5')], [p('rand', '0.8.6'), p('rand', '0.9.0')]))).toEqual(['changed registry rand 0.8.5 0.8.6', 'changed registry rand 0.7.3 0.9.0']);
    // A name that left one registry for another is paired across sources (and marked, see lock-integrity tests).
    expect(show(lockDelta([p('x', '1.0.0', 'sparse+https://a/')], [p('x', '1.0.0', 'sparse+https://b/')]))).toEqual(['changed registry x 1.0.0 1.0.0']);
    // Two versions of a name from two registries that both stay are two packages.
    expect(show(lockDelta([p('x', '1.0.0', 'sparse+https://a/')], [p('x', '1.0.0', 'sparse+https://a/'), p('x', '1.0.0', 'sparse+https://b/')]))).toEqual(['added registry x - 1.0.0']);
  });
});

describe('cratefence lock end to end', () => {
  let server: RegistryServer;
  const v: Record<string, PublishedVersion> = {};
  const NOW = '2026-03-10T00:00:00Z';
  beforeAll(async () => {
    server = await startRegistryServer();
    v.rdf0 = await server.publishDir('rust_decimal_fast', '1.30.0', path.join(CORPUS, 'old'), { pubtime: '2026-01-01T00:00:00Z' });
    v.rdf1 = await server.publishDir('rust_decimal_fast', '1.30.1', path.join(CORPUS, 'new'), { pubtime: '2026-02-01T00:00:00Z' });
    v.tiny0 = await server.publish('tiny', '0.1.0', 'pub fn f() -> u8 { 1 }\n', { pubtime: '2026-01-01T00:00:00Z' });
    v.tiny1 = await server.publish('tiny', '0.1.1', 'pub fn f() -> u8 { 2 }\n', { createdAt: '2026-03-09T00:00:00Z' });
    v.fresh = await server.publish('fresh', '0.2.0', 'pub fn g() -> u8 { 7 }\n', { pubtime: '2026-01-05T00:00:00Z' });
    v.yank0 = await server.publish('yank', '1.0.0', 'pub fn y() {}\n', { pubtime: '2026-01-01T00:00:00Z' });
    v.yank1 = await server.publish('yank', '1.0.1', 'pub fn y() { let _ = 1; }\n', { pubtime: '2026-01-02T00:00:00Z', yanked: true });
    v.alt0 = await server.publish('alt', '0.3.0', 'pub fn a() {}\n', { pubtime: '2026-01-01T00:00:00Z' });
    v.alt1 = await server.publish('alt', '0.3.1', 'pub fn a() { }\n', { pubtime: '2026-01-03T00:00:00Z' });
    v.gone = await server.publish('gone', '0.1.0', 'pub fn z() {}\n');
  });
  afterAll(() => server.stop());

  const env = () => ({ XDG_CACHE_HOME: temp(), CARGO_HOME: temp(), CRATEFENCE_NOW: NOW });
  const git0 = 'git+https://github.com/o/g?rev=aaaa#aaaaaaaa';
  const git1 = 'git+https://github.com/o/g?rev=bbbb#bbbbbbbb';
  const oldPkgs = (): Pkg[] => [
    { name: 'app', version: '0.1.0' },
    { name: 'g', version: '0.3.0', source: git0 },
    reg(v.rdf0),
    reg(v.tiny0),
    reg(v.yank0),
    reg(v.alt0, `sparse+${server.indexUrl}`),
    reg(v.gone),
  ];
  const newPkgs = (): Pkg[] => [
    { name: 'app', version: '0.2.0' },
    reg(v.fresh),
    { name: 'g', version: '0.3.0', source: git1 },
    reg(v.rdf1),
    reg(v.tiny1),
    reg(v.yank1),
    reg(v.alt1, `sparse+${server.indexUrl}`),
  ];

  it('scans a v3 → v4 lockfile change: changed, added, removed, git, path, another registry; cool-off and yanked', async () => {
    const d = temp();
    writeFileSync(path.join(d, 'old.lock'), lockText(oldPkgs(), 3));
    const newText = lockText(newPkgs(), 4);
    writeFileSync(path.join(d, 'Cargo.lock'), newText);
    const r = await cli(['lock', path.join(d, 'old.lock'), path.join(d, 'Cargo.lock'), '--registry', server.indexUrl, '--format', 'json', '--min-publish-age', '3 days', '--jobs', '2'], env());
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as LockReport;
    expect(rep).toMatchObject({ kind: 'lock', lockSchemaVersion: 1, verdict: 'block', summary: { changed: 6, added: 1, removed: 1, scanned: 5, errors: 0, notScanned: 3 } });
    const by = Object.fromEntries(rep.entries.map((e) => [e.name, e]));
    expect(by.rust_decimal_fast).toMatchObject({ change: 'changed', old: '1.30.0', new: '1.30.1', verdict: 'block' });
    expect(by.rust_decimal_fast.report!.findings.some((f) => f.ruleId === 'far-jump-call')).toBe(true);
    expect(by.tiny).toMatchObject({ verdict: 'review', old: '0.1.0', new: '0.1.1' });
    expect(by.tiny.report!.policy!.notes).toEqual([{ kind: 'cool-off', message: expect.stringContaining('may be adopted from 2026-03-12T00:00:00.000Z') }]);
    expect(by.tiny.report!.policy!.scanVerdict).toBe('pass');
    expect(by.yank).toMatchObject({ verdict: 'block' });
    expect(by.yank.report!.policy!.notes[0].kind).toBe('yanked');
    expect(by.fresh).toMatchObject({ change: 'added', old: null, verdict: 'pass' });
    expect(by.fresh.report!.summary.firstRelease).toBe(true);
    expect(by.alt).toMatchObject({ change: 'changed', verdict: 'pass', source: `sparse+${server.indexUrl}` });
    expect(by.gone).toMatchObject({ change: 'removed', verdict: null, note: expect.stringContaining('removed') });
    expect(by.g).toMatchObject({ change: 'changed', verdict: null, note: expect.stringContaining('git source') });
    expect(by.app).toMatchObject({ change: 'changed', verdict: null, note: expect.stringContaining('path package') });
    // Each entry points at its [[package]] header in the new lockfile.
    const lines = newText.split('\n');
    for (const e of rep.entries.filter((x) => x.change !== 'removed')) expect(lines[e.lockLine! - 2 + 1], e.name).toBe('[[package]]');
    expect(lines[by.tiny.lockLine!]).toBe('name = "tiny"');
    // Non-TTY progress: one line per scanned package.
    expect(r.err.split('\n').filter((l) => /^cratefence: \[\d\/5\] /.test(l))).toHaveLength(5);
    // Text form of the same report.
    const text = formatLockText(rep, { color: false });
    expect(text).toMatch(/^cratefence lock .*Cargo\.lock: BLOCK\n6 changed, 1 added, 1 removed; 5 scanned, 0 errors, 3 not scanned\n/);
    expect(text).toMatch(/REVIEW tiny +0\.1\.0 → 0\.1\.1 {2}score 0\n {7}cool-off: tiny@0\.1\.1 was published 2026-03-09T00:00:00\.000Z/);
    expect(text).toMatch(/BLOCK {2}rust_decimal_fast +1\.30\.0 → 1\.30\.1 {2}score \d+\n {7}(high|critical) +far-jump-call +src\//);
  });

  it('applies the team policy per crate: a cargo-vet audit approves the blocked delta, suppressions are used or reported unused', async () => {
    const d = temp();
    writeFileSync(path.join(d, 'old.lock'), lockText([reg(v.rdf0), reg(v.tiny0)], 4));
    writeFileSync(path.join(d, 'Cargo.lock'), lockText([reg(v.rdf1), reg(v.tiny1)], 4));
    mkdirSync(path.join(d, 'supply-chain'));
    writeFileSync(path.join(d, 'supply-chain', 'audits.toml'), `[[audits.rust_decimal_fast]]\nwho = "A Reviewer <a@example.org>"\ncriteria = "safe-to-deploy"\ndelta = "1.30.0 -> 1.30.1"\nnotes = "read the new module"\n`);
    writeFileSync(path.join(d, 'supply-chain', 'config.toml'), '');
    writeFileSync(
      path.join(d, 'cratefence.toml'),
      `fail-on = "review"\n\n[[suppress]]\nreason = "tiny's change is a constant"\ncrate = "tiny"\n\n[[suppress]]\nreason = "left over"\ncrate = "nothing-uses-this"\n`,
    );
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--format', 'json', '--jobs', '2', '--quiet'], env(), d);
    const rep = JSON.parse(r.out) as LockReport;
    const by = Object.fromEntries(rep.entries.map((e) => [e.name, e]));
    expect(by.rust_decimal_fast.report!.policy).toMatchObject({ scanVerdict: 'block', approvedBy: ['own'] });
    expect(by.rust_decimal_fast.verdict).toBe('pass');
    expect(rep.policyNotes?.some((n) => n.kind === 'suppression-unused' && n.message.includes('nothing-uses-this'))).toBe(true);
    expect(rep.verdict).toBe('pass');
    expect(r.code).toBe(0);
    // Without the audit the config's fail-on (review) decides the exit code.
    rmSync(path.join(d, 'supply-chain'), { recursive: true });
    const again = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--quiet'], env(), d);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/^cratefence lock Cargo\.lock: BLOCK/);
  });

  it('works from the Cargo cache with the registry down, and fails a package it cannot fetch with exit 2', async () => {
    const home = temp();
    const cache = path.join(home, 'registry', 'cache', 'index.crates.io-1949cf8c6b5b557f');
    mkdirSync(cache, { recursive: true });
    writeFileSync(path.join(cache, 'tiny-0.1.0.crate'), v.tiny0.bytes);
    writeFileSync(path.join(cache, 'tiny-0.1.1.crate'), v.tiny1.bytes);
    const down = await new RegistryServer().start();
    const url = down.indexUrl;
    await down.stop();
    const d = temp();
    writeFileSync(path.join(d, 'old.lock'), lockText([reg(v.tiny0), reg(v.fresh)], 3));
    writeFileSync(path.join(d, 'new.lock'), lockText([reg(v.tiny1), reg(v.fresh)], 3));
    const ok = await cli(['lock', path.join(d, 'old.lock'), path.join(d, 'new.lock'), '--registry', url, '--quiet'], { ...env(), CARGO_HOME: home });
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/PASS {3}tiny +0\.1\.0 → 0\.1\.1/);
    expect(ok.out).toMatch(/registry policy not checked \(yanked, publish time\): cannot fetch .*ECONNREFUSED/);
    writeFileSync(path.join(d, 'new2.lock'), lockText([reg(v.tiny1), reg(v.rdf1)], 3));
    const bad = await cli(['lock', path.join(d, 'old.lock'), path.join(d, 'new2.lock'), '--registry', url, '--quiet', '--format', 'json'], { ...env(), CARGO_HOME: home });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^cratefence: rust_decimal_fast 1\.30\.1: cannot fetch http:\/\/127\.0\.0\.1:\d+\/index\/config\.json \(ECONNREFUSED.*\)\n$/);
    const rep = JSON.parse(bad.out) as LockReport;
    expect(rep.summary.errors).toBe(1);
    expect(rep.verdict).toBe('block');
  });

  it('refuses hostile lockfiles in one line', async () => {
    const d = temp();
    writeFileSync(path.join(d, 'junk.lock'), 'this is [not toml');
    writeFileSync(path.join(d, 'ok.lock'), lockText([{ name: 'app', version: '0.1.0' }], 3));
    const r = await cli(['lock', path.join(d, 'ok.lock'), path.join(d, 'junk.lock')], env());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cratefence: .*junk\.lock: not a valid Cargo\.lock/);
    writeFileSync(path.join(d, 'evil.lock'), lockText([{ name: '../../etc', version: '1.0.0', source: CRATES_IO, checksum: 'a'.repeat(64) }], 3));
    const e = await cli(['lock', path.join(d, 'ok.lock'), path.join(d, 'evil.lock'), '--registry', server.indexUrl, '--quiet'], env());
    expect(e.code).toBe(2);
    expect(e.err).toContain('"../../etc" is not a valid crate name');
    expect(server.requests.some((q) => q.path.includes('etc'))).toBe(false);
  });

  it('--git-base reads the old lockfile from git, in a repository subfolder, and honours .cargo/config.toml', async () => {
    const repo = temp();
    const sub = path.join(repo, 'rust');
    mkdirSync(path.join(sub, '.cargo'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    writeFileSync(path.join(sub, 'Cargo.lock'), lockText([reg(v.tiny0), reg(v.gone)], 3));
    git('add', '.');
    git('commit', '-qm', 'base');
    writeFileSync(path.join(sub, 'Cargo.lock'), lockText([reg(v.tiny1), reg(v.fresh)], 4));
    writeFileSync(path.join(sub, '.cargo', 'config.toml'), '[registry]\nglobal-min-publish-age = "2 days"\n');
    const r = await cli(['lock', '--git-base', 'HEAD', '--registry', server.indexUrl, '--format', 'json', '--quiet', '--fail-on', 'review'], env(), sub);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as LockReport;
    expect(rep.lockfile).toBe('rust/Cargo.lock');
    expect(rep.entries.map((e) => `${e.change} ${e.name} ${e.verdict}`)).toEqual(['added fresh pass', 'removed gone null', 'changed tiny review']);
    expect(rep.entries[2].report!.policy!.notes[0].message).toMatch(/minimum publish age of 2 days \(.*rust\/\.cargo\/config\.toml \(registry\.global-min-publish-age\)\)/);
    const unknown = await cli(['lock', '--git-base', 'nosuchref', '--quiet'], env(), sub);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown revision "nosuchref"/);
    const opt = await cli(['lock', '--git-base=--upload-pack=x', '--quiet'], env(), sub);
    expect(opt.code).toBe(2);
    expect(opt.err).toMatch(/is not a git revision/);
  });
});
