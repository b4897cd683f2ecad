/**
 * The tar layer of a `.crate`, read header by header exactly as tar-rs 0.4.45 (the version cargo
 * 1.95 links) reads it in `Archive::entries()`.
 *
 * Why not tar-stream: a general tar library answers "what does a reasonable reader see", and the
 * attack surface is precisely where readers disagree. On the layouts of test/helpers/archive-layouts.ts
 * tar-stream keeps the last of two PAX `path` or `size` records (tar-rs the first), joins a ustar
 * prefix whatever the version field says (tar-rs only for version "00"), and reads on after one or
 * two zero blocks (tar-rs stops at the first); nor does it offer a hook to apply a pending PAX `size`
 * to a GNU long-name entry as tar-rs does. Tar headers are plain 512-byte blocks, so reading them here
 * is shorter than patching around a library, and every rule below names the tar-rs behaviour it copies.
 */
import { InputError } from './types.js';

export const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const isZero = (b: Buffer) => b.equals(ZERO_BLOCK);

/** True when every byte is zero (block-wise memcmp: the tail after an end marker can be large). */
export function allZero(b: Buffer): boolean {
  let at = 0;
  for (; at + BLOCK <= b.length; at += BLOCK) if (!isZero(b.subarray(at, at + BLOCK))) return false;
  return b.subarray(at).equals(ZERO_BLOCK.subarray(0, b.length - at));
}
/** PAX and GNU long-name payloads are names and small numbers; more than this is refused. */
const MAX_EXTENSION_BYTES = 1024 * 1024;

/** Which header layout tar-rs recognises: `as_gnu()` / `as_ustar()`, or neither ("old"). */
export type HeaderFormat = 'gnu' | 'ustar' | 'old';

/** One PAX record as tar-rs's `PaxExtensions` iterator yields it (malformed lines included). */
export interface PaxRecord {
  key: string;
  value: Buffer;
  malformed: boolean;
}

/** One entry as tar-rs hands it to cargo, with what was folded into it from extension entries. */
export interface TarEntry {
  /** Offset of this entry's own header block in the tar stream. */
  offset: number;
  typeflag: string;
  format: HeaderFormat;
  /** The name field alone, and the ustar prefix field alone (whatever the format). */
  headerName: Buffer;
  headerPrefix: Buffer;
  /** Magic and version fields as text, for notes. */
  magic: string;
  /** Size in bytes after any PAX `size` override (what tar-rs skips or reads). */
  size: number;
  /** Size field of the header itself, before a PAX override. */
  headerSize: number;
  data: Buffer;
  longName: Buffer | null;
  longLink: Buffer | null;
  pax: PaxRecord[] | null;
  /** The PAX header's bytes as written (for the check that other readers split them the same way). */
  paxData: Buffer | null;
  /** Header path as tar-rs's `Header::path_bytes` computes it (no extensions). */
  headerPath: Buffer;
  headerLink: Buffer | null;
}

/** The result of walking the tar stream: the entries cargo iterates, and where reading stopped. */
export interface TarWalk {
  entries: TarEntry[];
  /** Offset just after the last block tar-rs consumed (a zero block, or the end of the stream). */
  end: number;
  /** True when reading stopped at a zero block rather than at the end of the stream. */
  endedByZeroBlock: boolean;
}

const trunc = (b: Buffer): Buffer => {
  const i = b.indexOf(0);
  return i < 0 ? b : b.subarray(0, i);
};

/** tar-rs `octal_from`: up to the first NUL, trimmed, an optional `+`, octal digits. */
function octal(field: Buffer, what: string, input: string): number {
  const s = trunc(field).toString('latin1').trim();
  if (!/^\+?[0-7]+$/.test(s)) throw new InputError(`corrupt tar header (${what} field ${JSON.stringify(s)} is not an octal number)`, input);
  const n = parseInt(s.replace(/^\+/, ''), 8);
  if (!Number.isSafeInteger(n)) throw new InputError(`corrupt tar header (${what} field too large)`, input);
  return n;
}

/** tar-rs `num_field_wrapper_from`: base-256 when the high bit is set, else octal. */
function numeric(field: Buffer, what: string, input: string): number {
  if (!(field[0] & 0x80)) return octal(field, what, input);
  // Only the last 8 bytes count (and for an 8-byte field, the first without its flag bit).
  let n = 0n;
  const start = field.length === 8 ? 1 : field.length - 8;
  if (field.length === 8) n = BigInt(field[0] ^ 0x80);
  for (let i = start; i < field.length; i++) n = (n << 8n) | BigInt(field[i]);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`corrupt tar header (${what} too large)`, input);
  return Number(n);
}

/** tar-rs `PaxExtensions`: split on `\n`, stop at an empty line, `LEN KEY=VALUE` with LEN checked. */
export function parsePax(data: Buffer): PaxRecord[] {
  const out: PaxRecord[] = [];
  let at = 0;
  while (at <= data.length) {
    let nl = data.indexOf(0x0a, at);
    if (nl < 0) nl = data.length;
    const line = data.subarray(at, nl);
    if (line.length === 0) break;
    at = nl + 1;
    const sp = line.indexOf(0x20);
    const lenText = sp < 0 ? '' : line.subarray(0, sp).toString('utf8');
    const len = /^\+?[0-9]+$/.test(lenText) ? Number(lenText.replace(/^\+/, '')) : NaN;
    const eq = sp < 0 ? -1 : line.indexOf(0x3d, sp + 1);
    if (!(len === line.length + 1) || eq < 0) {
      out.push({ key: '', value: line, malformed: true });
      continue;
    }
    out.push({ key: line.subarray(sp + 1, eq).toString('utf8'), value: line.subarray(eq + 1), malformed: false });
  }
  return out;
}

/** tar-rs `pax_extensions_value`: the first record with the key, but a malformed record before it ends the search. */
export function paxNumber(records: PaxRecord[], key: string): number | null {
  for (const r of records) {
    if (r.malformed) return null;
    if (r.key !== key) continue;
    const s = r.value.toString('utf8');
    if (!/^\+?[0-9]+$/.test(s)) return null;
    // A u64 tar-rs accepts but no crate could hold: the entry then runs past the end and is refused.
    const n = Number(s.replace(/^\+/, ''));
    return Number.isSafeInteger(n) ? n : Number.POSITIVE_INFINITY;
  }
  return null;
}

/** tar-rs `path_bytes` / `link_name_bytes` lookup: the first well-formed record with the key. */
export function paxBytes(records: PaxRecord[] | null, key: string): Buffer | null {
  return records?.find((r) => !r.malformed && r.key === key)?.value ?? null;
}

/** The header checksum as tar-rs checks it: unsigned byte sum with the checksum field read as spaces. */
export function checksumOk(block: Buffer, input: string): boolean {
  let sum = 8 * 32;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i];
  return sum === octal(block.subarray(148, 156), 'checksum', input);
}

export function formatOf(block: Buffer): HeaderFormat {
  const magic = block.subarray(257, 263).toString('latin1');
  const version = block.subarray(263, 265).toString('latin1');
  if (magic === 'ustar\0' && version === '00') return 'ustar';
  if (magic === 'ustar ' && version === ' \0') return 'gnu';
  return 'old';
}

/** tar-rs `Header::path_bytes`: ustar joins prefix and name, every other layout reads the name alone. */
function headerPath(block: Buffer, format: HeaderFormat): Buffer {
  const name = block.subarray(0, 100);
  if (format !== 'ustar') return trunc(name);
  const prefix = block.subarray(345, 500);
  if (prefix[0] === 0 && !name.includes(0x5c)) return trunc(name);
  const p = trunc(prefix);
  return p.length > 0 ? Buffer.concat([p, Buffer.from('/'), trunc(name)]) : trunc(name);
}

const stripNul = (b: Buffer): Buffer => (b.length > 0 && b[b.length - 1] === 0 ? b.subarray(0, b.length - 1) : b);

/**
 * Walks the tar stream as tar-rs's `next_entry` does: stop at the first all-zero block (not two)
 * or at the end of the stream; fold GNU `L`/`K` and PAX `x` entries into the entry that follows
 * (only in gnu/ustar headers, and with the pending PAX `size` applied to every header read while it
 * is pending); refuse what tar-rs refuses (bad checksum, two long names or PAX headers for one
 * entry, extensions with no entry after them, data running past the end).
 */
export function walkTar(tar: Buffer, maxEntries: number, input: string): TarWalk {
  const entries: TarEntry[] = [];
  let pos = 0;
  let headers = 0;
  for (;;) {
    let longName: Buffer | null = null;
    let longLink: Buffer | null = null;
    let pax: PaxRecord[] | null = null;
    let paxData: Buffer | null = null;
    let pending = false;
    for (;;) {
      const orphan = () => new InputError('corrupt tar data (extension entries describe a following entry that is not there)', input);
      if (pos === tar.length) {
        if (pending) throw orphan();
        return { entries, end: pos, endedByZeroBlock: false };
      }
      if (pos + BLOCK > tar.length) throw new InputError('corrupt or truncated tar data (partial header block)', input);
      const block = tar.subarray(pos, pos + BLOCK);
      if (isZero(block)) {
        if (pending) throw orphan();
        return { entries, end: pos + BLOCK, endedByZeroBlock: true };
      }
      if (++headers > maxEntries) throw new InputError(`more than ${maxEntries} archive entries (possible tar bomb)`, input);
      if (!checksumOk(block, input)) throw new InputError(`corrupt tar data (header checksum mismatch at offset ${pos})`, input);
      const headerSize = numeric(block.subarray(124, 136), 'size', input);
      const paxSize = pax ? paxNumber(pax, 'size') : null;
      const size = paxSize ?? headerSize;
      const dataStart = pos + BLOCK;
      const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
      if (next > tar.length) throw new InputError(`corrupt or truncated tar data (entry at offset ${pos} runs past the end)`, input);
      const format = formatOf(block);
      const typeflag = String.fromCharCode(block[156]);
      const offset = pos;
      pos = next;
      const data = tar.subarray(dataStart, dataStart + size);
      const ext = format !== 'old' && (typeflag === 'L' || typeflag === 'K' || typeflag === 'x');
      if (ext) {
        if (size > MAX_EXTENSION_BYTES) throw new InputError(`tar extension entry at offset ${offset} is ${size} bytes, over the ${MAX_EXTENSION_BYTES} byte limit`, input);
        if ((typeflag === 'L' && longName) || (typeflag === 'K' && longLink)) throw new InputError('corrupt tar data (two long name entries describing the same member)', input);
        if (typeflag === 'x' && pax) throw new InputError('corrupt tar data (two pax extensions entries describing the same member)', input);
        if (typeflag === 'L') longName = Buffer.from(data);
        else if (typeflag === 'K') longLink = Buffer.from(data);
        else {
          paxData = Buffer.from(data);
          pax = parsePax(paxData);
        }
        pending = true;
        continue;
      }
      const linkField = block.subarray(157, 257);
      entries.push({
        offset,
        typeflag,
        format,
        headerName: trunc(block.subarray(0, 100)),
        headerPrefix: trunc(block.subarray(345, 500)),
        magic: JSON.stringify(block.subarray(257, 265).toString('latin1')),
        size,
        headerSize,
        data,
        longName,
        longLink,
        pax,
        paxData,
        headerPath: headerPath(block, format),
        headerLink: linkField[0] !== 0 ? trunc(linkField) : null,
      });
      break;
    }
  }
}

/** tar-rs `EntryFields::path_bytes`: GNU long name, else the first PAX `path`, else the header. */
export function entryPath(e: TarEntry): Buffer {
  if (e.longName) return stripNul(e.longName);
  return paxBytes(e.pax, 'path') ?? e.headerPath;
}

/** tar-rs `EntryFields::link_name_bytes`: GNU long link, else the first PAX `linkpath`, else the header. */
export function entryLink(e: TarEntry): Buffer | null {
  if (e.longLink) return stripNul(e.longLink);
  return paxBytes(e.pax, 'linkpath') ?? e.headerLink;
}

/**
 * Names of entries that some other reader could find in bytes cargo never reads (after the end
 * marker, inside a directory's data, in another gzip member): any block with a valid checksum.
 * Best effort and bounded; it only feeds the wording of a finding.
 */
export function looseNames(bytes: Buffer, input: string, max = 8): string[] {
  const out: string[] = [];
  for (let at = 0; at + BLOCK <= bytes.length && out.length < max; at += BLOCK) {
    const block = bytes.subarray(at, at + BLOCK);
    if (isZero(block)) continue;
    let ok = false;
    try {
      ok = checksumOk(block, input);
    } catch {
      ok = false;
    }
    if (!ok) continue;
    const fmt = formatOf(block);
    const name = headerPath(block, fmt === 'old' && block.subarray(257, 262).toString('latin1') === 'ustar' ? 'ustar' : fmt).toString('utf8');
    out.push(name);
    try {
      at += Math.ceil(numeric(block.subarray(124, 136), 'size', input) / BLOCK) * BLOCK;
    } catch {
      /* keep scanning block by block */
    }
  }
  return out;
}
