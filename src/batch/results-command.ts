/**
 * `cratefence results`: reads the result store that `batch` wrote. With no filter, the riskiest
 * releases; `--crate NAME` a crate's history; `--rule` / `--category` the matching findings;
 * `--errors` the jobs without a report (errors and queue dead letters); `--export jsonl` the reports.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { encodeSummaryIndex } from '../index.js';
import { BatchStore } from '../store/batch.js';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, StoreError } from '../store/index.js';
import { UsageError } from '../usage.js';
import { positiveInt } from './args.js';
import { crateHistory, errorRows, exportReports, findingRows, storeSummary, topReleases, type ResultFilters, type Table } from './results.js';
import { csvTable, jsonTable, markdownTable, textTable } from './format.js';

export const USAGE = `Usage: cratefence results [--db FILE] [options]

  --top N             the N riskiest releases (default 20)
  --crate NAME        one crate's history: verdict, score and capabilities gained per release
  --rule ID           findings of one rule
  --category NAME     findings of one category (network, process, filesystem, ...)
  --since DATE        releases published (else scanned) on or after DATE
  --verdict V         pass, review or block
  --errors            jobs that ended without a report (errors, and dead letters of the queue)
  --format F          text (default), json, markdown or csv
  --export jsonl      every matching report, one JSON object a line
  --export-summaries FILE
                      write the capability summaries the store holds (batch --summaries) as a
                      summary index, the format of the shipped rules/data/summaries.bin
  --source TEXT       with --export-summaries: where the scanned sources came from (recorded in the index)
`;

const VERDICTS = ['pass', 'review', 'block'];
const FORMATS = ['text', 'json', 'markdown', 'csv'];

/** Runs `cratefence results`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string', default: 'cratefence.sqlite' },
      top: { type: 'string' },
      crate: { type: 'string' },
      rule: { type: 'string' },
      category: { type: 'string' },
      since: { type: 'string' },
      verdict: { type: 'string' },
      errors: { type: 'boolean' },
      format: { type: 'string', default: 'text' },
      export: { type: 'string' },
      'export-summaries': { type: 'string' },
      source: { type: 'string' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length) throw new UsageError('results takes no arguments, only options');
  const format = values.format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  if (values.export !== undefined && values.export !== 'jsonl') throw new UsageError('--export takes jsonl');
  if (values.verdict && !VERDICTS.includes(values.verdict)) throw new UsageError(`--verdict must be one of ${VERDICTS.join(', ')}`);
  const since = values.since ? new Date(values.since) : undefined;
  if (since && Number.isNaN(since.getTime())) throw new UsageError('--since takes a date such as 2025-01-31');
  const f: ResultFilters = { crate: values.crate, rule: values.rule, category: values.category, since, verdict: values.verdict, top: positiveInt(values.top, 'top') };
  const file = path.resolve(values.db);
  if (!existsSync(file)) throw new StoreError(`${values.db}: no result store here (run cratefence batch first, or give --db FILE)`);
  const db = openStore(file, { readonly: true });
  try {
    if (values.export) {
      for (const line of exportReports(db, f)) process.stdout.write(`${line}\n`);
      return 0;
    }
    if (values['export-summaries'] !== undefined) {
      const out = path.resolve(values['export-summaries']);
      if (!existsSync(path.dirname(out))) throw new UsageError(`--export-summaries: the folder ${path.dirname(out)} does not exist`);
      const summaries = new BatchStore(db).latestSummaries();
      if (summaries.length === 0) throw new UsageError('the store holds no summaries (run cratefence batch --summaries first)');
      const tools = [...new Set(summaries.map((s) => s.tool))];
      const bytes = encodeSummaryIndex(summaries, { tool: tools.join(', '), source: values.source ?? 'cratefence batch --summaries' });
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, out);
      process.stdout.write(`${summaries.length} summaries of ${new Set(summaries.map((s) => s.name)).size} crates, ${bytes.length} bytes: ${out}\n`);
      return 0;
    }
    let t: Table;
    if (values.errors) t = errorRows(db, f);
    else if (f.rule || f.category) t = findingRows(db, f);
    else if (f.crate) t = crateHistory(db, { ...f, crate: f.crate });
    else t = topReleases(db, f);
    if (format === 'json') process.stdout.write(jsonTable(t));
    else if (format === 'markdown') process.stdout.write(markdownTable(t));
    else if (format === 'csv') process.stdout.write(csvTable(t));
    else process.stdout.write(`${storeSummary(db)}\n\n${textTable(t, process.stdout.columns || 100)}`);
    return 0;
  } finally {
    db.close();
  }
}
