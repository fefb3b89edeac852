/**
 * The tape-free step's density head: `log p(z) = −½ Σ zᵢ² − (d/2) log 2π` of the standard normal
 * base `[batch]` (the same ops as `StandardNormal`), with its backward `∂/∂z = −z · dLogProb`.
 */
import { tf } from '../../backend.js';
import { HALF_LOG_2PI } from '../../distributions/distribution.js';

/** `log p(z)` under N(0, I) with its backward; call inside `tf.tidy`. */
export function standardNormalWithBackward(z: tf.Tensor2D): { logProb: tf.Tensor1D; backward(dLogProb: tf.Tensor1D): tf.Tensor2D } {
  return {
    logProb: tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), z.shape[1] * HALF_LOG_2PI) as tf.Tensor1D,
    backward: (dLogProb) => tf.mul(z, tf.reshape(tf.neg(dLogProb), [-1, 1])) as tf.Tensor2D,
  };
}
