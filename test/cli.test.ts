import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTar, type Entry } from './helpers/tarball.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');
const CORPUS = path.join(ROOT, 'corpus');

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Packs a corpus side into a crates.io-style `.crate` file. */
async function packSide(dir: string, top: string, file: string): Promise<void> {
  const entries: Entry[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else entries.push({ name: `${top}/${r}`, content: readFileSync(path.join(d, e.name)) });
    }
  };
  walk(dir, '');
  writeFileSync(file, await makeTar(entries));
}

const CASE = 'm05-far-jump-payload-in-new-module';

describe('cratefence CLI', () => {
  it('prints the JSON contract for two folders and exits 1 on a block verdict', () => {
    const r = run(['diff', path.join(CORPUS, CASE, 'old'), path.join(CORPUS, CASE, 'new'), '--format', 'json']);
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out);
    expect(Object.keys(rep)).toEqual(expect.arrayContaining(['schemaVersion', 'tool', 'crate', 'verdict', 'score', 'summary', 'capabilities', 'findings', 'scoreBreakdown']));
    expect(rep.schemaVersion).toBe(1);
    expect(rep.tool).toMatchObject({ name: 'cratefence', treeSitter: expect.stringMatching(/^0\.22\./), treeSitterRust: expect.stringMatching(/^0\.24\./) });
    expect(rep.crate).toEqual({ name: 'rust_decimal_fast', old: '1.30.0', new: '1.30.1' });
    expect(rep.verdict).toBe('block');
    expect(Object.keys(rep.summary)).toEqual(expect.arrayContaining(['filesChanged', 'linesAdded', 'linesRemoved', 'partialFiles']));
    expect(Object.keys(rep.capabilities).sort()).toEqual(['added', 'after', 'before']);
    const f = rep.findings.find((x: { ruleId: string }) => x.ruleId === 'far-jump-call');
    expect(Object.keys(f)).toEqual(expect.arrayContaining(['ruleId', 'category', 'severity', 'confidence', 'message', 'file', 'line', 'column', 'endLine', 'snippet', 'item', 'trace']));
    expect(f.file).toBe('src/lib.rs');
    expect(f.trace[0]).toEqual({ item: 'crate::Decimal::new', file: 'src/lib.rs', line: 10 });
  });

  it('reads .crate files the same way as folders', async () => {
    const d = tempDir('cratefence-cli-');
    await packSide(path.join(CORPUS, CASE, 'old'), 'rust_decimal_fast-1.30.0', path.join(d, 'old.crate'));
    await packSide(path.join(CORPUS, CASE, 'new'), 'rust_decimal_fast-1.30.1', path.join(d, 'new.crate'));
    const a = JSON.parse(run(['diff', path.join(d, 'old.crate'), path.join(d, 'new.crate'), '--format', 'json']).out);
    const b = JSON.parse(run(['diff', path.join(CORPUS, CASE, 'old'), path.join(CORPUS, CASE, 'new'), '--format', 'json']).out);
    expect(a.verdict).toBe(b.verdict);
    expect(a.findings.map((x: { ruleId: string; line: number }) => `${x.ruleId}:${x.line}`)).toEqual(b.findings.map((x: { ruleId: string; line: number }) => `${x.ruleId}:${x.line}`));
  });

  it('reports a top folder that does not match the manifest', async () => {
    const d = tempDir('cratefence-top-');
    await packSide(path.join(CORPUS, 'h09-error-message-urls', 'new'), 'serde-9.9.9', path.join(d, 'x.crate'));
    const rep = JSON.parse(run(['scan', path.join(d, 'x.crate'), '--format', 'json']).out);
    const f = rep.findings.find((x: { ruleId: string }) => x.ruleId === 'archive-ambiguity');
    expect(f?.message).toMatch(/top folder is serde-9\.9\.9 but its Cargo\.toml describes errs-0\.2\.1/);
  });

  it('exits 0 below --fail-on and honours --fail-on review and never', () => {
    const harmless = ['diff', path.join(CORPUS, 'h01-network-client-new-endpoint', 'old'), path.join(CORPUS, 'h01-network-client-new-endpoint', 'new')];
    expect(run(harmless).code).toBe(0);
    const review = ['diff', path.join(CORPUS, 'm15-tls-verification-off', 'old'), path.join(CORPUS, 'm15-tls-verification-off', 'new')];
    expect(run(review).code).toBe(0);
    expect(run([...review, '--fail-on', 'review']).code).toBe(1);
    expect(run(['diff', path.join(CORPUS, CASE, 'old'), path.join(CORPUS, CASE, 'new'), '--fail-on', 'never']).code).toBe(0);
  });

  it('prints compiler-style text without colour when NO_COLOR is set or output is not a terminal', () => {
    const r = run(['diff', path.join(CORPUS, CASE, 'old'), path.join(CORPUS, CASE, 'new')], { NO_COLOR: '1' });
    expect(r.out).toContain('BLOCK');
    expect(r.out).toContain('--> src/lib.rs:10:9 in crate::Decimal::new');
    expect(r.out).toContain('10 |         scale::normalize(scale);');
    expect(r.out).toContain('reached through:');
    // eslint-disable-next-line no-control-regex
    expect(r.out).not.toMatch(/\x1b\[/);
  });

  it('writes --output atomically and prints nothing on stdout', () => {
    const d = tempDir('cratefence-out-');
    const out = path.join(d, 'r.json');
    const r = run(['scan', path.join(CORPUS, CASE, 'new'), '--format', 'json', '--output', out, '--fail-on', 'never']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).crate.old).toBeNull();
    expect(readdirSync(d)).toEqual(['r.json']);
  });

  it('exits 2 with a short message on bad usage and bad input', () => {
    expect(run(['diff', 'only-one']).code).toBe(2);
    expect(run(['frobnicate']).err).toMatch(/unknown command/);
    expect(run(['diff', 'a', 'b', '--format', 'xml']).err).toMatch(/--format must be one of/);
    const missing = run(['diff', '/nonexistent/a', '/nonexistent/b']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file or directory/);
    expect(missing.err).not.toMatch(/at .*\.js:\d+/);
  });

  it('exits 2 on a hostile archive and writes no report', async () => {
    const d = tempDir('cratefence-bad-');
    writeFileSync(path.join(d, 'evil.crate'), await makeTar([{ name: 'x-1.0.0/Cargo.toml', content: '' }, { name: 'x-1.0.0/../../escape', content: 'x' }]));
    const out = path.join(d, 'r.json');
    const r = run(['scan', path.join(d, 'evil.crate'), '--output', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/path traversal/);
    expect(readdirSync(d)).toEqual(['evil.crate']);
  });
});
