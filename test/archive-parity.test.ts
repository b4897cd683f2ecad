import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeTrees, emptyTree } from '../src/index.js';
import { DEFAULT_LIMITS, InputError, loadSource, type CrateTree } from '../src/source/index.js';
import { readTarball } from '../src/source/tarball.js';
import { DECOY, LAYOUTS, PAYLOAD } from './helpers/archive-layouts.js';
import { endBlocks, paxEntry, rawCrate, tarEntry } from './helpers/tarball.js';

const read = (b: Buffer) => readTarball(b, DEFAULT_LIMITS, 'layout.crate');
const asText = (files: Map<string, Uint8Array>) => Object.fromEntries([...files].map(([p, d]) => [p, Buffer.from(d).toString('utf8')]));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Every layout of issue 10: the tree read must be cargo's tree (written out in the layout from
// tar-rs 0.4.45, checked against real cargo by `npm run verify:archives`), and every construct
// cargo package never writes must block the release with a critical archive-ambiguity finding.
describe('archive parity with cargo', () => {
  for (const l of LAYOUTS) {
    it(`${l.id}: ${l.what}`, async () => {
      const bytes = l.bytes();
      if ('refuse' in l.expect) {
        await expect(read(bytes)).rejects.toThrow(l.expect.refuse);
        await expect(read(bytes)).rejects.toBeInstanceOf(InputError);
        return;
      }
      const tree = await read(bytes);
      expect(asText(tree.files)).toEqual(l.expect.files);
      const { report } = analyzeTrees(emptyTree(), tree);
      const amb = report.findings.filter((f) => f.ruleId === 'archive-ambiguity' && f.severity === 'critical');
      if (l.id.startsWith('honest')) {
        expect(amb).toEqual([]);
        expect(tree.notes.filter((n) => n.kind === 'ambiguity')).toEqual([]);
      } else {
        expect(amb.length).toBeGreaterThan(0);
        expect(report.verdict).toBe('block');
      }
      // The decoy is never what is analysed as the library.
      expect(Buffer.from(tree.files.get('src/lib.rs') ?? '').toString()).not.toBe(DECOY);
    });
  }

  it('names the entry and both readings in the finding', async () => {
    const by = (id: string) => LAYOUTS.find((l) => l.id === id)!.bytes();
    const msg = async (id: string) => (await read(by(id))).notes.filter((n) => n.kind === 'ambiguity').map((n) => n.message).join('\n');
    expect(await msg('pax-two-paths')).toMatch(/path "demo-1\.0\.0\/src\/lib\.rs" then "demo-1\.0\.0\/src\/unused\.rs".*cargo takes the first/);
    expect(await msg('entries-after-end-blocks')).toMatch(/never sees "demo-1\.0\.0\/src\/lib\.rs"/);
    expect(await msg('gzip-members-with-end')).toMatch(/first gzip member.*"demo-1\.0\.0\/src\/lib\.rs"/);
    expect(await msg('directory-with-data')).toMatch(/folder entry data carries \d+ bytes.*"demo-1\.0\.0\/src\/lib\.rs"/);
    expect(await msg('ustar-odd-version-prefix')).toMatch(/"demo-1\.0\.0\/hidden\/demo-1\.0\.0\/src\/lib\.rs"/);
    expect(await msg('symlinked-folder-write-through')).toMatch(/tests\/lib\.rs is written through a linked folder and lands in src\/lib\.rs/);
  });

  it('exits 2 from the CLI for an uncompressed .crate, and scans a plain tar named .tar', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'cratefence-parity-'));
    dirs.push(d);
    const plain = Buffer.concat([rawCrate('demo', '1.0.0', PAYLOAD), endBlocks()]);
    writeFileSync(path.join(d, 'x.crate'), plain);
    writeFileSync(path.join(d, 'x.tar'), plain);
    const cli = path.resolve('bin/cratefence.js');
    let code = 0;
    let err = '';
    try {
      execFileSync(process.execPath, [cli, 'scan', path.join(d, 'x.crate')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
      err = String((e as { stderr: string }).stderr);
    }
    expect(code).toBe(2);
    expect(err).toMatch(/not gzip-compressed/);
    const out = JSON.parse(execFileSync(process.execPath, [cli, 'scan', path.join(d, 'x.tar'), '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8' }));
    expect(out.verdict).toBeDefined();
  });

  it('refuses a link bomb (every entry written through a long chain of links) instead of replaying it slowly', async () => {
    const top = 'demo-1.0.0';
    const parts = [tarEntry({ name: `${top}/Cargo.toml` }, 'x'), tarEntry({ name: `${top}/d/`, type: '5', size: 0 }), tarEntry({ name: `${top}/l0`, type: '2', linkname: 'd', size: 0 })];
    for (let i = 1; i < 39; i++) parts.push(tarEntry({ name: `${top}/l${i}`, type: '2', linkname: `l${i - 1}`, size: 0 }));
    for (let i = 0; i < 6000; i++) parts.push(tarEntry({ name: `${top}/l38/f${i}.rs` }, 'x'));
    await expect(read(gzipSync(Buffer.concat([...parts, endBlocks()])))).rejects.toThrow(/possible link bomb/);
  });
});

// Issue 22: archives that cargo package did not write. Real tools (Python's tarfile, GNU tar,
// git archive) write them here; each must read as its files. When a tool is missing the block is
// skipped with a printed reason, except under CI=true, where it fails.
const TOOLS = ['python3', 'tar', 'git'];
const missing = TOOLS.filter((t) => spawnSync(t, ['--version'], { encoding: 'utf8' }).status !== 0);
if (missing.length > 0) {
  if (process.env.CI === 'true') throw new Error(`${missing.join(', ')} missing: required under CI`);
  console.warn(`archive-parity.test.ts: archives written by other tools skipped, ${missing.join(', ')} not installed`);
}
const withTools = missing.length > 0 ? describe.skip : describe;
const CLI = path.resolve('bin/cratefence.js');

/** Runs a tool in a folder; throws with its stderr when it fails. */
function run(cwd: string, cmd: string, args: string[], input?: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', input, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** `cratefence scan` in a child process: exit code, JSON report (when one was written), stderr. */
function scan(file: string): { code: number | null; report?: { verdict: string; score: number; findings: Array<{ ruleId: string; severity: string; message: string }> }; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'scan', file, '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8' });
  return { code: r.status, report: r.status === 0 ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

/** An honest crate folder `demo-0.1.0/` in a fresh temporary folder; returns that parent. */
function crateFolder(extra: Record<string, string> = {}): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cratefence-tools-'));
  dirs.push(d);
  const files = { 'Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n', 'src/lib.rs': DECOY, 'src/sub/data.txt': 'x\n', ...extra };
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(d, 'demo-0.1.0', rel)), { recursive: true });
    writeFileSync(path.join(d, 'demo-0.1.0', rel), body);
  }
  return d;
}
const HONEST = { 'Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n', 'src/lib.rs': DECOY, 'src/sub/data.txt': 'x\n' };
const pyTar = (file: string, fmt: string | null, extra = '') =>
  `import tarfile\nwith tarfile.open(${JSON.stringify(file)}, 'w:gz'${fmt ? `, format=tarfile.${fmt}` : ''}${extra}) as t:\n  t.add('demo-0.1.0')\n`;

withTools('archives written by Python tarfile and GNU tar', () => {
  // Before issue 22 every PAX one was `block` (81 on this crate): an mtime record was a critical finding.
  const writers: Array<[string, (d: string) => void, boolean]> = [
    ["Python tarfile's default (PAX)", (d) => run(d, 'python3', ['-c', pyTar('x.crate', null)]), true],
    ['Python tarfile PAX_FORMAT', (d) => run(d, 'python3', ['-c', pyTar('x.crate', 'PAX_FORMAT')]), true],
    ['Python tarfile GNU_FORMAT', (d) => run(d, 'python3', ['-c', pyTar('x.crate', 'GNU_FORMAT')]), false],
    ['GNU tar --format=pax', (d) => run(d, 'tar', ['--format=pax', '-czf', 'x.crate', 'demo-0.1.0']), true],
    ['GNU tar --format=gnu', (d) => run(d, 'tar', ['--format=gnu', '-czf', 'x.crate', 'demo-0.1.0']), false],
  ];
  it.each(writers)('%s: a .crate reads as its files and scans pass, no archive finding', async (_name, write, pax) => {
    const d = crateFolder();
    write(d);
    const file = path.join(d, 'x.crate');
    // The archive really carries PAX metadata records (the test would prove nothing otherwise).
    expect(gunzipSync(readFileSync(file)).includes('mtime=')).toBe(pax);
    const tree = await loadSource(file);
    expect(asText(tree.files)).toEqual(HONEST);
    expect(tree.notes).toEqual([]);
    const r = scan(file);
    expect(r.code).toBe(0);
    expect(r.report!.verdict).toBe('pass');
    expect(r.report!.findings.filter((f) => f.ruleId === 'archive-ambiguity')).toEqual([]);
  });

  it('a path record Python writes on request still blocks: the header says src/lib.rs, the record another file', async () => {
    const d = crateFolder();
    const script = `import tarfile\nwith tarfile.open('x.crate', 'w:gz') as t:\n  for name in ['Cargo.toml', 'src/lib.rs']:\n    ti = t.gettarinfo('demo-0.1.0/' + name, 'demo-0.1.0/' + name)\n    if name == 'src/lib.rs': ti.pax_headers = {'path': 'demo-0.1.0/src/other.rs', 'mtime': '1'}\n    with open('demo-0.1.0/' + name, 'rb') as f: t.addfile(ti, f)\n`;
    run(d, 'python3', ['-c', script]);
    const tree = await loadSource(path.join(d, 'x.crate'));
    expect([...tree.files.keys()].sort()).toEqual(['Cargo.toml', 'src/other.rs']);
    expect(tree.notes.filter((n) => n.kind === 'ambiguity').map((n) => n.message).join('\n')).toMatch(/path "demo-0\.1\.0\/src\/other\.rs" over the header's "demo-0\.1\.0\/src\/lib\.rs"/);
    expect(scan(path.join(d, 'x.crate')).report!.verdict).toBe('block');
  });

  it("Python's archive-wide pax_headers (a global header named ././@PaxHeader): refused as a .crate, as cargo refuses it; read as a source archive as .tar.gz", async () => {
    const d = crateFolder();
    run(d, 'python3', ['-c', pyTar('x.crate', null, `, pax_headers={'comment': 'release 0.1.0'}`)]);
    await expect(loadSource(path.join(d, 'x.crate'))).rejects.toThrow(/not under the crate's top folder/);
    copyFileSync(path.join(d, 'x.crate'), path.join(d, 'x.tar.gz'));
    const tree = await loadSource(path.join(d, 'x.tar.gz'));
    expect(asText(tree.files)).toEqual(HONEST);
    expect(tree.notes.map((n) => n.kind)).toEqual(['source-archive']);
  });
});

withTools('source archives: git archive, tar -czf ./ (read as a folder is read, with a note)', () => {
  /** A git repository holding the crate at its root, with build state and a workspace member beside it. */
  function repo(): string {
    const d = crateFolder({ 'Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\nexclude = ["/benches"]\n', 'benches/b.rs': 'fn main() {}\n', 'member/Cargo.toml': '[package]\nname = "member"\nversion = "0.1.0"\n', 'member/src/lib.rs': '', '.gitignore': '/target\n', 'target/debug/out.rs': '' });
    const root = path.join(d, 'demo-0.1.0');
    run(root, 'git', ['init', '-q']);
    run(root, 'git', ['add', '-A']);
    run(root, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'release']);
    return root;
  }
  const SOURCE = { ...HONEST, 'Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\nexclude = ["/benches"]\n', '.gitignore': '/target\n' };
  const kinds = (t: CrateTree) => t.notes.map((n) => n.kind).sort();

  it('a GitHub-style release archive (git archive --prefix=demo-0.1.0/, global comment header) scans pass with an info note; before: exit 2', async () => {
    const root = repo();
    const file = path.join(root, '..', 'demo-0.1.0.tar.gz');
    run(root, 'git', ['archive', '--format=tar.gz', '--prefix=demo-0.1.0/', '-o', file, 'HEAD']);
    expect(gunzipSync(readFileSync(file)).subarray(0, 17).toString()).toBe('pax_global_header');
    const tree = await loadSource(file);
    // What a folder input of the same checkout yields: benches excluded, the member left out.
    expect(asText(tree.files)).toEqual(SOURCE);
    expect(asText(tree.files)).toEqual(asText((await loadSource(root)).files));
    expect(kinds(tree)).toEqual(['skipped', 'skipped', 'source-archive']);
    expect(tree.topFolder).toBeUndefined();
    const r = scan(file);
    expect(r.code).toBe(0);
    expect(r.report!.verdict).toBe('pass');
    expect(r.report!.findings.map((f) => `${f.ruleId}:${f.severity}`)).toEqual(['archive-ambiguity:info']);
    expect(r.report!.findings[0].message).toMatch(/source archive, not a package written by cargo package \(it has a PAX global header outside any crate folder, as git archive writes\).*from its folder demo-0\.1\.0\//);
    // The same bytes named .crate are held to cargo's rules, which refuse them.
    copyFileSync(file, path.join(root, '..', 'same.crate'));
    const c = scan(path.join(root, '..', 'same.crate'));
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/PAX global header named "pax_global_header"/);
  });

  it('git archive without a prefix (files at the archive root), as .tgz', async () => {
    const root = repo();
    const file = path.join(root, '..', 'x.tgz');
    run(root, 'git', ['archive', '--format=tar.gz', '-o', file, 'HEAD']);
    const tree = await loadSource(file);
    expect(asText(tree.files)).toEqual(SOURCE);
    expect(tree.notes.find((n) => n.kind === 'source-archive')?.message).toMatch(/from the archive root/);
  });

  it('tar -czf x.tar.gz ./ (./ entries, .git and target included) and a plain tar -cf x.tar ./ read as the folder does; before: exit 2', async () => {
    const root = repo();
    for (const [name, flags] of [['x.tar.gz', '-czf'], ['x.tar', '-cf']]) {
      const file = path.join(root, '..', name);
      run(root, 'tar', [flags, file, './']);
      const tree = await loadSource(file);
      expect(asText(tree.files)).toEqual(SOURCE);
      expect(kinds(tree)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'source-archive']);
      const said = tree.notes.map((n) => n.message).join('\n');
      for (const re of [/^\.git\/ is build or version-control state/m, /^target\/ is build/m, /^member\/ holds its own Cargo\.toml/m, /^1 file\(s\) left out by Cargo\.toml's package\.exclude/m]) expect(said).toMatch(re);
      const r = scan(file);
      expect([r.code, r.report?.verdict]).toEqual([0, 'pass']);
    }
  });

  it('a folder packed under a name that is not name-version is a source archive; a package renamed .tar.gz keeps cargo rules', async () => {
    const d = crateFolder();
    renameSync(path.join(d, 'demo-0.1.0'), path.join(d, 'demo'));
    run(d, 'tar', ['-czf', 'a.tar.gz', 'demo']);
    const a = await loadSource(path.join(d, 'a.tar.gz'));
    expect(asText(a.files)).toEqual(HONEST);
    expect(a.notes.find((n) => n.kind === 'source-archive')?.message).toMatch(/not all in one name-version\/ folder.*from its folder demo\//);
    renameSync(path.join(d, 'demo'), path.join(d, 'demo-0.1.0'));
    run(d, 'tar', ['-czf', 'b.tar.gz', 'demo-0.1.0']);
    const b = await loadSource(path.join(d, 'b.tar.gz'));
    expect(asText(b.files)).toEqual(HONEST);
    expect(b.notes).toEqual([]);
    expect(b.topFolder).toBe('demo-0.1.0');
  });
});

// Source archives keep the archive reader's path safety and its ambiguity findings; only the
// constructs that make them source archives (./ names, a harmless global header, no package folder)
// are accepted. Built byte by byte, read as a `.tar.gz` would be.
describe('hostile source archives', () => {
  const src = (...parts: Buffer[]) => readTarball(gzipSync(Buffer.concat([...parts, endBlocks()])), DEFAULT_LIMITS, 'x.tar.gz', { sourceArchive: true });
  const git = (records: Array<[string, string]> = [['comment', '0123456789abcdef']]) => paxEntry(records, 'g', 'pax_global_header');
  const manifest = tarEntry({ name: './Cargo.toml' }, '[package]\nname = "demo"\nversion = "0.1.0"\n');
  it.each([
    ['a .. path', [manifest, tarEntry({ name: './../x.rs' }, 'x')], /path traversal/],
    ['an absolute path', [manifest, tarEntry({ name: '/etc/x.rs' }, 'x')], /absolute path/],
    ['a link leaving the tree', [manifest, tarEntry({ name: './src/x.rs', type: '2', linkname: '../../etc/passwd' })], /points outside the crate/],
    ['a link to an absolute path', [manifest, tarEntry({ name: './src/x.rs', type: '2', linkname: '/etc/passwd' })], /points outside the crate/],
    ['a hard link leaving the tree', [manifest, tarEntry({ name: './src/x.rs', type: '1', linkname: '../outside.rs' })], /points outside the crate/],
    ['a write through a link out of the crate folder', [git(), tarEntry({ name: 'demo/Cargo.toml' }, 'x'), tarEntry({ name: 'demo/up', type: '2', linkname: '..' }), tarEntry({ name: 'demo/up/demo/src/lib.rs' }, PAYLOAD)], /outside the crate folder/],
    ['a character device', [manifest, tarEntry({ name: './dev', type: '3' })], /devices and FIFOs/],
    ['a FIFO', [manifest, tarEntry({ name: './pipe', type: '6' })], /devices and FIFOs/],
    ['no Cargo.toml', [git(), tarEntry({ name: 'demo/src/lib.rs' }, 'x')], /source archive .* with no Cargo\.toml at its root or in its single top folder/],
    ['two top folders and no Cargo.toml at the root', [tarEntry({ name: 'a/Cargo.toml' }, 'x'), tarEntry({ name: 'b/Cargo.toml' }, 'x')], /no Cargo\.toml at its root/],
  ])('refuses %s', async (_what, parts, msg) => {
    await expect(src(...(parts as Buffer[]))).rejects.toThrow(msg as RegExp);
  });

  it('notes what other readers may see differently, as in a package', async () => {
    const amb = async (...parts: Buffer[]) => (await src(...parts)).notes.filter((n) => n.kind === 'ambiguity').map((n) => n.message);
    expect(await amb(git(), manifest, tarEntry({ name: './src/lib.rs' }, PAYLOAD))).toEqual([]);
    expect(await amb(git([['path', 'src/lib.rs']]), manifest, tarEntry({ name: './src/lib.rs' }, PAYLOAD))).toEqual([expect.stringMatching(/PAX global header.*readers that apply them rename/)]);
    expect(await amb(manifest, paxEntry([['path', './src/other.rs']]), tarEntry({ name: './src/lib.rs' }, PAYLOAD))).toEqual([expect.stringMatching(/path "\.\/src\/other\.rs"/)]);
    expect(await amb(manifest, tarEntry({ name: './src/lib.rs' }, DECOY), tarEntry({ name: './src/lib.rs' }, PAYLOAD))).toEqual([expect.stringMatching(/twice with different contents/)]);
    expect(await amb(manifest, tarEntry({ name: '././src/lib.rs' }, PAYLOAD))).toEqual([expect.stringMatching(/not in the plain form/)]);
    const t = await src(manifest, tarEntry({ name: './src/a.rs' }, PAYLOAD), tarEntry({ name: './src/lib.rs', type: '1', linkname: './src/a.rs' }));
    expect(asText(t.files)['src/lib.rs']).toBe(PAYLOAD);
  });
});
