/**
 * The real cargo for registry tests: rustup's cargo on PATH (or in ~/.cargo/bin), at least 1.68 so
 * that it speaks the sparse protocol. Each project gets its own folder and an empty CARGO_HOME, so
 * nothing comes from the machine's cargo caches or config; CARGO_NET_OFFLINE is unset. Tests only
 * resolve and fetch (generate-lockfile, update, fetch): nothing is ever built. Without cargo the
 * tests are skipped with a printed reason, except under CI=true, where they fail.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The cargo binary and its version, or why there is none. */
export function cargoBinary(): { bin?: string; version?: string; reason?: string } {
  for (const bin of ['cargo', path.join(os.homedir(), '.cargo', 'bin', 'cargo')]) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) continue;
    const m = /^cargo (\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
    if (!m) continue;
    if (Number(m[1]) === 1 && Number(m[2]) < 68) return { reason: `${r.stdout.trim()} is older than 1.68 and does not speak the sparse registry protocol` };
    return { bin, version: r.stdout.trim() };
  }
  return { reason: 'cargo is not installed (rustup: https://rustup.rs; `.ci/run` checks for it)' };
}

/** True when the cargo tests must run (CI), false when they may be skipped; prints why they are skipped. */
export function cargoAvailable(): boolean {
  const { reason } = cargoBinary();
  if (!reason) return true;
  if (process.env.CI === 'true') throw new Error(`${reason}: required under CI`);
  console.warn(`skipping the cargo registry tests: ${reason}`);
  return false;
}

export interface CargoRun {
  /** The command as a developer would type it. */
  command: string;
  code: number;
  /** stdout and stderr together, as a terminal shows them. */
  output: string;
}

export interface CargoProject {
  dir: string;
  /** Runs cargo in the project with `CARGO_HOME` (a fresh empty one unless given) and extra environment. */
  cargo(args: string[], o?: { cargoHome?: string; env?: Record<string, string> }): Promise<CargoRun>;
  /** The locked version of a package in Cargo.lock, or null. */
  locked(name: string): string | null;
  lockfile(): string;
  freshHome(): string;
}

/**
 * A project depending on `deps` (`demo = "1"` style lines) whose `.cargo/config.toml` is `config`
 * (the source replacement under test). Its folder lives under `root`.
 */
export function cargoProject(root: string, deps: string[], config: string): CargoProject {
  const dir = mkdtempSync(path.join(root, 'proj-'));
  mkdirSync(path.join(dir, 'src'));
  mkdirSync(path.join(dir, '.cargo'));
  writeFileSync(path.join(dir, 'Cargo.toml'), `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n${deps.join('\n')}\n`);
  writeFileSync(path.join(dir, 'src', 'lib.rs'), '');
  writeFileSync(path.join(dir, '.cargo', 'config.toml'), config);
  const bin = cargoBinary().bin!;
  const freshHome = () => mkdtempSync(path.join(root, 'cargo-home-'));
  return {
    dir,
    freshHome,
    cargo(args, o = {}) {
      const env: Record<string, string> = { ...(process.env as Record<string, string>), CARGO_HOME: o.cargoHome ?? freshHome(), CARGO_TERM_COLOR: 'never', CARGO_TERM_PROGRESS_WHEN: 'never', ...o.env };
      delete env.CARGO_NET_OFFLINE;
      delete env.CARGO_REGISTRIES_CRATES_IO_PROTOCOL;
      for (const k of Object.keys(env)) if (k.startsWith('CARGO_REGISTRIES_') && !(o.env && k in o.env)) delete env[k];
      return new Promise((resolve) => {
        execFile(bin, args, { cwd: dir, env, timeout: 120_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          resolve({ command: `cargo ${args.join(' ')}`, code, output: `${stdout}${stderr}` });
        });
      });
    },
    lockfile: () => readFileSync(path.join(dir, 'Cargo.lock'), 'utf8'),
    locked(name) {
      let text: string;
      try {
        text = readFileSync(path.join(dir, 'Cargo.lock'), 'utf8');
      } catch {
        return null;
      }
      const m = new RegExp(`\\[\\[package\\]\\]\\nname = "${name}"\\nversion = "([^"]+)"`).exec(text);
      return m ? m[1] : null;
    },
  };
}
