import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { checkVector } from '../validate.js';
import { Bijector, type BijectorResult, type ScoreResult, perExample } from './bijector.js';

/**
 * `y = x + shift` (fixed). Log-det 0.
 *
 * @param shift a number (any dimension) or one value per dimension.
 * @example
 * ```ts
 * const b = new Shift([1, -2]);
 * b.forward(tf.tensor2d([[0, 0]])).output; // [[1, -2]]
 * ```
 */
export class Shift extends Bijector {
  readonly className = 'Shift';
  private readonly values: number[];
  private readonly shift: tf.Variable;

  constructor(shift: number | number[]) {
    const values = checkVector('Shift', 'shift', shift, null);
    super({ dim: Array.isArray(shift) ? values.length : null });
    this.values = values;
    this.shift = this.addWeight('shift', () => tf.tensor1d(values), false);
  }

  getConfig(): JsonObject {
    return { shift: this.dim === null ? this.values[0] : this.values };
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.add(x, this.shift), logDet: perExample(0, x.shape[0]) };
  }

  /** Score rule: J = I, so ∂log q/∂y = ∂log q/∂x. */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    return { ...this._forward(x), score: tf.clone(score) };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    return { output: tf.sub(y, this.shift), logDet: perExample(0, y.shape[0]) };
  }
}
