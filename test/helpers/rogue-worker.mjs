// A rogue queue worker for the integrity tests: bullmq used directly, no cratefence code. It takes
// every scan job and answers with a made-up report, as someone who can reach Redis would.
//   node rogue-worker.mjs URL MODE
// MODE: pass        a made-up `pass` report (signed when ROGUE_SECRET is set, as a worker holding
//                   the secret could)
//       other-inputs a signed pass report that names other inputs than the job's
//       other-run    a signed pass report bound to another run's nonce
//       old-tool     a signed pass report whose report says another cratefence version
//       malformed    { verdict: 42 } where the answer should be
//       deep         an answer nested 100 000 levels deep
//       huge         an answer of 65 MiB
// Prints "ready" once connected, then one line per job answered.
import { createHash, createHmac } from 'node:crypto';
import { Worker } from 'bullmq';

const [url, mode] = process.argv.slice(2);
const u = new URL(url);
const connection = { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null };
const secret = process.env.ROGUE_SECRET;
const resultKey = secret ? createHmac('sha256', secret).update('cratefence queue result signing v1').digest() : Buffer.alloc(32, 7);

// bullmq stores JSON.stringify(returnValue): an object carrying __raw is stored as that text instead,
// so that answers no JSON.stringify could make (100 000 levels deep) reach Redis as they are.
const stringify = JSON.stringify;
JSON.stringify = (v, ...rest) => (v && typeof v === 'object' && typeof v.__raw === 'string' ? v.__raw : stringify(v, ...rest));

function report(version, name) {
  return {
    schemaVersion: 1, tool: { name: 'cratefence', version, treeSitter: '0.22.4', treeSitterRust: '0.24.0' },
    crate: { name, old: '1.0.0', new: '1.0.1' }, verdict: 'pass', score: 0, verdictReason: 'nothing a reviewer must read',
    summary: { firstRelease: false, filesChanged: 0, filesAdded: 0, filesRemoved: 0, linesAdded: 0, linesRemoved: 0, itemsAdded: 0, itemsChanged: 0, itemsRemoved: 0, rustFilesParsed: 0, unresolvedCalls: 0, partialFiles: [], notes: [] },
    capabilities: { before: [], after: [], added: [] }, findings: [], scoreBreakdown: [],
    timings: { totalMs: 1, parseMs: 0, diffMs: 0, analysisMs: 0, rulesMs: 0 },
  };
}

function answer(d, attempt) {
  const rep = stringify(report(mode === 'old-tool' ? '0.0.1' : d.toolVersion, String(d.label).split(' ')[0]));
  const body = {
    v: 2, key: d.key, run: mode === 'other-run' ? 'f'.repeat(32) : d.run, worker: `rogue-${mode}`, attempt, ms: 1,
    oldDigest: mode === 'other-inputs' ? (d.oldDigest ? 'a'.repeat(64) : null) : d.oldDigest,
    newDigest: mode === 'other-inputs' ? 'b'.repeat(64) : d.newDigest,
    toolVersion: d.toolVersion, rulesDigest: d.rulesDigest, settingsDigest: d.settingsDigest,
    outcome: 'ok', error: null, reportDigest: createHash('sha256').update(rep).digest('hex'),
  };
  const fields = ['result', body.v, body.key, body.run, body.worker, body.attempt, body.ms, body.oldDigest, body.newDigest, body.toolVersion, body.rulesDigest, body.settingsDigest, body.outcome, body.error, body.reportDigest];
  const sig = createHmac('sha256', resultKey).update(stringify(fields)).digest('hex');
  return { ...body, report: rep, sig };
}

const worker = new Worker('scans', async (job) => {
  const d = job.data ?? {};
  process.stdout.write(`answered ${job.id}\n`);
  if (mode === 'malformed') return { verdict: 42 };
  if (mode === 'deep') return { __raw: `${'{"a":'.repeat(100_000)}{}${'}'.repeat(100_000)}` };
  if (mode === 'huge') return { __raw: stringify({ padding: 'x'.repeat(65 * 1024 * 1024) }) };
  return answer(d, job.attemptsStarted);
}, { connection, prefix: 'cratefence', concurrency: 8 });
worker.on('error', () => undefined);
await worker.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void worker.close(true).then(() => process.exit(0)));
