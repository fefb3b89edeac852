import { Bijector, type BijectorResult, type JsonObject, tf } from '../../src/index.js';

/** Test-only conditional bijector: y = x + context · W (W fixed), log-det 0. */
export class ContextShift extends Bijector {
  readonly className = 'ContextShift';
  private readonly w: tf.Variable;

  constructor(dim: number, contextDim: number) {
    super({ dim, contextDim });
    this.w = this.addWeight('w', () => tf.add(tf.zeros([contextDim, dim]), tf.linspace(0.5, 1.5, dim)), false);
  }

  getConfig(): JsonObject {
    return { dim: this.dim, contextDim: this.contextDim };
  }

  protected _forward(x: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    return { output: tf.add(x, tf.matMul(context!, this.w)), logDet: tf.zeros([x.shape[0]]) };
  }

  protected _inverse(y: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    return { output: tf.sub(y, tf.matMul(context!, this.w)), logDet: tf.zeros([y.shape[0]]) };
  }
}
