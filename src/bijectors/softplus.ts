import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { Bijector, type BijectorResult, type ScoreResult, sumLogDet } from './bijector.js';
import { checkOpenInterval } from './domain.js';

/**
 * `y = log(1 + eˣ)`, with `dy/dx = σ(x)`, so forward log-det `Σ −softplus(−x)`. Maps ℝ to (0, ∞);
 * the inverse `x = y + log(−expm1(−y))` rejects values ≤ 0.
 *
 * @example
 * ```ts
 * new Softplus().forward(tf.tensor2d([[0]])).output; // [[log 2]]
 * ```
 */
export class Softplus extends Bijector {
  readonly className = 'Softplus';

  getConfig(): JsonObject {
    return {};
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.softplus(x), logDet: tf.neg(sumLogDet(tf.softplus(tf.neg(x)))) };
  }

  /** Score rule: f' = σ(x), d log f'/dx = σ(−x), so ∂log q/∂y = (∂log q/∂x − σ(−x)) / σ(x). */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    const scoreY = tf.div(tf.sub(score, tf.sigmoid(tf.neg(x))), tf.sigmoid(x)) as tf.Tensor2D;
    return { ...this._forward(x), score: scoreY };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    checkOpenInterval('Softplus.inverse', 'y', y, 0, Infinity);
    // y + log(1 − e^{−y}) is stable for large y, where log(expm1(y)) would overflow.
    const x = tf.add(y, tf.log(tf.neg(tf.expm1(tf.neg(y))))) as tf.Tensor2D;
    return { output: x, logDet: sumLogDet(tf.softplus(tf.neg(x))) };
  }
}
