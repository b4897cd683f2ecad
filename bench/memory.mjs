#!/usr/bin/env node
// Peak memory of scanning the largest release the source limits allow: `--files N --mib M` Rust files
// of M MiB each (default: as many of the per-file maximum as the total allows), made by repeating
// ordinary code, scanned as a first release in a child process; prints time and peak RSS (maxRSS).
// `node bench/memory.mjs [--files 7 --mib 31]`. Kept out of npm test (it needs gigabytes);
// test/nesting.test.ts runs the same measurement on a proportionally smaller input.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Ordinary Rust code (items, calls, literals, macros, a match), about 1 KiB, numbered so items differ. */
export function unit(i) {
  return `/// Parses record ${i}.
pub fn parse_${i}(input: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::with_capacity(input.len() / 4 + ${i % 7});
    for (n, part) in input.split(',').enumerate() {
        match part.trim().parse::<u32>() {
            Ok(v) if v < ${1000 + i} => out.push(v.wrapping_mul(${(i % 13) + 1})),
            Ok(v) => return Err(format!("value {} at {} too large (record ${i})", v, n)),
            Err(e) => return Err(e.to_string()),
        }
    }
    if out.is_empty() { println!("record ${i}: empty"); }
    Ok(out)
}

pub struct Record${i} { pub id: u64, pub name: String, pub tags: Vec<String> }

impl Record${i} {
    pub fn new(id: u64, name: &str) -> Self {
        Self { id, name: name.to_owned(), tags: vec!["a".into(), "b".into()] }
    }
    pub fn describe(&self) -> String { format!("{}:{}:{}", self.id, self.name, self.tags.join("|")) }
}
`;
}

/** About `bytes` bytes of code. */
export function source(bytes) {
  const parts = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const u = unit(i);
    parts.push(u);
    n += u.length;
  }
  return parts.join('');
}

async function child(files, mib) {
  const { analyzeTrees } = await import('../dist/index.js');
  const { treeFromFiles, emptyTree } = await import('../dist/source/index.js');
  const text = source(mib * 2 ** 20);
  const spec = { 'Cargo.toml': '[package]\nname = "big"\nversion = "0.1.0"\nedition = "2021"\n', 'src/lib.rs': Array.from({ length: files }, (_, k) => `pub mod m${k};`).join('\n') };
  // Each file's text differs (a distinct header) so that the parse cache cannot share them.
  for (let k = 0; k < files; k++) spec[`src/m${k}.rs`] = `// file ${k}\n${text}`;
  const tree = treeFromFiles(spec);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // Budgets wide enough that a loaded machine still analyses everything: this measures memory, not speed.
  const { report } = analyzeTrees(emptyTree(), tree, { parse: { fileBudgetMs: 3_600_000, crateBudgetMs: 3_600_000 } });
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({
    files, mib, ms: Math.round(performance.now() - t0), cpuMs: Math.round((c.user + c.system) / 1000), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    verdict: report.verdict, partial: report.summary.partialFiles.length, items: report.summary.itemsAdded,
  }));
}

/** Runs the measurement in a child process (with the given V8 heap cap, MB); returns its figures or the failure. */
export function measureMemory(files, mib, heapMb = 4096, timeoutMs = 1_800_000) {
  try {
    const out = execFileSync(process.execPath, [`--max-old-space-size=${heapMb}`, fileURLToPath(import.meta.url), '--child', '--files', String(files), '--mib', String(mib)], { timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    return JSON.parse(out.toString());
  } catch (e) {
    return { files, mib, error: e.signal ? `killed (${e.signal})` : (e.stderr?.toString().split('\n').filter(Boolean).slice(-3).join(' ') || e.message) };
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({ options: { child: { type: 'boolean' }, files: { type: 'string' }, mib: { type: 'string' }, heap: { type: 'string', default: '4096' } } });
  if (values.child) await child(Number(values.files), Number(values.mib));
  else {
    const { DEFAULT_LIMITS } = await import('../dist/source/index.js');
    const perFile = DEFAULT_LIMITS.maxFileBytes / 2 ** 20;
    const files = Number(values.files ?? Math.floor(DEFAULT_LIMITS.maxTotalBytes / DEFAULT_LIMITS.maxFileBytes));
    const mib = Number(values.mib ?? perFile - 0.5);
    const r = measureMemory(files, mib, Number(values.heap));
    console.log(`${files} files of ${mib} MiB (limits: ${perFile} MiB per file, ${DEFAULT_LIMITS.maxTotalBytes / 2 ** 20} MiB in all), heap cap ${values.heap} MB:`);
    console.log(JSON.stringify(r));
  }
}
