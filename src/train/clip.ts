/** Gradient clipping by global norm (Pascanu et al. 2013), as TF's `clip_by_global_norm`. */
import { tf } from '../backend.js';
import { float32InPlace } from '../kernels/js-kernel.js';
import { addMany } from '../ops/add-n.js';
import { type WasmBackendInternals, heapOffset, simdKernels } from '../kernels/simd/simd-kernels.js';

/** ‖g‖ = √(Σᵢ Σ gᵢ²) over every gradient tensor, as a scalar. Non-finite if any gradient value is. */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(addMany(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/**
 * ‖g‖ as a number, summed in float64 in one JavaScript pass over the gradients where they live on cpu
 * and wasm; `null` on other backends (their values are not in host memory: see {@link lossAndGlobalNorm}).
 * Non-finite if any gradient value is.
 *
 * Why: the op-composed norm costs two kernels per variable, about 0.3 ms of a 4 ms training step for
 * the benchmark RealNVP (48 variables); this pass costs a few µs per thousand values.
 */
export function globalNormValue(grads: readonly tf.Tensor[]): number | null {
  let sum = 0;
  // On wasm, the SIMD kernel reads each gradient on the heap (float64 sums, exact squares).
  const simd = simdKernels();
  if (simd && grads.every((g) => g.dtype === 'float32')) {
    const backend = tf.backend() as unknown as WasmBackendInternals;
    for (const g of grads) sum += simd.sumSquares(heapOffset(backend, g), g.size);
    return Math.sqrt(sum);
  }
  for (const g of grads) {
    const values = float32InPlace(g);
    if (!values) return null;
    for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  }
  return Math.sqrt(sum);
}

/**
 * A training step's loss and global gradient norm ‖g‖ as numbers, with one asynchronous read at most:
 * on cpu and wasm the norm comes from host memory ({@link globalNormValue}); elsewhere (WebGPU, WebGL,
 * tfjs-node) the loss and Σ g² are stacked on the device and read back together with `await data()`,
 * so a GPU step waits once and never stalls on a synchronous read.
 */
export async function lossAndGlobalNorm(value: tf.Scalar, grads: readonly tf.Tensor[]): Promise<{ loss: number; norm: number }> {
  const norm = globalNormValue(grads);
  if (norm !== null) return { loss: (await value.data())[0], norm };
  const both = tf.tidy(() => {
    const squares = grads.length > 0 ? addMany(grads.map((g) => tf.sum(tf.square(tf.cast(g, 'float32'))))) : tf.scalar(0);
    return tf.stack([tf.reshape(value, []), squares]);
  });
  try {
    const v = await both.data();
    return { loss: v[0], norm: Math.sqrt(v[1]) };
  } finally {
    both.dispose();
  }
}

/**
 * `gᵢ · min(1, maxNorm / ‖g‖)`: rescale all gradients together so that their global norm is at most
 * `maxNorm` (directions unchanged). `norm` is `globalNorm(grads)`, passed in because callers also log it.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], norm: tf.Scalar | number, maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const factor = typeof norm === 'number' ? maxNorm / Math.max(norm, maxNorm) : tf.div(maxNorm, tf.maximum(norm, maxNorm));
    return grads.map((g) => tf.mul(g, factor));
  });
}
