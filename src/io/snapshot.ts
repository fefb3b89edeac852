/**
 * Weight values copied out of TF.js and back: for early stopping (keep the best weights seen), for
 * checkpoints, and as the reading/writing half of save/load.
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { NamedWeight } from '../module.js';
import { WEIGHT_DTYPES, allocateValues, isValuesOf, type WeightArray, type WeightDType, type WeightValues } from './weight-codec.js';

/** Anything with named weights: a `Flow`, a `Bijector`, a `Distribution`. */
export interface HasWeights {
  readonly weights: NamedWeight[];
}

/** Weight values by name, as plain typed arrays (Float32Array for float32 weights, which all built-ins are). */
export type WeightSnapshot = Record<string, WeightValues>;

function checkTarget(fn: string, target: unknown): NamedWeight[] {
  const weights = (target as HasWeights | null)?.weights;
  if (!Array.isArray(weights)) throw new ValidationError(fn, 'target', 'a Flow, Bijector or Distribution (anything with named weights)', describe(target));
  return weights;
}

function checkDtype(w: NamedWeight): WeightDType {
  const dtype = w.variable.dtype as WeightDType;
  if (!WEIGHT_DTYPES.includes(dtype)) {
    throw new ValidationError('readWeights', `weights['${w.name}']`, `a weight of dtype ${WEIGHT_DTYPES.join(', ')}`, `dtype ${w.variable.dtype}`);
  }
  return dtype;
}

/**
 * Copy every weight's current values, shape and dtype out of TF.js (copies: later training does not
 * change them), with one batch of asynchronous reads: what saving, checkpoints and early stopping use,
 * on every backend.
 */
export async function readWeights(weights: readonly NamedWeight[]): Promise<WeightArray[]> {
  const dtypes = weights.map(checkDtype);
  const all = await Promise.all(weights.map((w) => w.variable.data()));
  // slice(): the cpu backend's read returns its own storage, which must not be shared.
  return weights.map((w, i) => ({ name: w.name, shape: [...w.variable.shape], dtype: dtypes[i], values: (all[i] as WeightValues).slice() }));
}

/**
 * {@link readWeights} with synchronous reads, for the synchronous public functions (`snapshotWeights`,
 * `flowToJSON`, `stochasticFlowToJSON`) and the worker threads (cpu and wasm only), where the values
 * are in host memory. Not for GPU backends (there a synchronous read stalls or throws): use the async one.
 */
export function readWeightsSync(weights: readonly NamedWeight[]): WeightArray[] {
  return weights.map((w) => {
    const dtype = checkDtype(w);
    const values = (w.variable.dataSync() as WeightValues).slice();
    return { name: w.name, shape: [...w.variable.shape], dtype, values };
  });
}

/** Write checked values into the weights, all in one tidy (new tensors are assigned, never written in place). */
export function assignWeights(weights: readonly NamedWeight[], values: ReadonlyMap<string, ArrayLike<number>>): void {
  tf.tidy(() => {
    for (const w of weights) {
      const v = values.get(w.name)!;
      const dtype = w.variable.dtype as WeightDType;
      let typed = v;
      if (!isValuesOf(v, dtype)) {
        typed = allocateValues(dtype, v.length);
        (typed as WeightValues).set(v);
      }
      w.variable.assign(tf.tensor(typed as WeightValues, w.variable.shape, dtype));
    }
  });
}

/**
 * `{ name: values }` for every weight of `target`: a copy of its current state that
 * {@link restoreWeights} puts back exactly (bit for bit). Synchronous: on a GPU backend (webgpu, webgl)
 * its reads stall or throw; there, save with the asynchronous `saveFlow` instead.
 *
 * @param target a `Flow` (names `base/…`, `bijector/…`), `Bijector` or `Distribution`.
 * @example
 * ```ts
 * let best = snapshotWeights(flow);          // after an improving validation step
 * …
 * restoreWeights(flow, best);                // early stopping: go back to the best weights
 * ```
 */
export function snapshotWeights(target: HasWeights): WeightSnapshot {
  const weights = checkTarget('snapshotWeights', target);
  return Object.fromEntries(readWeightsSync(weights).map((w) => [w.name, w.values]));
}

/** {@link snapshotWeights} with asynchronous reads (one batch): for the training loop, on every backend. */
export async function readSnapshot(target: HasWeights): Promise<WeightSnapshot> {
  const weights = checkTarget('snapshotWeights', target);
  return Object.fromEntries((await readWeights(weights)).map((w) => [w.name, w.values]));
}

/**
 * Put the values of a {@link snapshotWeights} snapshot back into `target`'s weights. Every weight
 * needs an entry of the right length and the snapshot may hold no other names; nothing is changed
 * unless all entries fit.
 */
export function restoreWeights(target: HasWeights, snapshot: WeightSnapshot): void {
  const fn = 'restoreWeights';
  const weights = checkTarget(fn, target);
  if (snapshot === null || typeof snapshot !== 'object' || Array.isArray(snapshot)) {
    throw new ValidationError(fn, 'snapshot', 'an object of typed arrays by weight name (from snapshotWeights)', describe(snapshot));
  }
  const values = new Map<string, ArrayLike<number>>();
  for (const w of weights) {
    const v: unknown = snapshot[w.name];
    if (v === undefined) throw new ValidationError(fn, 'snapshot', `an entry for weight '${w.name}'`, 'none (was it taken from another flow?)');
    if (!ArrayBuffer.isView(v) && !Array.isArray(v)) throw new ValidationError(fn, `snapshot['${w.name}']`, 'a typed array', describe(v));
    const length = (v as ArrayLike<number>).length;
    if (length !== w.variable.size) {
      throw new ValidationError(fn, `snapshot['${w.name}']`, `${w.variable.size} values (shape [${w.variable.shape.join(', ')}])`, `${length}`);
    }
    values.set(w.name, v as ArrayLike<number>);
  }
  const known = new Set(weights.map((w) => w.name));
  const extra = Object.keys(snapshot).filter((k) => !known.has(k));
  if (extra.length > 0) throw new ValidationError(fn, 'snapshot', 'only names of the target\'s weights', `unknown weight '${extra[0]}'${extra.length > 1 ? ` and ${extra.length - 1} more` : ''}`);
  assignWeights(weights, values);
}
