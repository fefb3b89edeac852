import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { Bijector, type BijectorResult, type ScoreResult, sumLogDet } from './bijector.js';
import { checkOpenInterval } from './domain.js';
import { logSigmoidDerivative, logitWithLogDerivative } from './sigmoid.js';

/**
 * `y = logit(x) = log(x / (1 − x))`, forward log-det `Σ −log x(1 − x)`. Maps (0, 1) to ℝ, e.g. as the
 * last layer before data in the unit box. Forward input outside (0, 1) is a `ValidationError`.
 *
 * @example
 * ```ts
 * new Logit().forward(tf.tensor2d([[0.5]])).output; // [[0]]
 * ```
 */
export class Logit extends Bijector {
  readonly className = 'Logit';

  getConfig(): JsonObject {
    return {};
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    checkOpenInterval('Logit.forward', 'x', x, 0, 1);
    const { x: y, logDerivative } = logitWithLogDerivative(x);
    return { output: y, logDet: sumLogDet(logDerivative) };
  }

  /** Score rule: log f' = −log x − log(1 − x), so ∂log q/∂y = (∂log q/∂x + 1/x − 1/(1 − x)) · x(1 − x). */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    const r = this._forward(x);
    const oneMinus = tf.sub(1, x);
    const scoreY = tf.sub(tf.add(tf.mul(score, tf.mul(x, oneMinus)), oneMinus), x) as tf.Tensor2D;
    return { ...r, score: scoreY };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    return { output: tf.sigmoid(y), logDet: sumLogDet(logSigmoidDerivative(y)) };
  }
}
