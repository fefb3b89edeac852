import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { checkVector } from '../validate.js';
import { Bijector, type BijectorResult, type ScoreResult, perExample } from './bijector.js';

/**
 * `y = scale · x` (fixed, positive). Forward log-det `Σ log scale` (times the dimension for a scalar scale).
 *
 * @param scale a positive number (any dimension) or one positive value per dimension.
 * @example
 * ```ts
 * const b = new Scale([2, 0.5]);
 * b.forward(tf.tensor2d([[1, 1]])).logDet; // [log 2 + log 0.5] = [0]
 * ```
 */
export class Scale extends Bijector {
  readonly className = 'Scale';
  private readonly values: number[];
  private readonly scale: tf.Variable;

  constructor(scale: number | number[]) {
    const values = checkVector('Scale', 'scale', scale, null, { min: 0, open: true });
    super({ dim: Array.isArray(scale) ? values.length : null });
    this.values = values;
    this.scale = this.addWeight('scale', () => tf.tensor1d(values), false);
  }

  getConfig(): JsonObject {
    return { scale: this.dim === null ? this.values[0] : this.values };
  }

  private logDet(x: tf.Tensor2D): tf.Tensor1D {
    const perRow = this.dim === null ? x.shape[1] * Math.log(this.values[0]) : this.values.reduce((s, v) => s + Math.log(v), 0);
    return perExample(perRow, x.shape[0]);
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.mul(x, this.scale), logDet: this.logDet(x) };
  }

  /** Score rule: ∂log q/∂y = ∂log q/∂x / scale. */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    return { ...this._forward(x), score: tf.div(score, this.scale) as tf.Tensor2D };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    return { output: tf.div(y, this.scale), logDet: tf.neg(this.logDet(y)) };
  }
}
