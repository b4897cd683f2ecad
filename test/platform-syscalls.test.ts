import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { asmSyscalls } from '../src/analysis/asm.js';
import { siteCaps, usesOf } from './helpers/platform.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..');
const at = (code: string, line: number) => siteCaps(code).find((r) => r.line === line);

describe('system calls by number', () => {
  it('reads SYS_* names, libc:: or nix::libc:: prefixed', () => {
    expect(at('pub unsafe fn f() { libc::syscall(libc::SYS_execve, 0, 0, 0); }', 1)).toMatchObject({ cap: 'process.spawn', resolved: 'syscall(SYS_execve) via libc::syscall' });
    expect(at('pub unsafe fn f() { nix::libc::syscall(nix::libc::SYS_connect, 3, 0, 0); }', 1)?.cap).toBe('network.connect');
    expect(at('use libc::{syscall, SYS_clone};\npub unsafe fn f() { syscall(SYS_clone, 0); }', 2)?.cap).toBe('process.spawn');
    // Known system calls that touch nothing: no capability at all.
    expect(at('pub unsafe fn f() -> i64 { libc::syscall(libc::SYS_gettid) }', 1)).toBeUndefined();
  });

  it('reads a literal number on x86_64 and aarch64 and says which', () => {
    expect(at('pub unsafe fn f() { libc::syscall(59, 0, 0, 0); }', 1)).toMatchObject({ cap: 'process.spawn', resolved: 'syscall(59: execve on x86_64, pipe2 on aarch64) via libc::syscall' });
    expect(at('pub unsafe fn f() { libc::syscall(221, 0, 0, 0); }', 1)?.resolved).toContain('execve on aarch64');
    expect(at('pub unsafe fn f() { libc::syscall(0x3b); }', 1)?.cap).toBe('process.spawn');
  });

  it('honours the cfg(target_arch) of the function', () => {
    // 11 is execve on i386 and arm, munmap on x86_64.
    expect(at('#[cfg(target_arch = "x86")]\npub unsafe fn f() { libc::syscall(11, 0, 0, 0); }', 2)).toMatchObject({ cap: 'process.spawn', resolved: 'syscall(11: execve on x86) via libc::syscall' });
    expect(at('#[cfg(target_arch = "x86_64")]\npub unsafe fn f() { libc::syscall(221, 0, 0, 0); }', 2)).toBeUndefined();
  });

  it('gives an unknown or computed number syscall.raw', () => {
    expect(at('pub unsafe fn f(n: i64) { libc::syscall(n); }', 1)?.cap).toBe('syscall.raw');
    expect(at('pub unsafe fn f() { libc::syscall(9999); }', 1)?.cap).toBe('syscall.raw');
  });

  it('reads the syscalls crate', () => {
    expect(at('use syscalls::{syscall, Sysno};\npub unsafe fn f() { let _ = syscall!(Sysno::execve, 0, 0, 0); }', 2)?.cap).toBe('process.spawn');
    expect(at('pub unsafe fn f() { let _ = syscalls::syscall3(syscalls::Sysno::fork, 0, 0, 0); }', 1)?.cap).toBe('process.spawn');
  });
});

describe('system calls in assembly', () => {
  it('reads Intel, AT&T, operand and placeholder spellings on x86_64', () => {
    expect(asmSyscalls('("mov eax, 59", "syscall")')).toEqual([{ arch: 'x86_64', label: undefined, number: 59 }]);
    expect(asmSyscalls('("movq $59, %rax\\n syscall", options(att_syntax))')[0]).toMatchObject({ arch: 'x86_64', number: 59 });
    expect(asmSyscalls('("syscall", in("rax") 59usize, in("rdi") p)')[0]).toMatchObject({ number: 59 });
    expect(asmSyscalls('("syscall", inlateout("rax") libc::SYS_execve => _)')[0]).toMatchObject({ name: 'execve' });
    expect(asmSyscalls('("mov rax, {n}", "syscall", n = const 57)')[0]).toMatchObject({ number: 57 });
    expect(asmSyscalls('("xor eax, eax", "mov al, 59", "syscall")')[0]).toMatchObject({ number: 59 });
    expect(asmSyscalls('("mov eax, 59 // execve", "syscall # enter the kernel")')[0]).toMatchObject({ number: 59 });
    expect(asmSyscalls('("mov /* nr */ rax, 59", "syscall")')[0]).toMatchObject({ number: 59 });
  });

  it('reads i386, aarch64 and arm conventions', () => {
    expect(asmSyscalls('("mov eax, 11", "int 0x80")')[0]).toMatchObject({ arch: 'x86', number: 11 });
    expect(asmSyscalls('("sysenter", in("eax") 2)')[0]).toMatchObject({ arch: 'x86', number: 2 });
    expect(asmSyscalls('("mov x8, #221", "svc #0")')[0]).toMatchObject({ arch: 'aarch64', number: 221 });
    expect(asmSyscalls('("svc 0", in("x8") 220)')[0]).toMatchObject({ arch: 'aarch64', number: 220 });
    expect(asmSyscalls('("mov r7, #11", "svc #0")')[0]).toMatchObject({ arch: 'arm', number: 11 });
  });

  it('finds no system call in ordinary assembly, and no number when it is not literal', () => {
    expect(asmSyscalls('("rdtsc", out("eax") lo, out("edx") hi)')).toEqual([]);
    expect(asmSyscalls('("cpuid", inout("eax") 1 => _)')).toEqual([]);
    expect(asmSyscalls('("syscall", in("rax") nr)')[0]).toEqual({ arch: 'x86_64', label: undefined });
  });

  it('gives asm!, naked functions and global_asm! labels the system call capability', () => {
    expect(at('pub fn f() { unsafe { std::arch::asm!("mov eax, 59", "syscall"); } }', 1)).toMatchObject({ cap: 'process.spawn', resolved: 'syscall(59: execve on x86_64) in std::arch::asm!' });
    expect(at('#[unsafe(naked)]\npub extern "C" fn f() { core::arch::naked_asm!("mov x8, #198", "svc #0", "ret") }', 2)?.cap).toBe('network.connect');
    expect(at('pub fn f() { unsafe { std::arch::asm!("syscall", in("rax") n); } }', 1)?.cap).toBe('syscall.raw');
    const g = 'std::arch::global_asm!(".globl warm", "warm:", "mov rax, 57", "syscall", "ret", "idle:", "pause", "ret");\nextern "C" { fn warm(); fn idle(); }\npub fn go() { unsafe { warm(); idle(); } }';
    expect(at(g, 1)?.cap).toBe('process.spawn');
    expect(usesOf(g).filter((r) => r.item === 'crate::go')).toEqual([{ item: 'crate::go', cap: 'process.spawn', resolved: 'extern fn warm → syscall(57: fork on x86_64) in std::arch::global_asm!', line: 3 }]);
  });

  it('stays linear on hostile assembly text', () => {
    const hostile = `("${'r#"'.repeat(20000)}", "${'/**/ '.repeat(20000)}${'/* '.repeat(20000)}syscall", ${'in("rax") '.repeat(5000)})`;
    const t0 = performance.now();
    asmSyscalls(`${hostile} syscall`);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('a hand-declared extern connect plus a GITHUB_TOKEN read (regression: the scan crashed)', () => {
  it('reports the exfiltration at the call instead of exiting 2', () => {
    const dir = tempDir('cf-extern-');
    const toml = (v: string) => `[package]\nname = "netx"\nversion = "${v}"\nedition = "2021"\n`;
    const side = (name: string, v: string, lib: string) => {
      mkdirSync(path.join(dir, name, 'src'), { recursive: true });
      writeFileSync(path.join(dir, name, 'Cargo.toml'), toml(v));
      writeFileSync(path.join(dir, name, 'src', 'lib.rs'), lib);
    };
    side('old', '0.1.0', 'pub fn f() -> u32 { 1 }\n');
    side('new', '0.1.1', 'extern "C" {\n    fn connect(fd: i32, addr: *const u8, len: u32) -> i32;\n}\npub fn f() -> u32 {\n    let t = std::env::var("GITHUB_TOKEN").unwrap_or_default();\n    unsafe { connect(3, t.as_ptr(), t.len() as u32); }\n    1\n}\n');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cratefence.js'), 'diff', path.join(dir, 'old'), path.join(dir, 'new'), '--format', 'json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const rep = JSON.parse(r.stdout);
    expect(rep.verdict).toBe('block');
    expect(rep.findings).toContainEqual(expect.objectContaining({ ruleId: 'secret-exfiltration', line: 6 }));
  });
});

describe('the checked-in platform data', () => {
  const dir = path.join(ROOT, 'rules', 'data', 'platform');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

  it('holds names, numbers and capabilities only, sorted, with its source and counts', () => {
    expect(files).toEqual(['libc.json', 'nix.json', 'rustix.json', 'std.json', 'syscalls.json', 'winapi.json']);
    for (const f of files) {
      const doc = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
      expect(doc.note, f).toMatch(/generated by scripts\/gen-platform\.mjs/);
      expect(typeof doc.source, f).toBe('string');
      expect(typeof doc.classified, f).toBe('number');
      for (const [k, v] of Object.entries(doc)) {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
        const keys = Object.keys(v);
        if (!/^\d+$/.test(keys[0] ?? '')) expect([...keys].sort(), `${f} ${k} sorted`).toEqual(keys);
        for (const [name, val] of Object.entries(v as Record<string, string>)) {
          expect(name, `${f} ${k}`).toMatch(/^[A-Za-z0-9_:]+$/);
          expect(val, `${f} ${k}.${name}`).toMatch(f === 'syscalls.json' && k !== 'names' ? /^[a-z0-9_]+$/ : /^[a-z]+\.[a-z-]+$|^random$/);
        }
      }
    }
  });
});
