import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { BatchStore } from '../src/store/batch.js';
import { jobsFromRegistry, parseJobsFile, resolveJobs } from '../src/batch/jobs.js';
import { textTable } from '../src/batch/format.js';
import { ChainScheduler } from '../src/batch/schedule.js';
import { runBatch } from '../src/batch/run.js';
import type { ExecOutcome, ResolvedJob } from '../src/runner/jobs.js';
import { decodeFacts, encodeFacts, isCompact } from '../src/cache/compact.js';
import { analyzeTrees, DiskFactsStore, type FactsStore, type Report } from '../src/index.js';
import { loadSource } from '../src/source/index.js';
import { serialize, deserialize } from 'node:v8';
import type { FileFacts } from '../src/parse/types.js';
import type { RegistryClientApi, IndexVersion } from '../src/registry/types.js';
import { makeTar, crateEntries } from './helpers/tarball.js';
import { writeSlowPair } from './helpers/slow-crate.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cratefence.js');
const CORPUS = path.join(ROOT, 'corpus');
// Pairs only: a first-release case (no old/) is scanned alone by test/corpus.test.ts. Cases that carry
// their own dependency crates (deps/) are scanned with them by the corpus test; a batch of the bare
// pairs has no such dependencies, so they are left out here.
const CASES = readdirSync(CORPUS)
  .filter((c) => !c.endsWith('.json') && existsSync(path.join(CORPUS, c, 'old')))
  .filter((c) => !(JSON.parse(readFileSync(path.join(CORPUS, c, 'expect.json'), 'utf8')) as { deps?: boolean }).deps)
  .sort();
const tmp = mkdtempSync(path.join(tmpdir(), 'cf-batch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

/** A folder of links to corpus cases (each holds old/ and new/). */
function pairsFolder(name: string, cases: string[]): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const c of cases) symlinkSync(path.join(CORPUS, c), path.join(dir, c));
  return dir;
}

/** The .rs files under a folder. */
function rustFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.rs')).map((e) => path.join(e.parentPath, e.name));
}

function storeRows(db: string) {
  const store = new BatchStore(openStore(db));
  try {
    return { jobs: store.allJobs(), runs: store.runs(), reports: store.allJobs().map((j) => store.report(j.id)) };
  } finally {
    store.db.close();
  }
}

/** runBatch without the pool: jobs that name no real input, and a report that says pass. */
const keys = { toolVersion: 't', rulesDigest: 'r' };
function job(crate: string, v: number): ResolvedJob {
  return {
    key: `${crate}-${v}`, crate, oldVersion: `0.${v - 1}.0`, newVersion: `0.${v}.0`, oldInput: `${crate}/${v - 1}`, newInput: `${crate}/${v}`,
    oldDigest: 'o', newDigest: 'n', old: { path: 'o' }, new: { path: 'n' }, publishedAt: null,
  };
}
function report(j: ResolvedJob): Report {
  return { schemaVersion: 1, tool: { name: 'cratefence', version: 't' }, crate: { name: j.crate, old: j.oldVersion, new: j.newVersion }, verdict: 'pass', score: 0, verdictReason: '', summary: {}, capabilities: { before: [], after: [], added: [] }, findings: [], scoreBreakdown: [], timings: {} } as unknown as Report;
}

describe('batch jobs', () => {
  it('reads a jobs file: registry pairs, first releases, path pairs, comments; bad lines name their line', () => {
    const f = path.join(tmp, 'jobs.txt');
    writeFileSync(f, '# audit list\nserde 1.0.200 1.0.201\nitoa@1.0.0  # first release\na/old a/new\n\n');
    const jobs = parseJobsFile(f);
    expect(jobs).toEqual([
      { old: { registry: { name: 'serde', version: '1.0.200' } }, new: { registry: { name: 'serde', version: '1.0.201' } }, origin: `${f}:2` },
      { old: null, new: { registry: { name: 'itoa', version: '1.0.0' } }, origin: `${f}:3` },
      { old: { path: path.join(tmp, 'a/old') }, new: { path: path.join(tmp, 'a/new') }, origin: `${f}:4` },
    ]);
    writeFileSync(f, 'serde 1.0 x.y\n');
    expect(() => parseJobsFile(f)).toThrow(/jobs.txt:1: "1.0" is not a version/);
  });

  it('resolves registry jobs by the index checksum, without downloading, and every consecutive pair of a crate', async () => {
    // The smallest RegistryClientApi that answers from memory: only this unit test uses it.
    const index: IndexVersion[] = ['0.1.0', '0.2.0', '0.1.1', '0.3.0'].map((vers, i) => ({
      name: 'demo', vers, cksum: String(i).repeat(64), yanked: vers === '0.2.0', deps: [], pubtime: `2025-0${i + 1}-01T00:00:00Z`,
    }));
    const registry: RegistryClientApi = {
      versions: async () => index,
      fetchCrate: async () => {
        throw new Error('resolution must not download');
      },
      publishTime: async () => null,
    };
    const specs = await jobsFromRegistry(registry, 'demo');
    expect(specs.map((s) => [s.old && 'registry' in s.old ? s.old.registry.version : null, 'registry' in s.new ? s.new.registry.version : null])).toEqual([['0.1.0', '0.1.1'], ['0.1.1', '0.3.0']]);
    const since = await jobsFromRegistry(registry, 'demo', new Date('2025-04-01'));
    expect(since).toHaveLength(1);
    const keys = { toolVersion: '9.9.9', rulesDigest: 'r' };
    const jobs = await resolveJobs(specs, keys, { registry });
    expect(jobs[0]).toMatchObject({ crate: 'demo', oldVersion: '0.1.0', newVersion: '0.1.1', oldDigest: '0'.repeat(64), newDigest: '2'.repeat(64), new: { registry: { name: 'demo', version: '0.1.1', cksum: '2'.repeat(64) } } });
    // Same inputs, same key; another rule set, another key.
    expect((await resolveJobs(specs, keys, { registry }))[0].key).toBe(jobs[0].key);
    expect((await resolveJobs(specs, { ...keys, rulesDigest: 's' }, { registry }))[0].key).not.toBe(jobs[0].key);
  });

  it('runs the releases of one crate one after the other, other crates beside them, and cuts a chain only when slots would idle', () => {
    const job = (crate: string, v: number) => ({ key: `${crate}${v}`, crate }) as ResolvedJob;
    const s = new ChainScheduler([job('a', 1), job('a', 2), job('a', 3), job('a', 4), job('b', 1)]);
    const a1 = s.take()!;
    const b1 = s.take()!;
    expect([a1.key, b1.key]).toEqual(['a1', 'b1']);
    // Three slots: both chains busy and a slot free, so a's waiting jobs (a2 a3 a4) are cut, a4 starts.
    expect(s.take()?.key).toBe('a4');
    s.finished(a1);
    expect(s.take()?.key).toBe('a2');
    s.finished(b1);
    // A slot free, but the only waiting job (a3) must wait for a2.
    expect(s.take()).toBeUndefined();
    s.finished(job('a', 2));
    expect(s.take()?.key).toBe('a3');
    expect(s.waiting).toBe(0);
  });

  it('takes jobs listed while the run goes: a later job of a crate joins the end of its chain, after a cut too', () => {
    const job = (crate: string, v: number) => ({ key: `${crate}${v}`, crate }) as ResolvedJob;
    const s = new ChainScheduler();
    s.add(job('a', 1));
    s.add(job('a', 2));
    s.add(job('a', 3));
    const a1 = s.take()!;
    // A second slot idles: a2 a3 are cut, a3 starts beside a1.
    expect(s.take()?.key).toBe('a3');
    // a4 is listed now: it follows a3 (the cut-off tail), not a2.
    s.add(job('a', 4));
    s.add(job('b', 1));
    expect(s.take()?.key).toBe('b1');
    // a2 waits for a1, a4 for a3: one job left in each chain, nothing to cut.
    expect(s.take()).toBeUndefined();
    s.finished(a1);
    expect(s.take()?.key).toBe('a2');
    s.finished(job('a', 3));
    expect(s.take()?.key).toBe('a4');
    expect(s.waiting).toBe(0);
  });

  it('starts running the first jobs while the listing is still being resolved, skips done ones, and records the totals', async () => {
    const db = path.join(tmp, 'stream.sqlite');
    const store = new BatchStore(openStore(db));
    const executor = { slots: 2, execute: async (j: ResolvedJob) => ({ ok: true as const, report: report(j), ms: 1 }) };
    try {
      // A first run records a-1; the second lists a-1 (skipped), a-2, a-2 again (one job), b-1.
      await runBatch({ store, jobs: [job('a', 1)], executor, keys, source: 's', mode: 'm' });
      const events: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      async function* listing() {
        yield job('a', 1);
        yield job('a', 2);
        // The rest of the listing waits until a-2 has run: only possible if jobs start before it ends.
        await gate;
        yield job('a', 2);
        yield job('b', 1);
      }
      const summary = await runBatch({
        store, jobs: listing(), listed: 4, executor, keys, source: 's', mode: 'm',
        onEvent: (e) => {
          events.push(e.type === 'start' ? `start ${e.listed}` : e.type === 'resolved' ? `resolved ${e.total} ${e.skipped} ${e.toRun}` : `${e.type} ${'job' in e ? e.job.key : ''}`);
          if (e.type === 'end' && e.job.key === 'a-2') release();
        },
      });
      expect(events.slice(0, 4)).toEqual(['start 4', 'skip a-1', 'begin a-2', 'end a-2']);
      expect([...events].sort()).toEqual(['begin a-2', 'begin b-1', 'end a-2', 'end b-1', 'resolved 3 1 2', 'skip a-1', 'start 4']);
      expect(summary).toMatchObject({ total: 3, skipped: 1, done: 2, notRun: 0, interrupted: false });
      const run = store.runs().find((r) => r.id === summary.runId)!;
      expect(run).toMatchObject({ state: 'done', jobs_total: 3, jobs_skipped: 1 });
    } finally {
      store.db.close();
    }
  });

  it('a stop abandons a listing stuck on a slow input; an executor that throws halts the run, which rejects once nothing runs', async () => {
    {
      const store = new BatchStore(openStore(path.join(tmp, 'stuck.sqlite')));
      const stop = new AbortController();
      async function* listing() {
        yield job('a', 1);
        // An input that never finishes reading.
        await new Promise(() => undefined);
        yield job('a', 2);
      }
      const executor = { slots: 1, execute: async (j: ResolvedJob) => {
        setTimeout(() => stop.abort(), 10);
        return { ok: true as const, report: report(j), ms: 1 };
      } };
      const summary = await runBatch({ store, jobs: listing(), listed: 2, executor, keys, source: 's', mode: 'm', stop: stop.signal });
      expect(summary).toMatchObject({ done: 1, interrupted: true, notRun: 1 });
      expect(store.runs().at(-1)).toMatchObject({ state: 'interrupted' });
      store.db.close();
    }
    {
      const store = new BatchStore(openStore(path.join(tmp, 'throws.sqlite')));
      const started: string[] = [];
      let slow!: () => void;
      const executor = { slots: 2, execute: (j: ResolvedJob) => {
        started.push(j.key);
        if (j.key === 'a-1') return Promise.reject(new Error('pool is gone'));
        // b-1 is still running when a-1 fails: the run waits for it and records it.
        return new Promise<ExecOutcome>((res) => (slow = () => res({ ok: true, report: report(j), ms: 1 })));
      } };
      const run = runBatch({ store, jobs: [job('a', 1), job('b', 1), job('c', 1), job('d', 1)], executor, keys, source: 's', mode: 'm' });
      let settledEarly = false;
      void run.catch(() => undefined).then(() => (settledEarly = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(settledEarly).toBe(false);
      slow();
      await expect(run).rejects.toThrow('pool is gone');
      // Nothing started after the failure; the job in flight was recorded.
      expect(started).toEqual(['a-1', 'b-1']);
      expect(store.allJobs().map((j) => j.job_key)).toEqual(['b-1']);
      expect(store.runs().at(-1)).toMatchObject({ state: 'interrupted' });
      store.db.close();
    }
  });

  it('fits a text table to the terminal by cutting the long columns', () => {
    const t = { title: 't', columns: ['crate', 'message'], flex: ['message'], rows: [{ crate: 'abc', message: 'x'.repeat(200) }] };
    const lines = textTable(t, 60).trimEnd().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.at(-1)).toMatch(/…$/);
  });
});

describe('compact stored facts', () => {
  it('reads back exactly the facts it stored (same keys, same order, same values) for every file of the corpus', async () => {
    const seen: FileFacts[] = [];
    const recorder: FactsStore = { get: () => undefined, put: (_h, f) => void seen.push(f) };
    for (const c of CASES) {
      const [a, b] = await Promise.all([loadSource(path.join(CORPUS, c, 'old')), loadSource(path.join(CORPUS, c, 'new'))]);
      analyzeTrees(a, b, { factsStore: recorder });
    }
    expect(seen.length).toBeGreaterThan(100);
    let items = 0;
    // Through the disk store itself: what `put` writes, `get` gives back.
    const disk = new DiskFactsStore(path.join(tmp, 'facts-roundtrip'));
    for (const f of seen) {
      expect(isCompact(deserialize(serialize(encodeFacts(f))))).toBe(true);
      disk.put(f.hash, f);
      const back = disk.get(f.hash)!;
      expect(back).toStrictEqual(f);
      expect(JSON.stringify(back)).toBe(JSON.stringify(f));
      items += f.items.length;
    }
    expect(items).toBeGreaterThan(200);
  });

  it('refuses a damaged compact entry instead of decoding garbage', () => {
    const f: FileFacts = {
      hash: 'h', partial: false, errors: [], items: [], aliases: {}, globs: [], mods: [], innerAttrs: [], safetyLines: [], oddIdentifiers: [], lineCount: 1,
      sites: [{ kind: 'call', text: 'std::process::Command::new', args: '"sh"', item: -1, line: 1, column: 1, endLine: 1, inMacro: false, len: undefined }],
    };
    const c = encodeFacts(f);
    expect(() => decodeFacts({ ...c, nums: c.nums.subarray(0, c.nums.length - 1) })).toThrow(/truncated/);
    expect(() => decodeFacts({ ...c, nums: Int32Array.from([...c.nums, 7]) })).toThrow(/trailing/);
    const badString = Int32Array.from(c.nums);
    badString[1] = 99;
    expect(() => decodeFacts({ ...c, nums: badString })).toThrow(/string index/);
    expect(isCompact({ ...c, v: 1 })).toBe(false);
  });
});

describe('cratefence batch (end to end, real pool)', () => {
  it('with --cache, the worker threads write the facts of every Rust file they parsed to the facts cache', () => {
    const cases = CASES.slice(0, 4);
    const dir = pairsFolder('corpus-cached', cases);
    const cache = path.join(tmp, 'facts-cache');
    const r = cli(['batch', dir, '--db', path.join(tmp, 'cached.sqlite'), '--jobs', '2', '--cache', cache]);
    expect(r.status, r.stderr).toBeLessThanOrEqual(1);
    const store = new DiskFactsStore(cache);
    const rs = cases.flatMap((c) => ['old', 'new'].flatMap((side) => rustFiles(path.join(CORPUS, c, side))));
    expect(rs.length).toBeGreaterThan(4);
    for (const f of rs) expect(store.get(createHash('sha256').update(readFileSync(f)).digest('hex')), f).toBeDefined();
  });

  it('scans the corpus pairs with --jobs 2 into the store, the reports as `diff` gives them; a rerun skips every job', () => {
    const dir = pairsFolder('corpus-all', CASES);
    const db = path.join(tmp, 'corpus.sqlite');
    const r = cli(['batch', dir, '--db', db, '--jobs', '2', '--no-cache']);
    expect(r.status, r.stderr).toBe(0);
    const { jobs, reports, runs } = storeRows(db);
    expect(jobs).toHaveLength(CASES.length);
    expect(jobs.every((j) => j.state === 'done')).toBe(true);
    // Each stored verdict is the one the corpus case expects.
    for (const j of jobs) {
      const c = path.basename(path.dirname(j.new_input));
      const expected = JSON.parse(readFileSync(path.join(CORPUS, c, 'expect.json'), 'utf8')) as { verdict: string };
      expect(j.verdict, c).toBe(expected.verdict);
    }
    // And the stored report is the one `cratefence diff` prints for that pair.
    const one = jobs.find((j) => j.verdict === 'block') ?? jobs[0];
    const d = cli(['diff', path.join(path.dirname(one.new_input), 'old'), one.new_input, '--format', 'json', '--fail-on', 'never', '--no-progress']);
    const strip = (x: object) => JSON.stringify({ ...x, timings: undefined });
    expect(strip(reports[jobs.indexOf(one)]!)).toBe(strip(JSON.parse(d.stdout)));
    expect(runs).toHaveLength(1);

    const again = cli(['batch', dir, '--db', db, '--jobs', '2', '--no-cache']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`${CASES.length} already done, 0 done`);
    const after = storeRows(db);
    expect(after.jobs.map((j) => j.id)).toEqual(jobs.map((j) => j.id));
    expect(after.runs.at(-1)).toMatchObject({ state: 'done', jobs_skipped: CASES.length });

    // results --top 3: the three highest scores, highest first.
    const top = JSON.parse(cli(['results', '--db', db, '--top', '3', '--format', 'json']).stdout) as { rows: Array<{ crate: string; score: number }> };
    const byScore = [...jobs].sort((a, b) => b.score! - a.score! || a.crate!.localeCompare(b.crate!) || a.id - b.id).slice(0, 3);
    expect(top.rows.map((x) => [x.crate, x.score])).toEqual(byScore.map((j) => [j.crate, j.score]));
    // results --crate: that crate's releases and nothing else, with the capabilities each gained.
    const name = byScore[0].crate!;
    const hist = JSON.parse(cli(['results', '--db', db, '--crate', name, '--format', 'json']).stdout) as { rows: Array<{ new: string; score: number; gained: string }> };
    const mine = jobs.filter((j) => j.crate === name);
    expect(hist.rows).toHaveLength(mine.length);
    const rep = reports[jobs.indexOf(byScore[0])]!;
    expect(hist.rows.find((x) => x.new === byScore[0].new_version && x.score === byScore[0].score)?.gained).toBe(rep.capabilities.added.join(' '));
    // csv and jsonl exports carry the same rows.
    expect(cli(['results', '--db', db, '--format', 'csv']).stdout.split('\r\n')[0]).toBe('crate,old,new,verdict,score,findings,gained');
    const lines = cli(['results', '--db', db, '--export', 'jsonl']).stdout.trim().split('\n');
    expect(lines).toHaveLength(CASES.length);
    expect(JSON.parse(lines[0]).schemaVersion).toBe(1);
  }, 300_000);

  it('records a job over its time limit and a hostile archive as errors with the reason, and finishes the others', async () => {
    const slow = writeSlowPair(path.join(tmp, 'slow'), 400, 400);
    const bad = path.join(tmp, 'evil-0.1.0.crate');
    writeFileSync(bad, await makeTar(crateEntries('evil', '0.1.0', 'pub fn f() {}', [{ name: '../../escape.rs', content: 'fn x() {}' }])));
    const ok = CASES.slice(0, 3);
    const jobsFile = path.join(tmp, 'mixed.txt');
    writeFileSync(jobsFile, [`${slow.old} ${slow.new}`, `${path.join(CORPUS, ok[0], 'old')} ${bad}`, ...ok.map((c) => `${path.join(CORPUS, c, 'old')} ${path.join(CORPUS, c, 'new')}`)].join('\n'));
    const db = path.join(tmp, 'mixed.sqlite');
    const r = cli(['batch', jobsFile, '--db', db, '--jobs', '2', '--timeout-ms', '8000', '--no-cache']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 done .*, 2 errors/);
    const { jobs } = storeRows(db);
    const slowJob = jobs.find((j) => j.new_input === slow.new)!;
    expect(slowJob).toMatchObject({ state: 'error', failure: 'timeout' });
    expect(slowJob.error).toMatch(/8000 ms time limit/);
    const badJob = jobs.find((j) => j.new_input === bad)!;
    expect(badJob).toMatchObject({ state: 'error', failure: 'input' });
    expect(badJob.error).toMatch(/\.\./);
    expect(jobs.filter((j) => j.state === 'done')).toHaveLength(3);
    const errors = cli(['results', '--db', db, '--errors', '--format', 'json']);
    expect((JSON.parse(errors.stdout) as { rows: unknown[] }).rows).toHaveLength(2);
    rmSync(path.join(tmp, 'slow'), { recursive: true, force: true });
  }, 300_000);

  it('kill -9 of the batch mid-run, then a rerun: every job is in the store exactly once', async () => {
    const cases = CASES.slice(0, 24);
    const dir = pairsFolder('corpus-kill', cases);
    const db = path.join(tmp, 'kill.sqlite');
    const child = spawn(process.execPath, [BIN, 'batch', dir, '--db', db, '--jobs', '2', '--no-cache'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        // Killed once some jobs are recorded and others are in flight.
        if (/^\[5\//m.test(err)) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`batch ended before it was killed: ${err}`)));
    });
    await new Promise((r) => child.once('exit', r));
    const killed = storeRows(db);
    expect(killed.jobs.length).toBeGreaterThanOrEqual(5);
    expect(killed.jobs.length).toBeLessThan(cases.length);
    expect(killed.runs[0].state).toBe('running');

    const r = cli(['batch', dir, '--db', db, '--jobs', '2', '--no-cache']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${killed.jobs.length} already done, ${cases.length - killed.jobs.length} done`);
    const { jobs } = storeRows(db);
    expect(jobs).toHaveLength(cases.length);
    expect(new Set(jobs.map((j) => j.job_key)).size).toBe(cases.length);
    expect(new Set(jobs.map((j) => j.new_input)).size).toBe(cases.length);
    expect(jobs.every((j) => j.state === 'done')).toBe(true);
    // The jobs recorded before the kill were kept, not redone.
    for (const j of killed.jobs) expect(jobs.find((x) => x.job_key === j.job_key)?.id).toBe(j.id);
  }, 300_000);

  it('Ctrl-C finishes the jobs in flight, records them, exits 130 and the rerun does the rest', async () => {
    const cases = CASES.slice(0, 16);
    const dir = pairsFolder('corpus-int', cases);
    const db = path.join(tmp, 'int.sqlite');
    const child = spawn(process.execPath, [BIN, 'batch', dir, '--db', db, '--jobs', '2', '--no-cache'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/^\[2\//m.test(err)) resolve();
      });
    });
    child.kill('SIGINT');
    expect(await exited, err).toBe(130);
    expect(err).toMatch(/stopping, finishing the \d jobs in flight/);
    expect(out).toMatch(/interrupted: \d+ jobs not run/);
    const stopped = storeRows(db);
    expect(stopped.jobs.length).toBeGreaterThanOrEqual(2);
    expect(stopped.jobs.length).toBeLessThan(cases.length);
    // Every job that was started finished and was recorded: the plain lines name each one.
    expect(err.match(/^\[\d+\/\d+\]/gm)).toHaveLength(stopped.jobs.length);
    expect(stopped.runs[0].state).toBe('interrupted');
    const r = cli(['batch', dir, '--db', db, '--jobs', '2', '--no-cache']);
    expect(r.status, r.stderr).toBe(0);
    const { jobs } = storeRows(db);
    expect(jobs).toHaveLength(cases.length);
    expect(new Set(jobs.map((j) => j.job_key)).size).toBe(cases.length);
  }, 300_000);
});
