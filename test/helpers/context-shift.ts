/**
 * A minimal conditional bijector for tests of conditional training: `y = x + c·W` (forward), with a
 * trainable `W` `[contextDim, dim]` starting at zero; log-det 0. Not part of the library.
 */
import { Bijector, type BijectorResult, type JsonObject, tf } from '../../src/index.js';

export class ContextShift extends Bijector {
  readonly className = 'ContextShift';
  readonly w: tf.Variable;

  constructor(dim: number, contextDim: number) {
    super({ dim, contextDim });
    this.w = this.addWeight('w', () => tf.zeros([contextDim, dim]));
  }

  getConfig(): JsonObject {
    return { dim: this.dim, contextDim: this.contextDim };
  }

  protected _forward(x: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    return { output: tf.add(x, tf.matMul(context!, this.w)) as tf.Tensor2D, logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D };
  }

  protected _inverse(y: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    return { output: tf.sub(y, tf.matMul(context!, this.w)) as tf.Tensor2D, logDet: tf.zeros([y.shape[0]]) as tf.Tensor1D };
  }
}
