/**
 * Saving and loading flows through TF.js's `tf.io` handlers (browser-safe): `'indexeddb://name'`,
 * `'localstorage://name'`, `'downloads://name'`, or any `tf.io.IOHandler` (`tf.io.withSaveHandler`,
 * `tf.io.fromMemory`, `tf.io.browserFiles`, …).
 *
 * Inside the handler's model artifacts, `modelTopology` is the flow's JSON document, the same document
 * `flowToJSON` returns and `saveFlow` writes to a file (weights as base64 in it, see docs/format.md);
 * `format` is `'tfjs-flows'`, and the binary weight fields stay empty. So a flow saved to IndexedDB, to
 * localStorage or as a download (`name.json`, with an empty `name.weights.bin` beside it, as tf.io
 * writes) holds exactly what the file format holds.
 */
import { assertReady, tf } from '../backend.js';
import { FileFormatError, ValidationError, describe } from '../errors.js';
import type { Flow } from '../flow.js';
import type { JsonObject } from '../module.js';
import { checkOptions } from '../validate.js';
import { VERSION } from '../version.js';
import { FLOW_FORMAT, type FlowDocument, flowDocumentAsync, flowFromJSON } from './format.js';

/** Where {@link saveFlow} writes: a `tf.io` URL (`'indexeddb://name'`, `'localstorage://name'`, `'downloads://name'`) or an IOHandler with `save`. */
export type FlowDestination = string | tf.io.IOHandler;
/** Where {@link loadFlow} reads: a `tf.io` URL (`'indexeddb://name'`, `'localstorage://name'`) or an IOHandler with `load`. */
export type FlowSource = string | tf.io.IOHandler;

/** Options of {@link saveFlow}. */
export interface SaveFlowOptions {
  /** Plain JSON object stored with the model (training metrics, data description…). */
  metadata?: JsonObject;
}

/** Whether `s` names a `tf.io` destination (`scheme://…`) rather than a file path. */
export function isIoUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !/^file:\/\//i.test(s);
}

const SCHEMES = "a tf.io URL ('indexeddb://name', 'localstorage://name', 'downloads://name') or a tf.io IOHandler";

function handlerFor(fn: string, argument: string, target: unknown, kind: 'save' | 'load'): { handler: tf.io.IOHandler; name: string } {
  if (typeof target === 'string') {
    if (!isIoUrl(target)) {
      throw new ValidationError(fn, argument, `${SCHEMES} (for a file path, import ${fn} from 'tfjs-flows/node')`, describe(target));
    }
    const handlers = kind === 'save' ? tf.io.getSaveHandlers(target) : tf.io.getLoadHandlers(target);
    if (handlers.length === 0) {
      throw new ValidationError(fn, argument, `a tf.io URL this platform can ${kind} (${kind === 'save' ? "'indexeddb://', 'localstorage://' or 'downloads://' in a browser" : "'indexeddb://' or 'localstorage://' in a browser"})`, describe(target));
    }
    return { handler: handlers[0]!, name: target };
  }
  const method = (target as { save?: unknown; load?: unknown } | null)?.[kind];
  if (typeof method !== 'function') throw new ValidationError(fn, argument, `${SCHEMES} with a ${kind} method`, describe(target));
  return { handler: target as tf.io.IOHandler, name: `tf.io handler` };
}

/**
 * Save `flow` through a `tf.io` handler: `saveFlow(flow, 'indexeddb://moons')` in a browser, or any
 * `tf.io.IOHandler`. The artifacts' `modelTopology` is `flowToJSON(flow, metadata)`, the document a
 * file written by `saveFlow` from `tfjs-flows/node` holds. Resolves to the handler's `SaveResult`;
 * a handler that fails throws `FileFormatError` naming the destination.
 *
 * @param flow the flow to save (its current weights are copied).
 * @param destination `'indexeddb://name'`, `'localstorage://name'`, `'downloads://name'` or a `tf.io.IOHandler`.
 * @example
 * ```ts
 * import { saveFlow, loadFlow } from 'tfjs-flows';
 * await saveFlow(flow, 'indexeddb://moons', { metadata: { testNll: 1.15 } });
 * const again = await loadFlow('indexeddb://moons'); // same logProb and seeded samples, bit for bit
 * ```
 */
export async function saveFlow(flow: Flow, destination: FlowDestination, options: SaveFlowOptions = {}): Promise<tf.io.SaveResult> {
  const fn = 'saveFlow';
  const { handler, name } = handlerFor(fn, 'destination', destination, 'save');
  checkOptions(fn, options, ['metadata']);
  const doc = await flowDocumentAsync(fn, flow, options.metadata);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: doc as unknown as object,
    format: FLOW_FORMAT,
    generatedBy: `tfjs-flows ${VERSION}`,
    convertedBy: null,
    weightSpecs: [],
    weightData: new ArrayBuffer(0),
  };
  let result: tf.io.SaveResult;
  try {
    result = await handler.save!(artifacts);
  } catch (e) {
    throw new FileFormatError(name, `could not be saved (${(e as Error)?.message ?? String(e)})`);
  }
  if (result?.errors?.length) throw new FileFormatError(name, `could not be saved (${result.errors.map(String).join('; ')})`);
  return result;
}

/**
 * Load a flow saved by {@link saveFlow} through a `tf.io` handler (`'indexeddb://name'`,
 * `'localstorage://name'`, or an IOHandler such as `tf.io.browserFiles([json, weightsBin])` for a
 * `downloads://` pair). Anything that is not a tfjs-flows document throws `FileFormatError`. Needs
 * `await ready()`.
 *
 * @example
 * ```ts
 * await ready();
 * const flow = await loadFlow('localstorage://moons');
 * ```
 */
export async function loadFlow(source: FlowSource): Promise<Flow> {
  const fn = 'loadFlow';
  assertReady(fn);
  const { handler, name } = handlerFor(fn, 'source', source, 'load');
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load!();
  } catch (e) {
    throw new FileFormatError(name, `could not be loaded (${(e as Error)?.message ?? String(e)})`);
  }
  const doc = artifacts?.modelTopology;
  if (doc === null || typeof doc !== 'object' || doc instanceof ArrayBuffer || (doc as { format?: unknown }).format !== FLOW_FORMAT) {
    throw new FileFormatError(name, `holds no tfjs-flows model (its model topology has format ${describe((doc as { format?: unknown } | undefined)?.format)}, expected "${FLOW_FORMAT}")`);
  }
  return flowFromJSON(doc as FlowDocument, name);
}
