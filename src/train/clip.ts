/** Gradient clipping by global norm (Pascanu et al. 2013), as TF's `clip_by_global_norm`. */
import { tf } from '../backend.js';

/** ‖g‖ = √(Σᵢ Σ gᵢ²) over every gradient tensor, as a scalar. Non-finite if any gradient value is. */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/**
 * `gᵢ · min(1, maxNorm / ‖g‖)`: rescale all gradients together so that their global norm is at most
 * `maxNorm` (directions unchanged). `norm` is `globalNorm(grads)`, passed in because callers also log it.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], norm: tf.Scalar, maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const factor = tf.div(maxNorm, tf.maximum(norm, maxNorm));
    return grads.map((g) => tf.mul(g, factor));
  });
}
