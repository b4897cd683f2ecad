import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeTrees, emptyTree, treeFromFiles, type Report } from '../src/index.js';
import { vcsSnapshot } from '../src/provenance/index.js';
import { makeTar } from './helpers/tarball.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');

const hasGit = spawnSync('git', ['--version']).status === 0;
if (!hasGit) console.log('provenance tests skipped: git is not installed');

const LIB = 'pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n';
const README = '# adder\n\nAdds numbers.\n';
const MANIFEST = '[package]\nname = "adder"\nversion = "0.1.0"\nedition = "2021"\nreadme = "../../README.md"\n';

let tmp = '';
let repo = '';
let sha = '';

function git(...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' }).trim();
}

/** The crate as `cargo package` would publish it from `crates/adder` at `commit`, with `extra` files on top. */
function crate(commit: string | null, extra: Record<string, string> = {}, dirty = false): Record<string, string> {
  const files: Record<string, string> = {
    'Cargo.toml': `${MANIFEST}# normalised by cargo\n`,
    'Cargo.toml.orig': MANIFEST,
    'Cargo.lock': '# written by cargo\n',
    'src/lib.rs': LIB,
    'README.md': README,
    ...extra,
  };
  if (commit !== null) files['.cargo_vcs_info.json'] = JSON.stringify({ git: { sha1: commit, dirty }, path_in_vcs: 'crates/adder' });
  return files;
}

async function check(files: Record<string, string>): Promise<Report> {
  const tree = treeFromFiles(files, 'adder-0.1.0');
  const provenance = await vcsSnapshot(tree, repo);
  return analyzeTrees(emptyTree(), tree, { provenance }).report;
}

const ours = (r: Report) => r.findings.filter((f) => f.ruleId === 'provenance-missing' || f.ruleId === 'file-not-in-repository');

describe.skipIf(!hasGit)('--vcs provenance against a git repository', () => {
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'cf-vcs-'));
    repo = path.join(tmp, 'repo');
    mkdirSync(path.join(repo, 'crates', 'adder', 'src'), { recursive: true });
    writeFileSync(path.join(repo, 'README.md'), README);
    writeFileSync(path.join(repo, 'crates', 'adder', 'Cargo.toml'), MANIFEST);
    writeFileSync(path.join(repo, 'crates', 'adder', 'src', 'lib.rs'), LIB);
    execFileSync('git', ['init', '-q', repo]);
    git('add', '-A');
    git('commit', '-q', '-m', 'first');
    sha = git('rev-parse', 'HEAD');
    // A later change in the work tree must not matter: the commit's tree is read, not the files.
    writeFileSync(path.join(repo, 'crates', 'adder', 'src', 'lib.rs'), `${LIB}// uncommitted\n`);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('passes an honest crate packaged from the commit', async () => {
    const files = crate(sha);
    const r = await check(files);
    expect(ours(r)).toEqual([]);
    // Provenance adds nothing: the report is the one a scan without --vcs gives.
    const plain = analyzeTrees(emptyTree(), treeFromFiles(files, 'adder-0.1.0')).report;
    expect([r.verdict, r.score, r.findings.length]).toEqual([plain.verdict, plain.score, plain.findings.length]);
  });

  it('reports a file that is not in the repository', async () => {
    const r = await check(crate(sha, { 'src/payload.rs': 'pub fn p() {}\n' }));
    const f = ours(r);
    expect(f.map((x) => [x.ruleId, x.file, x.category, x.severity])).toEqual([['file-not-in-repository', 'src/payload.rs', 'obfuscation', 'high']]);
    expect(f[0].message).toContain('is not in the repository');
  });

  it('reports a file that differs from the repository', async () => {
    const r = await check(crate(sha, { 'src/lib.rs': `${LIB}pub fn sub(a: u32, b: u32) -> u32 { a - b }\n` }));
    const f = ours(r);
    expect(f.map((x) => [x.ruleId, x.file])).toEqual([['file-not-in-repository', 'src/lib.rs']]);
    expect(f[0].message).toContain('differs from the repository');
    expect(r.verdict).not.toBe('pass');
  });

  it('reports a crate without .cargo_vcs_info.json', async () => {
    const f = ours(await check(crate(null)));
    expect(f.map((x) => [x.ruleId, x.category])).toEqual([['provenance-missing', 'manifest']]);
    expect(f[0].message).toContain('no .cargo_vcs_info.json');
  });

  it('reports a dirty packaging', async () => {
    const f = ours(await check(crate(sha, {}, true)));
    expect(f.map((x) => x.ruleId)).toEqual(['provenance-missing']);
    expect(f[0].message).toContain('uncommitted changes');
  });

  it('reports a commit that is not in the repository', async () => {
    const f = ours(await check(crate('0123456789abcdef0123456789abcdef01234567')));
    expect(f.map((x) => [x.ruleId, x.severity])).toEqual([['provenance-missing', 'high']]);
    expect(f[0].message).toContain('is not in the repository');
  });

  it('rejects a vcs_info whose sha is not 40 hex digits before running git with it', async () => {
    const files = crate(sha);
    files['.cargo_vcs_info.json'] = JSON.stringify({ git: { sha1: '--output=/tmp/x' }, path_in_vcs: '' });
    const f = ours(await check(files));
    expect(f.map((x) => x.ruleId)).toEqual(['provenance-missing']);
    expect(f[0].message).toContain('40-hex');
  });

  it('fails with a clear error when the folder is not a repository', async () => {
    await expect(vcsSnapshot(treeFromFiles(crate(sha)), tmp)).rejects.toThrow(/not a git repository/);
  });

  it('is wired into the CLI: scan of a .crate with --vcs', async () => {
    const file = path.join(tmp, 'adder-0.1.0.crate');
    const entries = Object.entries(crate(sha, { 'build.rs': 'fn main() {}\n' })).map(([n, c]) => ({ name: `adder-0.1.0/${n}`, content: Buffer.from(c) }));
    writeFileSync(file, await makeTar(entries));
    const r = spawnSync(process.execPath, [BIN, 'scan', file, '--vcs', repo, '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    expect(ours(rep).map((x) => [x.ruleId, x.file])).toEqual([['file-not-in-repository', 'build.rs']]);
    // The repository's work tree is as the test left it.
    expect(git('status', '--porcelain')).toBe('M crates/adder/src/lib.rs');
  });
});
