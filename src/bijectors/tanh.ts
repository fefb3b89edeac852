import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { Bijector, type BijectorResult, type ScoreResult, sumLogDet } from './bijector.js';
import { checkOpenInterval } from './domain.js';

/** log(1 − tanh² x) = 2 (log 2 − x − softplus(−2x)), stable for large |x|. */
function logTanhDerivative(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(2, tf.sub(tf.sub(Math.LN2, x), tf.softplus(tf.mul(-2, x))));
}

/**
 * `y = tanh(x)`, forward log-det `Σ log(1 − tanh² x)`. Maps ℝ to (−1, 1); the inverse (atanh) rejects
 * values outside (−1, 1).
 *
 * @example
 * ```ts
 * new Tanh().forward(tf.tensor2d([[0]])).logDet; // [0]
 * ```
 */
export class Tanh extends Bijector {
  readonly className = 'Tanh';

  getConfig(): JsonObject {
    return {};
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.tanh(x), logDet: sumLogDet(logTanhDerivative(x)) };
  }

  /** Score rule: log f' = log(1 − tanh²x), d/dx = −2 tanh x, so ∂log q/∂y = (∂log q/∂x + 2 tanh x) / (1 − tanh²x). */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    const t = tf.tanh(x);
    const scoreY = tf.mul(tf.add(score, tf.mul(2, t)), tf.exp(tf.neg(logTanhDerivative(x)))) as tf.Tensor2D;
    return { ...this._forward(x), score: scoreY };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    checkOpenInterval('Tanh.inverse', 'y', y, -1, 1);
    const x = tf.mul(0.5, tf.sub(tf.log1p(y), tf.log1p(tf.neg(y)))) as tf.Tensor2D;
    return { output: x, logDet: tf.neg(sumLogDet(logTanhDerivative(x))) };
  }
}
