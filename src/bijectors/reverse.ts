import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { Bijector, type BijectorResult, type ScoreResult, perExample } from './bijector.js';

/**
 * Reverse the order of dimensions: `y[:, i] = x[:, dim − 1 − i]`. Its own inverse; log-det 0.
 *
 * @example
 * ```ts
 * new Reverse().forward(tf.tensor2d([[1, 2, 3]])).output; // [[3, 2, 1]]
 * ```
 */
export class Reverse extends Bijector {
  readonly className = 'Reverse';

  getConfig(): JsonObject {
    return {};
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.reverse(x, 1), logDet: perExample(0, x.shape[0]) };
  }

  /** Score rule: a permutation moves the score with the coordinates. */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    return { ...this._forward(x), score: tf.reverse(score, 1) };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    return this._forward(y);
  }
}
