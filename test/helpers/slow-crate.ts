/**
 * A legal but slow release pair for time-limit and crash tests: many modules of many small functions
 * calling each other across modules, so that parsing and the call graph take seconds of CPU. Nothing
 * in it is hostile; it is only big. Written to `dir/new`; `dir/old` is the same crate's empty first
 * release, so all of it is new code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeSlowPair(dir: string, modules: number, fns: number, name = 'slowgen'): { old: string; new: string } {
  mkdirSync(path.join(dir, 'old', 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'old', 'Cargo.toml'), `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`);
  writeFileSync(path.join(dir, 'old', 'src', 'lib.rs'), '');
  for (const side of ['new']) {
    const d = path.join(dir, side);
    mkdirSync(path.join(d, 'src'), { recursive: true });
    writeFileSync(path.join(d, 'Cargo.toml'), `[package]\nname = "${name}"\nversion = "${side === 'old' ? '0.1.0' : '0.1.1'}"\nedition = "2021"\n`);
    const mods: string[] = [];
    for (let m = 0; m < modules; m++) {
      mods.push(`pub mod m${m};`);
      const lines: string[] = [];
      for (let i = 0; i < fns; i++) {
        lines.push(`pub fn f${i}(x: u64) -> u64 { let y = x.wrapping_mul(${i + 3}); if y % 3 == 0 { super::m${(m + 1) % modules}::f${(i + 1) % fns}(y) } else { f${(i + 7) % fns}(y ^ ${m}) } }`);
      }
      writeFileSync(path.join(d, 'src', `m${m}.rs`), `${lines.join('\n')}\n`);
    }
    writeFileSync(path.join(d, 'src', 'lib.rs'), `${mods.join('\n')}\n${side === 'new' ? 'pub fn added() {}\n' : ''}`);
  }
  return { old: path.join(dir, 'old'), new: path.join(dir, 'new') };
}
