#!/usr/bin/env node
// The CLI is bundled into one file at build time (dist/cratefence.js): one module to load instead of dozens.
import { main } from '../dist/cratefence.js';
main(process.argv.slice(2));
