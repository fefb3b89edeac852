/**
 * The one small interface training loops update weights through, so that a faster optimiser (a fused
 * Adam, planned) can replace TF.js's without touching `fit` or `fitToTarget`.
 */
import { tf } from '../backend.js';
import { checkNumber, checkOptions } from '../validate.js';

/** Updates variables from their gradients. */
export interface Optimizer {
  /** Short name for messages and history (`'adam'`). */
  readonly name: string;
  /**
   * One update: `variables[i]` moves along `grads[i]` (same shapes, aligned by index) at this step's
   * `learningRate`. Does not dispose the gradients.
   */
  applyGradients(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], learningRate: number): void;
  /** Free the optimiser's state (moment estimates). */
  dispose(): void;
}

/** Adam's constants. */
export interface AdamOptions {
  /** Decay of the first-moment estimate; default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate; default 0.999. */
  beta2?: number;
  /** Added to √v̂; default 1e-8 (PyTorch's, which the reference figures used). */
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba 2015): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 * `θ ← θ − lr · m̂ / (√v̂ + ε)` with bias-corrected m̂, v̂. Backed by `tf.train.adam`.
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
  checkOptions(fn, options, ['beta1', 'beta2', 'epsilon']);
  const beta1 = checkNumber(fn, 'options.beta1', options.beta1 ?? 0.9, { min: 0, max: 1, open: true });
  const beta2 = checkNumber(fn, 'options.beta2', options.beta2 ?? 0.999, { min: 0, max: 1, open: true });
  const epsilon = checkNumber(fn, 'options.epsilon', options.epsilon ?? 1e-8, { min: 0, open: true });
  const inner = tf.train.adam(1e-3, beta1, beta2, epsilon);
  // TF.js reads `learningRate` at every update but declares it protected; a schedule sets it per step.
  const settable = inner as unknown as { learningRate: number };
  return {
    name: 'adam',
    applyGradients(variables, grads, learningRate) {
      settable.learningRate = learningRate;
      inner.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    },
    dispose() {
      inner.dispose();
    },
  };
}
