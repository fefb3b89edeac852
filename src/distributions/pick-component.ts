import { tf } from '../backend.js';
import type { Rng } from '../random.js';

/**
 * One-hot component choices `[n, K]` for `n` draws from categorical weights `weights` (`[n, K]`, or
 * `[1, K]` shared by every draw; each row sums to 1): draw i takes the first component c whose
 * cumulative weight exceeds uᵢ ~ U(0, 1), the last one if rounding leaves uᵢ above them all. The
 * uniforms come from `rng` (n draws, in order); the choice is made on the device, so sampling a mixture
 * never reads its weights back (no synchronous read on a GPU backend).
 *
 * @example
 * ```ts
 * const pick = pickComponents(tf.softmax(logits) as tf.Tensor2D, 1000, rng); // [1000, K]
 * ```
 */
export function pickComponents(weights: tf.Tensor2D, n: number, rng: Rng): tf.Tensor2D {
  const k = weights.shape[1];
  const u = new Float32Array(n);
  for (let i = 0; i < n; i++) u[i] = rng.uniform();
  return tf.tidy(() => {
    if (k === 1) return tf.ones([n, 1]) as tf.Tensor2D;
    // c = #{ j < K − 1 : u ≥ cumsum(w)_j }: the index of the first cumulative weight above u.
    const cum = tf.slice(tf.cumsum(weights, 1), [0, 0], [-1, k - 1]);
    const below = tf.cast(tf.greaterEqual(tf.tensor2d(u, [n, 1]), cum), 'int32');
    const c = tf.sum(below, 1) as tf.Tensor1D;
    return tf.cast(tf.oneHot(c, k), 'float32') as tf.Tensor2D;
  });
}
