/**
 * Tape-free rule of {@link BatchNorm}'s density direction
 * `z = (y − μ) / s · e^{ls} + shift`, `s = √(σ² + eps)`, log-det `Σⱼ (lsⱼ − log sⱼ)` per row.
 *
 * - Evaluation mode (running μ, σ²): `dy = dz · e^{ls} / s`, `dshift = Σᵢ dzᵢ`,
 *   `dls = Σᵢ dzᵢ ⊙ (zᵢ − shift) + Σᵢ dLogDetᵢ`.
 * - Training mode (the batch's μ and biased σ², which also update the running statistics exactly as
 *   the layer's own pass does): with `x̂ = (y − μ) / s`, `g = dz · e^{ls}` and `D = Σᵢ dLogDetᵢ`,
 *   `dy = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / s − D · x̂ / (B · s)` (the usual batch-norm backward, plus
 *   the log-det's dependence on σ²), and `dls`, `dshift` as above.
 */
import { tf } from '../../backend.js';
import { perExample } from '../../bijectors/bijector.js';
import type { BatchNorm } from '../../bijectors/batch-norm.js';
import type { TapeFreeRule } from '../registry.js';

export const batchNormRule: TapeFreeRule<BatchNorm> = {
  unsupported: () => null,
  inverse(b, y) {
    const batch = y.shape[0];
    let mean: tf.Tensor1D = b.runningMean as tf.Tensor1D;
    let variance: tf.Tensor1D = b.runningVar as tf.Tensor1D;
    if (b.training) {
      // Fewer than 2 rows: the layer's own pass throws its ValidationError.
      if (batch < 2) b.inverse(y);
      // The batch statistics and the running-statistics update, in the layer's ops (values only).
      ({ mean, variance } = tf.moments(y, 0) as { mean: tf.Tensor1D; variance: tf.Tensor1D });
      const m = b.momentum;
      b.runningMean.assign(tf.add(tf.mul(m, b.runningMean), tf.mul(1 - m, mean)));
      b.runningVar.assign(tf.add(tf.mul(m, b.runningVar), tf.mul(1 - m, variance)));
    }
    const logStd = tf.mul(0.5, tf.log(tf.add(variance, b.eps)));
    const logGain = tf.sub(b.logScale, logStd);
    const gain = tf.exp(logGain);
    const centred = tf.sub(y, mean);
    const z = tf.add(tf.mul(centred, gain), b.shift) as tf.Tensor2D;
    const training = b.training;
    return {
      output: z,
      logDet: perExample(tf.sum(logGain) as tf.Scalar, batch),
      backward: (dz, dLogDet, sink, needInput) => {
        const d = tf.sum(dLogDet);
        sink.add(b.shift, tf.sum(dz, 0));
        sink.add(b.logScale, tf.add(tf.sum(tf.mul(dz, tf.sub(z, b.shift)), 0), d));
        if (!needInput) return null;
        if (!training) return tf.mul(dz, gain) as tf.Tensor2D;
        const invStd = tf.exp(tf.neg(logStd));
        const xHat = tf.mul(centred, invStd);
        const g = tf.mul(dz, tf.exp(b.logScale));
        const inner = tf.sub(tf.sub(g, tf.mean(g, 0)), tf.mul(xHat, tf.mean(tf.mul(g, xHat), 0)));
        return tf.mul(tf.sub(inner, tf.mul(xHat, tf.div(d, batch))), invStd) as tf.Tensor2D;
      },
    };
  },
};
