/**
 * Stored release models (src/analysis/graph-model.ts) in the facts cache folder: one file per key,
 * DIR/<facts fingerprint>/models/<key>.model, written whole to a temporary file renamed into place
 * and read back with the bounded reader (no links, regular files only, size-capped). A model that is
 * missing, cut, damaged or of another key is a miss: the scan builds the graph as without a cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readInsideSync, writeInsideSync } from '../files/index.js';
import { packageRoot } from '../root.js';
import { computeFingerprint } from './facts.js';

/** The largest model read or written (libc's, 1 400 files, is a few MiB). */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

/**
 * Models kept per folder: past KEEP_MODELS models or MAX_FOLDER_BYTES in all, the oldest written are
 * removed down to PRUNE_TO models and PRUNE_TO_BYTES (a margin, so that pruning runs now and then, not
 * on every write). Sizes are read on each write only when the count alone cannot settle it.
 */
const KEEP_MODELS = 1024;
const PRUNE_TO = 768;
export const MAX_FOLDER_BYTES = 1024 * 1024 * 1024;
const PRUNE_TO_BYTES = 768 * 1024 * 1024;

const MODEL_NAME = /^[0-9a-f]{64}\.model$/;

let fingerprint: string | null | undefined;

/**
 * What a stored model depends on besides its key's inputs: the facts' code, the code that builds
 * release views and call graphs (src/diff, src/analysis) and the shipped summary index (whose name in
 * the resolver's signature is only its tool and size, and whose summaries of a dependency's own
 * dependencies the graph reads). From dist/, the build's; null when missing (then no model is read or
 * written).
 */
export function modelFingerprint(): string | null {
  if (fingerprint !== undefined) return fingerprint;
  const root = packageRoot();
  const fromDist = fileURLToPath(import.meta.url).split(path.sep).includes('dist');
  try {
    fingerprint = fromDist ? readFileSync(path.join(root, 'dist', 'model-fingerprint.txt'), 'utf8').trim() : computeModelFingerprint(root);
  } catch {
    fingerprint = null;
  }
  return fingerprint;
}

/** The model fingerprint from the sources (the build writes it to dist/model-fingerprint.txt). */
export function computeModelFingerprint(root: string): string {
  const h = createHash('sha256').update(computeFingerprint(root)).update('\0');
  for (const dir of ['src/analysis', 'src/diff']) {
    for (const f of readdirSync(path.join(root, dir)).filter((n) => n.endsWith('.ts')).sort()) {
      h.update(`${dir}/${f}\0`).update(readFileSync(path.join(root, dir, f))).update('\0');
    }
  }
  const index = path.join(root, 'rules', 'data', 'summaries.bin');
  h.update('rules/data/summaries.bin\0').update(existsSync(index) ? readFileSync(index) : 'missing');
  return h.digest('hex').slice(0, 32);
}

/** Reads the model stored under `key` in `folder` (relative to `root`); undefined when missing or unreadable. */
export function readModel(root: string, folder: string, key: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/.test(key)) return undefined;
  try {
    return readInsideSync(root, `${folder}/models/${key}.model`, { maxBytes: MAX_MODEL_BYTES, what: 'stored model' }) ?? undefined;
  } catch {
    return undefined;
  }
}

/** True when a model file is stored under `key` (whatever it holds: reading it checks that). */
export function hasModel(root: string, folder: string, key: string): boolean {
  return /^[0-9a-f]{64}$/.test(key) && existsSync(path.join(path.resolve(root), folder, 'models', `${key}.model`));
}

/** Writes a model atomically, then removes the oldest past the folder's bounds (count and bytes). Throws on a write error. */
export function writeModel(root: string, folder: string, key: string, bytes: Uint8Array): void {
  if (!/^[0-9a-f]{64}$/.test(key) || bytes.length > MAX_MODEL_BYTES) return;
  const file = writeInsideSync(root, `${folder}/models/${key}.model`, bytes);
  pruneModels(path.dirname(file));
}

/** Removes the oldest models of a folder once it holds more than KEEP_MODELS or MAX_FOLDER_BYTES. */
export function pruneModels(dir: string, limits = { count: KEEP_MODELS, bytes: MAX_FOLDER_BYTES, toCount: PRUNE_TO, toBytes: PRUNE_TO_BYTES }): void {
  const names = readdirSync(dir).filter((n) => MODEL_NAME.test(n));
  // Fewer models than the byte bound could ever hold at the largest size: nothing to measure.
  if (names.length <= limits.count && names.length * MAX_MODEL_BYTES <= limits.bytes) return;
  const aged = names.map((n) => {
    try {
      const st = lstatSync(path.join(dir, n));
      return { n, t: st.mtimeMs, size: st.size };
    } catch {
      return { n, t: Infinity, size: 0 };
    }
  }).sort((a, b) => a.t - b.t);
  let total = aged.reduce((s, x) => s + x.size, 0);
  if (aged.length <= limits.count && total <= limits.bytes) return;
  let count = aged.length;
  for (const { n, size } of aged) {
    if (count <= limits.toCount && total <= limits.toBytes) break;
    rmSync(path.join(dir, n), { force: true });
    count--;
    total -= size;
  }
}
