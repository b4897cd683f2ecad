// Preloaded with `node --import ./bench/lib/maxrss.mjs …`: prints the process's peak resident set size
// (getrusage maxrss, which includes every worker thread) to stderr as it exits, so that a benchmark can
// read the peak memory of a whole cratefence process without a platform tool.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\ncratefence-bench maxrss-kb ${process.resourceUsage().maxRSS}\n`);
});
