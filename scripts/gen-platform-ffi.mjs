// Reads a crate's own declarations with tree-sitter: foreign functions and statics of `extern` blocks,
// public functions (module level and inherent methods) with their public module paths, and the
// `SYS_*` constants of the arch files. Macro bodies (`cfg_if!`, nix's `feature!`) are parsed again as
// items, since that is where much of libc and nix declares things. Only names and numbers leave here.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const Rust = require('tree-sitter-rust');

const parser = new Parser();
parser.setLanguage(Rust);

function parse(text) {
  return parser.parse((i) => text.slice(i, i + 65536));
}

function rustFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d).sort()) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.rs')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Module path of a file below src/ (`src/sys/socket/mod.rs` → [sys, socket]). */
function fileModule(rel) {
  const segs = rel.replace(/\.rs$/, '').split(path.sep);
  const last = segs[segs.length - 1];
  if (last === 'mod' || last === 'lib') segs.pop();
  return segs;
}

const isPub = (node) => node.namedChildren.some((c) => c.type === 'visibility_modifier' && c.text === 'pub');
const nameOf = (node) => node.childForFieldName('name')?.text;

/**
 * Walks one syntax tree. `emit` receives { kind: 'foreign'|'static'|'fn'|'method'|'const'|'mod'|'use', … }
 * with the inline module path (`mods`) it sits in; macro token trees are parsed and walked again.
 */
function walk(node, mods, emit, depth) {
  switch (node.type) {
    case 'macro_definition':
      return;
    case 'foreign_mod_item': {
      const body = node.childForFieldName('body') ?? node.namedChildren.find((c) => c.type === 'declaration_list');
      // `#[link_name = "_execv"] pub fn execv(…)` declares the C symbol `_execv` under a Rust name.
      let linkName = null;
      for (const c of body?.namedChildren ?? []) {
        if (c.type === 'attribute_item') {
          linkName = /^#\[\s*link_name\s*=\s*"([^"]+)"/.exec(c.text)?.[1] ?? linkName;
          continue;
        }
        if ((c.type === 'function_signature_item' || c.type === 'static_item') && nameOf(c)) {
          const kind = c.type === 'static_item' ? 'static' : 'foreign';
          emit({ kind, name: nameOf(c), mods });
          if (linkName) emit({ kind, name: linkName, mods });
        } else if (c.type === 'macro_invocation') walkMacro(c, mods, emit, depth, true);
        if (c.type !== 'line_comment' && c.type !== 'block_comment') linkName = null;
      }
      return;
    }
    case 'function_item':
      if (nameOf(node) && isPub(node)) emit({ kind: 'fn', name: nameOf(node), mods });
      return; // local items inside bodies are not API
    case 'impl_item': {
      if (node.childForFieldName('trait')) return;
      const type = node.childForFieldName('type')?.text.replace(/<[^]*$/, '').split('::').pop();
      for (const c of node.childForFieldName('body')?.namedChildren ?? []) {
        if (c.type === 'function_item' && isPub(c) && nameOf(c) && type) emit({ kind: 'method', type, name: nameOf(c), mods });
      }
      return;
    }
    case 'const_item': {
      const name = nameOf(node);
      if (name && /^SYS_/.test(name)) emit({ kind: 'const', name, value: node.childForFieldName('value')?.text ?? '', mods });
      return;
    }
    case 'mod_item': {
      const name = nameOf(node);
      const body = node.childForFieldName('body');
      if (!body) {
        emit({ kind: 'mod', name, pub: isPub(node), mods });
        return;
      }
      emit({ kind: 'mod', name, pub: isPub(node), mods, inline: true });
      for (const c of body.namedChildren) walk(c, [...mods, name], emit, depth);
      return;
    }
    case 'use_declaration':
      if (isPub(node)) emit({ kind: 'use', text: node.childForFieldName('argument')?.text ?? '', mods });
      return;
    case 'macro_invocation':
      walkMacro(node, mods, emit, depth, false);
      return;
    default:
      for (const c of node.namedChildren) walk(c, mods, emit, depth);
  }
}

/** Parses the token trees of a macro invocation as items (inside an extern block: as its body). */
function walkMacro(node, mods, emit, depth, inExtern) {
  if (depth > 8) return;
  const visit = (tt) => {
    const inner = tt.text.slice(1, -1);
    if (!/\b(fn|mod|extern|impl|const|static|use)\b/.test(inner)) return;
    const tree = parse(inExtern ? `extern "C" {${inner}}` : inner);
    walk(tree.rootNode, mods, emit, depth + 1);
    // `cfg_if! { if #[cfg(x)] { items } else { items } }` is no item syntax: its branches are the
    // nested token trees. Text that parsed as items already had its bodies walked.
    if (tree.rootNode.hasError) for (const c of tt.namedChildren) if (c.type === 'token_tree') visit(c);
  };
  for (const c of node.namedChildren) if (c.type === 'token_tree') visit(c);
}

/**
 * Everything a crate declares, by file: `{ file, module, foreign[], statics[], fns[], methods[], consts[], mods[], uses[] }`
 * (module as segments below the crate root). `srcDir` is the crate's src folder.
 */
export function extractCrate(srcDir) {
  const files = [];
  for (const file of rustFiles(srcDir)) {
    const rel = path.relative(srcDir, file);
    const module = fileModule(rel);
    const rec = { file: rel, module, foreign: [], statics: [], fns: [], methods: [], consts: [], mods: [], uses: [] };
    const emit = (e) => {
      const where = [...module, ...e.mods];
      if (e.kind === 'foreign') rec.foreign.push({ name: e.name, module: where });
      else if (e.kind === 'static') rec.statics.push({ name: e.name, module: where });
      else if (e.kind === 'fn') rec.fns.push({ name: e.name, module: where });
      else if (e.kind === 'method') rec.methods.push({ type: e.type, name: e.name, module: where });
      else if (e.kind === 'const') rec.consts.push({ name: e.name, value: e.value });
      else if (e.kind === 'mod') rec.mods.push({ name: e.name, pub: e.pub, module: where });
      else if (e.kind === 'use') rec.uses.push({ text: e.text, module: where });
    };
    walk(parse(readFileSync(file, 'utf8')).rootNode, [], emit, 0);
    files.push(rec);
  }
  return files;
}

/**
 * The public path of a module, or null when it is private and not re-exported: a private `mod x;`
 * whose parent has `pub use x::…` (or `self::x::…`) folds into the parent, as rustix's `mod at; pub
 * use at::*;` does.
 */
export function publicModules(files) {
  const decl = new Map();
  const uses = new Map();
  for (const f of files) {
    for (const m of f.mods) {
      const k = [...m.module, m.name].join('::');
      decl.set(k, decl.get(k) === true || m.pub);
    }
    for (const u of f.uses) {
      const k = u.module.join('::');
      if (!uses.has(k)) uses.set(k, []);
      uses.get(k).push(u.text.replace(/^self::/, ''));
    }
  }
  return (module) => {
    const out = [];
    for (let i = 0; i < module.length; i++) {
      const k = module.slice(0, i + 1).join('::');
      const parent = module.slice(0, i).join('::');
      if (decl.get(k) !== false) {
        out.push(module[i]);
        continue;
      }
      const reexported = (uses.get(parent) ?? []).some((t) => t === module[i] || t.startsWith(`${module[i]}::`));
      if (!reexported) return null;
    }
    return out;
  };
}

/** Evaluates a `SYS_*` value: an integer literal or a sum of them (`4000 + 11`). */
export function evalSysValue(text) {
  let sum = 0;
  for (const part of text.split('+')) {
    const t = part.trim().replace(/_/g, '').replace(/(?:i|u)(?:8|16|32|64|size)$/, '');
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) return null;
    sum += Number(t);
  }
  return sum;
}
