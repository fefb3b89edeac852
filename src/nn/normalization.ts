/**
 * Normalisation layers for the hidden units of conditioner networks (not bijectors: they act on
 * hidden features, inside the network that computes a bijector's parameters).
 */
import { tf } from '../backend.js';
import { type JsonObject, Module } from '../module.js';
import { checkInt } from '../validate.js';

/** Normalisation of a conditioner's hidden layers: none, batch (Ioffe & Szegedy 2015), layer (Ba et al. 2016) or weight (Salimans & Kingma 2016). */
export const CONDITIONER_NORMS = ['none', 'batch', 'layer', 'weight'] as const;
export type ConditionerNorm = (typeof CONDITIONER_NORMS)[number];

const EPS = 1e-5;

/**
 * Layer normalisation (Ba, Kiros & Hinton 2016): per row, `y = (h − mean(h)) / √(var(h) + ε) · γ + β`
 * over the `width` features; γ starts at 1, β at 0. Mixes features, so it cannot sit inside a
 * masked (MADE) network.
 *
 * @example
 * ```ts
 * const norm = new LayerNorm(8);
 * norm.apply(tf.randomNormal([4, 8])); // rows with mean 0 and variance ≈ 1
 * ```
 */
export class LayerNorm extends Module {
  readonly className = 'LayerNorm';
  readonly width: number;
  readonly gain: tf.Variable;
  readonly bias: tf.Variable;

  constructor(width: number) {
    super();
    this.width = checkInt('LayerNorm', 'width', width);
    this.gain = this.addWeight('gain', () => tf.ones([width]));
    this.bias = this.addWeight('bias', () => tf.zeros([width]));
  }

  getConfig(): JsonObject {
    return { width: this.width };
  }

  /** `h` `[batch, width]` → `[batch, width]`. */
  apply(h: tf.Tensor2D): tf.Tensor2D {
    const { mean, variance } = tf.moments(h, 1, true);
    return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, EPS))), this.gain), this.bias) as tf.Tensor2D;
  }
}

/**
 * Batch normalisation of hidden features (Ioffe & Szegedy 2015): `y = (h − μ) / √(σ² + ε) · γ + β`,
 * per feature. In training mode μ, σ² are the batch's (biased) moments, differentiated through, and
 * the running moments follow them with `momentum` 0.9; in evaluation mode the running moments are
 * used (they start at 0 and 1 and are non-trainable weights, so save/load keeps them). Per feature,
 * so it keeps a MADE's autoregressive structure in evaluation mode.
 *
 * @example
 * ```ts
 * const norm = new HiddenBatchNorm(8);
 * norm.training = true;
 * norm.apply(tf.randomNormal([16, 8])); // columns with mean 0 and variance ≈ 1
 * ```
 */
export class HiddenBatchNorm extends Module {
  readonly className = 'HiddenBatchNorm';
  readonly width: number;
  readonly momentum = 0.9;
  readonly gain: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(width: number) {
    super();
    this.width = checkInt('HiddenBatchNorm', 'width', width);
    this.gain = this.addWeight('gain', () => tf.ones([width]));
    this.bias = this.addWeight('bias', () => tf.zeros([width]));
    this.runningMean = this.addWeight('runningMean', () => tf.zeros([width]), false);
    this.runningVar = this.addWeight('runningVar', () => tf.ones([width]), false);
  }

  override get hasTrainingMode(): boolean {
    return true;
  }

  getConfig(): JsonObject {
    return { width: this.width };
  }

  /** `h` `[batch, width]` → `[batch, width]` (a single row uses the running moments in either mode: it has no batch moments). */
  apply(h: tf.Tensor2D): tf.Tensor2D {
    let mean: tf.Tensor = this.runningMean;
    let variance: tf.Tensor = this.runningVar;
    if (this.training && h.shape[0] > 1) {
      ({ mean, variance } = tf.moments(h, 0));
      const m = this.momentum;
      const [mv, vv] = [mean, variance];
      tf.tidy(() => {
        this.runningMean.assign(tf.add(tf.mul(m, this.runningMean), tf.mul(1 - m, mv)));
        this.runningVar.assign(tf.add(tf.mul(m, this.runningVar), tf.mul(1 - m, vv)));
      });
    }
    return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, EPS))), this.gain), this.bias) as tf.Tensor2D;
  }
}

/** The feature-normalisation module a hidden layer of `width` units gets for `norm` (`weight` and `none` need none). */
export function hiddenNorm(norm: ConditionerNorm, width: number): LayerNorm | HiddenBatchNorm | null {
  return norm === 'layer' ? new LayerNorm(width) : norm === 'batch' ? new HiddenBatchNorm(width) : null;
}
