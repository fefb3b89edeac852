/**
 * Saving a stochastic flow: `{ format: 'tfjs-flows-stochastic', formatVersion: 1, libraryVersion,
 * architecture: flow.serialize(), weights }`, the weights encoded as in `io/format.ts`. The target
 * log-density is a function and is not saved: `stochasticFlowFromJSON(doc, logTarget)` takes it again.
 */
import { assertReady } from '../backend.js';
import type { Bijector } from '../bijectors/bijector.js';
import { bijectorFromConfig } from '../bijectors/registry.js';
import type { Distribution } from '../distributions/distribution.js';
import { distributionFromConfig } from '../distributions/registry.js';
import { FileFormatError, ValidationError, describe } from '../errors.js';
import type { LogTarget } from '../inference/log-target.js';
import { assignWeights, readWeightsSync } from '../io/snapshot.js';
import { decodeWeight, encodeWeight, type WeightRecord } from '../io/weight-codec.js';
import { VERSION } from '../version.js';
import type { StochasticBlock } from './block.js';
import { blockFromConfig } from './registry.js';
import { type SerializedStochasticFlow, StochasticFlow } from './stochastic-flow.js';

export const STOCHASTIC_FLOW_FORMAT = 'tfjs-flows-stochastic';
export const STOCHASTIC_FLOW_FORMAT_VERSION = 1;

export interface StochasticFlowDocument {
  format: typeof STOCHASTIC_FLOW_FORMAT;
  formatVersion: number;
  libraryVersion: string;
  architecture: SerializedStochasticFlow;
  weights: WeightRecord[];
}

/**
 * A stochastic flow as a JSON value (architecture, step sizes, λ's and every weight, bit-exact).
 *
 * @example
 * ```ts
 * const text = JSON.stringify(stochasticFlowToJSON(snf));
 * const again = stochasticFlowFromJSON(text, energies.doubleWell.logDensity);
 * ```
 */
export function stochasticFlowToJSON(flow: StochasticFlow): StochasticFlowDocument {
  const fn = 'stochasticFlowToJSON';
  if (!(flow instanceof StochasticFlow)) throw new ValidationError(fn, 'flow', 'a StochasticFlow', describe(flow));
  return {
    format: STOCHASTIC_FLOW_FORMAT,
    formatVersion: STOCHASTIC_FLOW_FORMAT_VERSION,
    libraryVersion: VERSION,
    architecture: JSON.parse(JSON.stringify(flow.serialize())) as SerializedStochasticFlow,
    weights: readWeightsSync(flow.weights).map(encodeWeight),
  };
}

/** Rebuild a stochastic flow saved by {@link stochasticFlowToJSON}, with its target given again. */
export function stochasticFlowFromJSON(json: string | StochasticFlowDocument, logTarget: LogTarget, source = 'stochastic flow document'): StochasticFlow {
  assertReady('stochasticFlowFromJSON');
  let doc: StochasticFlowDocument;
  try {
    doc = typeof json === 'string' ? (JSON.parse(json) as StochasticFlowDocument) : json;
  } catch (e) {
    throw new FileFormatError(source, `not JSON (${(e as Error).message})`);
  }
  if (doc?.format !== STOCHASTIC_FLOW_FORMAT) throw new FileFormatError(source, `not a ${STOCHASTIC_FLOW_FORMAT} document (format ${JSON.stringify(doc?.format)})`);
  if (doc.formatVersion > STOCHASTIC_FLOW_FORMAT_VERSION) throw new FileFormatError(source, `format version ${doc.formatVersion} is newer than this library reads (${STOCHASTIC_FLOW_FORMAT_VERSION})`);
  const built: (Bijector | StochasticBlock | Distribution)[] = [];
  try {
    const base = distributionFromConfig(doc.architecture.base, source);
    built.push(base);
    const layers = doc.architecture.layers.map((l) => {
      const layer = l.kind === 'block' ? blockFromConfig(l, source) : bijectorFromConfig(l, source);
      built.push(layer);
      return layer;
    });
    const flow = new StochasticFlow(base, layers, logTarget);
    const values = new Map<string, ArrayLike<number>>();
    for (const r of doc.weights) {
      const w = decodeWeight(r);
      if ('error' in w) throw new FileFormatError(source, `weight ${JSON.stringify(r.name)}: ${w.error}`);
      values.set(w.name, w.values);
    }
    const expected = flow.weights;
    const missing = expected.find((w) => !values.has(w.name));
    if (missing) throw new FileFormatError(source, `missing weight ${JSON.stringify(missing.name)}`);
    if (values.size !== expected.length) throw new FileFormatError(source, `${values.size} weights, the architecture has ${expected.length}`);
    const wrong = expected.find((w) => values.get(w.name)!.length !== w.variable.size);
    if (wrong) throw new FileFormatError(source, `weight ${JSON.stringify(wrong.name)} has ${values.get(wrong.name)!.length} values, expected ${wrong.variable.size}`);
    assignWeights(expected, values);
    return flow;
  } catch (e) {
    for (const b of built) b.dispose();
    throw e;
  }
}
