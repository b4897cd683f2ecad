// Loads the bundled CLI (dist/cratefence.cjs) through a V8 code cache when one was built for this
// exact file and Node.js (dist/cratefence.cjs.cache): V8 checks the source and its own version and
// flags, and rejects a cache that does not fit, in which case the code is simply compiled as usual.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { isAscii } = require('node:buffer');

/** The bundle's exports; `produce` returns the code cache made after the caller has run it. */
function loadBundle(root, { useCache = true } = {}) {
  const file = path.join(root, 'dist', 'cratefence.cjs');
  // The build makes the bundle pure ASCII (scripts/bundle-cli.mjs): read as Latin-1 it becomes a
  // one-byte string without UTF-8 decoding (about half the time). A bundle with other bytes is decoded
  // as UTF-8, as any source is.
  const bytes = fs.readFileSync(file);
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  let cachedData;
  if (useCache) {
    try {
      cachedData = fs.readFileSync(`${file}.cache`);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  return { exports: mod.exports, cacheRejected: cachedData !== undefined && script.cachedDataRejected === true, produce: () => script.createCachedData() };
}

module.exports = { loadBundle };
