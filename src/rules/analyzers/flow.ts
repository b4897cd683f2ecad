import { capMatches, capabilityOfPath } from '../../analysis/catalogue.js';
import { lexTokenTree } from '../../parse/tokens.js';
import { sitesByItem } from '../../diff/index.js';
import type { RustFile } from '../../diff/types.js';
import { entropy } from '../../parse/text.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { changedItems, magicOf, short, siteMatch } from './util.js';

/** Environment variables that hold credentials. */
export const SECRET_ENV = /(TOKEN|SECRET|PASSW|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|AWS_(ACCESS|SECRET|SESSION)|AZURE_CLIENT|GOOGLE_APPLICATION_CREDENTIALS|CARGO_REGISTRY|SSH_AUTH_SOCK|SESSION_?KEY|AUTH_?TOKEN)/i;
/** Paths and names of credential stores and keys. */
export const SENSITIVE_PATH = /(\.ssh\b|id_rsa|id_ed25519|\.cargo\/credentials|credentials\.toml|\.aws\/credentials|\.npmrc|\.pypirc|\.git-credentials|\.netrc|\.docker\/config\.json|\.kube\/config|\/etc\/(passwd|shadow)|Login Data|keychain|\.gnupg|wallet\.dat|keystore|\.bash_history|\.env\b|\.config\/gh\/hosts)/i;
/** Literals that look for cryptocurrency keys or seed phrases. */
const WALLET = /(mnemonic|seed phrase|private[ _-]?key|BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY|\[1-9A-HJ-NP-Za-km-z\]|0x\[a-fA-F0-9\]\{64\}|solana|metamask|phantom|exodus|electrum|ethereum|bitcoin|xprv)/i;
/** Environment variable names, each optionally with a value, alone or listed (`GITLAB_CI`, `CI=true`, `CI,GITLAB_CI`). */
const VAR_NAME = /^[A-Z][A-Z0-9_]*(=[^\s,;|]*)?(?:[\s,;|]+[A-Z][A-Z0-9_]*(=[^\s,;|]*)?)*$/;
/** CI services' marker variables. */
const CI_ENV = /\b(CI|GITHUB_ACTIONS|GITHUB_WORKFLOW|GITLAB_CI|CI_JOB_TOKEN|TRAVIS|JENKINS_URL|JENKINS_HOME|CIRCLECI|BUILDKITE|TF_BUILD|TEAMCITY_VERSION|BITBUCKET_BUILD_NUMBER|DRONE|CODEBUILD_BUILD_ID|APPVEYOR|BUILD_ID|RUNNER_OS)\b/;
/** `$NAME`, `${NAME}` or `%NAME%` of a CI variable in shell or batch text. */
const CI_SHELL_REF = new RegExp(`(?:\\$\\{?|%)${CI_ENV.source}(?![A-Za-z0-9_])`);
const LOCALE_ENV = /\b(LANG|LC_ALL|LC_CTYPE|LC_MESSAGES|LANGUAGE|TZ)\b/;
const HOST_ENV = /\b(USER|USERNAME|LOGNAME|HOSTNAME|COMPUTERNAME|USERDOMAIN)\b/;

interface SourceHit {
  file: RustFile;
  index: number;
  what: string;
  holder: string;
}

/** Scans the sites of every item reached from `key` for ones that `pred` names; nearest first. */
function findSources(ctx: ScanContext, key: string, kind: string, pred: (file: RustFile, index: number) => string | null): SourceHit[] {
  // Many changed items reach the same helpers: each item's sites are tested once per kind of source.
  let memo = sourceMemo.get(ctx);
  if (!memo) sourceMemo.set(ctx, (memo = new Map()));
  let byHolder = memo.get(kind);
  if (!byHolder) memo.set(kind, (byHolder = new Map()));
  const out: SourceHit[] = [];
  for (const holder of ctx.reachFrom(key).keys()) {
    let hits = byHolder.get(holder);
    if (!hits) {
      hits = [];
      const ref = ctx.delta.new.items.get(holder);
      if (ref) {
        for (const i of sitesByItem(ref.file.facts.sites).get(ref.item.id) ?? []) {
          const what = pred(ref.file, i);
          if (what) hits.push({ file: ref.file, index: i, what, holder });
        }
      }
      byHolder.set(holder, hits);
    }
    for (const h of hits) out.push(h);
  }
  return out;
}

const sourceMemo = new WeakMap<ScanContext, Map<string, Map<string, SourceHit[]>>>();

function envName(args: string | undefined): string {
  return /"([^"]*)"/.exec(args ?? '')?.[1] ?? '';
}

/** Secret sources: credential env vars, the whole environment, credential files, wallet-key patterns. */
function secretSource(ctx: ScanContext, file: RustFile, i: number): string | null {
  const s = file.facts.sites[i];
  if (s.kind === 'string') {
    if (SENSITIVE_PATH.test(s.text)) return `the credential path "${short(s.text, 60)}"`;
    if (WALLET.test(s.text)) return `the key pattern "${short(s.text, 60)}"`;
    return null;
  }
  const hit = ctx.newGraph.resolver.capOf(file, i);
  if (!hit) return null;
  if (hit.cap === 'env.read-all') return 'every environment variable';
  if (hit.cap === 'env.read' && SECRET_ENV.test(envName(s.args))) return `the secret environment variable ${envName(s.args)}`;
  return null;
}

/** Build tools a build script legitimately runs; environment data passed to them is not exfiltration. */
const BUILD_TOOLS = /^\(\s*"(pkg-config|pkgconf|rustc|cc|c\+\+|gcc|g\+\+|clang|clang\+\+|cmake|make|gmake|ninja|ar|ld|nasm|yasm|xcrun|xcode-select|sw_vers|llvm-config|perl)"/;

/**
 * Programs that can carry data off the machine, run what they are given, or start another program
 * (curl, a shell, an interpreter, env, xargs, sudo...), by base name without a Windows extension.
 */
const CARRIERS = new Set([
  'curl', 'wget', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ssh', 'scp', 'sftp', 'ftp', 'tftp', 'rsync', 'openssl',
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'csh', 'tcsh', 'fish', 'busybox', 'cmd', 'powershell', 'pwsh', 'wsl', 'start',
  'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'deno', 'bun', 'php', 'lua', 'osascript', 'cscript', 'wscript', 'mshta',
  'rundll32', 'regsvr32', 'certutil', 'bitsadmin', 'env', 'xargs', 'nohup', 'setsid', 'timeout', 'sudo', 'doas', 'su', 'nice', 'ionice',
]);

/** A string literal's content as written in Rust source (`"x"`, `r"x"`, `r#"x"#`), or null. */
function literal(text: string): string | null {
  const m = /^\s*(?:b?r(#*)"([\s\S]*?)"\1|b?"((?:[^"\\]|\\.)*)")\s*$/.exec(text);
  return m ? (m[2] ?? m[3] ?? '') : null;
}

function carrierName(program: string): boolean {
  const base = program.trim().split(/[\\/]/).pop()!.toLowerCase().replace(/\.(exe|com|bat|cmd|ps1)$/, '');
  return CARRIERS.has(base) || /^python[0-9.]*$/.test(base);
}

/**
 * Whether the program a process start runs may carry the environment off the machine: a carrier
 * literal, a constant (`Command::new(PROG)`, whose value is not at the site), or a program computed
 * at the site while the code around it names a carrier (`run("curl", …)` into an existing helper).
 * Only a plain literal naming another program, or a variable with no carrier named nearby (a process
 * library running what its caller chose), is not.
 */
function mayCarry(ctx: ScanContext, file: string, site: number, nearStrings: () => string[]): boolean {
  const s = site >= 0 ? ctx.delta.new.rust.get(file)?.facts.sites[site] : undefined;
  if (!s) return true;
  const arg = (s.args ?? '').replace(/^\(\s*/, '').replace(/\s*\)$/, '').split(',')[0] ?? '';
  const lit = literal(arg);
  if (lit !== null) return carrierName(lit);
  // A constant's name (`PROG`, `cfg::CURL`): its value is elsewhere.
  if (/(^|::)[A-Z][A-Z0-9_]*$/.test(arg.replace(/^&/, '').trim())) return true;
  return nearStrings().some(carrierName);
}

/** The string literals of the changed item and of every item on the trace to a sink. */
function nearStrings(ctx: ScanContext, start: string, r: { trace: Array<{ item: string }>; holder: string }): string[] {
  const out: string[] = [];
  for (const key of new Set([start, r.holder, ...r.trace.map((h) => h.item)])) {
    const ref = ctx.delta.new.items.get(key);
    if (!ref) continue;
    const sites = ref.file.facts.sites;
    for (const i of sitesByItem(sites).get(ref.item.id) ?? []) if (sites[i].kind === 'string') out.push(sites[i].text);
  }
  return out;
}

function isBuildTool(ctx: ScanContext, file: string, site: number): boolean {
  const s = site >= 0 ? ctx.delta.new.rust.get(file)?.facts.sites[site] : undefined;
  return !!s && BUILD_TOOLS.test(s.args ?? '');
}

/** Secrets (env tokens, credential files, key patterns) reaching the network or a process from new code. */
export function exfiltrationAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const sinks = (rule.spec.match.params?.sinks as string[] | undefined) ?? ['network', 'process.spawn'];
  const out = new Map<string, Match>();
  for (const ch of changedItems(ctx)) {
    const sources = findSources(ctx, ch.key, 'secret', (f, i) => secretSource(ctx, f, i));
    if (sources.length === 0) continue;
    // Build scripts read the whole environment for CARGO_*/DEP_* metadata and run tools; only the
    // network counts as a sink for that source there.
    const wholeEnvOnly = sources.every((x) => x.what === 'every environment variable');
    const buildEnvOnly = ch.newRef!.file.role === 'build' && wholeEnvOnly;
    // The earlier release's shipped code already handed the whole environment to programs it started
    // (a process library): new code doing that again is the crate's job, shown without a review by itself.
    const knownJob = wholeEnvOnly && ctx.hadAtRuntime('env.read-all') && ctx.hadAtRuntime('process.spawn');
    for (const r of ctx.reachedCaps(ch.key, sinks)) {
      if (r.cap.cap === 'process.spawn' && isBuildTool(ctx, r.cap.file, r.cap.site)) continue;
      if (buildEnvOnly && !r.cap.cap.startsWith('network')) continue;
      // A child process inherits the whole environment anyway: reading it and starting a program
      // (a process library building the child's environment) sends nothing anywhere by itself, so
      // that is high (reviewed), not critical; it stays critical when the program is one that talks
      // to the network or runs what it is given (curl, a shell, an interpreter).
      const inherited = wholeEnvOnly && r.cap.cap === 'process.spawn' && !mayCarry(ctx, r.cap.file, r.cap.site, () => nearStrings(ctx, ch.key, r));
      const anyNew = ch.status === 'added' || ctx.isNew(r.cap.file, r.cap.site) || sources.some((s) => ctx.isNew(s.file.path, s.index));
      if (!anyNew) continue;
      const src = sources[0];
      const sinkFile = ctx.delta.new.rust.get(r.cap.file)!;
      const k = `${r.cap.file}:${r.cap.site}`;
      const prev = out.get(k);
      if (prev && (prev.trace?.length ?? 0) <= r.trace.length) continue;
      const srcSite = src.file.facts.sites[src.index];
      out.set(k, siteMatch(ctx, sinkFile, r.cap.site, {
        source: src.what, sourceAt: `${src.file.path}:${srcSite.line}`, sink: r.cap.cap, sinkCall: short(r.cap.resolved, 60), entry: ch.key,
      }, { trace: r.trace, item: r.holder, ...(inherited ? { severity: knownJob ? 'medium' as const : 'high' as const } : {}) }));
    }
  }
  return [...out.values()];
}

const TRIGGERS: Record<string, (ctx: ScanContext, f: RustFile, i: number) => string | null> = {
  ci: (ctx, f, i) => {
    const s = f.facts.sites[i];
    // A string that is a CI variable's name (`"GITLAB_CI"`, `"CI=true"`), as code that looks it up
    // indirectly holds it; not prose that mentions CI (`"Unknown platform (CI)"`).
    // Shell and batch spellings (`"$GITHUB_ACTIONS"`, `"${CI}"`, `"%CI%"`, `" CI"`) are names too.
    if (s.kind === 'string' && s.text.length < 40 && VAR_NAME.test(s.text.replace(/[${}%]/g, '').trim()) && CI_ENV.test(s.text)) return `the CI marker "${s.text}"`;
    // A shell or batch script that reads a CI variable (`[ -n "$GITLAB_CI" ] && …`), whatever its length.
    if (s.kind === 'string' && s.text.length < 4096 && CI_SHELL_REF.test(s.text)) return `the CI variable read in "${short(s.text, 60)}"`;
    const hit = ctx.newGraph.resolver.capOf(f, i);
    if (hit?.cap === 'env.read' && CI_ENV.test(envName(s.args))) return `the CI variable ${envName(s.args)}`;
    return null;
  },
  time: (ctx, f, i) => (ctx.newGraph.resolver.capOf(f, i)?.cap === 'time.now' ? `the current date (${f.facts.sites[i].text})` : null),
  locale: (ctx, f, i) => {
    const s = f.facts.sites[i];
    const hit = ctx.newGraph.resolver.capOf(f, i);
    if (hit?.cap === 'host.locale') return `the system locale or time zone (${s.text})`;
    if (hit?.cap === 'env.read' && LOCALE_ENV.test(envName(s.args))) return `the locale variable ${envName(s.args)}`;
    return null;
  },
  host: (ctx, f, i) => {
    const s = f.facts.sites[i];
    const hit = ctx.newGraph.resolver.capOf(f, i);
    if (hit?.cap === 'host.identity') return `the machine's or user's identity (${s.text})`;
    if (hit?.cap === 'env.read' && HOST_ENV.test(envName(s.args))) return `the user or host variable ${envName(s.args)}`;
    return null;
  },
  random: (ctx, f, i) => (ctx.newGraph.resolver.capOf(f, i)?.cap === 'random' ? `a random draw (${f.facts.sites[i].text})` : null),
  'target-cfg': (_ctx, f, i) => {
    const s = f.facts.sites[i];
    if (s.kind === 'attr' && /^cfg\s*\(.*target_(os|arch|env|family|vendor)\s*=/.test(s.text)) return `#[${short(s.text, 60)}]`;
    if (s.kind === 'macro' && s.text === 'cfg' && /target_(os|arch|env|family|vendor)/.test(s.args ?? '')) return `cfg!${short(s.args ?? '', 60)}`;
    return null;
  },
};

/** Dangerous capabilities reached from new code that also consults a trigger condition. */
export function triggerAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const kind = String(rule.spec.match.params?.source ?? '');
  const pred = Object.hasOwn(TRIGGERS, kind) ? TRIGGERS[kind] : undefined;
  if (!pred) throw new Error(`rule ${rule.spec.id}: unknown trigger source "${kind}"`);
  const sinks = (rule.spec.match.params?.sinks as string[] | undefined) ?? ['network', 'process.spawn', 'fs.write', 'fs.delete', 'ffi.dlopen'];
  const out = new Map<string, Match>();
  for (const ch of changedItems(ctx)) {
    // Both a sink and a trigger must be reached; the sinks are the cheaper to look up.
    const reached = ctx.reachedCaps(ch.key, sinks);
    if (reached.length === 0) continue;
    const sources = findSources(ctx, ch.key, `trigger:${kind}`, (f, i) => pred(ctx, f, i));
    if (sources.length === 0) continue;
    const src = sources[0];
    const anyNew = ch.status === 'added' || sources.some((s) => ctx.isNew(s.file.path, s.index)) || reached.some((r) => ctx.isNew(r.cap.file, r.cap.site));
    if (!anyNew) continue;
    const k = `${src.file.path}:${src.index}`;
    if (out.has(k)) continue;
    const sinkList = [...new Set(reached.map((r) => r.cap.cap))].join(', ');
    out.set(k, siteMatch(ctx, src.file, src.index, { source: src.what, sinks: sinkList, entry: ch.key }, { trace: reached[0].trace, item: src.holder }));
  }
  return [...out.values()];
}

/** Decoding or decryption in code that also reaches process, network, file writes or dynamic loading. */
export function decodeFeedsAnalyzer(ctx: ScanContext): Match[] {
  const out = new Map<string, Match>();
  for (const ch of changedItems(ctx)) {
    // Base64 engines encode as well as decode: count them only next to a `.decode…()` call.
    const decodes = ctx.reachedCaps(ch.key, ['decode']).filter((r) => r.cap.cap !== 'decode.base64-engine' || holderDecodes(ctx, r.holder));
    if (decodes.length === 0) continue;
    const sinks = ctx.reachedCaps(ch.key, ['process.spawn', 'network', 'fs.write', 'ffi.dlopen', 'ffi.mprotect', 'ffi.mmap']);
    if (sinks.length === 0) continue;
    const d = decodes[0];
    const anyNew = ch.status === 'added' || ctx.isNew(d.cap.file, d.cap.site) || sinks.some((s) => ctx.isNew(s.cap.file, s.cap.site));
    if (!anyNew) continue;
    const k = `${d.cap.file}:${d.cap.site}`;
    if (out.has(k)) continue;
    const file = ctx.delta.new.rust.get(d.cap.file)!;
    out.set(k, siteMatch(ctx, file, d.cap.site, { decoder: short(d.cap.resolved, 60), sinks: [...new Set(sinks.map((s) => s.cap.cap))].join(', ') }, { trace: sinks[0].trace, item: d.holder }));
  }
  return [...out.values()];
}

function holderDecodes(ctx: ScanContext, holder: string): boolean {
  const ref = ctx.delta.new.items.get(holder);
  if (!ref) return false;
  return (sitesByItem(ref.file.facts.sites).get(ref.item.id) ?? []).some((i) => {
    const s = ref.file.facts.sites[i];
    return s.kind === 'method' && /^decode/.test(s.text);
  });
}

/** Share of bytes that are not printable ASCII or common whitespace. */
function binaryShare(b: Buffer): number {
  if (b.length === 0) return 0;
  let n = 0;
  for (const x of b) if ((x < 32 && x !== 9 && x !== 10 && x !== 13) || x > 126) n++;
  return n / b.length;
}

const PAYLOAD_WORDS = /(https?:\/\/|\bcurl\b|\bwget\b|\/bin\/(ba)?sh|powershell|chmod|\/tmp\/|\.exe\b|eval|exec)/i;

/**
 * Long string literals that look like encoded data. Base64 and hex are decoded: binary content or
 * text naming URLs and shell tools is flagged whatever its entropy; otherwise high entropy decides.
 */
export function literalEntropyAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const minLength = Number(rule.spec.match.params?.minLength ?? 48);
  const out: Match[] = [];
  for (const ns of ctx.newSites()) {
    const s = ns.site;
    if (s.kind !== 'string' || s.text.length < minLength) continue;
    const t = s.text.replace(/\\\n\s*/g, '').replace(/\s+/g, '');
    if (t.length < minLength || (/\s/.test(s.text.trim().slice(0, 200)) && t.length < s.text.length * 0.9)) continue;
    const hex = /^(0x)?[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0;
    const b64 = !hex && /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) && /[A-Z]/.test(t) && /[a-z]/.test(t) && /[0-9]/.test(t);
    if (!b64 && !hex) continue;
    const decoded = hex ? Buffer.from(t.replace(/^0x/, ''), 'hex') : Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    const h = entropy(t);
    const magic = magicOf(decoded)?.kind;
    const words = PAYLOAD_WORDS.exec(decoded.toString('latin1'))?.[0];
    let what: string;
    if (magic) what = `decodes to ${magic} (${decoded.length} bytes)`;
    else if (words) what = `decodes to text naming ${words}`;
    // Hex tables and digests are ordinary; only base64 binary without a known header is unusual.
    else if (!hex && binaryShare(decoded) > 0.3 && decoded.length >= 48) what = `decodes to ${decoded.length} bytes of binary data`;
    else if (h >= (hex ? 3.9 : 4.6) && t.length >= 96) what = `has high entropy (${h.toFixed(2)} bits/char)`;
    else continue;
    out.push(siteMatch(ctx, ns.file, ns.index, { length: String(s.len ?? t.length), entropy: h.toFixed(2), encoding: hex ? 'hex' : 'base64', what }));
  }
  return out;
}

/** True when any capability under `patterns` is used in `ctx`'s new release. */
export function crateUses(ctx: ScanContext, patterns: string[]): boolean {
  for (const c of ctx.capsAfter) if (patterns.some((p) => capMatches(c, p))) return true;
  return false;
}

/**
 * String literals in build scripts that hold Rust code using dangerous capabilities: code generated
 * into OUT_DIR and `include!`d never appears in the source a reviewer reads.
 */
export function generatedCodeAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  const cat = ctx.rules.catalogue;
  for (const ns of ctx.newSites()) {
    const { file, site } = ns;
    if (site.kind !== 'string' || file.role !== 'build' || site.text.length < 12 || !site.text.includes('::')) continue;
    const found: string[] = [];
    for (const t of lexTokenTree(site.text, 0, site.text.length, 300)) {
      if (t.kind !== 'call' && t.kind !== 'path') continue;
      const p = t.text.replace(/^(core|alloc)::/, 'std::');
      const cap = capabilityOfPath(cat, p);
      if (cap && /^(process|network|fs\.(write|delete|permissions)|ffi\.(dlopen|mprotect)|env)/.test(cap)) found.push(`${cap} (${p})`);
    }
    if (found.length === 0) continue;
    out.push(siteMatch(ctx, file, ns.index, { uses: [...new Set(found)].slice(0, 3).join(', ') }));
  }
  return out;
}
