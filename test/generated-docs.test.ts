import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..');

describe('documentation produced from the code', () => {
  it('README.md\'s example output and docs/rule-reference.md are what the current build produces', () => {
    // The script runs the built CLI on the corpus case the README shows and reads the rule files.
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'generated-docs.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout, 'regenerate with: npm run build && node scripts/generated-docs.mjs --update').toBe('');
    expect(r.status).toBe(0);
  });

  it('the README block is the CLI\'s report of the corpus case, score and points included', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- generated: cratefence diff corpus\/(m05-[\w-]+) [^\n]*-->\n\n```text\n([\s\S]*?)\n```\n\n<!-- end of generated example -->/.exec(readme);
    expect(block).not.toBeNull();
    const c = path.join('corpus', block![1]);
    const out = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cratefence.js'), 'diff', path.join(c, 'old'), path.join(c, 'new'), '--no-progress'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(out.status).toBe(1);
    expect(block![2].split('\n').slice(1).join('\n')).toBe(out.stdout.trimEnd());
    expect(block![2]).toMatch(/BLOCK {2}score \d+\/100/);
  });
});
