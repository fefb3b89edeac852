import { tf } from '../backend.js';
import { pickComponents } from './pick-component.js';
import type { JsonObject, Module } from '../module.js';
import type { Activation } from '../nn/activation.js';
import { MLP } from '../nn/mlp.js';
import { type Rng, type Seed, toRng } from '../random.js';
import { checkInt, checkNumber, checkOptions } from '../validate.js';
import { Distribution, HALF_LOG_2PI } from './distribution.js';

export interface ConditionalMixtureOfGaussiansOptions {
  /** Number of components K (default 2). */
  components?: number;
  /** Hidden sizes of the network from the context to the parameters (default `[64, 64]`). */
  hidden?: number[];
  /** Hidden activation (default `relu`). */
  activation?: Activation;
  /** Standard deviation of the seeded initial component means (default 1). */
  spread?: number;
  /** Seed of the network's weights and of the initial means. */
  seed?: Seed;
}

/**
 * Conditional mixture of K diagonal Gaussians: `(logits, Δμ, logScale) = MLP(context)`, means
 * `μ_k(c) = m_k + Δμ_k(c)` with trainable context-free offsets `m_k` (seeded, so components start apart),
 * `log p(z | c) = logsumexp_k [log softmax(logits(c))_k − ½ Σᵢ ((zᵢ − μ_ki)/s_ki)² − Σᵢ log s_ki − (d/2) log 2π]`.
 * The network's last layer starts at zero: a fresh base is the same equal-weight mixture for every context.
 * Samples are differentiable in means and scales, not in the weights.
 *
 * @example
 * ```ts
 * const base = new ConditionalMixtureOfGaussians(2, 1, { components: 3, hidden: [32], seed: 0 });
 * const lp = base.logProb(tf.zeros([4, 2]), tf.ones([4, 1]));
 * ```
 */
export class ConditionalMixtureOfGaussians extends Distribution {
  readonly className = 'ConditionalMixtureOfGaussians';
  readonly components: number;
  readonly net: MLP;
  /** Context-free mean offsets `m_k`, `[K, dim]`. */
  readonly locOffset: tf.Variable;

  constructor(dim: number, contextDim: number, options: ConditionalMixtureOfGaussiansOptions = {}) {
    const fn = 'ConditionalMixtureOfGaussians';
    super(dim, checkInt(fn, 'contextDim', contextDim));
    checkOptions(fn, options, ['components', 'hidden', 'activation', 'spread', 'seed']);
    const k = checkInt(fn, 'options.components', options.components ?? 2);
    const spread = checkNumber(fn, 'options.spread', options.spread ?? 1, { min: 0 });
    const rng = toRng(options.seed, fn, 'options.seed');
    this.components = k;
    this.net = new MLP(0, k * (1 + 2 * dim), { contextDim, hidden: options.hidden, activation: options.activation, seed: rng.fork() });
    const loc = Array.from(rng.normals(k * dim), (v) => v * spread);
    this.locOffset = this.addWeight('locOffset', () => tf.tensor2d(loc, [k, dim]));
  }

  getConfig(): JsonObject {
    return { dim: this.dim, contextDim: this.contextDim, components: this.components, hidden: [...this.net.hidden], activation: this.net.activation };
  }

  protected override children(): readonly Module[] {
    return [this.net];
  }

  /** Per context row: `logWeights` `[batch, K]` (log-softmax), `loc` and `logScale` `[batch, K, dim]`. Call inside `tf.tidy`. */
  parameters(context: tf.Tensor2D): { logWeights: tf.Tensor2D; loc: tf.Tensor3D; logScale: tf.Tensor3D } {
    const [k, d] = [this.components, this.dim];
    const out = this.net.apply(context, context);
    const b = out.shape[0];
    const [logits, dLoc, logScale] = tf.split(out, [k, k * d, k * d], 1);
    return {
      logWeights: tf.logSoftmax(logits) as tf.Tensor2D,
      loc: tf.add(tf.reshape(dLoc, [b, k, d]), tf.expandDims(this.locOffset, 0)) as tf.Tensor3D,
      logScale: tf.reshape(logScale, [b, k, d]) as tf.Tensor3D,
    };
  }

  protected _logProb(z: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor1D {
    const { logWeights, loc, logScale } = this.parameters(context!);
    const u = tf.mul(tf.sub(tf.expandDims(z, 1), loc), tf.exp(tf.neg(logScale)));
    const comp = tf.sub(tf.mul(-0.5, tf.sum(tf.square(u), 2)), tf.add(tf.sum(logScale, 2), this.dim * HALF_LOG_2PI));
    return tf.logSumExp(tf.add(comp, logWeights), 1) as tf.Tensor1D;
  }

  protected _sample(n: number, rng: Rng, context: tf.Tensor2D | null): tf.Tensor2D {
    const k = this.components;
    const { logWeights, loc, logScale } = this.parameters(context!);
    const onehot = pickComponents(tf.exp(logWeights) as tf.Tensor2D, n, rng);
    const eps = tf.tensor2d(rng.normals(n * this.dim), [n, this.dim]);
    const pick = tf.expandDims(onehot, 2); // [n, K, 1]
    const mean = tf.sum(tf.mul(pick, loc), 1);
    const scale = tf.sum(tf.mul(pick, tf.exp(logScale)), 1);
    return tf.add(mean, tf.mul(eps, scale)) as tf.Tensor2D;
  }
}
