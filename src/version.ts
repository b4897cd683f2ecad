import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './root.js';

/** cratefence's version (its package.json's). Its own module, so `--version` and `--help` need nothing else. */
export const VERSION = (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
