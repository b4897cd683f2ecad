/**
 * Attack 1 of issue 22, end to end through the built CLI (dist/): hostile files made for real (FIFOs
 * with mkfifo, links to /dev/zero) where each command reads them. A user's file gives exit 2 and one
 * line naming it; a cache entry is passed over with a warning and the scan's result is unchanged.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistryServer, type PublishedVersion, type RegistryServer } from './helpers/registry-server.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');
const CORPUS = path.join(ROOT, 'corpus', 'm05-far-jump-payload-in-new-module');
const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';

/** Runs the CLI; the whole run must end within ten seconds (a read of /dev/zero never would). */
function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: tempDir('cf-xdg-'), CARGO_HOME: tempDir('cf-home-'), ...env } });
    const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      clearTimeout(timer);
      expect(Date.now() - t0, `cratefence ${args.join(' ')}`).toBeLessThan(10_000);
      resolve({ code, out, err });
    });
  });
}

const fifo = (p: string) => execFileSync('mkfifo', [p]);
const zero = (p: string) => symlinkSync('/dev/zero', p);

/** A repository folder (a `.git` entry ends the config search there). */
function repo(): string {
  const d = tempDir('cf-reads-cli-');
  mkdirSync(path.join(d, '.git'));
  return d;
}

/** Exit 2 and exactly one line on stderr naming `file` (a usage mistake adds the line pointing to --help). */
function oneLine(r: { code: number | null; err: string }, file: string, reason: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.err.split('\n').filter((l) => l && l !== "Run 'cratefence --help' for usage.")).toHaveLength(1);
  expect(r.err).toContain(file);
  expect(r.err).toMatch(reason);
}

describe('user files refused by the CLI in one line, exit 2', () => {
  it('cratefence.toml as a FIFO, supply-chain/audits.toml as a link to /dev/zero', async () => {
    const a = repo();
    fifo(path.join(a, 'cratefence.toml'));
    oneLine(await cli(['diff', path.join(CORPUS, 'old'), path.join(CORPUS, 'new')], a), path.join(a, 'cratefence.toml'), /the config file is a FIFO; only regular files are read/);
    const b = repo();
    mkdirSync(path.join(b, 'supply-chain'));
    zero(path.join(b, 'supply-chain', 'audits.toml'));
    oneLine(await cli(['diff', path.join(CORPUS, 'old'), path.join(CORPUS, 'new')], b), path.join(b, 'supply-chain', 'audits.toml'), /the cargo-vet file is a device/);
  });

  it('a jobs file as a link to /dev/zero or a FIFO; a lockfile as a link to /dev/zero; an approve --report FIFO', async () => {
    const d = repo();
    zero(path.join(d, 'zero-jobs.txt'));
    fifo(path.join(d, 'fifo-jobs.txt'));
    oneLine(await cli(['batch', 'zero-jobs.txt', '--db', path.join(d, 'r.db'), '--quiet'], d), 'zero-jobs.txt', /the jobs file is a device/);
    oneLine(await cli(['batch', 'fifo-jobs.txt', '--db', path.join(d, 'r.db'), '--quiet'], d), 'fifo-jobs.txt', /the jobs file is a FIFO/);
    writeFileSync(path.join(d, 'old.lock'), 'version = 3\n');
    zero(path.join(d, 'new.lock'));
    oneLine(await cli(['lock', 'old.lock', 'new.lock', '--quiet'], d), 'new.lock', /the lockfile is a device/);
    fifo(path.join(d, 'report.json'));
    oneLine(await cli(['approve', 'demo', '1.0.0', '1.0.1', '--who', 'A <a@example.org>', '--report', 'report.json'], d), 'report.json', /the report is a FIFO/);
  });
});

describe('hostile cache entries: passed over with a warning, same result', () => {
  let server: RegistryServer;
  let v0: PublishedVersion;
  let v1: PublishedVersion;
  beforeAll(async () => {
    server = await startRegistryServer();
    v0 = await server.publishDir('farjump', '1.0.0', path.join(CORPUS, 'old'));
    v1 = await server.publishDir('farjump', '1.0.1', path.join(CORPUS, 'new'));
  });
  afterAll(() => server.stop());

  const lock = (v: PublishedVersion) => `version = 3\n\n[[package]]\nname = "${v.name}"\nversion = "${v.vers}"\nsource = "${CRATES_IO}"\nchecksum = "${v.cksum}"\n`;

  it('lock: the Cargo cache holds a link to /dev/zero and a FIFO, cratefence\'s cache a FIFO and a planted folder link', async () => {
    const d = repo();
    writeFileSync(path.join(d, 'old.lock'), lock(v0));
    writeFileSync(path.join(d, 'new.lock'), lock(v1));
    const args = ['lock', 'old.lock', 'new.lock', '--registry', server.indexUrl, '--format', 'json', '--jobs', '1'];
    const clean = await cli(args, d);
    expect(clean.code, clean.err).toBe(1);
    const home = tempDir('cf-home-');
    const reg = path.join(home, 'registry', 'cache', 'index.crates.io-6f17d22bba15001f');
    mkdirSync(reg, { recursive: true });
    zero(path.join(reg, 'farjump-1.0.0.crate'));
    fifo(path.join(reg, 'farjump-1.0.1.crate'));
    const xdg = tempDir('cf-xdg-');
    const crates = path.join(xdg, 'cratefence', 'crates');
    mkdirSync(path.join(crates, v0.cksum.slice(0, 2)), { recursive: true });
    fifo(path.join(crates, v0.cksum.slice(0, 2), `${v0.cksum}.crate`));
    const outside = tempDir('cf-outside-');
    if (v1.cksum.slice(0, 2) !== v0.cksum.slice(0, 2)) symlinkSync(outside, path.join(crates, v1.cksum.slice(0, 2)));
    const r = await cli(args, d, { CARGO_HOME: home, XDG_CACHE_HOME: xdg });
    expect(r.code, r.err).toBe(1);
    expect(JSON.parse(r.out).verdict).toBe(JSON.parse(clean.out).verdict);
    expect(JSON.parse(r.out).entries[0].report.score).toBe(JSON.parse(clean.out).entries[0].report.score);
    expect(r.err).toMatch(/farjump-1\.0\.0\.crate: the Cargo cache file is a symbolic link, which is refused here; not used/);
    expect(r.err).toMatch(/farjump-1\.0\.1\.crate: the Cargo cache file is a FIFO; only regular files are read; not used/);
    expect(r.err).toMatch(new RegExp(`${v0.cksum}\\.crate: the cache entry is a FIFO`));
    if (v1.cksum.slice(0, 2) !== v0.cksum.slice(0, 2)) expect(r.err).toMatch(/a symbolic link inside .*cratefence, refused; nothing was cached there/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('diff --cache: a facts pack that is a FIFO is a miss with a warning; the report is the same', async () => {
    const d = repo();
    const cache = tempDir('cf-facts-');
    const args = ['diff', path.join(CORPUS, 'old'), path.join(CORPUS, 'new'), '--format', 'json', '--cache', cache];
    const first = await cli(args, d);
    expect(first.code).toBe(1);
    const fp = readdirSync(cache)[0];
    const packs = readdirSync(path.join(cache, fp)).filter((n) => n.endsWith('.pack'));
    expect(packs).toHaveLength(1);
    const pack = path.join(cache, fp, packs[0]);
    execFileSync('rm', [pack]);
    fifo(pack);
    const r = await cli([...args, '--debug'], d);
    expect(r.code).toBe(1);
    const strip = (s: string) => JSON.stringify({ ...JSON.parse(s), timings: undefined });
    expect(strip(r.out)).toBe(strip(first.out));
    expect(r.err).toMatch(/the facts cache pack is a FIFO; only regular files are read; such entries were treated as misses/);
    expect(r.err).toMatch(/facts cache 0 hits, [1-9]\d* misses, [1-9]\d* written/);
  });
});
