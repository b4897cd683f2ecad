import { execFile } from 'node:child_process';
import { InputError, parseVcsInfo, type CrateTree, type VcsSnapshot } from '../index.js';

/** Runs git with fixed arguments (never a shell), returning stdout as bytes; rejects with git's message. */
export type GitRunner = (args: string[]) => Promise<Buffer>;

/** Output git may print for one `ls-tree -r` of a large repository. */
const MAX_GIT_OUTPUT = 256 * 1024 * 1024;

/** git found on PATH, run read-only: no pager, no hooks, no optional locks, prompts off. */
export function defaultGit(dir: string): GitRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile('git', ['--no-pager', '-c', 'core.fsmonitor=false', '-C', dir, ...args], {
        encoding: 'buffer', maxBuffer: MAX_GIT_OUTPUT, timeout: 120_000, windowsHide: true,
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
      }, (err, stdout, stderr) => {
        if (err) reject(new Error(Buffer.from(stderr ?? '').toString('utf8').trim().split('\n')[0] || err.message));
        else resolve(stdout);
      });
    });
}

/** Parses `git ls-tree -r -z` output: path → blob id, regular and executable files only (symlinks and submodules are not compared). */
export function parseLsTree(out: Buffer): Map<string, string> {
  const files = new Map<string, string>();
  for (const rec of out.toString('utf8').split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, id] = rec.slice(0, tab).split(' ');
    if (type === 'blob' && (mode === '100644' || mode === '100755')) files.set(rec.slice(tab + 1), id);
  }
  return files;
}

/**
 * Reads the repository side of a provenance check for a release: its `.cargo_vcs_info.json`, and the
 * files of that commit through git plumbing (`cat-file`, `ls-tree`). Nothing is checked out and the
 * repository's work tree is never touched.
 */
export async function vcsSnapshot(tree: CrateTree, dir: string, git: GitRunner = defaultGit(dir)): Promise<VcsSnapshot> {
  try {
    await git(['rev-parse', '--git-dir']);
  } catch (e) {
    throw new InputError(`not a git repository (${(e as Error).message})`, `--vcs ${dir}`);
  }
  const snap: VcsSnapshot = { repo: dir, info: null, commitFound: false, files: new Map() };
  const raw = tree.files.get('.cargo_vcs_info.json');
  if (!raw) return snap;
  try {
    snap.info = parseVcsInfo(raw);
  } catch (e) {
    snap.infoError = (e as Error).message;
    return snap;
  }
  const sha = snap.info.sha1;
  // parseVcsInfo only lets 40 lowercase hex digits through, so the argument cannot be an option.
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error('unreachable: unchecked sha');
  try {
    snap.commitFound = (await git(['cat-file', '-t', sha])).toString('utf8').trim() === 'commit';
  } catch {
    snap.commitFound = false;
  }
  if (!snap.commitFound) return snap;
  snap.files = parseLsTree(await git(['ls-tree', '-r', '-z', '--full-tree', sha]));
  return snap;
}
