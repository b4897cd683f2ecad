import { describe, expect, it } from 'vitest';
import { analyzeTrees, rulesFor } from '../src/index.js';
import { ScanContext } from '../src/rules/context.js';
import { treeFromFiles } from '../src/source/index.js';

const LIB = `
use std::net::TcpStream;
pub fn connect(addr: &str) -> std::io::Result<TcpStream> { helper(addr) }
fn helper(addr: &str) -> std::io::Result<TcpStream> { TcpStream::connect(addr) }
pub fn fetch(u: &str) { let _ = web::get(u); }
`;

function pair(oldToml: string, newToml: string, oldFiles: Record<string, string> = {}, newFiles: Record<string, string> = {}) {
  const { report, delta } = analyzeTrees(
    treeFromFiles({ 'Cargo.toml': oldToml, 'src/lib.rs': LIB, ...oldFiles }, 'old'),
    treeFromFiles({ 'Cargo.toml': newToml, 'src/lib.rs': LIB, ...newFiles }, 'new'),
  );
  return { report, ctx: new ScanContext(delta, rulesFor()) };
}

const toml = (version: string, deps: string) => `[package]\nname = "g"\nversion = "${version}"\nedition = "2021"\n\n[dependencies]\n${deps}\n`;

describe('call graphs of releases whose Rust code is the same', () => {
  it('shares one graph when only the version changes', () => {
    const { report, ctx } = pair(toml('0.1.0', 'web = "1"'), toml('0.1.1', 'web = "1"'));
    expect(ctx.newGraph.shared).toBe(true);
    expect(ctx.newGraph.edges).toBe(ctx.oldGraph.edges);
    expect(ctx.newGraph.edges.get('crate::connect')?.map((e) => e.to)).toEqual(['crate::helper']);
    expect(report.capabilities.added).toEqual([]);
    expect(report.verdict).toBe('pass');
  });

  it('builds a new graph when a dependency is renamed, so the renamed crate is seen', () => {
    // `web` becomes an alias of reqwest: the same code now makes HTTP requests.
    const { report, ctx } = pair(toml('0.1.0', 'web = "1"'), toml('0.1.1', 'web = { package = "reqwest", version = "0.12" }'));
    expect(ctx.newGraph.shared).toBe(false);
    expect(report.capabilities.added.some((c) => c.startsWith('network'))).toBe(true);
    expect(report.findings.some((f) => f.category === 'manifest')).toBe(true);
  });

  it('builds a new graph when a file changes role (a build script appears under an existing name)', () => {
    const tool = 'fn main() { let _ = std::process::Command::new("curl").status(); }';
    const { ctx } = pair(toml('0.1.0', 'web = "1"'), toml('0.1.1', 'web = "1"').replace('edition', 'build = "tools/gen.rs"\nedition'), { 'tools/gen.rs': tool }, { 'tools/gen.rs': tool });
    expect(ctx.newGraph.shared).toBe(false);
    expect(ctx.newGraph.entries.get([...ctx.newGraph.entries.keys()].find((k) => k.endsWith('main'))!)).toBe('build');
  });
});
