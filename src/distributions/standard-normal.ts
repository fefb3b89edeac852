import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import type { Rng } from '../random.js';
import { Distribution, HALF_LOG_2PI } from './distribution.js';

/**
 * Standard normal N(0, I): `log p(z) = −½ Σ zᵢ² − (d/2) log 2π`. No weights.
 *
 * @example
 * ```ts
 * const base = new StandardNormal(2);
 * base.logProb(tf.zeros([1, 2])); // [−log 2π]
 * ```
 */
export class StandardNormal extends Distribution {
  readonly className = 'StandardNormal';

  getConfig(): JsonObject {
    return { dim: this.dim };
  }

  protected _logProb(z: tf.Tensor2D): tf.Tensor1D {
    return tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), this.dim * HALF_LOG_2PI) as tf.Tensor1D;
  }

  protected _sample(n: number, rng: Rng): tf.Tensor2D {
    return tf.tensor2d(rng.normals(n * this.dim), [n, this.dim]);
  }
}
