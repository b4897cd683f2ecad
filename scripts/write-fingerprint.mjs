#!/usr/bin/env node
// Build step: writes dist/facts-fingerprint.txt, the fingerprint of the code facts depend on, so an
// installed package (which has no src/) keys its facts cache the same way (see src/cache/facts.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeFingerprint } from '../dist/cache/facts.js';
import { computeModelFingerprint } from '../dist/cache/model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(path.join(root, 'dist', 'facts-fingerprint.txt'), `${computeFingerprint(root)}\n`);
writeFileSync(path.join(root, 'dist', 'model-fingerprint.txt'), `${computeModelFingerprint(root)}\n`);
