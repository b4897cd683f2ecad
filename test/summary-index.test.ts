import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES_DIR, encodeSummaryIndex, shippedIndex, summarizeTree, treeFromFiles, type CrateSummary } from '../src/index.js';
import { gatherDependencies } from '../src/deps/index.js';
import { tempDir } from './helpers/tmp.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'cratefence.js');

function crateFiles(name: string, version: string, body: string, deps = ''): Record<string, string> {
  return { 'Cargo.toml': `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n${deps ? `[dependencies]\n${deps}` : ''}`, 'src/lib.rs': body };
}

function writeCrate(dir: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), c);
  }
}

const FETCHER = crateFiles('netfetch', '1.2.0', 'pub fn get(url: &str) -> std::io::Result<std::net::TcpStream> { std::net::TcpStream::connect(url) }\npub fn pure(x: u32) -> u32 { x + 1 }\n');

describe('the summary index file', () => {
  it('round-trips summaries, inflating each on first use', () => {
    const rules = tempDir('cf-idx-');
    mkdirSync(path.join(rules, 'data'));
    const s = summarizeTree(treeFromFiles(FETCHER));
    writeFileSync(path.join(rules, 'data', 'summaries.bin'), encodeSummaryIndex([s], { tool: s.tool, source: 'test' }));
    const idx = shippedIndex(rules);
    expect(idx.size).toBe(1);
    const got = idx.summaryOf('netfetch', '1');
    expect(got?.summary.items.get).toBeDefined();
    expect(got?.approximate).toBeUndefined();
    expect(idx.summaryOf('netfetch', '2')?.approximate).toBe(true);
    expect(idx.summaryOf('other', '1')).toBeNull();
  });

  it('reads a damaged or foreign file as an empty index, never a crash', () => {
    for (const bytes of [Buffer.from('not an index'), Buffer.concat([Buffer.from('CFSUMS01'), Buffer.from([0xff, 0xff, 0xff, 0xff])]), Buffer.alloc(0)]) {
      const rules = tempDir('cf-idx-');
      mkdirSync(path.join(rules, 'data'));
      writeFileSync(path.join(rules, 'data', 'summaries.bin'), bytes);
      expect(shippedIndex(rules).size).toBe(0);
    }
    const rules = tempDir('cf-idx-');
    mkdirSync(path.join(rules, 'data'));
    const s = summarizeTree(treeFromFiles(FETCHER));
    const good = encodeSummaryIndex([s], { tool: s.tool, source: 'test' });
    good[good.length - 3] ^= 0xff; // damage the compressed summary
    writeFileSync(path.join(rules, 'data', 'summaries.bin'), good);
    expect(shippedIndex(rules).summaryOf('netfetch', '1')).toBeNull();
  });

  it('lists each release\'s registry dependencies in its table of contents, read without inflating the summary', () => {
    const rules = tempDir('cf-idx-');
    mkdirSync(path.join(rules, 'data'));
    const wrapper = summarizeTree(treeFromFiles(crateFiles('wrapper', '0.3.1', 'pub fn go() { netfetch::get("x"); }\n',
      'netfetch = "1.2"\nlocal-thing = { path = "../x" }\nnoreq = "*"\n')));
    const bytes = encodeSummaryIndex([wrapper], { tool: wrapper.tool, source: 'test' });
    const header = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32BE(8)).toString('utf8'));
    expect(JSON.parse(header.entries[0][4])).toEqual([['netfetch', '1.2'], ['noreq', '*']]);
    bytes[bytes.length - 3] ^= 0xff; // damage the compressed summary: only the table of contents is good
    writeFileSync(path.join(rules, 'data', 'summaries.bin'), bytes);
    const idx = shippedIndex(rules);
    expect(idx.headOf('wrapper', '0.3')).toEqual({ name: 'wrapper', version: '0.3.1', deps: [{ package: 'netfetch', req: '1.2' }, { package: 'noreq', req: '*' }] });
    expect(idx.headOf('wrapper', '2')?.approximate).toBe(true);
    expect(idx.headOf('other', '1')).toBeNull();
    expect(idx.summaryOf('wrapper', '0.3')).toBeNull();
  });

  it('reads an index written before its table of contents listed dependencies, inflating summaries to walk them', () => {
    const rules = tempDir('cf-idx-');
    mkdirSync(path.join(rules, 'data'));
    const wrapper = summarizeTree(treeFromFiles(crateFiles('wrapper', '0.3.1', 'pub fn go() { netfetch::get("x"); }\n', 'netfetch = "1.2"\n')));
    const blob = deflateRawSync(JSON.stringify(wrapper));
    const header = Buffer.from(JSON.stringify({ format: wrapper.format, tool: wrapper.tool, source: 'old', entries: [['wrapper', '0.3.1', 0, blob.length]] }));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(header.length);
    writeFileSync(path.join(rules, 'data', 'summaries.bin'), Buffer.concat([Buffer.from('CFSUMS01'), len, header, blob]));
    const idx = shippedIndex(rules);
    expect(idx.headOf('wrapper', '0.3')).toMatchObject({ name: 'wrapper', version: '0.3.1', deps: [{ package: 'netfetch', req: '1.2' }] });
    expect(idx.summaryOf('wrapper', '0.3')?.summary.items.go).toBeDefined();
  });

  it('reads each summary from the file when first used, and none from a file replaced since', () => {
    const rules = tempDir('cf-idx-');
    mkdirSync(path.join(rules, 'data'));
    const other = summarizeTree(treeFromFiles(crateFiles('other', '0.1.0', 'pub fn x() -> u8 { 1 }\n')));
    const s = summarizeTree(treeFromFiles(FETCHER));
    const file = path.join(rules, 'data', 'summaries.bin');
    writeFileSync(file, encodeSummaryIndex([s, other], { tool: s.tool, source: 'test' }));
    const idx = shippedIndex(rules);
    expect(idx.summaryOf('netfetch', '1')?.summary.version).toBe('1.2.0');
    // Replaced (a new file renamed over it), as an upgrade would: the running process reads nothing at old offsets.
    writeFileSync(`${file}.new`, encodeSummaryIndex([other], { tool: s.tool, source: 'test' }));
    execFileSync('mv', [`${file}.new`, file]);
    expect(idx.summaryOf('other', '0.1')).toBeNull();
    // What was read before stays as it was.
    expect(idx.summaryOf('netfetch', '1')?.summary.version).toBe('1.2.0');
  });

  it('is refused when it is a FIFO or a link to /dev/zero', () => {
    const rules = tempDir('cf-idx-');
    mkdirSync(path.join(rules, 'data'));
    symlinkSync('/dev/zero', path.join(rules, 'data', 'summaries.bin'));
    expect(shippedIndex(rules).size).toBe(0);
    const fifo = tempDir('cf-idx-');
    mkdirSync(path.join(fifo, 'data'));
    execFileSync('mkfifo', [path.join(fifo, 'data', 'summaries.bin')]);
    expect(shippedIndex(fifo).size).toBe(0);
  });
});

describe('gathering dependency summaries on this machine', () => {
  it('summarises a dependency from the Cargo cache once, then reads cratefence\'s cache', async () => {
    const cargoHome = tempDir('cf-cargo-');
    const cache = tempDir('cf-cache-');
    writeCrate(path.join(cargoHome, 'registry', 'src', 'index.crates.io-1949cf8c6b5b557f', 'netfetch-1.2.0'), FETCHER);
    const app = treeFromFiles(crateFiles('app', '0.1.0', 'pub fn f() { netfetch::get("x"); }\n', 'netfetch = "1.2"\n'));
    const first = await gatherDependencies([app], { mode: 'offline', cargoHome, cacheDir: cache });
    expect(first.stats).toMatchObject({ computed: 1, fromCache: 0 });
    const src = first.source;
    expect(src !== 'off' && src.summaryOf('netfetch', '1.2')?.summary.version).toBe('1.2.0');
    const second = await gatherDependencies([app], { mode: 'offline', cargoHome, cacheDir: cache });
    expect(second.stats).toMatchObject({ computed: 0, fromCache: 1 });
    const off = await gatherDependencies([app], { mode: 'off', cargoHome, cacheDir: cache });
    expect(off.source).toBe('off');
  });

  it('walks through crates only the shipped index knows to their dependencies in the Cargo cache', async () => {
    // app → wrapper (shipped index only) → netfetch (Cargo cache): netfetch is summarised from its code.
    const rules = tempDir('cf-rules-');
    cpSync(DEFAULT_RULES_DIR, rules, { recursive: true });
    const wrapper: CrateSummary = summarizeTree(treeFromFiles(crateFiles('wrapper', '0.3.1', 'pub fn go() { netfetch::get("x"); }\n', 'netfetch = "1.2"\n')));
    const bytes = encodeSummaryIndex([wrapper], { tool: wrapper.tool, source: 'test' });
    bytes[bytes.length - 3] ^= 0xff; // the walk reads the table of contents, never this summary
    writeFileSync(path.join(rules, 'data', 'summaries.bin'), bytes);
    const cargoHome = tempDir('cf-cargo-');
    writeCrate(path.join(cargoHome, 'registry', 'src', 'index.crates.io-1949cf8c6b5b557f', 'netfetch-1.2.0'), FETCHER);
    const app = treeFromFiles(crateFiles('app', '0.1.0', 'pub fn f() { wrapper::go(); }\n', 'wrapper = "0.3"\n'));
    const g = await gatherDependencies([app], { mode: 'offline', cargoHome, cacheDir: null, rulesDir: rules });
    expect(g.stats).toMatchObject({ fromIndex: 1, computed: 1, fromCache: 0, unknown: [] });
    expect(g.source !== 'off' && g.source.summaryOf('netfetch', '1.2')?.summary.version).toBe('1.2.0');
  });

  it('does not take a Cargo cache folder whose manifest claims another release', async () => {
    const cargoHome = tempDir('cf-cargo-');
    writeCrate(path.join(cargoHome, 'registry', 'src', 'r', 'netfetch-1.2.0'), crateFiles('serde', '1.0.200', 'pub fn x() {}\n'));
    const warnings: string[] = [];
    const app = treeFromFiles(crateFiles('app', '0.1.0', '', 'netfetch = "1.2"\n'));
    const g = await gatherDependencies([app], { mode: 'offline', cargoHome, cacheDir: null, warn: (m) => warnings.push(m) });
    expect(g.stats.unknown).toContain('netfetch 1.2');
    expect(warnings.join('\n')).toMatch(/says serde 1\.0\.200; not used/);
  });
});

describe('batch --summaries and results --export-summaries', () => {
  it('keeps each first release\'s summary and writes an index that a scan reads', () => {
    const dir = tempDir('cf-batch-sum-');
    writeCrate(path.join(dir, 'netfetch-1.2.0'), FETCHER);
    writeCrate(path.join(dir, 'quiet-0.1.0'), crateFiles('quiet', '0.1.0', 'pub fn x() -> u8 { 1 }\n'));
    writeFileSync(path.join(dir, 'jobs.txt'), 'netfetch-1.2.0\nquiet-0.1.0\n');
    const db = path.join(dir, 'store.sqlite');
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, HOME: dir, XDG_CACHE_HOME: path.join(dir, 'cache'), CARGO_HOME: path.join(dir, 'cargo') } });
    const b = run(['batch', path.join(dir, 'jobs.txt'), '--db', db, '--summaries', '--deps', 'off', '--jobs', '1', '--no-cache']);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/2 done/);
    // A rerun has them all, summaries included.
    const again = run(['batch', path.join(dir, 'jobs.txt'), '--db', db, '--summaries', '--deps', 'off', '--jobs', '1', '--no-cache']);
    expect(again.stdout).toMatch(/2 already done/);
    mkdirSync(path.join(dir, 'rules', 'data'), { recursive: true });
    const out = path.join(dir, 'rules', 'data', 'summaries.bin');
    const e = run(['results', '--db', db, '--export-summaries', out, '--source', 'test crates']);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/2 summaries of 2 crates/);
    const header = JSON.parse(readFileSync(out).subarray(12, 12 + readFileSync(out).readUInt32BE(8)).toString('utf8'));
    expect(header.source).toBe('test crates');
    expect(shippedIndex(path.join(dir, 'rules')).summaryOf('netfetch', '1')?.summary.items.get).toBeDefined();
    const bad = run(['batch', path.join(dir, 'jobs.txt'), '--db', db, '--deps', 'fetch']);
    expect(bad.status).toBe(2);
  });
});
