#!/usr/bin/env node
// Build step: compiles the syntax addon (native/) with node-gyp against the Node.js headers already
// on the machine (no download). Incremental: make recompiles only what changed. When it cannot be
// built (no C compiler), scans still work through the tree-sitter binding, only slower: say so loudly.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'native');

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c));
}

/** Headers of the running Node.js, when installed beside it (a distribution's package or the official tarball). */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

const gyp = nodeGyp();
if (!gyp) {
  console.error('cratefence: node-gyp not found; the native syntax addon is not built. Scans fall back to the slower tree-sitter binding.');
  process.exit(process.env.CRATEFENCE_REQUIRE_NATIVE ? 1 : 0);
}
const args = ['--loglevel=warn'];
const nd = nodeDir();
if (nd) args.push(`--nodedir=${nd}`);
try {
  const run = (cmd) => execFileSync(process.execPath, [gyp, cmd, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(path.join(dir, 'build', 'Makefile')) && !existsSync(path.join(dir, 'build', 'config.gypi'))) run('configure');
  run('build');
  console.log('built the native syntax addon (native/build/Release/cratefence_syntax.node)');
} catch (e) {
  console.error(`cratefence: the native syntax addon did not build (${e.message.split('\n')[0]}). Scans fall back to the slower tree-sitter binding; see docs/performance.md.`);
  process.exit(process.env.CRATEFENCE_REQUIRE_NATIVE ? 1 : 0);
}
