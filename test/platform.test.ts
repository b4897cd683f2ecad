import { describe, expect, it } from 'vitest';
import { rulesFor } from '../src/index.js';
import { capabilityOfPath, opensFile } from '../src/analysis/catalogue.js';
import { capAt, siteCaps, usesOf } from './helpers/platform.js';

const cat = rulesFor().catalogue;
const cap = (p: string) => capabilityOfPath(cat, p);

describe('the generated platform tables', () => {
  it('classify std items of fs, net, process, env and std::os::*', () => {
    expect(cap('std::fs::File::create')).toBe('fs.write');
    expect(cap('std::fs::File::open')).toBe('fs.read');
    expect(cap('std::fs::DirBuilder::new')).toBe('fs.write');
    expect(cap('std::fs::remove_dir_all')).toBe('fs.delete');
    expect(cap('std::os::unix::fs::symlink')).toBe('fs.write');
    expect(cap('std::os::windows::fs::symlink_file')).toBe('fs.write');
    expect(cap('std::os::unix::fs::PermissionsExt::from_mode')).toBe('fs.permissions');
    expect(cap('std::os::unix::process::CommandExt::exec')).toBe('process.spawn');
    expect(cap('std::os::unix::process::CommandExt::pre_exec')).toBe('process.spawn');
    expect(cap('std::os::windows::process::CommandExt::raw_arg')).toBe('process.spawn');
    expect(cap('std::process::Command::new')).toBe('process.spawn');
    expect(cap('std::os::unix::net::UnixStream::connect')).toBe('network.local');
    expect(cap('std::net::TcpStream::connect_timeout')).toBe('network.connect');
    expect(cap('std::env::vars_os')).toBe('env.read-all');
    // Methods that do nothing to the outside world are enumerated but not capabilities.
    expect(cap('std::net::TcpStream::peer_addr')).toBeUndefined();
    expect(cap('std::process::Command::arg')).toBeUndefined();
  });

  it('file openers are reads until the site asks for writing', () => {
    for (const p of ['std::fs::File::options', 'std::fs::OpenOptions::new', 'libc::open', 'nix::fcntl::open', 'rustix::fs::openat', 'windows_sys::Win32::Storage::FileSystem::CreateFileW']) {
      expect(cap(p), p).toBe('fs.read');
      expect(opensFile(cat, p), p).toBe(true);
    }
    expect(opensFile(cat, 'std::fs::File::open')).toBe(false);
  });

  it('classify C and Win32 functions by name under every crate that exports them', () => {
    expect(cap('libc::system')).toBe('process.spawn');
    expect(cap('libc::ptrace')).toBe('process.inject');
    expect(cap('libc::environ')).toBe('env.read-all');
    expect(cap('nix::libc::execve')).toBe('process.spawn');
    expect(cap('winapi::um::processthreadsapi::CreateProcessW')).toBe('process.spawn');
    expect(cap('winapi::um::winreg::RegSetValueExW')).toBe('registry.write');
    expect(cap('windows_sys::Win32::System::Threading::WinExec')).toBe('process.spawn');
    expect(cap('windows::Win32::System::Com::Urlmon::URLDownloadToFileW')).toBe('network.http');
    expect(cap('windows::Win32::System::Diagnostics::Debug::WriteProcessMemory')).toBe('process.inject');
    expect(cap('windows_sys::Win32::Networking::WinSock::connect')).toBe('network.connect');
    expect(cap('kernel32::WinExec')).toBe('process.spawn');
    expect(cap('windows_sys::Win32::System::Console::SetConsoleTitleW')).toBeUndefined();
    expect(cap('libc::write')).toBeUndefined();
    expect(cap('libc::SYS_execve')).toBeUndefined();
  });

  it('classify nix and rustix wrappers by path, and by C name where a path moved', () => {
    expect(cap('nix::unistd::fork')).toBe('process.spawn');
    expect(cap('nix::sys::socket::connect')).toBe('network.connect');
    expect(cap('nix::sys::ptrace::write')).toBe('process.inject');
    expect(cap('rustix::runtime::execve')).toBe('process.spawn');
    expect(cap('rustix::net::connect_v4')).toBe('network.connect');
    expect(cap('rustix::process::fork')).toBe('process.spawn');
    // A ptrace operation's name means nothing elsewhere in nix.
    expect(cap('nix::unistd::write')).toBeUndefined();
    expect(cap('nix::sys::signal::SigSet::remove')).toBeUndefined();
  });

  it('number system calls per architecture', () => {
    expect(cat.syscalls.arches.get('x86_64')?.get(59)).toBe('execve');
    expect(cat.syscalls.arches.get('aarch64')?.get(221)).toBe('execve');
    expect(cat.syscalls.arches.get('x86')?.get(11)).toBe('execve');
    expect(cat.syscalls.arches.get('arm')?.get(11)).toBe('execve');
    expect(cat.syscalls.names.get('execve')).toBe('process.spawn');
    expect(cat.syscalls.names.get('connect')).toBe('network.connect');
    expect(cat.syscalls.names.has('gettid')).toBe(false);
  });
});

describe('the capability at a call site', () => {
  it('File::options and OpenOptions write only when the builder asks for it', () => {
    expect(capAt('pub fn f() { let _ = std::fs::File::options().append(true).create(true).open("x"); }', 1)?.cap).toBe('fs.write');
    expect(capAt('pub fn f() { let _ = std::fs::File::options().read(true).open("x"); }', 1)?.cap).toBe('fs.read');
    expect(capAt('pub fn f() { let mut o = std::fs::OpenOptions::new();\n o.write(true);\n let _ = o.open("x"); }', 1)?.cap).toBe('fs.write');
    expect(capAt('use std::os::unix::fs::OpenOptionsExt;\npub fn f() { let _ = std::fs::OpenOptions::new().custom_flags(libc::O_WRONLY).open("x"); }', 2)?.cap).toBe('fs.write');
    // `.write(buf)` on the file afterwards is io::Write, not the builder's flag.
    expect(capAt('use std::io::Write;\npub fn f() { let mut x = std::fs::OpenOptions::new().read(true).open("x").unwrap(); let _ = x.write(b"a"); }', 2)?.cap).toBe('fs.read');
  });

  it('C openers write by their flags or mode', () => {
    expect(capAt('pub unsafe fn f(p: *const i8) { libc::open(p, libc::O_WRONLY | libc::O_CREAT, 0o644); }', 1)?.cap).toBe('fs.write');
    expect(capAt('pub unsafe fn f(p: *const i8) { libc::open(p, libc::O_RDONLY); }', 1)?.cap).toBe('fs.read');
    expect(capAt('pub unsafe fn f(p: *const i8) { libc::fopen(p, c"a".as_ptr()); }', 1)?.cap).toBe('fs.write');
    expect(capAt('pub unsafe fn f(p: *const i8) { libc::fopen(p, c"rb".as_ptr()); }', 1)?.cap).toBe('fs.read');
    expect(capAt('pub fn f() { let _ = nix::fcntl::open("x", nix::fcntl::OFlag::O_CREAT | nix::fcntl::OFlag::O_WRONLY, nix::sys::stat::Mode::empty()); }', 1)?.cap).toBe('fs.write');
  });

  it('dlsym and GetProcAddress of a literal name take that function capability', () => {
    expect(capAt('pub unsafe fn f(h: *mut libc::c_void) { libc::dlsym(h, c"system".as_ptr()); }', 1)).toMatchObject({ cap: 'process.spawn', resolved: 'libc::dlsym("system")' });
    expect(capAt('pub unsafe fn f(h: isize) { windows_sys::Win32::System::LibraryLoader::GetProcAddress(h, b"WinExec\\0".as_ptr()); }', 1)?.cap).toBe('process.spawn');
    expect(capAt('pub unsafe fn f(h: *mut libc::c_void) { let n = std::ffi::CString::new("connect").unwrap(); libc::dlsym(h, n.as_ptr()); }', 1)?.cap).toBe('network.connect');
    // A name that is no catalogued function stays a plain lookup.
    expect(capAt('pub unsafe fn f(h: *mut libc::c_void) { libc::dlsym(h, c"plugin_init".as_ptr()); }', 1)).toMatchObject({ cap: 'ffi.dlopen', resolved: 'libc::dlsym' });
  });

  it("a crate's own extern declarations give their capability at each call, read like the libc call", () => {
    const code = [
      'extern "C" { fn open(p: *const u8, flags: i32, ...) -> i32; fn dlsym(h: *mut u8, n: *const u8) -> *mut u8; #[link_name = "execvp"] fn run_job(f: *const u8, a: *const *const u8) -> i32; static environ: *const *const u8; }',
      'pub unsafe fn a(p: *const u8) { open(p, 0o1 | 0o100); }',
      'pub unsafe fn b(p: *const u8) { open(p, O_WRONLY); }',
      'pub unsafe fn c() { dlsym(std::ptr::null_mut(), b"popen\\0".as_ptr()); }',
      'pub unsafe fn d(a: *const *const u8) { run_job(b"sh\\0".as_ptr(), a); }',
      'pub unsafe fn e() -> *const *const u8 { let p = environ; p }',
      'const O_WRONLY: i32 = 1;',
    ].join('\n');
    const rows = usesOf(code);
    expect(rows.find((r) => r.item === 'crate::a')).toMatchObject({ cap: 'fs.read', resolved: 'extern fn open', line: 2 });
    expect(rows.find((r) => r.item === 'crate::b')).toMatchObject({ cap: 'fs.write', line: 3 });
    expect(rows.find((r) => r.item === 'crate::c')).toMatchObject({ cap: 'process.spawn', resolved: 'extern fn dlsym("popen")' });
    expect(rows.find((r) => r.item === 'crate::d')).toMatchObject({ cap: 'process.spawn', resolved: 'extern fn execvp', line: 5 });
    expect(rows.find((r) => r.item === 'crate::e')).toMatchObject({ cap: 'env.read-all', line: 6 });
  });

  it('resolves windows-sys and nix paths through use declarations and globs', () => {
    expect(capAt('use windows_sys::Win32::UI::Shell::*;\npub unsafe fn f() { ShellExecuteW(0, std::ptr::null(), std::ptr::null(), std::ptr::null(), std::ptr::null(), 0); }', 2)?.cap).toBe('process.spawn');
    expect(capAt('use nix::unistd as u;\npub fn f() { let _ = unsafe { u::fork() }; }', 2)?.cap).toBe('process.spawn');
    expect(siteCaps('use rustix::runtime;\npub unsafe fn f() { let _ = runtime::fork(); }').map((r) => r.cap)).toContain('process.spawn');
  });
});
