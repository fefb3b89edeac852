import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { checkBoolean, checkInt, checkOptions, checkVector } from '../validate.js';
import { Bijector, type BijectorResult, type ScoreResult, perExample } from './bijector.js';

export interface AffineOptions {
  /** Initial shift (number or per dimension); default 0. */
  shift?: number | number[];
  /** Initial positive scale (number or per dimension); default 1. */
  scale?: number | number[];
  /** Whether training updates it (default true). */
  trainable?: boolean;
}

/**
 * Trainable diagonal affine map `y = x · exp(logScale) + shift`, forward log-det `Σ logScale`.
 * Starts as the identity unless `shift`/`scale` are given.
 *
 * @example
 * ```ts
 * const a = new Affine(2, { scale: [2, 3] });
 * a.trainableVariables.length; // 2 (shift, logScale)
 * ```
 */
export class Affine extends Bijector {
  readonly className = 'Affine';
  private readonly trainable: boolean;
  private readonly shift: tf.Variable;
  private readonly logScale: tf.Variable;

  constructor(dim: number, options: AffineOptions = {}) {
    checkInt('Affine', 'dim', dim);
    checkOptions('Affine', options, ['shift', 'scale', 'trainable']);
    const shift = checkVector('Affine', 'options.shift', options.shift ?? 0, dim);
    const scale = checkVector('Affine', 'options.scale', options.scale ?? 1, dim, { min: 0, open: true });
    super({ dim });
    this.trainable = checkBoolean('Affine', 'options.trainable', options.trainable, true);
    this.shift = this.addWeight('shift', () => tf.tensor1d(shift), this.trainable);
    this.logScale = this.addWeight('logScale', () => tf.tensor1d(scale.map(Math.log)), this.trainable);
  }

  getConfig(): JsonObject {
    return { dim: this.dim, trainable: this.trainable };
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    const output = tf.add(tf.mul(x, tf.exp(this.logScale)), this.shift) as tf.Tensor2D;
    return { output, logDet: perExample(tf.sum(this.logScale) as tf.Scalar, x.shape[0]) };
  }

  /** Score rule: ∂log q/∂y = ∂log q/∂x · exp(−logScale). */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    return { ...this._forward(x), score: tf.mul(score, tf.exp(tf.neg(this.logScale))) as tf.Tensor2D };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    const output = tf.mul(tf.sub(y, this.shift), tf.exp(tf.neg(this.logScale))) as tf.Tensor2D;
    return { output, logDet: perExample(tf.neg(tf.sum(this.logScale)) as tf.Scalar, y.shape[0]) };
  }
}
