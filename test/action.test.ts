import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { Log } from 'sarif';
import { afterAll, describe, expect, it } from 'vitest';
import { sarifValidator } from './helpers/sarif-schema.js';

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
    expect(steps.map((s) => s.uses).filter(Boolean)).toEqual(['actions/setup-node@v4', 'actions/cache@v4', 'actions/upload-artifact@v4', 'github/codeql-action/upload-sarif@v3', 'actions/github-script@v7']);
    expect(steps[0].with).toEqual({ 'node-version': '20' });
  });

  it('runs the cratefence of its own ref from its checkout, installed with npm ci and cached by the lockfile hash', () => {
    // Never whatever npm serves that day.
    expect(TEXT).not.toMatch(/npx|@latest|cratefence@/);
    expect(Object.keys(action.inputs)).not.toContain('version');
    const hash = steps.find((s) => s.id === 'lockhash')!;
    expect(hash.run).toContain('sha256sum "$GITHUB_ACTION_PATH/package-lock.json"');
    const cache = steps.find((s) => s.uses === 'actions/cache@v4')!;
    expect(cache.with!.path).toBe('${{ github.action_path }}/node_modules');
    expect(cache.with!.key).toContain('${{ steps.lockhash.outputs.hash }}');
    expect(cache.with!.key).toContain('${{ steps.node.outputs.node-version }}');
    const install = steps.find((s) => s.name === 'Install cratefence')!;
    expect(install.env!.CF_CACHE_HIT).toBe('${{ steps.cache.outputs.cache-hit }}');
    const scan = steps.find((s) => s.id === 'scan')!;
    expect(scan.run).toContain('node "$GITHUB_ACTION_PATH/bin/cratefence.js" "${args[@]}"');
    // One invocation of cratefence in the whole action: Markdown, SARIF and HTML come from one scan.
    expect(TEXT.match(/bin\/cratefence\.js/g)).toHaveLength(1);
  });

  it('references only inputs and step outputs that exist', () => {
    const inputs = [...TEXT.matchAll(/inputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
    expect(inputs.length).toBeGreaterThan(5);
    for (const i of inputs) expect(Object.keys(action.inputs), `inputs.${i}`).toContain(i);
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    for (const m of TEXT.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const step = steps.find((s) => s.id === m[1]);
      expect(step, `step ${m[1]}`).toBeDefined();
      // Outputs of the actions used are theirs (setup-node's node-version, cache's cache-hit).
      if (step!.run) expect(step!.run, `${m[1]} writes ${m[2]}`).toMatch(new RegExp(`echo "${m[2]}=`));
      else expect(['node-version', 'cache-hit'], `${m[1]}.${m[2]}`).toContain(m[2]);
    }
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['lockfile', 'fail-on', 'config', 'sarif-file', 'min-severity', 'upload-report']));
  });

  it('never substitutes expressions into script text', () => {
    for (const s of steps) {
      expect(s.run ?? '', s.name).not.toContain('${{');
      expect(s.with?.script ?? '', s.name).not.toContain('${{');
    }
  });

  it('runs lock against the PR base, uploads SARIF and the report, and keeps one comment found by its marker', () => {
    expect(action.inputs['base-ref'].default).toBe('${{ github.event.pull_request.base.sha }}');
    const scan = steps.find((s) => s.id === 'scan')!;
    expect(scan.run).toContain('lock --git-base "$CF_BASE"');
    expect(scan.run).toContain('--format markdown --output "$md" --output-sarif "$CF_SARIF"');
    expect(scan.run).toContain('--output-html "$html" --report-url');
    expect(scan.run).toContain('$GITHUB_STEP_SUMMARY');
    expect(scan.env!.CF_ACTION_REPOSITORY).toBe('${{ github.action_repository }}');
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))!;
    expect(upload.with).toEqual({ sarif_file: '${{ inputs.sarif-file }}' });
    const artifact = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(artifact.with!.path).toBe('${{ steps.scan.outputs.html-file }}');
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
  const bash = (script: string, cwd: string, env: Record<string, string>) => spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });

  /** A folder on PATH whose `name` logs its arguments and working folder, then runs `then` (or nothing). */
  function shim(name: string, log: string, then?: string): string {
    const bin = mkdtempSync(path.join(tmp, 'bin-'));
    writeFileSync(path.join(bin, name), `#!/bin/sh\necho "$(pwd) $*" >> "${log}"\n${then ? `exec ${then} "$@"\n` : ''}`);
    chmodSync(path.join(bin, name), 0o755);
    return bin;
  }

  it('installs with npm ci in the action\'s folder on a cache miss, builds only on a hit', () => {
    const install = steps.find((s) => s.name === 'Install cratefence')!;
    const action = mkdtempSync(path.join(tmp, 'action-'));
    for (const [hit, want] of [['', 'ci --no-audit --no-fund'], ['false', 'ci --no-audit --no-fund'], ['true', 'run build']]) {
      const log = path.join(tmp, `npm-${hit || 'none'}.log`);
      const r = bash(install.run!, tmp, { PATH: `${shim('npm', log)}:${process.env.PATH}`, GITHUB_ACTION_PATH: action, CF_CACHE_HIT: hit });
      expect(r.status, r.stderr).toBe(0);
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      expect(calls[0]).toBe(`${action} ${want}`);
      // The fake npm ci builds nothing, so the step builds.
      if (want.startsWith('ci')) expect(calls).toEqual([`${action} ${want}`, `${action} run build`]);
      else expect(calls).toHaveLength(1);
    }
    const hash = steps.find((s) => s.id === 'lockhash')!;
    const out = path.join(tmp, 'hash-output');
    writeFileSync(out, '');
    expect(bash(hash.run!, tmp, { GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: out }).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^hash=[0-9a-f]{64}\n$/);
  });

  it('scans once: Markdown, SARIF and HTML from one run of this checkout\'s CLI; the exit code, outputs and summary', () => {
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
    const nodeLog = path.join(tmp, 'node.log');
    const out = path.join(tmp, 'output');
    const summary = path.join(tmp, 'summary');
    writeFileSync(out, '');
    writeFileSync(summary, '');
    const env = {
      PATH: `${shim('node', nodeLog, process.execPath)}:${process.env.PATH}`, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: tmp,
      GITHUB_ACTION_PATH: ROOT, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/app', GITHUB_RUN_ID: '77',
      CF_LOCKFILE: 'Cargo.lock', CF_BASE: base, CF_FAIL_ON: '', CF_CONFIG: '', CF_SARIF: path.join(tmp, 'out.sarif'), CF_MIN_SEVERITY: '', CF_UPLOAD_REPORT: 'true',
      CF_ACTION_REPOSITORY: 'cratefence/cratefence', CF_ACTION_REF: 'v1',
    };
    const scan = steps.find((s) => s.id === 'scan')!;
    const r = bash(scan.run!, repo, env);
    expect(r.status, r.stderr).toBe(0);
    // One run of the CLI from the action's own checkout.
    expect(readFileSync(nodeLog, 'utf8').trim().split('\n')).toEqual([`${repo} ${path.join(ROOT, 'bin', 'cratefence.js')} lock --git-base ${base} Cargo.lock --no-progress --format markdown --output ${path.join(tmp, 'cratefence.md')} --output-sarif ${path.join(tmp, 'out.sarif')} --output-html ${path.join(tmp, 'cratefence-report.html')} --report-url https://github.com/acme/app/actions/runs/77`]);
    // What the CLI itself exits with on the same input is what the action reports.
    const direct = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cratefence.js'), 'lock', '--git-base', base, 'Cargo.lock', '--no-progress', '--format', 'json'], { cwd: repo, encoding: 'utf8' });
    const outputs = Object.fromEntries(readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split('=', 2)));
    expect(outputs['exit-code']).toBe(String(direct.status));
    expect(outputs['markdown-file']).toBe(path.join(tmp, 'cratefence.md'));
    expect(outputs['html-file']).toBe(path.join(tmp, 'cratefence-report.html'));
    const md = readFileSync(path.join(tmp, 'cratefence.md'), 'utf8');
    expect(md).toContain('[Full report](https://github.com/acme/app/actions/runs/77).');
    expect(readFileSync(summary, 'utf8')).toBe(md);
    expect(readFileSync(path.join(tmp, 'cratefence-report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    const log = JSON.parse(readFileSync(path.join(tmp, 'out.sarif'), 'utf8')) as Log;
    expect(sarifValidator()(log)).toEqual([]);
    expect(log.runs[0].automationDetails!.id).toBe('cratefence/lock/Cargo.lock/');
    // The last step ends the job with that code.
    const last = steps.at(-1)!;
    const end = bash(last.run!, tmp, { CF_CODE: outputs['exit-code'] });
    expect(end.status).toBe(direct.status);
  });

  it('links SARIF rules to the action\'s own repository and ref, and to nothing when GitHub leaves them empty', () => {
    const scan = steps.find((s) => s.id === 'scan')!;
    // The export lines run as written, with a stand-in for the CLI that prints what it would see.
    const lines = scan.run!.split('\n');
    const from = lines.findIndex((l) => l.includes('if [ -n "$CF_ACTION_REPOSITORY" ]'));
    expect(from).toBeGreaterThan(0);
    const probe = lines.slice(from, lines.findIndex((l, i) => i > from && l.trim() === 'fi') + 1).join('\n');
    const see = `${probe}\necho "url=\${CRATEFENCE_REPOSITORY_URL:-} ref=\${CRATEFENCE_REPOSITORY_REF:-}"`;
    const env = { GITHUB_SERVER_URL: 'https://github.com', CRATEFENCE_REPOSITORY_URL: '', CRATEFENCE_REPOSITORY_REF: '' };
    expect(bash(see, tmp, { ...env, CF_ACTION_REPOSITORY: 'cratefence/cratefence', CF_ACTION_REF: 'v1' }).stdout.trim()).toBe('url=https://github.com/cratefence/cratefence ref=v1');
    expect(bash(see, tmp, { ...env, CF_ACTION_REPOSITORY: '', CF_ACTION_REF: '' }).stdout.trim()).toBe('url= ref=');
    expect(existsSync(path.join(ROOT, 'docs', 'rule-reference.md'))).toBe(true);
  });

  it('reports exit code 2 without a base commit', () => {
    const out = path.join(tmp, 'output2');
    writeFileSync(out, '');
    const scan = steps.find((s) => s.id === 'scan')!;
    const r = bash(scan.run!, tmp, { GITHUB_OUTPUT: out, CF_BASE: '', CF_LOCKFILE: 'Cargo.lock', CF_FAIL_ON: '', CF_CONFIG: '', CF_SARIF: 'x', CF_MIN_SEVERITY: '', CF_UPLOAD_REPORT: 'true', CF_ACTION_REPOSITORY: '', CF_ACTION_REF: '', RUNNER_TEMP: tmp, GITHUB_STEP_SUMMARY: out });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('::error::cratefence: no base commit');
    expect(readFileSync(out, 'utf8')).toBe('exit-code=2\n');
  });
});
