import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { Bijector, type BijectorResult, type ScoreResult, sumLogDet } from './bijector.js';
import { checkOpenInterval } from './domain.js';

/** log σ'(x) = log σ(x) + log σ(−x) = −softplus(−x) − softplus(x), stable for large |x|. */
export function logSigmoidDerivative(x: tf.Tensor2D): tf.Tensor2D {
  return tf.neg(tf.add(tf.softplus(tf.neg(x)), tf.softplus(x))) as tf.Tensor2D;
}

/** logit(y) = log y − log(1 − y) and its log-derivative −log y − log(1 − y). */
export function logitWithLogDerivative(y: tf.Tensor2D): { x: tf.Tensor2D; logDerivative: tf.Tensor2D } {
  const logY = tf.log(y);
  const log1mY = tf.log1p(tf.neg(y));
  return { x: tf.sub(logY, log1mY) as tf.Tensor2D, logDerivative: tf.neg(tf.add(logY, log1mY)) as tf.Tensor2D };
}

/**
 * `y = σ(x) = 1 / (1 + e⁻ˣ)`, forward log-det `Σ log σ(x)σ(−x)`. Maps ℝ to (0, 1); the inverse (logit)
 * rejects values outside (0, 1).
 *
 * @example
 * ```ts
 * new Sigmoid().forward(tf.tensor2d([[0]])).logDet; // [log 0.25]
 * ```
 */
export class Sigmoid extends Bijector {
  readonly className = 'Sigmoid';

  getConfig(): JsonObject {
    return {};
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.sigmoid(x), logDet: sumLogDet(logSigmoidDerivative(x)) };
  }

  /** Score rule: log f' = log σ(1 − σ), d/dx = 1 − 2σ, so ∂log q/∂y = (∂log q/∂x − 1 + 2σ) / (σ(1 − σ)). */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    const sg = tf.sigmoid(x);
    const scoreY = tf.mul(tf.add(tf.sub(score, 1), tf.mul(2, sg)), tf.exp(tf.neg(logSigmoidDerivative(x)))) as tf.Tensor2D;
    return { ...this._forward(x), score: scoreY };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    checkOpenInterval('Sigmoid.inverse', 'y', y, 0, 1);
    const { x, logDerivative } = logitWithLogDerivative(y);
    return { output: x, logDet: sumLogDet(logDerivative) };
  }
}
