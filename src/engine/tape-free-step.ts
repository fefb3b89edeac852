/**
 * A maximum-likelihood training step without the autodiff tape: the loss `−(1/B) Σᵢ log p(xᵢ | cᵢ)`
 * and the gradient of every trainable variable, computed by calling each layer's density pass and its
 * hand-written backward pass (its rule, `rules/`) directly. The result is what `tf.variableGrads`
 * returns for the same loss, within float32 rounding; on wasm it is several times cheaper, because the
 * tape's bookkeeping (saved-tensor copies, accumulation adds, gradient dispatch) dominates a small
 * flow's step.
 *
 * The tape stays the reference and the path for everything else: `select.ts` decides which flows
 * take this step (`tapeFreeStep` returns `null` for the others).
 */
import { tf } from '../backend.js';
import type { Flow } from '../flow.js';
import { invertLower } from '../stats/linalg.js';
import { GradientSink } from './contract.js';
import { fusedChainLoss } from './fused-chain.js';
import { tapeFreeInverse } from './registry.js';
import { standardNormalWithBackward } from './rules/standard-normal.js';
import { type SelectOptions, selectPath } from './select.js';

/**
 * The loss and the gradients by variable name, as `tf.variableGrads` returns them, for a batch `x`
 * `[B, dim]` (data units) and, for a conditional flow, its context `[B, contextDim]`.
 */
export type ValueAndGrads = (x: tf.Tensor2D, context?: tf.Tensor2D | null) => { value: tf.Scalar; grads: tf.NamedTensorMap };

/** `(L⁻¹)ᵀ` of a lower-triangular `L`, row-major, for `u = v L⁻ᵀ` on rows. */
function transposedInverse(tril: number[][]): number[] {
  const inv = invertLower(tril);
  const d = tril.length;
  return Array.from({ length: d * d }, (_, k) => inv[k % d][Math.floor(k / d)]);
}

/**
 * Compile `flow`'s tape-free maximum-likelihood step, or `null` when `select.ts` sends the flow to the
 * tape (a layer without a rule, a base other than `StandardNormal`, a backend without the kernels).
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
export function tapeFreeStep(flow: Flow, options: SelectOptions = {}): ValueAndGrads | null {
  const choice = selectPath(flow, options);
  return choice.path === 'tape' ? null : compileTapeFreeStep(flow, choice.path === 'fused-2d');
}

/** The step itself, for a flow `select.ts` chose the tape-free path for; `fused`: try the whole-chain kernel first. */
function compileTapeFreeStep(flow: Flow, fused: boolean): ValueAndGrads {
  const bijector = flow.bijector;
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

  return (x, context = null) =>
    tf.tidy(() => {
      const batch = x.shape[0];
      // A 2-D flow of fused couplings: the whole step in one kernel, bit-identical to what follows.
      // (A whitened flow goes through the kernel too, on rows whitened first; the constant log-det is
      // added after.) A batch the kernel does not take (not a multiple of 4) runs the per-layer path.
      if (fused) {
        if (whiten) {
          const r = fusedChainLoss(bijector, standardized(x), null);
          if (r) return { value: tf.sub(r.value, standardLogDet) as tf.Scalar, grads: r.grads };
        } else {
          const r = fusedChainLoss(bijector, x, standardization);
          if (r) return r;
        }
      }
      const u = standardized(x);
      const pass = tapeFreeInverse(bijector, u, context);
      const density = standardNormalWithBackward(pass.output);
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
