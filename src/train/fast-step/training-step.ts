/**
 * A maximum-likelihood training step without the autodiff tape: the loss `−(1/B) Σᵢ log p(xᵢ)` and
 * the gradient of every trainable variable, computed by calling each layer's density-direction pass
 * and its hand-written backward pass (see `contract.ts`) directly. The result is what
 * `tf.variableGrads` returns for the same loss, within float32 rounding; on wasm it is several times
 * cheaper, because the tape's bookkeeping (saved-tensor copies, accumulation adds, gradient
 * dispatch) dominates a small flow's step.
 *
 * The tape stays the reference and the path for everything else: `tapeFreeStep` returns `null`
 * whenever one part of the flow lacks the contract.
 */
import { tf } from '../../backend.js';
import { StandardNormal } from '../../distributions/standard-normal.js';
import type { Flow } from '../../flow.js';
import { JS_KERNEL_BACKENDS } from '../../kernels/js-kernel.js';
import { GradientSink, hasTapeFreeInverse } from './contract.js';
import { fusedChainLoss } from './fused-chain.js';

/** The loss and the gradients by variable name, as `tf.variableGrads` returns them. */
export type ValueAndGrads = (x: tf.Tensor2D) => { value: tf.Scalar; grads: tf.NamedTensorMap };

/**
 * Compile `flow`'s tape-free maximum-likelihood step: for a batch `x` `[B, dim]` (data units), the
 * loss `−mean log p(x)` and its gradient w.r.t. every trainable variable. `null` when the flow has a
 * part without the tape-free contract (any bijector but couplings, chains and permutations; a base
 * other than `StandardNormal`), is conditional, or runs on a backend other than cpu and wasm (the
 * fused kernels exist there only).
 *
 * The frozen standardisation (`flow.standardization`) is read now: the step is valid while the flow
 * keeps its structure and standardisation (as during one `fit`). Outputs are freshly allocated; the
 * caller disposes them (the training loop does so in its `tf.tidy`).
 *
 * @example
 * ```ts
 * const step = tapeFreeStep(flow);
 * if (step) {
 *   const { value, grads } = step(batch); // same as tf.variableGrads(() => tf.neg(tf.mean(flow.logProbUnchecked(batch))))
 *   tf.dispose([value, ...Object.values(grads)]);
 * }
 * ```
 */
export function tapeFreeStep(flow: Flow): ValueAndGrads | null {
  if (!(JS_KERNEL_BACKENDS as readonly string[]).includes(tf.getBackend())) return null;
  if (flow.contextDim !== 0 || !(flow.base instanceof StandardNormal)) return null;
  const bijector = flow.bijector;
  if (!hasTapeFreeInverse(bijector)) return null;
  const base = flow.base;
  const stats = flow.standardization;
  const mean = stats ? Float32Array.from(stats.mean) : null;
  const std = stats ? Float32Array.from(stats.std) : null;
  // log |det| of the frozen map u = (x − mean) / std, added to every example's log-density.
  const standardLogDet = std ? -std.reduce((s, v) => s + Math.log(v), 0) : 0;
  const standardization = mean && std ? { mean, std, logDet: standardLogDet } : null;

  return (x) =>
    tf.tidy(() => {
      const batch = x.shape[0];
      // A 2-D flow of fused couplings: the whole step in one kernel, bit-identical to what follows.
      const fused = fusedChainLoss(bijector, x, standardization);
      if (fused) return fused;
      // The same ops as the `Shift` and `Scale` bijectors `Flow.standardize` installs.
      const u = mean && std ? (tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor2D) : x;
      const pass = bijector.inverseWithBackward(u);
      const density = base.logProbWithBackward(pass.output);
      let logProb = density.logProb;
      if (pass.logDet) logProb = tf.add(logProb, pass.logDet);
      if (standardLogDet !== 0) logProb = tf.add(logProb, standardLogDet);
      const value = tf.neg(tf.mean(logProb)) as tf.Scalar;
      // d loss / d log p(x_i) = −1/B for every example, so every layer's log-det gets that adjoint.
      const dLogProb = tf.fill([batch], -1 / batch) as tf.Tensor1D;
      const sink = new GradientSink();
      pass.backward(density.backward(dLogProb), dLogProb, sink, false);
      return { value, grads: sink.toMap() };
    });
}
