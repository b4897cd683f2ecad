/** The platform functions, instructions and sections the native-source reader records, by capability. */

/** Platform functions by capability: what the rule stage grades. */
export const PLATFORM_NAMES: Record<string, string[]> = {
  'process.spawn': [
    'system', 'popen', '_popen', '_wpopen', '_wsystem', 'execl', 'execle', 'execlp', 'execv', 'execve', 'execvp', 'execvpe', 'execveat', 'fexecve',
    'fork', 'vfork', 'posix_spawn', 'posix_spawnp', '_spawnl', '_spawnle', '_spawnlp', '_spawnlpe', '_spawnv', '_spawnve', '_spawnvp', '_spawnvpe',
    '_execl', '_execv', '_execvp', '_execve', 'CreateProcessA', 'CreateProcessW', 'CreateProcessAsUserA', 'CreateProcessAsUserW',
    'ShellExecuteA', 'ShellExecuteW', 'ShellExecuteExA', 'ShellExecuteExW', 'WinExec',
  ],
  'network.connect': [
    'socket', 'connect', 'getaddrinfo', 'gethostbyname', 'gethostbyname2', 'gethostbyname_r', 'gethostbyaddr', 'res_query', 'WSAStartup', 'WSASocketA',
    'WSASocketW', 'WSAConnect', 'InternetOpenA', 'InternetOpenW', 'InternetOpenUrlA', 'InternetOpenUrlW', 'InternetConnectA', 'InternetConnectW',
    'HttpOpenRequestA', 'HttpOpenRequestW', 'HttpSendRequestA', 'HttpSendRequestW', 'URLDownloadToFileA', 'URLDownloadToFileW', 'WinHttpOpen',
    'WinHttpConnect', 'WinHttpSendRequest', 'curl_easy_init', 'curl_easy_perform', 'curl_easy_setopt', 'curl_multi_perform', 'curl_global_init',
  ],
  'ffi.dlopen': ['dlopen', 'dlmopen', 'dlsym', 'dlvsym', 'LoadLibraryA', 'LoadLibraryW', 'LoadLibraryExA', 'LoadLibraryExW', 'GetProcAddress'],
  'env.read': ['getenv', 'secure_getenv', '_wgetenv', 'getenv_s', '_dupenv_s', 'GetEnvironmentVariableA', 'GetEnvironmentVariableW'],
  'env.read-all': ['environ', '__environ', '_environ', 'GetEnvironmentStrings', 'GetEnvironmentStringsA', 'GetEnvironmentStringsW'],
  'syscall.raw': ['syscall'],
};

export const CAPABILITY_OF = new Map<string, string>(Object.entries(PLATFORM_NAMES).flatMap(([cap, names]) => names.map((n) => [n, cap] as [string, string])));

/** The capability of a platform function name (`curl_*` counts as the network), or undefined. */
export function platformCapability(name: string): string | undefined {
  return CAPABILITY_OF.get(name) ?? (name.startsWith('curl_') ? 'network.connect' : undefined);
}

/** Instructions that enter the kernel directly. */
export const SYSCALL_INSN = /\b(?:syscall|sysenter|svc\s+#?0(?:x0)?\b|int\s+\$?0x80\b|swi\s+#?0\b)/i;
/** Sections whose entries the loader runs before main or at exit. */
export const CTOR_SECTION = /\.(?:init_array|fini_array|preinit_array|ctors|dtors|CRT\$X[CIPT][A-Z]*)\b/;
