import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { makeTar, type Entry } from './tarball.js';

export const CORPUS = path.join(__dirname, '..', '..', 'corpus');

/** A corpus case side as a `.crate` (gzip tar under `name-version/`), with its manifest's name and version. */
export async function corpusCrate(caseName: string, side: 'old' | 'new'): Promise<{ name: string; version: string; bytes: Buffer }> {
  const dir = path.join(CORPUS, caseName, side);
  const pkg = (parseToml(readFileSync(path.join(dir, 'Cargo.toml'), 'utf8')) as { package: { name: string; version: string } }).package;
  const entries: Entry[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else entries.push({ name: `${pkg.name}-${pkg.version}/${r}`, content: readFileSync(path.join(dir, r)) });
    }
  };
  walk('');
  return { name: pkg.name, version: pkg.version, bytes: await makeTar(entries) };
}

/** A folder for a whole test file (removed by the caller in afterAll), unlike helpers/tmp.ts tempDir, which belongs to one test. */
export function suiteDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
