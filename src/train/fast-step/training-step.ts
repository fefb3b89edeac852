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
import { invertLower } from '../../stats/linalg.js';

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
/** `(L⁻¹)ᵀ` of a lower-triangular `L`, row-major, for `u = v L⁻ᵀ` on rows. */
function transposedInverse(tril: number[][]): number[] {
  const inv = invertLower(tril);
  const d = tril.length;
  return Array.from({ length: d * d }, (_, k) => inv[k % d][Math.floor(k / d)]);
}

export function tapeFreeStep(flow: Flow): ValueAndGrads | null {
  if (!(JS_KERNEL_BACKENDS as readonly string[]).includes(tf.getBackend())) return null;
  if (flow.contextDim !== 0 || !(flow.base instanceof StandardNormal)) return null;
  const bijector = flow.bijector;
  if (!hasTapeFreeInverse(bijector)) return null;
  const base = flow.base;
  const stats = flow.standardization;
  const mean = stats ? Float32Array.from(stats.mean) : null;
  const std = stats ? Float32Array.from(stats.std) : null;
  // The whitening part u = C⁻¹ v of a standardisation, as `ScaleMatvecTriL` computes it (v L⁻ᵀ).
  const tril = stats?.correlationTril ?? null;
  const whiten = tril ? Float32Array.from(transposedInverse(tril)) : null;
  // log |det| of the frozen map u = C⁻¹ (x − mean) / std, added to every example's log-density.
  const standardLogDet = (std ? -std.reduce((s, v) => s + Math.log(v), 0) : 0) - (tril ? tril.reduce((s, row, i) => s + Math.log(row[i]), 0) : 0);
  const standardization = mean && std && !tril ? { mean, std, logDet: standardLogDet } : null;
  const dim = flow.dim;
  // The same ops as the `Shift`, `Scale` and `ScaleMatvecTriL` bijectors `Flow.standardize` installs.
  const standardized = (x: tf.Tensor2D): tf.Tensor2D => {
    if (!mean || !std) return x;
    const v = tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor2D;
    return whiten ? tf.matMul(v, tf.tensor2d(whiten, [dim, dim])) : v;
  };

  return (x) =>
    tf.tidy(() => {
      const batch = x.shape[0];
      // A 2-D flow of fused couplings: the whole step in one kernel, bit-identical to what follows.
      // (A whitened flow goes through the kernel too, on rows whitened first; the constant log-det is added after.)
      if (whiten) {
        const fused = fusedChainLoss(bijector, standardized(x), null);
        if (fused) return { value: tf.sub(fused.value, standardLogDet) as tf.Scalar, grads: fused.grads };
      } else {
        const fused = fusedChainLoss(bijector, x, standardization);
        if (fused) return fused;
      }
      const u = standardized(x);
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
