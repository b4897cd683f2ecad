import type { RustFile } from '../diff/types.js';
import type { Catalogue } from './catalogue.js';

/**
 * System calls made by inline and global assembly (`asm!`, `global_asm!`, `naked_asm!`): the
 * instruction names the convention (`syscall` x86_64, `int 0x80` / `sysenter` x86, `svc 0` aarch64
 * with x8 or arm with r7), and the number is the literal last loaded into its register before the
 * instruction (`mov eax, 59`, `mov x8, #221`, `mov $59, %rax`) or bound to it as an operand
 * (`in("rax") 59`, `in("x8") libc::SYS_execve`, `{n}` with `n = const 59`).
 */

/** One system call found in assembly: the architecture it was read for, and its number or name when literal. */
export interface AsmSyscall {
  arch: 'x86_64' | 'x86' | 'aarch64' | 'arm';
  number?: number;
  name?: string;
  /** Label the call sits under (global assembly), for `extern { fn label(); }` declarations. */
  label?: string;
}

const MAX_ASM = 64 * 1024;

/** Registers that carry the system call number, per architecture. */
const NR_REG: Record<AsmSyscall['arch'], RegExp> = {
  x86_64: /^(?:rax|eax|ax|al)$/,
  x86: /^(?:eax|ax|al)$/,
  aarch64: /^(?:x8|w8)$/,
  arm: /^r7$/,
};

const lineStarts = new WeakMap<RustFile, number[]>();

/** Offset of the start of 1-based `line` of a file's text (-1 past the end); the index is built once per file. */
export function lineStart(file: RustFile, line: number): number {
  let starts = lineStarts.get(file);
  if (!starts) {
    starts = [0];
    for (let i = file.text.indexOf('\n'); i >= 0; i = file.text.indexOf('\n', i + 1)) starts.push(i + 1);
    lineStarts.set(file, starts);
  }
  return line >= 1 && line <= starts.length ? starts[line - 1] : -1;
}

/** The text of the macro invocation at `line`/`column` of a file, from its opening bracket to the matching one. */
export function macroText(file: RustFile, line: number, column: number): string {
  const text = file.text;
  const start = lineStart(file, line);
  if (start < 0) return '';
  const off = start + column - 1;
  const bang = text.indexOf('!', off);
  if (bang < 0 || bang - off > 200) return '';
  let open = bang + 1;
  while (open < text.length && /\s/.test(text[open])) open++;
  if (!'([{'.includes(text[open] ?? '')) return '';
  const end = Math.min(text.length, open + MAX_ASM);
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = text[i];
    if (c === '"') {
      // Skip a (possibly raw) string literal; asm templates are strings.
      let hashes = 0;
      for (let k = i - 1; k >= open && text[k] === '#'; k--) hashes++;
      const close = `"${'#'.repeat(hashes)}`;
      let j = i + 1;
      for (; j < end; j++) {
        if (hashes === 0 && text[j] === '\\') j++;
        else if (text.startsWith(close, j)) break;
      }
      i = j + close.length - 1;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return text.slice(open, i + 1);
    }
  }
  return text.slice(open, end);
}

/** Splits a macro's text into its string literal contents (the template, unescaped) and the rest (operands). */
function splitTemplate(text: string): { template: string[]; operands: string } {
  const template: string[] = [];
  let operands = '';
  // One pass, no backtracking: hostile text cannot make this slow. Template strings sit directly in
  // the macro's brackets; deeper ones are operands' register names (`in("rax")`) and stay operands.
  let i = 0;
  let depth = 0;
  while (i < text.length) {
    const q = text.indexOf('"', i);
    if (q < 0) {
      operands += text.slice(i);
      break;
    }
    let hashes = 0;
    while (q - hashes - 1 >= i && text[q - hashes - 1] === '#') hashes++;
    const raw = q - hashes - 1 >= i && text[q - hashes - 1] === 'r';
    const before = text.slice(i, raw ? q - hashes - 1 : q);
    operands += before;
    for (const c of before) {
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
    }
    if (depth > 1) {
      // A quoted register or operand name: keep it, quotes included, with the operands.
      const close = text.indexOf('"', q + 1);
      const end = close < 0 ? text.length : close + 1;
      operands += text.slice(q, end);
      i = end;
      continue;
    }
    let j = q + 1;
    let body = '';
    if (raw) {
      const close = `"${'#'.repeat(hashes)}`;
      const k = text.indexOf(close, j);
      body = text.slice(j, k < 0 ? text.length : k);
      j = k < 0 ? text.length : k + close.length;
    } else {
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] !== '\\') body += text[j];
        else {
          const e = text[++j];
          body += e === 'n' ? '\n' : e === 't' ? ' ' : (e ?? '');
        }
      }
      j++;
    }
    template.push(...body.split('\n'));
    i = j;
  }
  return { template, operands };
}

/** A number or a system call name as written (`59`, `0x3b`, `#221`, `SYS_execve`, `libc::SYS_execve`, `__NR_execve`). */
function value(expr: string): { number?: number; name?: string } | null {
  const t = expr.trim().replace(/^[#$]/, '').replace(/\s+as\s+\w+$/, '').replace(/_?(?:i|u)(?:8|16|32|64|size)$/, '');
  if (/^0x[0-9a-f]+$/i.test(t)) return { number: parseInt(t, 16) };
  if (/^\d+$/.test(t)) return { number: Number(t) };
  const m = /(?:^|::)(?:SYS_|__NR_)([a-z0-9_]+)$/.exec(t) ?? /(?:^|::)Sysno::([a-z0-9_]+)$/.exec(t);
  return m ? { name: m[1] } : null;
}

/** Operand values by name or register: `in("rax") 59`, `n = const 59`, `n = in(reg) 59`. */
function operandValues(operands: string): { regs: Map<string, string>; named: Map<string, string> } {
  const regs = new Map<string, string>();
  const named = new Map<string, string>();
  for (const m of operands.matchAll(/\b(?:in|inout|inlateout)\s*\(\s*([a-z0-9]+)\s*\)\s*([^,=)]+)/g)) regs.set(m[1], m[2].trim());
  for (const m of operands.matchAll(/\b([A-Za-z_]\w*)\s*=\s*(?:const|(?:in|inout|inlateout)\s*\(\s*\w+\s*\))\s*([^,=)]+)/g)) named.set(m[1], m[2].trim());
  // The register spelling with quotes: `in("rax") 59`.
  for (const m of operands.matchAll(/\b(?:in|inout|inlateout)\s*\(\s*"([a-z0-9]+)"\s*\)\s*([^,=)]+)/g)) regs.set(m[1], m[2].trim());
  return { regs, named };
}

/** The architecture a line's instruction makes a system call on, if it is one. */
/** A template line without its comments (line, block and GAS `#` comments; `#221` is an immediate, not a comment). */
function stripComment(line: string): string {
  let l = '';
  let at = 0;
  for (let i = line.indexOf('/*'); i >= 0; i = line.indexOf('/*', at)) {
    l += `${line.slice(at, i)} `;
    const j = line.indexOf('*/', i + 2);
    at = j < 0 ? line.length : j + 2;
  }
  l += line.slice(at);
  return l.replace(/(?:\/\/|#(?!\s*(?:\d|0x|-))).*$/, '').trim();
}

function syscallInsn(line: string): AsmSyscall['arch'] | 'svc' | null {
  const l = line.toLowerCase();
  if (/^syscall\b/.test(l)) return 'x86_64';
  if (/^sysenter\b/.test(l) || /^int\s+\$?(?:0x80|128)\b/.test(l)) return 'x86';
  if (/^(?:svc|swi)\s+#?(?:0x0*|0+)\b/.test(l) || /^(?:svc|swi)\s+#?0\b/.test(l)) return 'svc';
  return null;
}

/** `mov eax, 59` (Intel), `mov $59, %rax` (AT&T), `mov x8, #221`, `movz w8, 221`, `ldr r7, =11`: [register, value]. */
function load(line: string): [string, string] | null {
  const l = line.trim().toLowerCase();
  // AT&T puts the source first: `mov $59, %rax`.
  const att = /^mov[a-z]*\s+\$([^\s,]+)\s*,\s*%([a-z0-9]+)$/.exec(l);
  if (att) return [att[2], att[1]];
  const intel = /^mov[a-z]*\s+([a-z0-9]+)\s*,\s*([^\s,]+)$/.exec(l);
  if (intel) return [intel[1], intel[2]];
  const ldr = /^ldr\s+([a-z0-9]+)\s*,\s*=\s*(\S+)$/.exec(l);
  return ldr ? [ldr[1], ldr[2]] : null;
}

/**
 * The system calls of an assembly text (the macro's text, brackets included). Template lines are
 * read in order; a label line (`name:`) starts a section for global assembly.
 */
export function asmSyscalls(text: string): AsmSyscall[] {
  if (!/syscall|sysenter|int\s|svc|swi/i.test(text)) return [];
  const { template, operands } = splitTemplate(text);
  const { regs, named } = operandValues(operands);
  const out: AsmSyscall[] = [];
  const last = new Map<string, string>();
  let label: string | undefined;
  const substitute = (v: string) => v.replace(/^\{(\w+)(?::\w+)?\}$/, (_, n: string) => named.get(n) ?? `{${n}}`);
  for (const raw of template) {
    for (const part of raw.split(';')) {
      const line = stripComment(part);
      const lab = /^([A-Za-z_.$][\w.$]*):/.exec(line);
      if (lab) {
        if (!lab[1].startsWith('.L') && !/^\d/.test(lab[1])) label = lab[1].replace(/^_/, '');
        last.clear();
        continue;
      }
      const ld = load(line);
      if (ld) {
        last.set(ld[0], substitute(ld[1]));
        continue;
      }
      const insn = syscallInsn(line);
      if (!insn) continue;
      const arch: AsmSyscall['arch'] = insn === 'svc' ? (last.has('r7') || regs.has('r7') ? 'arm' : 'aarch64') : insn;
      const re = NR_REG[arch];
      let v: string | undefined;
      for (const [reg, val] of last) if (re.test(reg)) v = val;
      if (v === undefined) for (const [reg, val] of regs) if (re.test(reg)) v = val;
      const parsed = v !== undefined ? value(v) : null;
      out.push({ arch, label, ...(parsed ?? {}) });
    }
  }
  return out;
}

/** The name of a system call number on an architecture, or undefined when the table does not have it. */
export function syscallName(cat: Catalogue, arch: string, n: number): string | undefined {
  return cat.syscalls.arches.get(arch)?.get(n);
}
