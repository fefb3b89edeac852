/**
 * The one small interface training loops update weights through, so that a faster optimiser (the
 * fused Adam) can replace TF.js's without touching `fit` or `fitToTarget`.
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { checkNumber, checkOptions } from '../validate.js';
import { checkAdamState } from './adam-state.js';
import { fusedAdamOptimizer } from './fused-adam.js';
import { JS_KERNEL_BACKENDS } from '../kernels/js-kernel.js';

/**
 * Everything an optimiser carries from one update to the next, outside TF.js (for checkpoints).
 * Restoring it into a fresh optimiser of the same kind makes the next updates bit for bit those the
 * original would have made.
 */
export interface OptimizerState {
  /** The optimiser's `name` (`'adam'`). */
  name: string;
  /** Scalar state by name (Adam: `iterations`, `accBeta1`, `accBeta2`); float32 values held exactly as numbers. */
  scalars: Record<string, number>;
  /** Per-variable state in update order: the TF.js variable's name and its slot values (Adam: `m`, `v`). */
  slots: { variable: string; values: Record<string, Float32Array> }[];
}

/** Updates variables from their gradients. */
export interface Optimizer {
  /** Short name for messages and history (`'adam'`). */
  readonly name: string;
  /**
   * One update: `variables[i]` moves along `grads[i]` (same shapes, aligned by index) at this step's
   * `learningRate`. Does not dispose the gradients.
   */
  applyGradients(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], learningRate: number): void;
  /** A copy of the optimiser's state (see {@link OptimizerState}), read asynchronously (it may live on a GPU). */
  getState(): Promise<OptimizerState>;
  /**
   * Replace the optimiser's state by `state` (from `getState` of the same kind of optimiser, with
   * `slots[i].variable` naming the variables this optimiser will update, in the same order).
   */
  setState(state: OptimizerState): void;
  /** Free the optimiser's state (moment estimates). */
  dispose(): void;
}

/** The fields of `tf.train.adam` (TF.js 4.22) that make up its state; TF.js declares them private. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  iterations_: number;
}

/** Adam's constants. */
export interface AdamOptions {
  /** Decay of the first-moment estimate; default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate; default 0.999. */
  beta2?: number;
  /** Added to √v̂; default 1e-8 (PyTorch's, which the reference figures used). */
  epsilon?: number;
  /**
   * `true` (default): on wasm and cpu, one JavaScript loop over all variables, bit for bit the updates of
   * `tf.train.adam`, about 3–4× cheaper per update (`npm run bench`); on other backends `tf.train.adam`
   * (the update stays on the device). `false`: `tf.train.adam` everywhere.
   */
  fused?: boolean;
}

/**
 * Adam (Kingma & Ba 2015): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 * `θ ← θ − lr · m̂ / (√v̂ + ε)` with bias-corrected m̂, v̂. Fused (see fused-adam.ts) unless
 * `fused: false`, which uses `tf.train.adam`; both give the same updates and the same state.
 *
 * @example
 * ```ts
 * const opt = adam({ beta2: 0.99 });
 * opt.applyGradients(vars, grads, 1e-3);
 * opt.dispose();
 * ```
 */
export function adam(options: AdamOptions = {}): Optimizer {
  const fn = 'adam';
  checkOptions(fn, options, ['beta1', 'beta2', 'epsilon', 'fused']);
  const beta1 = checkNumber(fn, 'options.beta1', options.beta1 ?? 0.9, { min: 0, max: 1, open: true });
  const beta2 = checkNumber(fn, 'options.beta2', options.beta2 ?? 0.999, { min: 0, max: 1, open: true });
  const epsilon = checkNumber(fn, 'options.epsilon', options.epsilon ?? 1e-8, { min: 0, open: true });
  if (options.fused !== undefined && typeof options.fused !== 'boolean') throw new ValidationError(fn, 'options.fused', 'a boolean', describe(options.fused));
  // The fused update runs in host memory (cpu, wasm); on any other backend (WebGPU, WebGL, tfjs-node) it
  // would read every weight and gradient back synchronously per step, so TF.js's own update runs there, on the device.
  if ((options.fused ?? true) && (JS_KERNEL_BACKENDS as readonly string[]).includes(tf.getBackend())) return fusedAdamOptimizer(beta1, beta2, epsilon);
  const inner = tf.train.adam(1e-3, beta1, beta2, epsilon);
  // TF.js reads `learningRate` at every update but declares it protected; a schedule sets it per step.
  const settable = inner as unknown as { learningRate: number };
  return {
    name: 'adam',
    applyGradients(variables, grads, learningRate) {
      settable.learningRate = learningRate;
      inner.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    },
    async getState() {
      const a = inner as unknown as AdamInternals;
      // One batch of asynchronous reads (this optimiser runs on GPU backends); slice(): cpu's storage is its own.
      const read = async (v: tf.Variable) => ((await v.data()) as Float32Array).slice();
      const [b1, b2] = await Promise.all([read(a.accBeta1), read(a.accBeta2)]);
      const moments = await Promise.all(a.accumulatedFirstMoment.map((m, i) => Promise.all([read(m.variable), read(a.accumulatedSecondMoment[i].variable)])));
      return {
        name: 'adam',
        scalars: { iterations: a.iterations_, accBeta1: b1[0], accBeta2: b2[0] },
        slots: a.accumulatedFirstMoment.map((m, i) => ({
          variable: m.originalName.replace(/\/m$/, ''),
          values: { m: moments[i][0], v: moments[i][1] },
        })),
      };
    },
    setState(state) {
      const shapes = checkAdamState('adam.setState', state);
      const { iterations, accBeta1, accBeta2 } = state.scalars;
      const a = inner as unknown as AdamInternals;
      tf.dispose([...a.accumulatedFirstMoment.map((m) => m.variable), ...a.accumulatedSecondMoment.map((m) => m.variable)]);
      const slot = (i: number, k: 'm' | 'v') => ({
        originalName: `${state.slots[i].variable}/${k}`,
        variable: tf.tidy(() => tf.variable(tf.tensor(state.slots[i].values[k], shapes[i], 'float32'), false)),
      });
      a.accumulatedFirstMoment = state.slots.map((_, i) => slot(i, 'm'));
      a.accumulatedSecondMoment = state.slots.map((_, i) => slot(i, 'v'));
      // The bias corrections are kept as running float32 products, not recomputed as powers, so that
      // the resumed updates round exactly as the uninterrupted ones.
      tf.tidy(() => {
        a.accBeta1.assign(tf.scalar(accBeta1));
        a.accBeta2.assign(tf.scalar(accBeta2));
      });
      a.iterations_ = iterations;
    },
    dispose() {
      inner.dispose();
    },
  };
}
