import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The package's root folder (the one whose package.json is cratefence's), found by walking up from
 * this module, so it is the same whether the code runs from dist/, from the bundled CLI or from src/.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'cratefence') return (cached = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cratefence: cannot find its own package.json');
    dir = up;
  }
}
