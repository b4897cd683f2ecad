/**
 * Pack files: many facts entries in one file, so that a warm scan opens a handful of files instead
 * of one per content. A pack is written once, whole, under a new random name (a temporary file renamed
 * into place, see src/files) and never changed afterwards; it is only ever deleted, by a merge that
 * first put every entry of it into a newer pack.
 *
 * Layout: a 16-byte header (magic, entry count, zero), the index (one 40-byte record per entry:
 * SHA-256 of the content, offset and length of its entry in this file, sorted by hash), then the
 * entries (each the v8-serialised compact form of src/cache/compact.ts). The index sits at the front
 * so that the writer, which has every entry in hand, knows all offsets; a reader reads the header and
 * the index once and then each entry it is asked for by range, checking each time that the file is
 * still the one whose index it read (readBoundedRangeSync).
 */
import { randomBytes } from 'node:crypto';
import { FileReadError, readBoundedRangeSync, type FileIdentity } from '../files/index.js';

const MAGIC = Buffer.from('CFFACTS\x01', 'latin1');
const HEADER = 16;
const RECORD = 40;
const KEY = 32;

/**
 * The largest pack read or written; a larger file named like a pack is refused unread. A scan writes
 * what it holds back, at most 64 MiB plus one entry (at most 128 MiB), and a merge at most 128 MiB.
 */
export const MAX_PACK_BYTES = 256 * 1024 * 1024;

/** What a pack's name looks like; anything else in the folder (temporary files, the merge lock) is not a pack. */
export const PACK_NAME = /^pack-[0-9a-f]{32}\.pack$/;

/** A new pack name, never used before (128 random bits). */
export function newPackName(): string {
  return `pack-${randomBytes(16).toString('hex')}.pack`;
}

/** The 32-byte key of a content hash (64 hex digits, checked by the caller). */
export function keyOf(hash: string): Buffer {
  return Buffer.from(hash, 'hex');
}

/**
 * Entries to one pack, as the parts to write one after the other: the header and index, then the
 * entries themselves (not copied into one buffer). The caller has left out duplicate keys.
 */
export function encodePack(entries: ReadonlyArray<readonly [Buffer, Uint8Array]>): Uint8Array[] {
  const sorted = [...entries].sort((a, b) => Buffer.compare(a[0], b[0]));
  const start = HEADER + RECORD * sorted.length;
  const size = sorted.reduce((n, [, d]) => n + d.length, start);
  if (size > MAX_PACK_BYTES) throw new Error(`a pack of ${size} bytes is over the ${MAX_PACK_BYTES}-byte limit`);
  const head = Buffer.alloc(start);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(sorted.length, 8);
  let at = start;
  sorted.forEach(([key, data], i) => {
    const r = HEADER + RECORD * i;
    key.copy(head, r);
    head.writeUInt32LE(at, r + KEY);
    head.writeUInt32LE(data.length, r + KEY + 4);
    at += data.length;
  });
  return [head, ...sorted.map(([, data]) => data)];
}

function damaged(file: string, why: string): FileReadError {
  return new FileReadError(file, `the facts cache pack is damaged (${why})`, 'damaged');
}

/**
 * One pack's index, read once: where each entry lies. Entries are read on demand; a pack that was
 * replaced, rewritten or removed since its index was read is refused at that read (FileReadError),
 * never read at offsets that meant something else.
 */
export class Pack {
  private constructor(
    readonly file: string,
    readonly identity: FileIdentity,
    /** count × RECORD bytes, sorted by key, every record checked. */
    private readonly index: Buffer,
  ) {}

  get count(): number {
    return this.index.length / RECORD;
  }

  get size(): number {
    return this.identity.size;
  }

  /**
   * Reads and checks the header and index of the pack at `file` (not following a link; a FIFO, a
   * device, a folder, a file over MAX_PACK_BYTES or a damaged index is refused). Throws FileReadError.
   */
  static open(file: string, maxEntryBytes: number): Pack {
    const o = { maxBytes: MAX_PACK_BYTES, noFollow: true, what: 'facts cache pack' };
    // A file shorter than the header is refused by the read itself ("shorter than the part to read").
    const { bytes: head, identity } = readBoundedRangeSync(file, 0, HEADER, o);
    if (!head.subarray(0, 8).equals(MAGIC)) throw damaged(file, 'not a pack');
    const count = head.readUInt32LE(8);
    if (head.readUInt32LE(12) !== 0) throw damaged(file, 'unknown header');
    const start = HEADER + RECORD * count;
    if (count > (identity.size - HEADER) / RECORD) throw damaged(file, 'its index runs past its end');
    const { bytes: index } = readBoundedRangeSync(file, HEADER, start - HEADER, { ...o, same: identity });
    for (let i = 0; i < count; i++) {
      const r = RECORD * i;
      const off = index.readUInt32LE(r + KEY);
      const len = index.readUInt32LE(r + KEY + 4);
      if (off < start || off + len > identity.size) throw damaged(file, 'an entry lies outside it');
      if (len > maxEntryBytes) throw damaged(file, `an entry of ${len} bytes, over the ${maxEntryBytes}-byte limit`);
      // Strictly ascending keys: the lookup is a binary search, and a key appears once.
      if (i > 0 && index.compare(index, r - RECORD, r - RECORD + KEY, r, r + KEY) <= 0) throw damaged(file, 'its index is out of order');
    }
    return new Pack(file, identity, index);
  }

  /** Where the entry for `key` lies in the file, or undefined. */
  find(key: Buffer): { offset: number; length: number } | undefined {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = RECORD * mid;
      const c = key.compare(this.index, r, r + KEY);
      if (c === 0) return { offset: this.index.readUInt32LE(r + KEY), length: this.index.readUInt32LE(r + KEY + 4) };
      if (c < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return undefined;
  }

  /** The bytes of one entry (FileReadError when the pack is gone or no longer the file indexed). */
  read(at: { offset: number; length: number }): Buffer {
    return readBoundedRangeSync(this.file, at.offset, at.length, { maxBytes: MAX_PACK_BYTES, noFollow: true, what: 'facts cache pack', same: this.identity }).bytes;
  }

  /** Every entry, as key and bytes, from one read of the whole file (for a merge). */
  entries(): Array<[Buffer, Buffer]> {
    const { bytes } = readBoundedRangeSync(this.file, 0, this.identity.size, { maxBytes: MAX_PACK_BYTES, noFollow: true, what: 'facts cache pack', same: this.identity });
    const out: Array<[Buffer, Buffer]> = [];
    for (let i = 0; i < this.count; i++) {
      const r = RECORD * i;
      const off = this.index.readUInt32LE(r + KEY);
      out.push([this.index.subarray(r, r + KEY), bytes.subarray(off, off + this.index.readUInt32LE(r + KEY + 4))]);
    }
    return out;
  }
}
