import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrees } from '../src/index.js';
import { treeFromFiles } from '../src/source/index.js';
import { manifest } from './helpers/fixture.js';
import { tempDir } from './helpers/tmp.js';

// A rules folder given with --rules: the bundled rules plus one rule of the user's own, written as a
// tree-sitter query. Query rules run over the changed lines of the new files only, and code that
// merely moved (the same match on removed lines of the old file) is not reported.
const QUERY_RULE = `id: transmute-call
category: unsafe
severity: medium
confidence: high
message: "transmute call: \`{text}\`"
note: Reinterprets bits as another type; wrong sizes or invalid values are undefined behaviour.
match:
  query: |
    (call_expression
      function: (scoped_identifier name: (identifier) @n (#eq? @n "transmute"))) @match
tests:
  invalid:
    - code: |
        pub fn f(x: u32) -> f32 { unsafe { std::mem::transmute(x) } }
  valid:
    - code: |
        pub fn f(x: u32) -> f32 { f32::from_bits(x) }
`;

function rulesDir(): string {
  const dir = tempDir('cratefence-rules-');
  cpSync(path.join(import.meta.dirname, '..', 'rules'), dir, { recursive: true });
  writeFileSync(path.join(dir, 'unsafe', 'transmute-call.yaml'), QUERY_RULE);
  return dir;
}

describe('user rules written as tree-sitter queries', () => {
  it('report new matches on added lines and not code that moved', () => {
    const a = 'pub fn a(x: u32) -> f32 { unsafe { std::mem::transmute(x) } }\n';
    const b = 'pub fn b(x: u64) -> f64 { unsafe { std::mem::transmute(x) } }\n';
    const old = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': `// helpers\n${a}` });
    // `a` moves below a new comment block; `b` is new.
    const neu = treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': `// helpers\n${b}\n// moved\n${a}` });
    const { report } = analyzeTrees(old, neu, { rulesDir: rulesDir() });
    const hits = report.findings.filter((f) => f.ruleId === 'transmute-call');
    expect(hits.map((f) => [f.line, f.item])).toEqual([[2, 'crate::b']]);
    expect(hits[0].message).toContain('std::mem::transmute(x)');
  });

  it('a query that does not compile is a clear rule error', () => {
    const dir = rulesDir();
    writeFileSync(path.join(dir, 'unsafe', 'transmute-call.yaml'), QUERY_RULE.replace('(call_expression', '(no_such_node'));
    const t = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': '' });
    expect(() => analyzeTrees(t, t, { rulesDir: dir })).toThrow(/transmute-call.*does not compile/);
  });
});
