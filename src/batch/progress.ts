/**
 * What a batch shows on stderr while it runs: a cli-progress bar on a terminal (done / total,
 * errors, jobs per second, ETA, the slowest job in flight), one plain line per finished job when
 * stderr is not a terminal (logs, CI), nothing with --quiet.
 */
import cliProgress from 'cli-progress';
import type { BatchEvent } from './run.js';
import { jobLabel, type ResolvedJob } from '../runner/jobs.js';

export type ProgressMode = 'bar' | 'lines' | 'quiet';

/** Picks the display: quiet wins, then a bar on a terminal, else lines. */
export function progressMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (quiet) return 'quiet';
  return stream.isTTY ? 'bar' : 'lines';
}

/** A listener for `runBatch` events that draws the chosen display; `stop()` when the run ends. */
export function progressDisplay(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): { onEvent: (e: BatchEvent) => void; stop: () => void } {
  if (mode === 'quiet') return { onEvent: () => undefined, stop: () => undefined };
  const inFlight = new Map<string, { job: ResolvedJob; at: number }>();
  let done = 0;
  let errors = 0;
  let total = 0;
  const t0 = performance.now();
  const slowest = () => {
    let worst: { job: ResolvedJob; at: number } | undefined;
    for (const v of inFlight.values()) if (!worst || v.at < worst.at) worst = v;
    return worst ? `${jobLabel(worst.job)} ${((performance.now() - worst.at) / 1000).toFixed(0)} s` : '-';
  };
  const rate = () => (done / Math.max(0.001, (performance.now() - t0) / 1000)).toFixed(2);

  if (mode === 'lines') {
    let toRun: number | undefined;
    return {
      onEvent: (e) => {
        if (e.type === 'start') {
          stream.write(`cratefence batch: ${e.listed} jobs listed\n`);
        } else if (e.type === 'resolved') {
          toRun = e.toRun;
          stream.write(`cratefence batch: ${e.total} jobs, ${e.skipped} already done, ${e.toRun} to run\n`);
        } else if (e.type === 'end') {
          done++;
          if (e.state !== 'done') errors++;
          const what = e.report ? `${e.report.verdict} ${e.report.score}` : e.state === 'cancelled' ? 'cancelled' : `${e.state}: ${e.outcome.ok ? '' : e.outcome.error}`;
          stream.write(`[${done}/${toRun ?? '?'}] ${jobLabel(e.job)}: ${what} (${e.outcome.ms} ms)\n`);
        } else if (e.type === 'stopping') {
          stream.write(`cratefence batch: stopping, finishing the ${e.inFlight} jobs in flight (Ctrl-C again abandons them)\n`);
        }
      },
      stop: () => undefined,
    };
  }

  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {value}/{total} | errors {errors} | {rate}/s | ETA {eta_formatted} | slowest: {slowest}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  // The slowest job's age changes between events: refresh it once a second.
  const tick = setInterval(() => started && bar.update({ slowest: slowest(), rate: rate() }), 1000);
  tick.unref();
  return {
    onEvent: (e) => {
      if (e.type === 'start') {
        // The bar counts the jobs to run: listed ones until the listing is resolved, less the skipped.
        total = e.listed;
        bar.start(total, 0, { errors: 0, rate: '0.00', slowest: '-' });
        started = true;
      } else if (e.type === 'skip') {
        total = Math.max(done, total - 1);
        bar.setTotal(total);
      } else if (e.type === 'resolved') {
        total = e.toRun;
        bar.setTotal(total);
      } else if (e.type === 'begin') {
        inFlight.set(e.job.key, { job: e.job, at: e.at });
        bar.update({ slowest: slowest() });
      } else if (e.type === 'end') {
        inFlight.delete(e.job.key);
        done++;
        if (e.state !== 'done' && e.state !== 'cancelled') errors++;
        bar.update(done, { errors, rate: rate(), slowest: slowest() });
      }
    },
    stop: () => {
      clearInterval(tick);
      if (started) bar.stop();
    },
  };
}
