import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { InputError, type CrateTree, type SourceLimits, type SourceNote } from './types.js';
import { checkEntryPath, collisionNotes, resolveLinkTarget } from './paths.js';

const GZIP_MAGIC = [0x1f, 0x8b];

/** True when the bytes start like a gzip stream. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
}

function gunzipBounded(buf: Buffer, limits: SourceLimits, input: string): Buffer {
  // Tar adds at most 1 KiB of header and padding per entry on top of the file bytes.
  const cap = limits.maxTotalBytes + limits.maxFiles * 1024;
  let out: Buffer;
  try {
    out = gunzipSync(buf, { maxOutputLength: cap });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new InputError(`decompressed size exceeds the ${cap} byte limit (possible gzip bomb)`, input);
    }
    throw new InputError(`corrupt or truncated gzip data (${e.message})`, input);
  }
  if (out.length > limits.ratioFloorBytes && out.length / Math.max(1, buf.length) > limits.maxCompressionRatio) {
    throw new InputError(
      `compression ratio ${(out.length / buf.length).toFixed(0)}:1 exceeds ${limits.maxCompressionRatio}:1 (possible gzip bomb)`,
      input,
    );
  }
  return out;
}

interface PendingLink {
  path: string;
  target: string;
  hard: boolean;
}

/**
 * Reads a `.crate` / `.tar.gz` / `.tar` archive entirely in memory. Nothing is written to disk.
 * The archive must hold one top folder (crates.io's `name-version/` layout), which is stripped.
 */
export async function readTarball(bytes: Buffer, limits: SourceLimits, input: string): Promise<CrateTree> {
  const tarBytes = isGzip(bytes) ? gunzipBounded(bytes, limits, input) : bytes;
  const files = new Map<string, Uint8Array>();
  const notes: SourceNote[] = [];
  const links: PendingLink[] = [];
  let top: string | undefined;
  let total = 0;
  let entries = 0;

  const extract = tar.extract({ filenameEncoding: 'utf-8', allowUnknownFormat: false } as Parameters<typeof tar.extract>[0]);
  const feed = Readable.from([tarBytes]);
  feed.on('error', (e) => extract.destroy(e));
  feed.pipe(extract);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      entries++;
      if (entries > limits.maxFiles) throw new InputError(`more than ${limits.maxFiles} archive entries (possible tar bomb)`, input);
      const clean = checkEntryPath(h.name, limits, input);
      const [head, ...rest] = clean.split('/');
      if (top === undefined) top = head;
      else if (head !== top) throw new InputError(`entry ${JSON.stringify(h.name)} is outside the top folder ${JSON.stringify(top)}`, input);
      const rel = rest.join('/');
      switch (h.type as string) {
        case 'directory':
          entry.resume();
          break;
        case 'file':
        case 'contiguous-file': {
          if (rel === '') throw new InputError(`file entry at archive root: ${JSON.stringify(h.name)}`, input);
          if ((h.size ?? 0) > limits.maxFileBytes) throw new InputError(`${rel} is ${h.size} bytes, over the ${limits.maxFileBytes} byte per-file limit`, input);
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const c of entry as AsyncIterable<Buffer>) {
            size += c.length;
            if (size > limits.maxFileBytes) throw new InputError(`${rel} exceeds the ${limits.maxFileBytes} byte per-file limit`, input);
            chunks.push(c);
          }
          total += size;
          if (total > limits.maxTotalBytes) throw new InputError(`unpacked size exceeds the ${limits.maxTotalBytes} byte limit`, input);
          const data = Buffer.concat(chunks);
          const prev = files.get(rel);
          if (prev !== undefined) {
            const same = Buffer.compare(Buffer.from(prev), data) === 0;
            notes.push({
              kind: 'duplicate-entry',
              path: rel,
              message: same
                ? `the archive holds ${rel} twice with the same content`
                : `the archive holds ${rel} twice with different contents; extraction keeps the last one, which is the one analysed`,
            });
          }
          files.set(rel, data);
          break;
        }
        case 'symlink':
        case 'link': {
          entry.resume();
          const target = h.linkname ?? '';
          const resolved =
            h.type === 'symlink' ? resolveLinkTarget(clean, target) : checkHardLink(target, top ?? '', limits, input);
          if (resolved === null || (h.type === 'symlink' && !resolved.startsWith(`${top}/`))) {
            throw new InputError(`${h.type === 'symlink' ? 'symbolic' : 'hard'} link ${rel} points outside the crate (${JSON.stringify(target)})`, input);
          }
          links.push({ path: rel, target: h.type === 'symlink' ? resolved.slice(top!.length + 1) : resolved, hard: h.type === 'link' });
          break;
        }
        case 'pax-header':
        case 'pax-global-header':
        case 'gnu-long-path':
        case 'gnu-long-link-path':
          entry.resume();
          break;
        default:
          throw new InputError(`unsupported entry type ${h.type} for ${JSON.stringify(h.name)} (devices and FIFOs are refused)`, input);
      }
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`corrupt or truncated tar data (${(err as Error).message})`, input);
  }
  if (top === undefined) throw new InputError('archive is empty', input);
  for (const l of links) {
    const data = files.get(l.target);
    if (data === undefined) {
      notes.push({ kind: 'dangling-link', path: l.path, message: `${l.hard ? 'hard' : 'symbolic'} link ${l.path} points to ${l.target}, which is not in the archive` });
      continue;
    }
    files.set(l.path, data);
  }
  notes.push(...collisionNotes(files.keys()));
  return { label: input, files, notes, topFolder: top };
}

function checkHardLink(target: string, top: string, limits: SourceLimits, input: string): string | null {
  let clean: string;
  try {
    clean = checkEntryPath(target, limits, input);
  } catch {
    return null;
  }
  if (!clean.startsWith(`${top}/`)) return null;
  return clean.slice(top.length + 1);
}
