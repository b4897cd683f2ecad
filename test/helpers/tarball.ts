import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface Entry {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
}

/** Builds a tar (gzip-compressed unless `gzip` is false) from entries, exactly as given: no path cleaning. */
export async function makeTar(entries: Entry[], gzip = true): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = e.content === undefined ? undefined : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type, linkname: e.linkname, size: type === 'file' ? (body?.length ?? 0) : 0 };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, body ?? Buffer.alloc(0), cb);
      else pack.entry(header, cb).end(Buffer.alloc(0));
    });
  }
  pack.finalize();
  await done;
  const raw = Buffer.concat(chunks);
  return gzip ? gzipSync(raw) : raw;
}

/** A small valid crate as tar entries under `name-version/`. */
export function crateEntries(name: string, version: string, lib: string, extra: Entry[] = []): Entry[] {
  const top = `${name}-${version}`;
  return [
    { name: `${top}/Cargo.toml`, content: `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n` },
    { name: `${top}/src/lib.rs`, content: lib },
    ...extra.map((e) => ({ ...e, name: `${top}/${e.name}` })),
  ];
}

/**
 * A raw tar writer for hostile layouts: every header field is given, nothing is checked or fixed
 * up, so tests can build what no tar library writes (two PAX `path` records, a GNU long name and a
 * PAX path together, data after the end blocks, folders with data, odd ustar versions).
 */
export interface RawHeader {
  name: string;
  /** Typeflag character; '0' by default. */
  type?: string;
  /** Size field; defaults to the data length. */
  size?: number;
  linkname?: string;
  /** 'gnu' (what cargo writes), 'ustar', 'old' (no magic), or explicit magic + version bytes. */
  format?: 'gnu' | 'ustar' | 'old' | { magic: string; version: string };
  prefix?: string;
  mode?: number;
}

const BLOCK = 512;

function octalField(buf: Buffer, at: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\0', at, len, 'latin1');
}

/** One 512-byte header block with a correct checksum. */
export function tarHeader(h: RawHeader, dataLength = 0): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  octalField(b, 100, 8, h.mode ?? 0o644);
  octalField(b, 108, 8, 0);
  octalField(b, 116, 8, 0);
  octalField(b, 124, 12, h.size ?? dataLength);
  octalField(b, 136, 12, 1153704088);
  b.write(h.type ?? '0', 156, 1, 'latin1');
  if (h.linkname) b.write(h.linkname, 157, 100, 'utf8');
  const f = h.format ?? 'gnu';
  const [magic, version] = f === 'gnu' ? ['ustar ', ' \0'] : f === 'ustar' ? ['ustar\0', '00'] : f === 'old' ? ['', ''] : [f.magic, f.version];
  b.write(magic, 257, 6, 'latin1');
  b.write(version, 263, 2, 'latin1');
  if (h.prefix) b.write(h.prefix, 345, 155, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

/** A header, its data, and the padding to the next block. */
export function tarEntry(h: RawHeader, data: string | Buffer = ''): Buffer {
  const d = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const pad = (BLOCK - (d.length % BLOCK)) % BLOCK;
  return Buffer.concat([tarHeader(h, d.length), d, Buffer.alloc(pad)]);
}

/** PAX records (`LEN key=value\n`), in the order given, duplicates kept. */
export function paxRecords(records: Array<[string, string]>): Buffer {
  return Buffer.concat(
    records.map(([k, v]) => {
      const body = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(body) + 1;
      while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
      return Buffer.from(`${len}${body}`);
    }),
  );
}

/** A PAX extended header entry (`x`, or `g` for a global one). */
export function paxEntry(records: Array<[string, string]>, type: 'x' | 'g' = 'x', name = 'PaxHeaders/x'): Buffer {
  return tarEntry({ name, type, format: 'ustar' }, paxRecords(records));
}

/** A GNU long-name entry (`L`) as tar-rs writes it: the name and a NUL. */
export function gnuLongName(name: string, type: 'L' | 'K' = 'L'): Buffer {
  return tarEntry({ name: '././@LongLink', type }, Buffer.concat([Buffer.from(name), Buffer.alloc(1)]));
}

/** The end-of-archive marker: `n` zero blocks (two by default). */
export const endBlocks = (n = 2): Buffer => Buffer.alloc(BLOCK * n);

/** The manifest and library of a small crate as raw entries under `name-version/`. */
export function rawCrate(name: string, version: string, lib: string): Buffer {
  const top = `${name}-${version}`;
  return Buffer.concat([
    tarEntry({ name: `${top}/Cargo.toml` }, `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n`),
    tarEntry({ name: `${top}/src/lib.rs` }, lib),
  ]);
}
