// Enumerates the std items of the platform model from the std documentation that the rustup toolchain
// ships (share/doc/rust/html/std): each module's sidebar-items file lists its functions, structs,
// enums and traits; each type's page carries one anchor per inherent method (`id="method.open"`,
// before the trait implementations) and each trait's page one per method (`tymethod.`/`method.`).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The modules whose every function and method is classified. */
export const STD_MODULES = ['fs', 'net', 'process', 'env'];
const OS_PARTS = ['fs', 'net', 'process'];

function sidebar(dir) {
  const f = readdirSync(dir).find((x) => /^sidebar-items.*\.js$/.test(x));
  if (!f) return null;
  const text = readFileSync(path.join(dir, f), 'utf8');
  const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  return JSON.parse(json);
}

/** Method anchors of a type page: inherent methods only (the part before the trait implementations). */
function typeMethods(file) {
  const html = readFileSync(file, 'utf8');
  const start = html.indexOf('id="implementations"');
  if (start < 0) return [];
  let end = html.indexOf('id="trait-implementations"', start);
  if (end < 0) end = html.indexOf('id="synthetic-implementations"', start);
  if (end < 0) end = html.length;
  return anchors(html.slice(start, end), /id="method\.([A-Za-z_][A-Za-z0-9_]*)"/g);
}

/** Method anchors of a trait page: required (`tymethod.`) and provided (`method.`) methods of the trait itself. */
function traitMethods(file) {
  const html = readFileSync(file, 'utf8');
  let end = html.indexOf('id="implementors"');
  if (end < 0) end = html.indexOf('id="foreign-impls"');
  if (end < 0) end = html.length;
  return anchors(html.slice(0, end), /id="(?:ty)?method\.([A-Za-z_][A-Za-z0-9_]*)"/g);
}

function anchors(text, re) {
  const out = new Set();
  for (const m of text.matchAll(re)) out.add(m[1]);
  return [...out];
}

/** The std module folders in scope: std::{fs,net,process,env} and std::os::<platform>::{fs,net,process}. */
function moduleDirs(stdDir) {
  const out = STD_MODULES.map((m) => ({ module: `std::${m}`, dir: path.join(stdDir, m) }));
  const os = path.join(stdDir, 'os');
  for (const platform of readdirSync(os).sort()) {
    for (const part of OS_PARTS) {
      const dir = path.join(os, platform, part);
      if (existsSync(path.join(dir, 'index.html'))) out.push({ module: `std::os::${platform}::${part}`, dir });
    }
  }
  return out;
}

/**
 * Every function and method of the modules in scope, as `{ module, type, name, path }` (type null for
 * a free function), sorted by path. `stdDir` is the toolchain's html/std folder.
 */
export function enumerateStd(stdDir) {
  const items = [];
  for (const { module, dir } of moduleDirs(stdDir)) {
    const sb = sidebar(dir);
    if (!sb) continue;
    for (const name of sb.fn ?? []) items.push({ module, type: null, name, path: `${module}::${name}` });
    for (const kind of ['struct', 'enum', 'trait']) {
      for (const type of sb[kind] ?? []) {
        const file = path.join(dir, `${kind}.${type}.html`);
        if (!existsSync(file)) continue;
        const methods = kind === 'trait' ? traitMethods(file) : typeMethods(file);
        for (const name of methods) items.push({ module, type, name, path: `${module}::${type}::${name}` });
      }
    }
  }
  const seen = new Set();
  return items.filter((i) => !seen.has(i.path) && seen.add(i.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The toolchain version the docs belong to (from the `crates<version>.js` file name). */
export function docsVersion(htmlDir) {
  const f = readdirSync(htmlDir).find((x) => /^crates[\d.]+\.js$/.test(x));
  return f ? f.replace(/^crates|\.js$/g, '') : 'unknown';
}
