// Materializes real release pairs from git mirrors into bench/.cache (never committed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BENCH = path.resolve(here, '..');
export const CACHE = path.join(BENCH, '.cache');
export const MIRRORS = process.env.CRATEFENCE_MIRRORS ?? '/work/.mirror';

/** The bare repository for `owner/name`: `$CRATEFENCE_MIRRORS/owner+name/repo`, cloned if CRATEFENCE_GIT_BASE is set. */
export function mirrorOf(repo) {
  const dir = path.join(MIRRORS, repo.replace('/', '+'), 'repo');
  if (existsSync(dir)) return dir;
  const base = process.env.CRATEFENCE_GIT_BASE;
  if (!base) throw new Error(`no mirror of ${repo} at ${dir}; set CRATEFENCE_MIRRORS, or CRATEFENCE_GIT_BASE to clone one`);
  mkdirSync(path.dirname(dir), { recursive: true });
  execFileSync('git', ['clone', '--bare', '--quiet', `${base.replace(/\/$/, '')}/${repo}.git`, dir], { stdio: 'inherit' });
  return dir;
}

/** Removes sub-folders that are packages of their own, as `cargo package` leaves them out. */
function pruneNestedPackages(dir, top = true) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = path.join(dir, e.name);
    if (e.name === '.git' || e.name === 'target' || (existsSync(path.join(p, 'Cargo.toml')) && !top) || existsSync(path.join(p, 'Cargo.toml'))) {
      rmSync(p, { recursive: true, force: true });
    } else pruneNestedPackages(p, false);
  }
}

/** Extracts `tag:path` of a repository into the cache; returns the folder. */
export function checkout(repo, tag, sub = '.') {
  const out = path.join(CACHE, repo.replace('/', '+'), sub === '.' ? '' : sub.replace(/\//g, '_'), tag);
  if (existsSync(path.join(out, 'Cargo.toml'))) return out;
  mkdirSync(out, { recursive: true });
  const git = mirrorOf(repo);
  // Snapshots may lack very large blobs; leave those files out rather than fail the whole archive.
  const listing = execFileSync('git', ['-C', git, 'ls-tree', '-r', tag, '--', sub], { maxBuffer: 1 << 28 }).toString().trim().split('\n');
  const blobs = listing.map((l) => l.split(/\s+/)).filter((f) => f[1] === 'blob');
  const check = execFileSync('git', ['-C', git, 'cat-file', '--batch-check'], { input: blobs.map((f) => f[2]).join('\n') + '\n', maxBuffer: 1 << 28 }).toString().trim().split('\n');
  const missing = blobs.filter((_, i) => check[i]?.endsWith('missing')).map((f) => listing.find((l) => l.includes(f[2])).split('\t')[1]);
  const tar = execFileSync('git', ['-C', git, 'archive', '--format=tar', tag, sub === '.' ? '.' : sub, ...missing.map((m) => `:(exclude)${m}`)], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', out, ...(sub === '.' ? [] : [`--strip-components=${sub.split('/').length}`])], { input: tar });
  pruneNestedPackages(out);
  return out;
}

/** Every consecutive pair listed in bench/pairs.json, materialized. */
export function loadPairs(filter) {
  const spec = JSON.parse(readFileSync(path.join(BENCH, 'pairs.json'), 'utf8'));
  const pairs = [];
  for (const c of spec.crates) {
    if (filter && !c.repo.includes(filter)) continue;
    for (let i = 1; i < c.tags.length; i++) {
      pairs.push({ repo: c.repo, kind: c.kind, old: c.tags[i - 1], new: c.tags[i], oldDir: checkout(c.repo, c.tags[i - 1], c.path), newDir: checkout(c.repo, c.tags[i], c.path) });
    }
  }
  return pairs;
}

/** Paths of all .rs files under a folder. */
export function rustFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.rs') && statSync(p).isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}
