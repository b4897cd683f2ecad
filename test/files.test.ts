import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileReadError, UnsafePathError, readBounded, readBoundedRangeSync, readBoundedSync, readInsideSync, writeInsideSync } from '../src/files/index.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'cf-files-'));

describe('bounded reads', () => {
  it('reads a regular file within its limit, sync and async', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 'a'), 'hello');
    expect(readBoundedSync(path.join(d, 'a'), { maxBytes: 5 }).toString()).toBe('hello');
    expect((await readBounded(path.join(d, 'a'), { maxBytes: 5 })).toString()).toBe('hello');
  });

  it('refuses a file over the limit before reading it', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 'a'), 'hello!');
    expect(() => readBoundedSync(path.join(d, 'a'), { maxBytes: 5, what: 'lockfile' })).toThrow(/lockfile is 6 bytes, over the 5-byte limit/);
    await expect(readBounded(path.join(d, 'a'), { maxBytes: 5 })).rejects.toBeInstanceOf(FileReadError);
  });

  it('refuses a link to /dev/zero and a FIFO at once, without hanging or growing', async () => {
    const d = tmp();
    symlinkSync('/dev/zero', path.join(d, 'zero'));
    execFileSync('mkfifo', [path.join(d, 'fifo')]);
    const t0 = Date.now();
    expect(() => readBoundedSync(path.join(d, 'zero'), { maxBytes: 1 << 20 })).toThrow(/a device; only regular files are read/);
    expect(() => readBoundedSync(path.join(d, 'fifo'), { maxBytes: 1 << 20 })).toThrow(/a FIFO/);
    await expect(readBounded(path.join(d, 'fifo'), { maxBytes: 1 << 20 })).rejects.toThrow(/a FIFO/);
    await expect(readBounded(path.join(d, 'zero'), { maxBytes: 1 << 20 })).rejects.toThrow(/a device/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('refuses a link when asked not to follow one, and names a missing file', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'real'), 'x');
    symlinkSync(path.join(d, 'real'), path.join(d, 'link'));
    expect(readBoundedSync(path.join(d, 'link'), { maxBytes: 10 }).toString()).toBe('x');
    expect(() => readBoundedSync(path.join(d, 'link'), { maxBytes: 10, noFollow: true, what: 'cache entry' })).toThrow(/cache entry is a symbolic link/);
    expect(() => readBoundedSync(path.join(d, 'nope'), { maxBytes: 10, what: 'jobs file' })).toThrow(/no such jobs file/);
  });
});

describe('bounded range reads', () => {
  it('reads part of a regular file, and refuses a range past its end or a file over the limit', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'a'), 'hello world');
    const { bytes, identity } = readBoundedRangeSync(path.join(d, 'a'), 6, 5, { maxBytes: 100 });
    expect(bytes.toString()).toBe('world');
    expect(identity.size).toBe(11);
    expect(() => readBoundedRangeSync(path.join(d, 'a'), 8, 5, { maxBytes: 100, what: 'index' })).toThrow(/index is 11 bytes, shorter than the part to read/);
    expect(() => readBoundedRangeSync(path.join(d, 'a'), 0, 1, { maxBytes: 10 })).toThrow(/over the 10-byte limit/);
  });

  it('refuses a file that is no longer the one first read', () => {
    const d = tmp();
    const f = path.join(d, 'a');
    writeFileSync(f, 'hello world');
    const { identity } = readBoundedRangeSync(f, 0, 5, { maxBytes: 100 });
    expect(readBoundedRangeSync(f, 6, 5, { maxBytes: 100, same: identity }).bytes.toString()).toBe('world');
    writeFileSync(`${f}.new`, 'HELLO WORLD');
    execFileSync('mv', [`${f}.new`, f]);
    expect(() => readBoundedRangeSync(f, 6, 5, { maxBytes: 100, same: identity, what: 'summary index' })).toThrow(/summary index changed since it was first read/);
  });

  it('refuses a link to /dev/zero and a FIFO at once', () => {
    const d = tmp();
    symlinkSync('/dev/zero', path.join(d, 'zero'));
    execFileSync('mkfifo', [path.join(d, 'fifo')]);
    const t0 = Date.now();
    expect(() => readBoundedRangeSync(path.join(d, 'zero'), 0, 12, { maxBytes: 1 << 20 })).toThrow(/a device/);
    expect(() => readBoundedRangeSync(path.join(d, 'fifo'), 0, 12, { maxBytes: 1 << 20 })).toThrow(/a FIFO/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('reads and writes inside an owned folder', () => {
  it('writes atomically and reads back', () => {
    const root = tmp();
    writeInsideSync(root, 'crates/ab/abc.crate', 'data');
    expect(readInsideSync(root, 'crates/ab/abc.crate', { maxBytes: 10 })?.toString()).toBe('data');
    expect(readInsideSync(root, 'crates/cd/none.crate', { maxBytes: 10 })).toBeNull();
    // A list of parts is written one after the other.
    writeInsideSync(root, 'packs/p.pack', [Buffer.from('he'), new Uint8Array(0), Buffer.from('ad'), Buffer.from('er')]);
    expect(readInsideSync(root, 'packs/p.pack', { maxBytes: 10 })?.toString()).toBe('header');
  });

  it('never writes through a folder link planted inside it', () => {
    const root = tmp();
    const outside = tmp();
    mkdirSync(path.join(root, 'crates'));
    symlinkSync(outside, path.join(root, 'crates', 'ab'));
    expect(() => writeInsideSync(root, 'crates/ab/abc.crate', 'payload')).toThrow(UnsafePathError);
    expect(existsSync(path.join(outside, 'abc.crate'))).toBe(false);
    expect(() => readInsideSync(root, 'crates/ab/abc.crate', { maxBytes: 10 })).toThrow(UnsafePathError);
  });

  it('replaces a file link planted as an entry instead of writing through it, and refuses to read one', () => {
    const root = tmp();
    const outside = tmp();
    writeFileSync(path.join(outside, 'victim'), 'original');
    mkdirSync(path.join(root, 'j'));
    symlinkSync(path.join(outside, 'victim'), path.join(root, 'j', 'entry.json'));
    expect(() => readInsideSync(root, 'j/entry.json', { maxBytes: 100 })).toThrow(/symbolic link/);
    writeInsideSync(root, 'j/entry.json', 'new');
    expect(readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('original');
    expect(readInsideSync(root, 'j/entry.json', { maxBytes: 100 })?.toString()).toBe('new');
  });

  it('refuses paths that leave the folder', () => {
    const root = tmp();
    expect(() => writeInsideSync(root, '../x', 'a')).toThrow(UnsafePathError);
    expect(() => writeInsideSync(root, '/etc/x', 'a')).toThrow(UnsafePathError);
  });

  it('makes a missing root, private, for a write; a read of a missing root is a miss', () => {
    const root = path.join(tmp(), 'cache', 'cratefence');
    expect(readInsideSync(root, 'crates/ab/x.crate', { maxBytes: 10 })).toBeNull();
    writeInsideSync(root, 'crates/ab/x.crate', 'data');
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(readInsideSync(root, 'crates/ab/x.crate', { maxBytes: 10 })?.toString()).toBe('data');
  });
});
