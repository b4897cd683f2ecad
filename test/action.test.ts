import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..');
const TEXT = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');

interface Step { name?: string; id?: string; uses?: string; run?: string; shell?: string; if?: string; env?: Record<string, string>; with?: Record<string, string> }
interface Action { name: string; description: string; inputs: Record<string, { description: string; default?: string }>; outputs: Record<string, { value: string }>; runs: { using: string; steps: Step[] } }

function load(): Action {
  const doc = parseDocument(TEXT, { uniqueKeys: true, prettyErrors: true });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  return doc.toJS() as Action;
}

describe('action.yml', () => {
  const action = load();
  const steps = action.runs.steps;

  it('is a composite action whose steps are well formed', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.name).toBe('cratefence');
    for (const s of steps) {
      expect(Boolean(s.uses) !== Boolean(s.run), s.name).toBe(true);
      if (s.run) expect(s.shell, `${s.name}: composite run steps need a shell`).toBe('bash');
      if (s.uses) expect(s.uses, s.name).toMatch(/^[\w-]+\/[\w/-]+@v\d+$/);
    }
    expect(steps.map((s) => s.uses).filter(Boolean)).toEqual(['actions/setup-node@v4', 'github/codeql-action/upload-sarif@v3', 'actions/github-script@v7']);
    expect(steps[0].with).toEqual({ 'node-version': '20' });
  });

  it('references only inputs and step outputs that exist', () => {
    const inputs = [...TEXT.matchAll(/inputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
    expect(inputs.length).toBeGreaterThan(5);
    for (const i of inputs) expect(Object.keys(action.inputs), `inputs.${i}`).toContain(i);
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    for (const m of TEXT.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const step = steps.find((s) => s.id === m[1]);
      expect(step, `step ${m[1]}`).toBeDefined();
      expect(step!.run, `${m[1]} writes ${m[2]}`).toContain(`echo "${m[2]}=`);
    }
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['lockfile', 'fail-on', 'config', 'sarif-file']));
  });

  it('never substitutes expressions into script text', () => {
    for (const s of steps) {
      expect(s.run ?? '', s.name).not.toContain('${{');
      expect(s.with?.script ?? '', s.name).not.toContain('${{');
    }
  });

  it('runs lock against the PR base, uploads SARIF, and keeps one comment found by its marker', () => {
    expect(action.inputs['base-ref'].default).toBe('${{ github.event.pull_request.base.sha }}');
    const scan = steps.find((s) => s.id === 'scan')!;
    expect(scan.run).toContain('lock --git-base "$CF_BASE"');
    expect(scan.run).toContain('--format markdown');
    expect(scan.run).toContain('--format sarif');
    expect(scan.run).toContain('$GITHUB_STEP_SUMMARY');
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))!;
    expect(upload.with!.sarif_file).toBe('${{ inputs.sarif-file }}');
    const comment = steps.find((s) => s.uses?.startsWith('actions/github-script'))!;
    const script = comment.with!.script;
    expect(script).toContain("const MARKER = '<!-- cratefence -->'");
    expect(script).toContain('updateComment');
    // The script is the body of an async function (as github-script runs it): it must compile.
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => unknown;
    expect(() => new AsyncFunction('require', 'github', 'context', 'core', script)).not.toThrow();
  });
});

describe('the action scripts, run with bash as GitHub runs them', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'cratefence-action-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const steps = load().runs.steps;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

  it('passes cratefence exit code through, writes the outputs and the step summary', () => {
    const repo = path.join(tmp, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q');
    git(repo, 'config', 'user.name', 't');
    git(repo, 'config', 'user.email', 't@example.com');
    const lock = (pkgs: string) => `version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n${pkgs}`;
    writeFileSync(path.join(repo, 'Cargo.lock'), lock(''));
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    const base = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(path.join(repo, 'Cargo.lock'), lock('\n[[package]]\nname = "local"\nversion = "0.2.0"\n'));
    // `npx --yes cratefence@VERSION ARGS` runs this checkout's CLI: the real program, offline.
    const bin = path.join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\nshift 2\nexec "${process.execPath}" "${path.join(ROOT, 'bin', 'cratefence.js')}" "$@"\n`);
    chmodSync(path.join(bin, 'npx'), 0o755);
    const out = path.join(tmp, 'output');
    const summary = path.join(tmp, 'summary');
    writeFileSync(out, '');
    writeFileSync(summary, '');
    const env = {
      ...process.env, PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: tmp,
      CF_LOCKFILE: 'Cargo.lock', CF_BASE: base, CF_FAIL_ON: '', CF_CONFIG: '', CF_SARIF: path.join(tmp, 'out.sarif'), CF_VERSION: 'latest',
    };
    const scan = steps.find((s) => s.id === 'scan')!;
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', scan.run!], { cwd: repo, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // What the CLI itself exits with on the same input is what the action reports.
    const direct = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cratefence.js'), 'lock', '--git-base', base, 'Cargo.lock', '--no-progress', '--format', 'markdown', '--output', path.join(tmp, 'direct.md')], { cwd: repo, encoding: 'utf8' });
    const outputs = Object.fromEntries(readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split('=', 2)));
    expect(outputs['exit-code']).toBe(String(direct.status));
    expect(outputs['markdown-file']).toBe(path.join(tmp, 'cratefence.md'));
    const md = spawnSync('test', ['-f', path.join(tmp, 'cratefence.md')]).status === 0 ? readFileSync(path.join(tmp, 'cratefence.md'), 'utf8') : null;
    expect(readFileSync(summary, 'utf8')).toBe(md ?? `cratefence could not review the lockfile (exit code ${direct.status}); see the log.\n`);
    // The last step ends the job with that code.
    const last = steps.at(-1)!;
    const end = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', last.run!], { env: { ...process.env, CF_CODE: outputs['exit-code'] } });
    expect(end.status).toBe(direct.status);
  });

  it('reports exit code 2 without a base commit', () => {
    const out = path.join(tmp, 'output2');
    writeFileSync(out, '');
    const scan = steps.find((s) => s.id === 'scan')!;
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', scan.run!], { cwd: tmp, env: { ...process.env, GITHUB_OUTPUT: out, CF_BASE: '', CF_LOCKFILE: 'Cargo.lock', CF_FAIL_ON: '', CF_CONFIG: '', CF_SARIF: 'x', CF_VERSION: 'latest', RUNNER_TEMP: tmp, GITHUB_STEP_SUMMARY: out }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('::error::cratefence: no base commit');
    expect(readFileSync(out, 'utf8')).toBe('exit-code=2\n');
  });
});
