/**
 * Saving and loading flows as files (Node only; exported from 'tfjs-flows/node'). The file is the
 * JSON document of {@link flowToJSON}, see docs/format.md. A `tf.io` URL or IOHandler instead of a
 * path goes to the browser-safe versions in tf-io.ts.
 */
import { assertReady } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { Flow } from '../flow.js';
import type { JsonObject } from '../module.js';
import { checkOptions } from '../validate.js';
import { type FlowDocument, flowDocumentAsync, flowFromJSON, parseFlowDocument } from './format.js';
import { readTextFile, writeTextAtomic } from './text-file.js';
import { type FlowDestination, type FlowSource, type SaveFlowOptions, isIoUrl, loadFlow as loadThroughIo, saveFlow as saveThroughIo } from './tf-io.js';

export type { SaveFlowOptions };

const isIoTarget = (target: unknown): boolean => (typeof target === 'string' ? isIoUrl(target) : target !== null && typeof target === 'object');

function checkPath(fn: string, path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) throw new ValidationError(fn, 'path', 'a non-empty file path', describe(path));
  return path;
}

/**
 * Write `flow` (architecture, weights, optional metadata) to `path` as a tfjs-flows JSON document.
 * The text goes to a temporary file in the same directory, is flushed to disk, then renamed over
 * `path`: a crash leaves either the old file or the complete new one, never half of one. Missing
 * parent directories are created. Failures throw `FileFormatError` naming `path`. A `tf.io` URL
 * (`'localstorage://name'`…) or IOHandler instead of a path saves through that handler, as `saveFlow`
 * from `tfjs-flows` does.
 *
 * @example
 * ```ts
 * import { saveFlow, loadFlow } from 'tfjs-flows/node';
 * await saveFlow(flow, 'out/flow.json', { metadata: { testNll: 1.42 } });
 * const again = await loadFlow('out/flow.json'); // same logProb and seeded samples, bit for bit
 * ```
 */
export async function saveFlow(flow: Flow, path: string | FlowDestination, options: SaveFlowOptions = {}): Promise<void> {
  const fn = 'saveFlow';
  if (isIoTarget(path)) {
    await saveThroughIo(flow, path, options);
    return;
  }
  const file = checkPath(fn, path);
  checkOptions(fn, options, ['metadata']);
  // Serialise first: a bad flow or metadata throws before anything on disk is touched.
  const text = `${JSON.stringify(await flowDocumentAsync(fn, flow, options.metadata), null, 2)}\n`;
  await writeTextAtomic(file, text);
}

async function readText(fn: string, path: unknown): Promise<string> {
  return readTextFile(checkPath(fn, path));
}

/**
 * Read a flow written by {@link saveFlow}. A missing, unreadable, truncated, corrupt, foreign or
 * newer-format file, an unknown class or a weight that does not fit throws `FileFormatError` naming
 * `path` and the problem, and leaves no tensors behind. A `tf.io` URL or IOHandler loads through
 * that handler. Needs `await ready()`.
 */
export async function loadFlow(path: string | FlowSource): Promise<Flow> {
  if (isIoTarget(path)) return loadThroughIo(path);
  assertReady('loadFlow');
  const file = checkPath('loadFlow', path);
  return flowFromJSON(await readTextFile(file), file);
}

/**
 * Read and check a saved flow's document without building it (no backend needed): its metadata,
 * architecture, library and format versions, and weight records.
 */
export async function readFlowFile(path: string): Promise<FlowDocument> {
  return parseFlowDocument(await readText('readFlowFile', path), path);
}
