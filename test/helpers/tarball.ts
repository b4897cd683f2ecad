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
