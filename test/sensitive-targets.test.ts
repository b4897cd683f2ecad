import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesFor } from '../src/index.js';
import { DEFAULT_RULES_DIR, RuleError, TARGETS_FILE, readTargets } from '../src/rules/loader.js';
import { exampleSketch, literalSketch, matchTarget, segments } from '../src/rules/analyzers/persistence-targets.js';
import { runCase } from './helpers/fixture.js';

const table = rulesFor().targets;

describe('sensitive-targets table', () => {
  it('covers every place the detection brief names', () => {
    const ids = table.targets.map((t) => t.spec.id);
    for (const id of ['shell-startup', 'cargo-config', 'cargo-bin', 'cargo-registry-sources', 'rustup-toolchains', 'git-config', 'git-hooks', 'xdg-autostart', 'systemd-unit', 'launchd', 'cron', 'windows-run-key', 'windows-startup-folder', 'ssh-access', 'ssh-config']) {
      expect(ids).toContain(id);
    }
  });

  for (const t of table.targets) {
    describe(t.spec.id, () => {
      for (const ex of t.spec.examples.match) {
        it(`matches ${ex}`, () => {
          const hit = matchTarget(table, segments(exampleSketch(ex)), t.spec.kind);
          expect(hit?.target.spec.id, JSON.stringify(segments(exampleSketch(ex)))).toBe(t.spec.id);
        });
      }
      for (const ex of t.spec.examples.noMatch ?? []) {
        it(`does not match ${ex}`, () => {
          const hit = matchTarget(table, segments(exampleSketch(ex)), t.spec.kind);
          expect(hit?.target.spec.id).not.toBe(t.spec.id);
        });
      }
    });
  }

  it('keeps markers apart from literal text: a literal cannot spell one', () => {
    // "\u0001home\u0001" never occurs in source; `~` only counts at the start of a path.
    expect(matchTarget(table, segments(exampleSketch('project/~/.cargo-old/config.toml')), 'file')).toBeUndefined();
    expect(matchTarget(table, segments(exampleSketch('CARGO_HOME/config.toml')), 'file')).toBeUndefined();
    expect(matchTarget(table, segments(exampleSketch('$CARGO_HOME/config.toml')), 'file')?.target.spec.id).toBe('cargo-config');
    // Marker characters written with escapes in a literal are dropped, not read as markers.
    expect(matchTarget(table, segments(literalSketch('\u0001cargo_home\u0001/config.toml')), 'file')).toBeUndefined();
  });

  it('an invalid table in a rules folder is a RuleError naming the file and key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cf-targets-'));
    try {
      cpSync(path.join(DEFAULT_RULES_DIR, 'data'), path.join(dir, 'data'), { recursive: true });
      writeFileSync(path.join(dir, TARGETS_FILE), 'targets:\n  - id: x\n    name: x\n    kind: file\n    patterns: [~/.x]\n    gives: x\n    severity: huge\n    examples: { match: [~/.x] }\n');
      expect(() => readTargets(dir)).toThrow(RuleError);
      expect(() => readTargets(dir)).toThrow(/sensitive-targets\.yaml: \/targets\/0\/severity/);
      writeFileSync(path.join(dir, TARGETS_FILE), "targets:\n  - id: x\n    name: x\n    kind: file\n    patterns: [~/.x]\n    gives: x\n    severity: high\n    job: '(?i)(['\n    examples: { match: [~/.x] }\n");
      expect(() => readTargets(dir)).toThrow(/targets\[0\] \(x\)\.job: invalid regular expression/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('messages spell the evaluated path as a shell would, with no marker characters', () => {
    const cases: Array<[string, string]> = [
      ['pub fn f() { let _ = std::fs::write(format!("/etc/cron.d/{}", "updater"), "x"); }', '/etc/cron.d/updater'],
      ['pub fn f() { let _ = std::fs::write(dirs::home_dir().unwrap().join(".ssh/authorized_keys"), "x"); }', '~/.ssh/authorized_keys'],
      ['pub fn f(n: &str) { let _ = std::fs::write(std::path::Path::new(&std::env::var("CARGO_HOME").unwrap()).join("bin").join(n), "x"); }', '$CARGO_HOME/bin/…'],
    ];
    for (const [code, shown] of cases) {
      const f = runCase({ code }).findings.find((x) => x.ruleId === 'persistence-write');
      expect(f?.message, code).toContain(`writes to ${shown} through`);
      expect(f?.message).not.toMatch(/[\u0000-\u0008]/);
    }
  });

  it('a rules folder without a table uses the bundled one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cf-targets-'));
    try {
      expect(readTargets(dir).targets.length).toBe(table.targets.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
