// The judgement part of the platform tables: which capability a std item, a C / Win32 function or a
// nix / rustix wrapper gives code that calls it. Enumeration is never done here (gen-platform-std.mjs
// and gen-platform-ffi.mjs read the names from the std docs and the crates' own declarations); this
// file only decides, by module, type and name, and returns null for "no capability".

/** `fs.open` is resolved per call site by the scanner (write flags or builder calls → fs.write, else fs.read). */
export const OPEN = 'fs.open';

// ---------------------------------------------------------------------------------------------
// std: rules by module / type / name, first match wins. `type` null matches free functions only,
// '*' any type; `name` is a RegExp over the function or method name.
const STD_RULES = [
  // std::fs
  { module: 'std::fs', type: null, name: /^(write|copy|create_dir|create_dir_all|hard_link|rename|soft_link|set_times|set_times_nofollow)$/, cap: 'fs.write' },
  { module: 'std::fs', type: null, name: /^(remove_file|remove_dir|remove_dir_all)$/, cap: 'fs.delete' },
  { module: 'std::fs', type: null, name: /^(set_permissions|set_permissions_nofollow)$/, cap: 'fs.permissions' },
  { module: 'std::fs', type: null, name: /^(read|read_to_string|read_dir|read_link)$/, cap: 'fs.read' },
  { module: 'std::fs', type: 'File', name: /^(open|open_buffered)$/, cap: 'fs.read' },
  { module: 'std::fs', type: 'File', name: /^(create|create_buffered|create_new|set_len|set_times|set_modified)$/, cap: 'fs.write' },
  { module: 'std::fs', type: 'File', name: /^set_permissions$/, cap: 'fs.permissions' },
  { module: 'std::fs', type: 'File', name: /^options$/, cap: OPEN },
  { module: 'std::fs', type: 'OpenOptions', name: /^(new|open)$/, cap: OPEN },
  { module: 'std::fs', type: 'DirBuilder', name: /^(new|create)$/, cap: 'fs.write' },
  { module: 'std::fs', type: 'Dir', name: /^(open|open_file|read_dir)$/, cap: 'fs.read' },
  { module: 'std::fs', type: 'Dir', name: /^(create_dir|remove_file|remove_dir|rename|symlink|open_file_with|create_file)$/, cap: 'fs.write' },
  // std::net
  { module: 'std::net', type: null, name: /^hostname$/, cap: 'host.identity' },
  { module: 'std::net', type: 'TcpStream', name: /^(connect|connect_timeout)$/, cap: 'network.connect' },
  { module: 'std::net', type: 'TcpListener', name: /^bind$/, cap: 'network.listen' },
  { module: 'std::net', type: 'UdpSocket', name: /^(bind|connect|send_to)$/, cap: 'network.connect' },
  { module: 'std::net', type: 'ToSocketAddrs', name: /^to_socket_addrs$/, cap: 'network.dns' },
  // std::process: the constructor is where a program start is decided (as before, `Command::new`).
  { module: 'std::process', type: 'Command', name: /^(new|spawn|output|status|exec)$/, cap: 'process.spawn' },
  // std::env
  { module: 'std::env', type: null, name: /^(var|var_os)$/, cap: 'env.read' },
  { module: 'std::env', type: null, name: /^(vars|vars_os)$/, cap: 'env.read-all' },
  { module: 'std::env', type: null, name: /^home_dir$/, cap: 'env.home' },
  // std::os::*::fs
  { module: /^std::os::\w+::fs$/, type: null, name: /^(symlink|symlink_file|symlink_dir|symlink_path|junction_point|mkfifo)$/, cap: 'fs.write' },
  { module: /^std::os::\w+::fs$/, type: null, name: /^(chown|fchown|lchown)$/, cap: 'fs.permissions' },
  { module: /^std::os::\w+::fs$/, type: 'PermissionsExt', name: /^(from_mode|set_mode)$/, cap: 'fs.permissions' },
  { module: /^std::os::\w+::fs$/, type: 'FileExt', name: /^(write_at|write_all_at|write_vectored_at|seek_write)$/, cap: 'fs.write' },
  { module: /^std::os::\w+::fs$/, type: 'DirEntryExt', name: /^(create_directory)$/, cap: 'fs.write' },
  // std::os::*::net (Unix domain sockets: local, but still a channel to another process)
  { module: /^std::os::\w+::net$/, type: /^Unix(Stream|Datagram)$/, name: /^(connect|connect_addr|pair|bind|bind_addr|unbound|send_to|send_to_addr)$/, cap: 'network.local' },
  { module: /^std::os::\w+::net$/, type: 'UnixListener', name: /^(bind|bind_addr)$/, cap: 'network.local' },
  // std::os::*::process: the extension traits that run or shape the child
  { module: /^std::os::\w+::process$/, type: 'CommandExt', name: /^(exec|pre_exec|before_exec|raw_arg|spawn_with_attributes)$/, cap: 'process.spawn' },
];

function matches(want, got) {
  if (want === '*') return true;
  if (want === null) return got === null;
  if (want instanceof RegExp) return got !== null && want.test(got);
  return want === got;
}

/** Capability of a std item: `module` like `std::fs`, `type` null for a free function. */
export function classifyStd(module, type, name) {
  for (const r of STD_RULES) {
    if (!matches(r.module, module) || !matches(r.type, type) || !r.name.test(name)) continue;
    return r.cap;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// C and Win32 functions, by name. Win32 names are matched with their `A`/`W`/`Ex`/`ExA`/`ExW`
// variants. Functions that act on an already open descriptor or handle (write, send, WriteFile) take
// no capability: the capability is where the file, socket or process was opened.
const W = '(?:A|W|Ex|ExA|ExW|2)?';
const byName = (cap, list, opts = {}) => ({ cap, re: new RegExp(`^(?:${list.join('|')})${opts.win ? W : ''}$`) });

const FFI_RULES = [
  // running programs
  byName('process.spawn', [
    'execv', 'execve', 'execvp', 'execvpe', 'execl', 'execlp', 'execle', 'execvP', 'fexecve', 'execveat', 'exect',
    '_w?exec(?:l|le|lp|lpe|v|ve|vp|vpe)', '_w?spawn(?:l|le|lp|lpe|v|ve|vp|vpe)',
    'fork', 'vfork', 'rfork', 'pdfork', 'forkpty', 'clone', 'clone3', '__clone2?',
    'posix_spawn', 'posix_spawnp', 'pidfd_spawn', 'pidfd_spawnp', 'system', '_wsystem', 'popen', '_w?popen',
  ]),
  byName('process.spawn', ['CreateProcess', 'CreateProcessAsUser', 'CreateProcessWithLogon', 'CreateProcessWithToken', 'CreateProcessInternal', 'WinExec', 'ShellExecute', 'CreateService', 'StartService', 'NtCreateUserProcess', 'NtCreateProcess', 'RtlCreateUserProcess'], { win: true }),
  // reaching into other processes
  byName('process.inject', ['ptrace', 'process_vm_writev', 'pidfd_getfd']),
  byName('process.inject', ['WriteProcessMemory', 'CreateRemoteThread', 'NtCreateThread', 'RtlCreateUserThread', 'QueueUserAPC', 'NtQueueApcThread', 'SetThreadContext', 'NtSetContextThread', 'VirtualAllocEx', 'VirtualAllocExNuma', 'VirtualProtectEx', 'NtWriteVirtualMemory', 'SetWindowsHook', 'NtMapViewOfSection'], { win: true }),
  // network
  byName('network.connect', ['socket', 'connect', 'sendto', 'sendmsg', 'sendmmsg']),
  byName('network.connect', ['WSASocket', 'WSAConnect', 'WSAConnectByName', 'WSAConnectByList', 'WSASendTo', 'FtpGetFile', 'FtpPutFile', 'FtpOpenFile', 'FtpCommand'], { win: true }),
  byName('network.listen', ['bind', 'listen', 'accept', 'accept4']),
  byName('network.listen', ['WSAAccept', 'AcceptEx'], { win: true }),
  byName('network.dns', ['getaddrinfo', 'gethostbyname', 'gethostbyname2', 'gethostbyname_r', 'gethostbyname2_r', 'gethostbyaddr', 'gethostbyaddr_r', 'getnameinfo', 'res_query', 'res_search', 'res_nquery', 'res_nsearch', 'res_querydomain', 'getaddrinfo_a']),
  byName('network.dns', ['GetAddrInfo', 'DnsQuery_A', 'DnsQuery_W', 'DnsQuery_UTF8', 'DnsQueryEx', 'WSAAsyncGetHostByName', 'GetNameInfo'], { win: true }),
  byName('network.http', [
    'URLDownloadToFile', 'URLDownloadToCacheFile', 'URLOpenStream', 'URLOpenBlockingStream', 'URLOpenPullStream',
    'InternetOpen', 'InternetOpenUrl', 'InternetConnect', 'InternetReadFile', 'InternetWriteFile', 'HttpOpenRequest', 'HttpSendRequest',
    'WinHttpOpen', 'WinHttpConnect', 'WinHttpOpenRequest', 'WinHttpSendRequest', 'WinHttpReceiveResponse', 'WinHttpReadData', 'WinHttpWriteData', 'WinHttpWebSocketCompleteUpgrade',
  ], { win: true }),
  // files
  byName(OPEN, ['open', 'open64', 'openat', 'openat64', 'openat2', 'fopen', 'fopen64', 'freopen', 'freopen64', '_w?open', '_w?fopen', '_w?sopen', '_w?fsopen']),
  byName(OPEN, ['CreateFile', 'CreateFileTransacted', 'OpenFile', 'NtCreateFile', 'NtOpenFile'], { win: true }),
  byName('fs.write', ['creat', 'creat64', 'rename', 'renameat', 'renameat2', 'renamex_np', 'link', 'linkat', 'symlink', 'symlinkat', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'mkfifo', 'mkfifoat', 'truncate', 'truncate64', '_w?rename', '_w?mkdir', 'copyfile', 'clonefile']),
  byName('fs.write', ['MoveFile', 'MoveFileWithProgress', 'MoveFileTransacted', 'CopyFile', 'CopyFileTransacted', 'CreateDirectory', 'CreateDirectoryTransacted', 'CreateHardLink', 'CreateSymbolicLink', 'ReplaceFile'], { win: true }),
  byName('fs.delete', ['unlink', 'unlinkat', 'rmdir', 'remove', '_w?unlink', '_w?rmdir', '_w?remove']),
  byName('fs.delete', ['DeleteFile', 'DeleteFileTransacted', 'RemoveDirectory', 'RemoveDirectoryTransacted', 'SHFileOperation'], { win: true }),
  byName('fs.permissions', ['chmod', 'fchmod', 'fchmodat', 'lchmod', 'chown', 'fchown', 'fchownat', 'lchown', 'chflags', 'lchflags', 'fchflags', '_w?chmod']),
  byName('fs.permissions', ['SetFileAttributes', 'SetFileSecurity', 'SetNamedSecurityInfo', 'SetSecurityInfo'], { win: true }),
  byName('fs.read', ['opendir', 'fdopendir', 'scandir', 'nftw', 'ftw', 'readlink', 'readlinkat']),
  byName('fs.read', ['FindFirstFile', 'FindFirstFileTransacted'], { win: true }),
  // environment and identity
  byName('env.read', ['getenv', 'secure_getenv', '__secure_getenv', '_wgetenv', 'getenv_s', '_wgetenv_s', '_dupenv_s', '_wdupenv_s']),
  byName('env.read', ['GetEnvironmentVariable', 'ExpandEnvironmentStrings'], { win: true }),
  byName('env.read-all', ['environ', '__environ', '_environ', '_wenviron', '_NSGetEnviron']),
  byName('env.read-all', ['GetEnvironmentStrings'], { win: true }),
  byName('env.home', ['getpwuid', 'getpwuid_r', 'getpwnam', 'getpwnam_r']),
  byName('env.home', ['SHGetFolderPath', 'SHGetKnownFolderPath', 'SHGetSpecialFolderPath', 'GetUserProfileDirectory'], { win: true }),
  byName('host.identity', ['gethostname', 'getuid', 'geteuid', 'getlogin', 'getlogin_r', 'gethostid', 'uname']),
  byName('host.identity', ['GetUserName', 'GetComputerName'], { win: true }),
  byName('host.locale', ['GetUserDefaultLCID', 'GetUserDefaultLocaleName', 'GetSystemDefaultLocaleName', 'GetUserDefaultUILanguage', 'GetSystemDefaultUILanguage', 'GetUserDefaultLangID', 'GetSystemDefaultLangID', 'GetKeyboardLayout', 'GetKeyboardLayoutList']),
  // OS random sources (getrandom, getentropy, BCryptGenRandom) are left out on purpose: randomness
  // crates call and look them up as their job, and the `random` trigger source is about drawing
  // numbers to gate a payload (rand::random), which these C functions are not written for.
  // dynamic code
  byName('ffi.dlopen', ['dlopen', 'dlmopen', 'dlsym', 'dlvsym']),
  byName('ffi.dlopen', ['LoadLibrary', 'LoadPackagedLibrary', 'GetProcAddress', 'LdrLoadDll', 'LdrGetProcedureAddress'], { win: true }),
  byName('ffi.mprotect', ['mprotect', 'pkey_mprotect']),
  byName('ffi.mprotect', ['VirtualProtect', 'NtProtectVirtualMemory'], { win: true }),
  byName('ffi.mmap', ['mmap', 'mmap64', 'mremap']),
  byName('ffi.mmap', ['VirtualAlloc', 'VirtualAlloc2', 'NtAllocateVirtualMemory'], { win: true }),
  // a system call by number: the scanner reads the number at the call site
  byName('syscall.raw', ['syscall', '__syscall']),
  // the Windows registry (Run keys, services, file associations)
  byName('registry.write', ['RegSetValue', 'RegSetKeyValue', 'RegCreateKey', 'RegCreateKeyTransacted', 'RegDeleteKey', 'RegDeleteKeyValue', 'RegDeleteValue', 'RegDeleteTree', 'RegRestoreKey', 'RegLoadKey', 'RegReplaceKey', 'RegSetKeySecurity', 'SHSetValue', 'SHRegSetUSValue', 'SHDeleteKey', 'SHDeleteValue'], { win: true }),
];

// nix / rustix wrappers whose names differ from the C function they wrap, by module.
const WRAPPER_RULES = [
  { module: /::sys::ptrace$/, name: /./, cap: 'process.inject' },
  { module: /::(net|sys::socket)$/, name: /^(socket|socket_with|connect|sendto|sendmsg|sendmmsg)(_\w+)?$/, cap: 'network.connect' },
  { module: /::(net|sys::socket)$/, name: /^(bind|listen|accept|accept4|acceptfrom)(_\w+)?$/, cap: 'network.listen' },
  { module: /::(mm|sys::mman)$/, name: /^mmap(_\w+)?$/, cap: 'ffi.mmap' },
  { module: /::runtime$/, name: /^(kernel_)?(fork|execve|execveat|execv)$/, cap: 'process.spawn' },
  { module: /::fs$/, name: /^(chmodat|chownat)$/, cap: 'fs.permissions' },
  { module: /::fs$/, name: /^renameat_with$/, cap: 'fs.write' },
  { module: /::dir$/, name: /^(open|openat|from_fd)$/, cap: 'fs.read' },
  { module: /::(unistd|process)$/, name: /^(getuid|geteuid|gethostname)$/, cap: 'host.identity' },
  { module: /::sys::utsname$/, name: /^uname$/, cap: 'host.identity' },
  { module: /::system$/, name: /^uname$/, cap: 'host.identity' },
];

/** Capability of a C / Win32 function or extern static, by name (null: none). */
export function classifyFfi(name) {
  for (const r of FFI_RULES) if (r.re.test(name)) return r.cap;
  return null;
}

/**
 * Capability of a nix / rustix public function at `module` (`nix::sys::socket`): module rules for
 * wrappers named unlike their C function, then the C-name rules. A method (`type` set) takes only
 * the module rules: method names like `remove` or `bind` on a signal set or an address say nothing.
 */
export function classifyWrapper(module, type, name) {
  for (const r of WRAPPER_RULES) if (r.module.test(module) && r.name.test(name)) return r.cap;
  return type ? null : classifyFfi(name);
}

/**
 * Win32 functions that none of the packaged declarations (winapi 0.3.9) has, but windows-sys and
 * windows declare: URLMon's download functions. Classified by the same rules as the rest.
 */
export const SUPPLEMENT = [
  'URLDownloadToFileA', 'URLDownloadToFileW', 'URLDownloadToCacheFileA', 'URLDownloadToCacheFileW',
  'URLOpenStreamA', 'URLOpenStreamW', 'URLOpenBlockingStreamA', 'URLOpenBlockingStreamW', 'URLOpenPullStreamA', 'URLOpenPullStreamW',
];
