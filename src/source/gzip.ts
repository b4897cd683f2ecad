import { crc32, inflateRawSync } from 'node:zlib';
import { InputError, type SourceLimits } from './types.js';
import { allZero } from './tar-format.js';

/** What the gzip layer of a `.crate` holds, read the way cargo's flate2 `GzDecoder` reads it. */
export interface GzipFirstMember {
  /** The decompressed bytes of the first gzip member: all cargo ever sees. */
  data: Buffer;
  /** Compressed length of the first member, header and trailer included. */
  memberBytes: number;
  /** Bytes after the first member (cargo ignores them); empty for an honest `.crate`. */
  trailing: Buffer;
}

const FTEXT = 1;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** True when the bytes start like a gzip stream. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Decompresses the first gzip member only. Node's `gunzip` decodes every concatenated member (and
 * refuses trailing bytes), but cargo reads through flate2's `GzDecoder`, which stops after the first
 * member: whatever follows is invisible to cargo, so it must be invisible to the analysis too (and is
 * reported by the caller). The member must be complete and its CRC and length must check out;
 * cargo may not reach the trailer (tar-rs stops at the first zero block), but a corrupt stream is
 * refused rather than guessed at.
 */
export function gunzipFirstMember(buf: Buffer, limits: SourceLimits, input: string): GzipFirstMember {
  if (!isGzip(buf)) throw new InputError('not a gzip stream (cargo only unpacks gzip-compressed .crate files)', input);
  if (buf.length < 18) throw new InputError('corrupt or truncated gzip data (shorter than a gzip header and trailer)', input);
  if (buf[2] !== 8) throw new InputError(`corrupt gzip data (compression method ${buf[2]}, expected 8 = deflate)`, input);
  const flags = buf[3];
  if (flags & 0xe0) throw new InputError('corrupt gzip data (reserved header flags set)', input);
  let at = 10;
  const need = (n: number) => {
    if (at + n > buf.length) throw new InputError('corrupt or truncated gzip data (header runs past the end)', input);
  };
  if (flags & FEXTRA) {
    need(2);
    const xlen = buf.readUInt16LE(at);
    need(2 + xlen);
    at += 2 + xlen;
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flags & f)) continue;
    const end = buf.indexOf(0, at);
    if (end < 0) throw new InputError('corrupt or truncated gzip data (unterminated header string)', input);
    at = end + 1;
  }
  if (flags & FHCRC) {
    need(2);
    if ((crc32(buf.subarray(0, at)) & 0xffff) !== buf.readUInt16LE(at)) throw new InputError('corrupt gzip data (header CRC mismatch)', input);
    at += 2;
  }
  void FTEXT;
  // Tar adds at most 1 KiB of header and padding per entry on top of the file bytes.
  const cap = limits.maxTotalBytes + limits.maxFiles * 1024;
  let data: Buffer;
  let consumed: number;
  try {
    // Raw inflate stops at the end of the deflate stream and reports how much input it used,
    // which is where the first member's trailer starts.
    const r = inflateRawSync(buf.subarray(at), { maxOutputLength: cap, info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    data = r.buffer;
    consumed = r.engine.bytesWritten;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new InputError(`decompressed size exceeds the ${cap} byte limit (possible gzip bomb)`, input);
    }
    throw new InputError(`corrupt or truncated gzip data (${e.message})`, input);
  }
  const trailer = at + consumed;
  if (trailer + 8 > buf.length) throw new InputError('corrupt or truncated gzip data (missing trailer)', input);
  if (buf.readUInt32LE(trailer) !== crc32(data)) throw new InputError('corrupt gzip data (CRC mismatch)', input);
  if (buf.readUInt32LE(trailer + 4) !== (data.length >>> 0)) throw new InputError('corrupt gzip data (length mismatch)', input);
  const memberBytes = trailer + 8;
  if (data.length > limits.ratioFloorBytes && data.length / Math.max(1, memberBytes) > limits.maxCompressionRatio) {
    throw new InputError(
      `compression ratio ${(data.length / memberBytes).toFixed(0)}:1 exceeds ${limits.maxCompressionRatio}:1 (possible gzip bomb)`,
      input,
    );
  }
  return { data, memberBytes, trailing: buf.subarray(memberBytes) };
}

/**
 * Describes bytes after the first gzip member for the report: another member is decompressed
 * (bounded) so the note can say what a multi-member reader such as `gunzip` would see instead.
 */
export function describeTrailing(trailing: Buffer, limits: SourceLimits, input: string): { text: string; tar?: Buffer } {
  if (allZero(trailing)) return { text: `${trailing.length} zero byte(s) after the gzip stream` };
  if (!isGzip(trailing)) return { text: `${trailing.length} byte(s) after the gzip stream that are not gzip data` };
  const tars: Buffer[] = [];
  let rest = trailing;
  let members = 0;
  // Only to name what hides there: a few MiB are enough, and cargo never inflates any of it.
  const small: SourceLimits = { ...limits, maxTotalBytes: Math.min(limits.maxTotalBytes, 4 * 1024 * 1024), maxFiles: 0 };
  try {
    while (rest.length > 0 && isGzip(rest) && members < 16) {
      const m = gunzipFirstMember(rest, small, input);
      tars.push(m.data);
      rest = m.trailing;
      members++;
    }
  } catch {
    return { text: `${trailing.length} byte(s) of further gzip data after the first member (not decompressed here: corrupt, or over 4 MiB)` };
  }
  return { text: `${members} further gzip member(s) (${trailing.length} bytes) that cargo never reads but gunzip-style readers append to the tar`, tar: Buffer.concat(tars) };
}
