import { describe, expect, it } from 'vitest';
import { NODE_TYPES } from '../src/parse/kinds.js';
import { runCase } from './helpers/fixture.js';

/**
 * Process findings of a case: rule and severity, without where they are, each once (a function taken
 * as a value is reported where it is taken and where it is called).
 */
function capFindings(files: Record<string, string>): string[] {
  const r = runCase({ files });
  return [...new Set(r.findings.filter((f) => f.category === 'process' && f.severity !== 'info').map((f) => `${f.ruleId} ${f.severity}`))].sort();
}

const PLAIN = { 'src/lib.rs': 'pub fn go() { let _ = std::process::Command::new("sh").status(); }\n' };

/** Every spelling of issue 12's list must resolve to the same capability findings as PLAIN. */
const VARIANTS: Record<string, Record<string, string>> = {
  're-export in another module': {
    'src/lib.rs': 'pub mod util;\npub fn go() { let _ = util::Command::new("sh").status(); }\n',
    'src/util.rs': 'pub use std::process::Command;\n',
  },
  're-export renamed': {
    'src/lib.rs': 'pub mod util;\nuse util::Job;\npub fn go() { let _ = Job::new("sh").status(); }\n',
    'src/util.rs': 'pub use std::process::Command as Job;\n',
  },
  'type alias in another module': {
    'src/lib.rs': 'pub mod util;\npub fn go() { let _ = util::Task::new("sh").status(); }\n',
    'src/util.rs': 'pub type Task = std::process::Command;\n',
  },
  'module re-exported': {
    'src/lib.rs': 'pub mod util;\npub fn go() { let _ = util::process::Command::new("sh").status(); }\n',
    'src/util.rs': 'pub use std::process;\n',
  },
  'glob re-export, glob import': {
    'src/lib.rs': 'pub mod util;\nuse util::*;\npub fn go() { let _ = Command::new("sh").status(); }\n',
    'src/util.rs': 'pub use std::process::*;\n',
  },
  'chain of re-exports across three modules': {
    'src/lib.rs': 'mod a;\nmod b;\nmod c;\npub fn go() { c::run(); }\n',
    'src/a.rs': 'pub use std::process::Command as Job;\n',
    'src/b.rs': 'pub use crate::a::Job as Work;\n',
    'src/c.rs': 'use crate::b::Work;\npub fn run() { let _ = Work::new("sh").status(); }\n',
  },
  'use {self as p}': { 'src/lib.rs': 'use std::process::{self as p};\npub fn go() { let _ = p::Command::new("sh").status(); }\n' },
  'function path as a value': { 'src/lib.rs': 'pub fn go() { let mk = std::process::Command::new::<&str>; let _ = mk("sh").status(); }\n' },
  'raw identifiers': { 'src/lib.rs': 'pub fn go() { let _ = std::r#process::r#Command::r#new("sh").status(); }\n' },
  'comment inside the path': { 'src/lib.rs': 'pub fn go() { let _ = std:: /* x */ process:: Command::new("sh").status(); }\n' },
  'line comment and line break inside the path': { 'src/lib.rs': 'pub fn go() {\n    let _ = std:: // x\n        process::\n        Command::new("sh").status();\n}\n' },
};

describe('names that hide a capability', () => {
  const plain = capFindings(PLAIN);
  it('the plain call has process findings', () => {
    expect(plain).toContain('process-spawn high');
    expect(plain).toContain('shell-exec high');
  });
  for (const [name, files] of Object.entries(VARIANTS)) {
    it(`${name} gives the plain call's findings`, () => {
      expect(capFindings(files)).toEqual(plain);
    });
  }
  it('a path assembled from a macro_rules! body reaches the capability', () => {
    const got = capFindings({ 'src/lib.rs': 'macro_rules! mk { ($a:ident, $b:ident) => { std::$a::$b::new("sh") } }\npub fn go() { let _ = mk!(process, Command).status(); }\n' });
    expect(got).toContain('process-spawn high');
  });
  it('a local module named like std is not std', () => {
    const got = capFindings({ 'src/lib.rs': 'mod util { pub struct Command; impl Command { pub fn new(_: &str) -> Self { Command } } }\npub fn go() { let _ = util::Command::new("sh"); }\n' });
    expect(got).toEqual([]);
  });
});

describe('tree-sitter node kinds the hidden-name walk uses', () => {
  const kinds = new Map(NODE_TYPES.map((t) => [t.type, t as { fields?: Record<string, unknown> }]));
  it.each([
    ['generic_function', 'function'],
    ['let_declaration', 'value'],
    ['static_item', 'value'],
    ['call_expression', 'function'],
    ['use_as_clause', 'alias'],
    ['scoped_use_list', 'list'],
  ])('%s has field %s', (kind, field) => {
    expect(Object.keys(kinds.get(kind)?.fields ?? {})).toContain(field);
  });
  it.each(['scoped_identifier', 'identifier', 'use_wildcard', 'self', 'macro_definition', 'token_tree', 'binary_expression', 'array_expression'])('%s exists', (kind) => {
    expect(kinds.has(kind)).toBe(true);
  });
});
