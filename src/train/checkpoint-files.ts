/**
 * Training checkpoints as files (Node only; exported from 'tfjs-flows/node'): `fit` writes through
 * {@link checkpointDir}, and {@link resumeFit} continues from the directory. One file,
 * `<dir>/checkpoint.json`, replaced atomically at every checkpoint.
 */
import { join } from 'node:path';
import { ValidationError, describe } from '../errors.js';
import type { Flow } from '../flow.js';
import { type CheckpointDocument, type CheckpointSink, parseCheckpoint } from './checkpoint.js';
import type { FitData } from './fit-data.js';
import { fit, type FitOptions } from './fit.js';
import type { FitHistory } from './history.js';
import { checkInt, checkOptions } from '../validate.js';
import { readTextFile, writeTextAtomic } from '../io/text-file.js';

/** The file a checkpoint directory holds. */
export const CHECKPOINT_FILE = 'checkpoint.json';

function checkDir(fn: string, dir: unknown): string {
  if (typeof dir !== 'string' || dir.length === 0) throw new ValidationError(fn, 'dir', 'a non-empty directory path', describe(dir));
  return dir;
}

/**
 * A checkpoint sink for `fit`: every `every` steps (and when the run is aborted) the run's full state
 * is written to `<dir>/checkpoint.json` (temporary file + rename: a crash leaves the previous
 * checkpoint or the new one, whole). The directory is created if needed.
 *
 * @example
 * ```ts
 * import { fit } from 'tfjs-flows';
 * import { checkpointDir, resumeFit } from 'tfjs-flows/node';
 * const options = { steps: 5000, seed: 1, checkpoint: checkpointDir('ckpt', { every: 500 }) };
 * await fit(flow, x, options);
 * // after a crash, in a new process, with a flow of the same architecture:
 * await resumeFit(flow, x, 'ckpt', options);
 * ```
 */
export function checkpointDir(dir: string, options: { every: number }): CheckpointSink & { dir: string } {
  const fn = 'checkpointDir';
  checkDir(fn, dir);
  if (options === null || typeof options !== 'object') throw new ValidationError(fn, 'options', '{ every }', describe(options));
  checkOptions(fn, options, ['every']);
  const every = checkInt(fn, 'options.every', options.every);
  const path = join(dir, CHECKPOINT_FILE);
  return { dir, every, write: (doc) => writeTextAtomic(path, JSON.stringify(doc)) };
}

/**
 * Read and check `<dir>/checkpoint.json`. A missing, unreadable, truncated or corrupt file, or one of
 * another format, throws `FileFormatError` naming the file. No backend needed.
 */
export async function loadCheckpoint(dir: string): Promise<CheckpointDocument> {
  const path = join(checkDir('loadCheckpoint', dir), CHECKPOINT_FILE);
  return parseCheckpoint(await readTextFile(path), path);
}

/**
 * `fit(flow, data, { ...options, resumeFrom: await loadCheckpoint(dir) })`: continue the run that
 * wrote checkpoints to `dir`. Give the same data and options as the interrupted call (its
 * `checkpoint` too, to keep checkpointing); the flow needs the same architecture, and gets the
 * checkpoint's weights. Resolves to the whole run's history, as if it had not stopped.
 */
export async function resumeFit(flow: Flow, data: FitData, dir: string, options: FitOptions = {}): Promise<FitHistory> {
  const resumeFrom = await loadCheckpoint(dir);
  return fit(flow, data, { ...options, resumeFrom });
}
