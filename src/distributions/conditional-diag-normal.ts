import { tf } from '../backend.js';
import type { JsonObject, Module } from '../module.js';
import type { Activation } from '../nn/activation.js';
import { MLP } from '../nn/mlp.js';
import type { Rng, Seed } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { Distribution, HALF_LOG_2PI } from './distribution.js';

export interface ConditionalDiagNormalOptions {
  /** Hidden sizes of the network from the context to the parameters (default `[64, 64]`). */
  hidden?: number[];
  /** Hidden activation (default `relu`). */
  activation?: Activation;
  /** Seed of the network's initial weights. */
  seed?: Seed;
}

/**
 * Conditional diagonal normal: `(loc, logScale) = MLP(context)` and
 * `log p(z | c) = Σ [−½ ((zᵢ − locᵢ(c))/scaleᵢ(c))² − log scaleᵢ(c) − ½ log 2π]`. The network's last
 * layer starts at zero, so a fresh base is N(0, I) for every context. Samples `loc(c) + scale(c) · ε`
 * are differentiable in the network's weights.
 *
 * @example
 * ```ts
 * const base = new ConditionalDiagNormal(2, 3, { hidden: [32], seed: 0 });
 * const z = base.sample(4, 1, tf.ones([4, 3]));
 * ```
 */
export class ConditionalDiagNormal extends Distribution {
  readonly className = 'ConditionalDiagNormal';
  readonly net: MLP;

  constructor(dim: number, contextDim: number, options: ConditionalDiagNormalOptions = {}) {
    super(dim, checkInt('ConditionalDiagNormal', 'contextDim', contextDim));
    checkOptions('ConditionalDiagNormal', options, ['hidden', 'activation', 'seed']);
    this.net = new MLP(0, 2 * dim, { contextDim, hidden: options.hidden, activation: options.activation, seed: options.seed });
  }

  getConfig(): JsonObject {
    return { dim: this.dim, contextDim: this.contextDim, hidden: [...this.net.hidden], activation: this.net.activation };
  }

  protected override children(): readonly Module[] {
    return [this.net];
  }

  /** `loc` and `logScale`, each `[batch, dim]`, for each context row. Call inside `tf.tidy`. */
  parameters(context: tf.Tensor2D): { loc: tf.Tensor2D; logScale: tf.Tensor2D } {
    const out = this.net.apply(context, context);
    const [loc, logScale] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return { loc, logScale };
  }

  protected _logProb(z: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor1D {
    const { loc, logScale } = this.parameters(context!);
    const u = tf.mul(tf.sub(z, loc), tf.exp(tf.neg(logScale)));
    return tf.sub(tf.mul(-0.5, tf.sum(tf.square(u), 1)), tf.add(tf.sum(logScale, 1), this.dim * HALF_LOG_2PI)) as tf.Tensor1D;
  }

  protected _sample(n: number, rng: Rng, context: tf.Tensor2D | null): tf.Tensor2D {
    const { loc, logScale } = this.parameters(context!);
    const eps = tf.tensor2d(rng.normals(n * this.dim), [n, this.dim]);
    return tf.add(tf.mul(eps, tf.exp(logScale)), loc) as tf.Tensor2D;
  }
}
