/**
 * The portable model format: one JSON document holding a flow's architecture and weights.
 *
 * ```json
 * {
 *   "format": "tfjs-flows",
 *   "formatVersion": 2,
 *   "libraryVersion": "0.1.0",
 *   "architecture": { "base": { "className": …, "config": … },
 *                     "bijector": { "className": …, "config": … },
 *                     "standardization": null | { "mean": [...], "std": [...], "correlationTril"?: [[...], ...] } },
 *   "weights": [ { "name": "bijector/0/shift", "shape": [3], "dtype": "float32", "data": "<base64>" }, … ],
 *   "metadata": { … }            // optional, anything JSON: training metrics, data description…
 * }
 * ```
 *
 * `architecture` is exactly `flow.serialize()`; classes are rebuilt through the bijector and
 * distribution registries, then every weight in `flow.weights` gets its saved value. `data` is base64
 * of the little-endian bytes, so a loaded flow computes bit for bit what the saved one did. See
 * docs/format.md.
 */
import { assertReady } from '../backend.js';
import { bijectorFromConfig } from '../bijectors/registry.js';
import type { Bijector } from '../bijectors/bijector.js';
import { distributionFromConfig } from '../distributions/registry.js';
import type { Distribution } from '../distributions/distribution.js';
import { FileFormatError, ValidationError, describe } from '../errors.js';
import { Flow, type SerializedFlow } from '../flow.js';
import type { JsonObject } from '../module.js';
import { checkJsonObject } from '../validate.js';
import { VERSION } from '../version.js';
import { assignWeights, readWeights, readWeightsSync } from './snapshot.js';
import { WEIGHT_DTYPES, type WeightArray, type WeightRecord, decodeWeight, encodeWeight } from './weight-codec.js';

/** The `format` name every model document carries. */
export const FLOW_FORMAT = 'tfjs-flows';
/** The format version this library writes, and the newest it reads. Bumped on any incompatible change. */
export const FLOW_FORMAT_VERSION = 2;

/** A saved flow as a JSON value (see the module comment for the layout). */
export interface FlowDocument {
  format: typeof FLOW_FORMAT;
  formatVersion: number;
  /** The tfjs-flows version that wrote it (informational; `formatVersion` decides compatibility). */
  libraryVersion: string;
  architecture: SerializedFlow;
  weights: WeightRecord[];
  metadata?: JsonObject;
}

/**
 * `flow → { format, formatVersion, libraryVersion, architecture, weights, metadata? }`: a plain
 * JSON value (write it with `JSON.stringify`) from which {@link flowFromJSON} rebuilds a flow that
 * computes bit for bit the same `logProb` and seeded `sample` on the same backend. It reads the weights
 * synchronously: on a GPU backend (webgpu, webgl) use `saveFlow` or `await flowToJSONAsync(flow)`.
 *
 * @param flow the flow to save (its current weights are copied).
 * @param metadata optional plain JSON object stored alongside (training metrics, data description…).
 * @example
 * ```ts
 * const doc = flowToJSON(flow, { nll: 1.23 });
 * localStorage.setItem('model', JSON.stringify(doc));
 * const again = flowFromJSON(localStorage.getItem('model')!);
 * ```
 */
export function flowToJSON(flow: Flow, metadata?: JsonObject): FlowDocument {
  return flowDocument('flowToJSON', flow, metadata);
}

/**
 * {@link flowToJSON} with asynchronous reads (one batch), for every backend: what a GPU backend needs.
 *
 * @example
 * ```ts
 * const doc = await flowToJSONAsync(flow, { nll: 1.23 });
 * ```
 */
export function flowToJSONAsync(flow: Flow, metadata?: JsonObject): Promise<FlowDocument> {
  return flowDocumentAsync('flowToJSONAsync', flow, metadata);
}

/**
 * Check `flow` and `metadata` (naming `fn`, the public function the user called) and return the step
 * that completes the document from the weights' values: checks run before any read.
 */
function prepareDocument(fn: string, flow: Flow, metadata?: JsonObject): (weights: WeightArray[]) => FlowDocument {
  if (!(flow instanceof Flow)) throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
  const disposed = flow.weights.find((w) => w.variable.isDisposed);
  if (disposed) throw new ValidationError(fn, 'flow', 'a flow that has not been disposed', `disposed weight '${disposed.name}'`);
  // A custom bijector whose config holds NaN or a function would otherwise be written silently wrong.
  const architecture = checkJsonObject(fn, 'flow.serialize()', flow.serialize() as unknown as JsonObject);
  const meta = metadata === undefined ? undefined : structuredCopy(checkJsonObject(fn, 'metadata', metadata));
  return (weights) => {
    const doc: FlowDocument = {
      format: FLOW_FORMAT,
      formatVersion: FLOW_FORMAT_VERSION,
      libraryVersion: VERSION,
      architecture: structuredCopy(architecture) as unknown as SerializedFlow,
      weights: weights.map(encodeWeight),
    };
    if (meta !== undefined) doc.metadata = meta;
    return doc;
  };
}

/** {@link flowToJSON}, with errors naming `fn`. Synchronous reads: for host-memory backends (see `readWeightsSync`). */
export function flowDocument(fn: string, flow: Flow, metadata?: JsonObject): FlowDocument {
  const finish = prepareDocument(fn, flow, metadata);
  return finish(readWeightsSync(flow.weights));
}

/** {@link flowDocument} with one batch of asynchronous reads: for `saveFlow` and checkpoints, on every backend. */
export async function flowDocumentAsync(fn: string, flow: Flow, metadata?: JsonObject): Promise<FlowDocument> {
  const finish = prepareDocument(fn, flow, metadata);
  return finish(await readWeights(flow.weights));
}

/**
 * Rebuild a flow from a {@link FlowDocument} or its JSON text: the architecture through the
 * registries, then every weight from the document. Anything wrong with the document (not JSON,
 * truncated, another format, a newer format version, an unknown class, a missing, extra or
 * wrongly sized weight) throws a `FileFormatError` naming `source` and the problem, and leaves no
 * tensors behind. Needs `await ready()`.
 *
 * @param json the document, as text or as the parsed value.
 * @param source how to name the document in errors (a path or URL).
 * @example
 * ```ts
 * const flow = flowFromJSON(await (await fetch('model.json')).text(), 'model.json');
 * ```
 */
export function flowFromJSON(json: string | FlowDocument, source = 'flow document'): Flow {
  assertReady('flowFromJSON');
  const { doc, weights } = parse(json, source);
  return build(doc.architecture, weights, source);
}

/**
 * Check a document's structure and decode its weights without building anything (no tensors, no
 * backend needed): for tools that only read its metadata or architecture. Throws `FileFormatError`
 * like {@link flowFromJSON}, except for problems only the registries can see (unknown classes,
 * weights that do not match the architecture).
 */
export function parseFlowDocument(json: string | FlowDocument, source = 'flow document'): FlowDocument {
  return parse(json, source).doc;
}

function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether JSON text ends inside a string or with brackets still open (so it was cut short). */
function endsOpen(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return inString || depth > 0;
}

function parseText(text: string, source: string): unknown {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (t.trim().length === 0) throw new FileFormatError(source, 'is empty (no JSON document)');
  try {
    return JSON.parse(t);
  } catch (e) {
    if (t.trimStart().startsWith('{') && endsOpen(t)) {
      throw new FileFormatError(source, `is truncated: the JSON stops after ${t.length} characters, before the document ends (an interrupted write or download?)`);
    }
    throw new FileFormatError(source, `is not valid JSON (corrupt): ${(e as Error).message}`);
  }
}

function parse(json: unknown, source: string): { doc: FlowDocument; weights: WeightArray[] } {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, problem);
  };
  const value = typeof json === 'string' ? parseText(json, source) : json;
  if (!isObject(value)) return fail(`is not a tfjs-flows model: expected a JSON object, got ${describe(value)}`);
  if (value.format !== FLOW_FORMAT) {
    fail(value.format === undefined ? 'is not a tfjs-flows model: it has no "format" field' : `is not a tfjs-flows model: its format is ${describe(value.format)}, not "${FLOW_FORMAT}"`);
  }
  const version = value.formatVersion;
  const writer = typeof value.libraryVersion === 'string' ? value.libraryVersion : 'an unknown version';
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) fail(`has an invalid formatVersion ${describe(version)} (expected an integer ≥ 1)`);
  if ((version as number) > FLOW_FORMAT_VERSION) {
    fail(`was written in format version ${version} (by tfjs-flows ${writer}); this tfjs-flows (${VERSION}) reads format versions up to ${FLOW_FORMAT_VERSION}: upgrade tfjs-flows to load it`);
  }
  if (typeof value.libraryVersion !== 'string') fail(`has no valid "libraryVersion" (expected a string, got ${describe(value.libraryVersion)})`);

  const arch = value.architecture;
  if (!isObject(arch)) return fail(`has no valid "architecture" (expected an object, got ${describe(arch)})`);
  for (const part of ['base', 'bijector'] as const) {
    const s = arch[part];
    if (!isObject(s) || typeof s.className !== 'string' || !isObject(s.config)) {
      fail(`has an invalid "architecture.${part}" (expected { className: string, config: object }, got ${describe(s)})`);
    }
  }
  const st = arch.standardization;
  if (st !== null && st !== undefined && !(isObject(st) && Array.isArray(st.mean) && Array.isArray(st.std) && (st.correlationTril === undefined || Array.isArray(st.correlationTril)))) {
    fail(`has an invalid "architecture.standardization" (expected null or { mean: number[], std: number[], correlationTril?: number[][] }, got ${describe(st)})`);
  }
  if (value.metadata !== undefined && !isObject(value.metadata)) fail(`has invalid "metadata" (expected an object, got ${describe(value.metadata)})`);

  if (!Array.isArray(value.weights)) return fail(`has no valid "weights" (expected an array, got ${describe(value.weights)})`);
  const seen = new Set<string>();
  const weights = value.weights.map((r: unknown, i: number): WeightArray => {
    if (!isObject(r) || typeof r.name !== 'string') return fail(`has an invalid weights[${i}] (expected { name, shape, dtype, data }, got ${describe(r)})`);
    const what = `weight '${r.name}'`;
    if (seen.has(r.name)) fail(`has ${what} twice`);
    seen.add(r.name);
    if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`${what} has an invalid shape ${describe(r.shape)} (expected an array of integers ≥ 0)`);
    if (!(WEIGHT_DTYPES as readonly unknown[]).includes(r.dtype)) fail(`${what} has an unknown dtype ${describe(r.dtype)} (expected one of ${WEIGHT_DTYPES.join(', ')})`);
    if (typeof r.data !== 'string') fail(`${what} has no valid data (expected a base64 string, got ${describe(r.data)})`);
    const decoded = decodeWeight(r as unknown as WeightRecord);
    if ('error' in decoded) return fail(`${what} is corrupt: ${decoded.error}`);
    return decoded;
  });
  return { doc: value as unknown as FlowDocument, weights };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function build(arch: SerializedFlow, weights: WeightArray[], source: string): Flow {
  let base: Distribution | null = null;
  let bijector: Bijector | null = null;
  let flow: Flow | null = null;
  try {
    base = distributionFromConfig(arch.base, source);
    bijector = bijectorFromConfig(arch.bijector, source);
    flow = new Flow(base, bijector);
    if (arch.standardization) flow.standardize(arch.standardization);
    const byName = new Map(weights.map((w) => [w.name, w]));
    const expected = flow.weights;
    for (const w of expected) {
      const got = byName.get(w.name);
      const shape = `[${w.variable.shape.join(', ')}]`;
      if (!got) throw new FileFormatError(source, `is missing weight '${w.name}' (${w.variable.dtype}, shape ${shape}), which the architecture needs`);
      if (got.dtype !== w.variable.dtype) throw new FileFormatError(source, `weight '${w.name}' has dtype ${got.dtype}; the architecture's is ${w.variable.dtype}`);
      if (!sameShape(got.shape, w.variable.shape)) {
        throw new FileFormatError(source, `weight '${w.name}' has shape [${got.shape.join(', ')}]; the architecture expects ${shape}`);
      }
    }
    const names = new Set(expected.map((w) => w.name));
    const extra = weights.filter((w) => !names.has(w.name));
    if (extra.length > 0) {
      throw new FileFormatError(source, `has weight '${extra[0].name}', which the architecture does not have${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`);
    }
    assignWeights(expected, new Map(weights.map((w) => [w.name, w.values])));
    return flow;
  } catch (e) {
    if (flow) flow.dispose();
    else {
      base?.dispose();
      bijector?.dispose();
    }
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(source, `has an invalid architecture: ${(e as Error)?.message ?? String(e)}`);
  }
}
