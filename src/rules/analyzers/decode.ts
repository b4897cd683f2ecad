import { unescapeRust } from '../../parse/text.js';
import type { ScanContext, NewSite } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Confidence, Severity } from '../../contract/finding.js';
import { short, siteMatch } from './util.js';

/** Programs a payload runs. */
const PROGRAM = /(^|[\s/\\"'])(curl|wget|sh|bash|zsh|dash|powershell|pwsh|cmd|nc|ncat|socat|python3?|perl|osascript|certutil|bitsadmin|mshta|rundll32|chmod|crontab|launchctl|schtasks)(\.exe)?($|[\s"'])/i;
const URL = /[a-z][a-z0-9+.-]{1,15}:\/\/[^\s]{3,}|\b\d{1,3}(\.\d{1,3}){3}:\d{2,5}\b/i;
const SECRET = /(\.ssh\b|id_rsa|id_ed25519|\.cargo\/credentials|credentials|\.aws\/|\.npmrc|\.pypirc|\.git-credentials|\.netrc|\.docker\/config|\.kube\/config|\/etc\/(passwd|shadow)|wallet|keychain|\.gnupg|TOKEN|SECRET|PASSW|API_?KEY)/i;

/** Integer literals of one bracketed list (`[99, 0x75, 114u8]`), or null when anything else is in it. */
function intList(body: string): number[] | null {
  const parts = body.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length < 3 || parts.length > 4096) return null;
  const out: number[] = [];
  for (const p of parts) {
    const m = /^(0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+|\d+)(u8|i8|u16|u32|i32|usize)?$/.exec(p.replace(/_/g, ''));
    if (!m) return null;
    out.push(Number(m[1]));
  }
  return out;
}

/** Char literals of one bracketed list (`['c', 'u', 'r', 'l']`), or null. */
function charList(body: string): string | null {
  const parts = body.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length < 3) return null;
  let s = '';
  for (const p of parts) {
    const m = /^'(\\?.)'$/.exec(p);
    if (!m) return null;
    s += m[1].length === 2 ? unescapeRust(m[1]) : m[1];
  }
  return s;
}

/** Text when every code is printable ASCII (or common whitespace); null otherwise. */
function printable(codes: number[]): string | null {
  if (codes.length < 3) return null;
  for (const c of codes) if (!((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13)) return null;
  const s = String.fromCharCode(...codes);
  return /[A-Za-z]{2}/.test(s) ? s : null;
}

/** Bracketed lists in `text` (at most `max`), innermost, found by one linear scan. */
function lists(text: string, max = 20): string[] {
  const out: string[] = [];
  const open: number[] = [];
  for (let i = 0; i < text.length && out.length < max; i++) {
    const c = text[i];
    if (c === '[') open.push(i);
    else if (c === ']' && open.length > 0) {
      const o = open.pop()!;
      if (i - o < 20_000) out.push(text.slice(o + 1, i));
    }
  }
  return out;
}

interface Decoded {
  text: string;
  how: string;
}

/** Byte or char arrays decoded with `key` applied by `op` (`^`, `+`, `-`), each that gives printable text. */
function decodeArrays(itemText: string, op: string, key: number, how: string): Decoded[] {
  const out: Decoded[] = [];
  for (const body of lists(itemText)) {
    const ints = intList(body);
    const chars = ints ? null : charList(body);
    const codes = ints ?? (chars ? [...chars].map((c) => c.charCodeAt(0)) : null);
    if (!codes) continue;
    const mapped = codes.map((c) => (op === '^' ? c ^ key : op === '+' ? (c + key) & 0xff : (c - key + 256) & 0xff));
    const t = printable(mapped);
    if (t) out.push({ text: t, how });
  }
  return out;
}

/** What one new site decodes to, statically, when it is one of the known ways of hiding a string. */
function decodeSite(ctx: ScanContext, ns: NewSite): Decoded[] {
  const { site: s, file } = ns;
  if (s.kind === 'call' && /(^|::)(from_utf8|from_utf8_lossy|from_utf8_unchecked)$/.test(s.text)) {
    const body = lists(s.args ?? '', 1)[0];
    const ints = body !== undefined ? intList(body) : null;
    const t = ints ? printable(ints) : null;
    return t ? [{ text: t, how: `bytes given to \`${short(s.text, 40)}\`` }] : [];
  }
  if (s.kind === 'macro' && s.text === 'concat') {
    const a = (s.args ?? '').replace(/^\(|\)$/g, '');
    const parts = a.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((p) => p.trim()).filter((p) => p !== '');
    if (parts.length < 2 || !parts.every((p) => /^"(?:[^"\\]|\\.)*"$|^'(?:[^'\\]|\\.)'$/.test(p))) return [];
    const t = parts.map((p) => unescapeRust(p.slice(1, -1))).join('');
    return [{ text: t, how: `${parts.length} fragments joined by \`concat!\`` }];
  }
  if (s.kind === 'method' && s.text === 'rev') {
    const line = ctx.linesOf(file)[s.line - 1] ?? '';
    const m = /"((?:[^"\\]|\\.){3,200})"\s*\.\s*(?:chars|bytes)\s*\(\s*\)\s*\.\s*rev\b/.exec(line);
    return m ? [{ text: [...unescapeRust(m[1])].reverse().join(''), how: 'a literal reversed with `.chars().rev()`' }] : [];
  }
  if (s.kind === 'arith' && s.text === '^') {
    const key = /\^\s*(0x[0-9a-fA-F]+|\d+)(u8)?\b/.exec(s.args ?? '')?.[1];
    if (key === undefined) return [];
    return memoDecode(ctx, ns, '^', key, `a byte array XORed with ${key}`);
  }
  if (s.kind === 'method' && (s.text === 'map' || s.text === 'collect')) {
    // Char arithmetic: `.map(|b| (b + 1) as char)`, `char::from(c - 3)`.
    const m = /([+-])\s*(0x[0-9a-fA-F]+|\d+)\s*(?:u8)?\s*\)\s*as\s+char|char::from\s*\(\s*\w+\s*([+-])\s*(0x[0-9a-fA-F]+|\d+)/.exec(s.args ?? '');
    if (m) {
      const op = m[1] ?? m[3];
      const key = m[2] ?? m[4];
      return memoDecode(ctx, ns, op, key, `a byte array shifted by ${op}${key} and read as chars`);
    }
    if (s.text === 'collect') {
      const line = ctx.linesOf(file)[s.line - 1] ?? '';
      const body = /\[((?:\s*'(?:[^'\\]|\\.)'\s*,){2,}\s*'(?:[^'\\]|\\.)'\s*,?\s*)\]/.exec(line)?.[1];
      const t = body ? charList(body) : null;
      if (t) return [{ text: t, how: 'an array of single characters collected into a string' }];
    }
  }
  return [];
}

const decodeMemo = new WeakMap<ScanContext, Map<string, Decoded[]>>();

/** `decodeArrays` once per item, operation and key: XOR-heavy code (ciphers, hashes) has many such sites per function. */
function memoDecode(ctx: ScanContext, ns: NewSite, op: string, key: string, how: string): Decoded[] {
  let m = decodeMemo.get(ctx);
  if (!m) decodeMemo.set(ctx, (m = new Map()));
  const k = `${ns.itemKey ?? ns.file.path}|${op}|${key}`;
  let r = m.get(k);
  if (!r) m.set(k, (r = decodeArrays(textAround(ctx, ns), op, Number(key), how)));
  return r;
}

/** The enclosing item's text, and the consts and statics it names (where the data usually sits). */
function textAround(ctx: ScanContext, ns: NewSite): string {
  let t = ctx.itemText(ns.itemKey);
  const consts = new Set(t.match(/\b[A-Z][A-Z0-9_]{0,40}\b/g) ?? []);
  let n = 0;
  for (const name of consts) {
    if (n >= 8) break;
    for (const key of [`${ns.file.module}::${name}`, `crate::${name}`]) {
      const ref = ctx.delta.new.items.get(key);
      if (ref && (ref.item.kind === 'const' || ref.item.kind === 'static')) {
        t += `\n${ctx.itemText(key)}`;
        n++;
        break;
      }
    }
  }
  return t;
}

function weigh(text: string): { names: string; severity: Severity } | null {
  const prog = PROGRAM.exec(text);
  if (prog) return { names: `the program ${prog[2]}`, severity: 'high' };
  if (URL.test(text)) return { names: 'a URL', severity: 'high' };
  const sec = SECRET.exec(text);
  if (sec) return { names: `a secret (${sec[1]})`, severity: 'high' };
  return null;
}

/**
 * Strings hidden from grep: byte arrays turned into text, reversed literals, XOR or shifted bytes,
 * `concat!` of fragments, arrays of single characters. Decoded statically; the decoded text is in
 * the finding, and text naming a program, a URL or a secret raises the weight.
 */
export function hiddenStringAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const sinks = (rule.spec.match.params?.sinks as string[] | undefined) ?? ['process', 'network', 'fs.write', 'ffi.dlopen'];
  const out: Match[] = [];
  const seen = new Set<string>();
  const reaches = new Map<string, boolean>();
  for (const kind of ['call', 'macro', 'method', 'arith']) {
    for (const ns of ctx.newSitesOfKind(kind)) {
      if (!ctx.isProduct(ns.file, ns.site.item)) continue;
      for (const d of decodeSite(ctx, ns)) {
        // Arrays decoded by a key are the item's, not the site's: once per item and text.
        const perItem = d.how.includes('XORed') || d.how.includes('shifted');
        const k = perItem ? `${ns.itemKey}:${d.text}` : `${ns.file.path}:${ns.site.line}:${d.text}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const w = weigh(d.text);
        const key = ns.itemKey;
        let reach = key ? reaches.get(key) : false;
        if (key && reach === undefined) reaches.set(key, (reach = ctx.reachedCapsViaUsers(key, sinks).length > 0));
        const fromConcat = d.how.includes('concat!');
        // A key tried on every array of the item decodes some of them to printable noise: only text that says something counts.
        if (!w && (d.how.includes('XORed') || d.how.includes('shifted'))) continue;
        let severity: Severity;
        let confidence: Confidence = 'high';
        if (w) severity = w.severity;
        else if (fromConcat) continue;
        else {
          severity = reach ? 'medium' : 'info';
          confidence = 'medium';
        }
        // `concat!("https://", HOST)` is how ordinary clients build URLs: only programs and secrets count there.
        if (fromConcat && w?.names === 'a URL' && !reach) severity = 'low';
        if (w && reach && !fromConcat) severity = 'critical';
        out.push(siteMatch(ctx, ns.file, ns.index, { decoded: short(JSON.stringify(d.text).slice(1, -1), 80), how: d.how, names: w ? `, which names ${w.names}` : '' }, { severity, confidence }));
      }
    }
  }
  return out;
}

