import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeTrees, emptyTree } from '../src/index.js';
import { DEFAULT_LIMITS, InputError } from '../src/source/index.js';
import { readTarball } from '../src/source/tarball.js';
import { DECOY, LAYOUTS, PAYLOAD } from './helpers/archive-layouts.js';
import { endBlocks, rawCrate, tarEntry } from './helpers/tarball.js';

const read = (b: Buffer) => readTarball(b, DEFAULT_LIMITS, 'layout.crate');
const asText = (files: Map<string, Uint8Array>) => Object.fromEntries([...files].map(([p, d]) => [p, Buffer.from(d).toString('utf8')]));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Every layout of issue 10: the tree read must be cargo's tree (written out in the layout from
// tar-rs 0.4.45, checked against real cargo by `npm run verify:archives`), and every construct
// cargo package never writes must block the release with a critical archive-ambiguity finding.
describe('archive parity with cargo', () => {
  for (const l of LAYOUTS) {
    it(`${l.id}: ${l.what}`, async () => {
      const bytes = l.bytes();
      if ('refuse' in l.expect) {
        await expect(read(bytes)).rejects.toThrow(l.expect.refuse);
        await expect(read(bytes)).rejects.toBeInstanceOf(InputError);
        return;
      }
      const tree = await read(bytes);
      expect(asText(tree.files)).toEqual(l.expect.files);
      const { report } = analyzeTrees(emptyTree(), tree);
      const amb = report.findings.filter((f) => f.ruleId === 'archive-ambiguity' && f.severity === 'critical');
      if (l.id.startsWith('honest')) {
        expect(amb).toEqual([]);
        expect(tree.notes.filter((n) => n.kind === 'ambiguity')).toEqual([]);
      } else {
        expect(amb.length).toBeGreaterThan(0);
        expect(report.verdict).toBe('block');
      }
      // The decoy is never what is analysed as the library.
      expect(Buffer.from(tree.files.get('src/lib.rs') ?? '').toString()).not.toBe(DECOY);
    });
  }

  it('names the entry and both readings in the finding', async () => {
    const by = (id: string) => LAYOUTS.find((l) => l.id === id)!.bytes();
    const msg = async (id: string) => (await read(by(id))).notes.filter((n) => n.kind === 'ambiguity').map((n) => n.message).join('\n');
    expect(await msg('pax-two-paths')).toMatch(/path "demo-1\.0\.0\/src\/lib\.rs" then "demo-1\.0\.0\/src\/unused\.rs".*cargo takes the first/);
    expect(await msg('entries-after-end-blocks')).toMatch(/never sees "demo-1\.0\.0\/src\/lib\.rs"/);
    expect(await msg('gzip-members-with-end')).toMatch(/first gzip member.*"demo-1\.0\.0\/src\/lib\.rs"/);
    expect(await msg('directory-with-data')).toMatch(/folder entry data carries \d+ bytes.*"demo-1\.0\.0\/src\/lib\.rs"/);
    expect(await msg('ustar-odd-version-prefix')).toMatch(/"demo-1\.0\.0\/hidden\/demo-1\.0\.0\/src\/lib\.rs"/);
    expect(await msg('symlinked-folder-write-through')).toMatch(/tests\/lib\.rs is written through a linked folder and lands in src\/lib\.rs/);
  });

  it('exits 2 from the CLI for an uncompressed .crate, and scans a plain tar named .tar', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'cratefence-parity-'));
    dirs.push(d);
    const plain = Buffer.concat([rawCrate('demo', '1.0.0', PAYLOAD), endBlocks()]);
    writeFileSync(path.join(d, 'x.crate'), plain);
    writeFileSync(path.join(d, 'x.tar'), plain);
    const cli = path.resolve('bin/cratefence.js');
    let code = 0;
    let err = '';
    try {
      execFileSync(process.execPath, [cli, 'scan', path.join(d, 'x.crate')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
      err = String((e as { stderr: string }).stderr);
    }
    expect(code).toBe(2);
    expect(err).toMatch(/not gzip-compressed/);
    const out = JSON.parse(execFileSync(process.execPath, [cli, 'scan', path.join(d, 'x.tar'), '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8' }));
    expect(out.verdict).toBeDefined();
  });

  it('refuses a link bomb (every entry written through a long chain of links) instead of replaying it slowly', async () => {
    const top = 'demo-1.0.0';
    const parts = [tarEntry({ name: `${top}/Cargo.toml` }, 'x'), tarEntry({ name: `${top}/d/`, type: '5', size: 0 }), tarEntry({ name: `${top}/l0`, type: '2', linkname: 'd', size: 0 })];
    for (let i = 1; i < 39; i++) parts.push(tarEntry({ name: `${top}/l${i}`, type: '2', linkname: `l${i - 1}`, size: 0 }));
    for (let i = 0; i < 6000; i++) parts.push(tarEntry({ name: `${top}/l38/f${i}.rs` }, 'x'));
    await expect(read(gzipSync(Buffer.concat([...parts, endBlocks()])))).rejects.toThrow(/possible link bomb/);
  });
});
