/**
 * A minimal conditional bijector for tests (not part of the library): `y = x + c·W` forward, log-det 0,
 * with `W` `[contextDim, dim]` trainable. `start: 'zero'` (default) begins at W = 0; `'ramp'` at a fixed
 * non-zero W so the density depends on the context from the start.
 */
import { Bijector, type BijectorResult, type JsonObject, tf } from '../../src/index.js';

export class ContextShift extends Bijector {
  readonly className = 'ContextShift';
  readonly w: tf.Variable;

  constructor(dim: number, contextDim: number, options: { start?: 'zero' | 'ramp' } = {}) {
    super({ dim, contextDim });
    const ramp = options.start === 'ramp';
    this.w = this.addWeight('w', () => (ramp ? tf.add(tf.zeros([contextDim, dim]), tf.linspace(0.5, 1.5, dim)) : tf.zeros([contextDim, dim])));
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
