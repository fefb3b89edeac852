import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import type { Rng } from '../random.js';
import { acceptMask, type BlockOptions, type LogDensity, normals, select, StochasticBlock } from './block.js';

/**
 * Random-walk Metropolis on p_λ: propose `y = x + σ ξ`, ξ ~ N(0, I), accept with probability
 * min(1, p_λ(y)/p_λ(x)); `steps` moves per application. The step size σ may be trained (the accepted
 * proposals are reparameterised in σ). The SNF paper's double well uses 20 steps of σ = 0.25.
 *
 * @example
 * ```ts
 * const block = new MetropolisBlock({ lambda: 0.5, steps: 20, stepSize: 0.25 });
 * ```
 */
export class MetropolisBlock extends StochasticBlock {
  readonly className = 'MetropolisBlock';

  constructor(options: BlockOptions = {}) {
    super(options, 0.25);
  }

  protected run(x: tf.Tensor2D, logP: LogDensity, rng: Rng): tf.Tensor2D {
    const [n, d] = x.shape;
    const sigma = tf.exp(this.logStepSize);
    let cur = x;
    let logPCur = logP(x);
    let accepted: tf.Tensor = tf.scalar(0);
    for (let t = 0; t < this.steps; t++) {
      const y = tf.add(cur, tf.mul(sigma, normals(rng, [n, d]))) as tf.Tensor2D;
      const logPY = logP(y);
      const { mask, rows, rate } = acceptMask(tf.sub(logPY, logPCur) as tf.Tensor1D, d, rng);
      accepted = tf.add(accepted, rate);
      cur = select(mask, y, cur);
      logPCur = tf.where(rows, logPY, logPCur) as tf.Tensor1D;
    }
    this.recordAcceptance(tf.div(accepted, this.steps) as tf.Scalar);
    return cur;
  }

  static fromConfig(c: JsonObject): MetropolisBlock {
    return new MetropolisBlock(c as BlockOptions);
  }
}
