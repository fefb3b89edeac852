/**
 * JavaScript kernels (cpu, wasm) for the tape-free backward pass of a dense layer: the activation's
 * derivative and the bias gradient in one pass over `dy`, where op-composed code needs a `step`, a
 * `mul` and a column `Sum` (which transposes internally on wasm, about 45 µs for 256 × 64).
 */
import { tf } from '../backend.js';
import type { Activation } from '../nn/activation.js';
import { runKernel } from './dispatch.js';
import type { KernelRegistration } from './register-all.js';
import { denseGradSimd } from './simd/simd-ops.js';

/** Inputs `dy` `[B, n]` and `saved` `[B, n]`; outputs `dPre` `[B, n]`, its transpose `[n, B]` and `dBias` `[n]`. */
export const DENSE_ACTIVATION_GRAD = 'TfjsFlowsDenseActivationGrad';
/** Input `x` `[B, n]`; output its column sums `[n]` (float64 sums, rounded once). */
export const COLUMN_SUMS = 'TfjsFlowsColumnSums';

/**
 * Which tensor the backward pass of each activation reads: its output where the derivative is a
 * function of the output (exact: relu and leaky ReLU keep the sign, tanh' = 1 − y², elu' = y + 1 below
 * 0), the pre-activation for silu. `linear` is the last layer.
 */
export type BackwardActivation = Activation | 'linear';
export const SAVES_PRE_ACTIVATION: Record<BackwardActivation, boolean> = {
  linear: false, relu: false, leakyRelu: false, tanh: false, elu: false, silu: true,
};

/**
 * d activation / d pre-activation, from the saved value `s` (see {@link SAVES_PRE_ACTIVATION}). ReLU's
 * and ELU's are branch-free: the sign test is unpredictable, and mispredicted branches made the
 * gradient loop about twice as slow. ELU's from its output: 1 above 0, s + 1 below, i.e. min(s + 1, 1).
 */
function slope(activation: BackwardActivation, s: number): number {
  switch (activation) {
    case 'linear':
      return 1;
    case 'relu':
      return +(s > 0);
    case 'leakyRelu':
      return 0.01 + 0.99 * +(s > 0);
    case 'tanh':
      return 1 - s * s;
    case 'elu':
      return Math.min(s + 1, 1);
    case 'silu': {
      const sig = 1 / (1 + Math.exp(-s));
      return sig * (1 + s * (1 - sig));
    }
  }
}

/** The activation-gradient and column-sum kernels (cpu and wasm). */
export const denseKernels: KernelRegistration[] = [
  {
    kind: 'js',
    kernelName: DENSE_ACTIVATION_GRAD,
    inputNames: ['dy', 'saved'],
    // dPreᵀ is empty when the caller does not want it (attribute `transposed: false`).
    outputShapes: ([dy], attrs) => [dy, attrs.transposed === false ? [0, 0] : [dy[1], dy[0]], [dy[1]]],
    compute([dy, saved], [dPre, dPreT, dBias], attrs) {
      const activation = attrs.activation as BackwardActivation;
      const n = dBias.length;
      const batch = dy.length / n;
      // Bias sums in float64, rounded once.
      const acc = new Float64Array(n);
      for (let i = 0; i < dy.length; i++) dPre[i] = dy[i] * slope(activation, saved[i]);
      for (let i = 0; i < dy.length; i += n) for (let j = 0; j < n; j++) acc[j] += dPre[i + j];
      if (dPreT.length > 0) for (let r = 0, i = 0; r < batch; r++, i += n) for (let j = 0; j < n; j++) dPreT[j * batch + r] = dPre[i + j];
      dBias.set(acc);
    },
  },
  {
    kind: 'js',
    kernelName: COLUMN_SUMS,
    inputNames: ['x'],
    outputShapes: ([x]) => [[x[1]]],
    compute([x], [sums]) {
      const n = sums.length;
      const acc = new Float64Array(n);
      for (let i = 0; i < x.length; i += n) for (let j = 0; j < n; j++) acc[j] += x[i + j];
      sums.set(acc);
    },
  },
];

/** Column sums `Σ_rows x` `[n]` of `x` `[B, n]` (a linear layer's bias gradient), in one pass. */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  return (runKernel(COLUMN_SUMS, { x }) as tf.Tensor1D[])[0];
}

/**
 * `[dPre, dPreᵀ, dBias]` of a dense layer with `activation`, from `dy` and the saved tensor (`dPreᵀ`
 * may be `null` when `transposed` is false: the caller does not need it). The
 * transposed copy costs one more store per element in the same loop, where a wasm `Transpose` of
 * `[256, 64]` costs tens of µs; it feeds the weight gradient `dWᵀ = dPreᵀ · x`.
 */
export function denseActivationGrad(activation: BackwardActivation, dy: tf.Tensor2D, saved: tf.Tensor2D, transposed = true): [tf.Tensor2D, tf.Tensor2D | null, tf.Tensor1D] {
  // ReLU, ELU and linear on wasm: the SIMD kernel (same values; dBias summed in float32), which can skip dPreᵀ.
  const simd = denseGradSimd(activation, dy, saved, transposed);
  if (simd && !transposed) return [simd[0], null, simd[2]];
  if (simd) return simd;
  const [dPre, dPreT, dBias] = runKernel(DENSE_ACTIVATION_GRAD, { dy, saved }, { activation, transposed }) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
  if (dPreT.size > 0) return [dPre, dPreT, dBias];
  dPreT.dispose();
  return [dPre, null, dBias];
}
