import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { Bijector, type BijectorResult, type ScoreResult, sumLogDet } from './bijector.js';
import { checkOpenInterval } from './domain.js';

/**
 * `y = exp(x)`, forward log-det `Σ x`. Maps ℝ to (0, ∞); the inverse rejects values ≤ 0.
 *
 * @example
 * ```ts
 * new Exp().inverse(tf.tensor2d([[1, Math.E]])).output; // [[0, 1]]
 * ```
 */
export class Exp extends Bijector {
  readonly className = 'Exp';

  getConfig(): JsonObject {
    return {};
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.exp(x), logDet: sumLogDet(x) };
  }

  /** Score rule: log f' = x, so ∂log q/∂y = (∂log q/∂x − 1) e^{−x}. */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    return { ...this._forward(x), score: tf.mul(tf.sub(score, 1), tf.exp(tf.neg(x))) as tf.Tensor2D };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    checkOpenInterval('Exp.inverse', 'y', y, 0, Infinity);
    const x = tf.log(y);
    return { output: x, logDet: tf.neg(sumLogDet(x)) };
  }
}
