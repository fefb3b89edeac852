import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import { checkInt, checkNumber, checkOptions } from '../validate.js';
import { Bijector, type BijectorResult, perExample } from './bijector.js';

export interface BatchNormOptions {
  /** Running statistics decay: `running ← momentum · running + (1 − momentum) · batch` (default 0.9). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Start in training mode (default false: evaluation mode, which starts as the identity). */
  training?: boolean;
}

/**
 * Batch normalisation as a bijector (Dinh et al. 2017; Papamakarios et al. 2017). On the density side,
 * `inverse(y) = (y − μ) / √(σ² + eps) · exp(logScale) + shift` (data → latent), log-det
 * `Σ (logScale − ½ log(σ² + eps))`; `forward` is its exact inverse with the opposite log-det.
 *
 * Which statistics (μ, σ²) each direction uses:
 * - `inverse` in **training mode**: the batch's mean and (biased) variance, differentiated through, and
 *   the running statistics are updated from them (`momentum`); the batch needs at least 2 rows.
 * - `inverse` in **evaluation mode**: the running statistics.
 * - `forward` (sampling), in **both modes**: the running statistics (a latent batch says nothing about
 *   the data statistics). So in training mode `forward ∘ inverse` is the identity only once the
 *   running statistics match the batch; in evaluation mode the two directions are exact inverses.
 *
 * Running mean/variance are non-trainable weights (0 and 1 − eps at first, so that a fresh layer in
 * evaluation mode is exactly the identity, log-det 0), so save/load keeps them. Switch
 * modes with `layer.training = true|false`, or for a whole flow with {@link setTraining}.
 *
 * @example
 * ```ts
 * const bn = new BatchNorm(2, { momentum: 0.9 });
 * setTraining(flow, true);  // before a training loop
 * setTraining(flow, false); // before evaluating or sampling
 * ```
 */
export class BatchNorm extends Bijector {
  readonly className = 'BatchNorm';
  readonly momentum: number;
  readonly eps: number;
  readonly shift: tf.Variable;
  readonly logScale: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(dim: number, options: BatchNormOptions = {}) {
    const fn = 'BatchNorm';
    checkInt(fn, 'dim', dim);
    checkOptions(fn, options, ['momentum', 'eps', 'training']);
    const o = options ?? {};
    const momentum = checkNumber(fn, 'options.momentum', o.momentum ?? 0.9, { min: 0, max: 1 });
    const eps = checkNumber(fn, 'options.eps', o.eps ?? 1e-5, { min: 0, open: true });
    if (o.training !== undefined && typeof o.training !== 'boolean') throw new ValidationError(fn, 'options.training', 'a boolean', describe(o.training));
    super({ dim });
    assertReady(`new ${fn}`);
    this.momentum = momentum;
    this.eps = eps;
    this.training = o.training ?? false;
    this.shift = this.addWeight('shift', () => tf.zeros([dim]));
    this.logScale = this.addWeight('logScale', () => tf.zeros([dim]));
    this.runningMean = this.addWeight('runningMean', () => tf.zeros([dim]), false);
    this.runningVar = this.addWeight('runningVar', () => tf.fill([dim], 1 - eps), false);
  }

  /** Training mode (`training`, see the class comment) switches between batch and running statistics. */
  override get hasTrainingMode(): boolean {
    return true;
  }

  getConfig(): JsonObject {
    return { dim: this.dim, momentum: this.momentum, eps: this.eps };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    let mean: tf.Tensor = this.runningMean;
    let variance: tf.Tensor = this.runningVar;
    if (this.training) {
      if (y.shape[0] < 2) throw new ValidationError('BatchNorm.inverse', 'y', 'at least 2 rows in training mode (batch statistics)', `${y.shape[0]} row`);
      ({ mean, variance } = tf.moments(y, 0));
      const m = this.momentum;
      this.runningMean.assign(tf.add(tf.mul(m, this.runningMean), tf.mul(1 - m, mean)));
      this.runningVar.assign(tf.add(tf.mul(m, this.runningVar), tf.mul(1 - m, variance)));
    }
    const logStd = tf.mul(0.5, tf.log(tf.add(variance, this.eps)));
    const logGain = tf.sub(this.logScale, logStd);
    const output = tf.add(tf.mul(tf.sub(y, mean), tf.exp(logGain)), this.shift) as tf.Tensor2D;
    return { output, logDet: perExample(tf.sum(logGain) as tf.Scalar, y.shape[0]) };
  }

  protected _forward(z: tf.Tensor2D): BijectorResult {
    const logStd = tf.mul(0.5, tf.log(tf.add(this.runningVar, this.eps)));
    const logGain = tf.sub(logStd, this.logScale);
    const output = tf.add(tf.mul(tf.sub(z, this.shift), tf.exp(logGain)), this.runningMean) as tf.Tensor2D;
    return { output, logDet: perExample(tf.sum(logGain) as tf.Scalar, z.shape[0]) };
  }
}

/** Re-exported from `module.ts`, where the training flag lives (kept here for existing imports). */
export { setTraining } from '../module.js';
