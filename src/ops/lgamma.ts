import { tf } from '../backend.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const SHIFT = 6;

/**
 * log Γ(x) for x > 0 from differentiable TF.js ops (TF.js has no lgamma): the recurrence
 * log Γ(x) = log Γ(x + 6) − Σₖ log(x + k) moves the argument to ≥ 6, where Stirling's series to x⁻⁵
 * is accurate to about 1e-9 (float32 rounding dominates).
 */
export function lgamma(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let correction = tf.log(x);
    for (let k = 1; k < SHIFT; k++) correction = tf.add(correction, tf.log(tf.add(x, k)));
    const y = tf.add(x, SHIFT);
    const inv = tf.reciprocal(y);
    const inv2 = tf.square(inv);
    // 1/(12y) − 1/(360y³) + 1/(1260y⁵), in Horner form.
    const series = tf.mul(inv, tf.add(1 / 12, tf.mul(inv2, tf.add(-1 / 360, tf.mul(inv2, 1 / 1260)))));
    const stirling = tf.add(tf.sub(tf.mul(tf.sub(y, 0.5), tf.log(y)), y), tf.add(series, HALF_LOG_2PI));
    return tf.sub(stirling, correction);
  });
}
