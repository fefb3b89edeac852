import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import type { Rng } from '../random.js';
import { checkBoolean, checkOptions, checkVector } from '../validate.js';
import { Distribution, HALF_LOG_2PI } from './distribution.js';

export interface DiagNormalOptions {
  /** Initial mean (number or per dimension); default 0. */
  loc?: number | number[];
  /** Initial standard deviation, positive (number or per dimension); default 1. */
  scale?: number | number[];
  /** Whether training updates loc and scale (default true). */
  trainable?: boolean;
}

/**
 * Diagonal normal N(loc, diag(scale²)) with trainable `loc` and `logScale`:
 * `log p(z) = Σ [−½ ((zᵢ − locᵢ)/scaleᵢ)² − log scaleᵢ − ½ log 2π]`. Samples `loc + scale · ε` are
 * differentiable in both.
 *
 * @example
 * ```ts
 * const base = new DiagNormal(2, { loc: [1, -1], scale: 0.5 });
 * ```
 */
export class DiagNormal extends Distribution {
  readonly className = 'DiagNormal';
  private readonly trainable: boolean;
  readonly loc: tf.Variable;
  readonly logScale: tf.Variable;

  constructor(dim: number, options: DiagNormalOptions = {}) {
    super(dim);
    checkOptions('DiagNormal', options, ['loc', 'scale', 'trainable']);
    const loc = checkVector('DiagNormal', 'options.loc', options.loc ?? 0, dim);
    const scale = checkVector('DiagNormal', 'options.scale', options.scale ?? 1, dim, { min: 0, open: true });
    this.trainable = checkBoolean('DiagNormal', 'options.trainable', options.trainable, true);
    this.loc = this.addWeight('loc', () => tf.tensor1d(loc), this.trainable);
    this.logScale = this.addWeight('logScale', () => tf.tensor1d(scale.map(Math.log)), this.trainable);
  }

  getConfig(): JsonObject {
    return { dim: this.dim, trainable: this.trainable };
  }

  protected _logProb(z: tf.Tensor2D): tf.Tensor1D {
    const u = tf.mul(tf.sub(z, this.loc), tf.exp(tf.neg(this.logScale)));
    const quad = tf.mul(-0.5, tf.sum(tf.square(u), 1));
    return tf.sub(quad, tf.add(tf.sum(this.logScale), this.dim * HALF_LOG_2PI)) as tf.Tensor1D;
  }

  protected _sample(n: number, rng: Rng): tf.Tensor2D {
    const eps = tf.tensor2d(rng.normals(n * this.dim), [n, this.dim]);
    return tf.add(tf.mul(eps, tf.exp(this.logScale)), this.loc) as tf.Tensor2D;
  }
}
