import { assertReady, tf } from '../backend.js';
import { ValidationError } from '../errors.js';
import type { JsonObject } from '../module.js';
import { checkInt, checkNumber, checkOptions } from '../validate.js';
import { Bijector, type BijectorResult, type ScoreResult, perExample } from './bijector.js';

export interface ActNormOptions {
  /** Added to the batch variance before the square root at initialisation (default 1e-6). */
  eps?: number;
}

/**
 * Activation normalisation (Kingma & Dhariwal 2018, Glow): `forward(z) = z · exp(logScale) + shift`
 * (latent → data), forward log-det `Σ logScale`; `inverse(y) = (y − shift) · exp(−logScale)`.
 *
 * Data-dependent initialisation: the first batch it sees, in either direction, sets the weights so
 * that **that batch's outputs have per-dimension mean 0 and variance 1** (biased variance, `eps`
 * added): via `inverse(y)`, `shift = mean(y)`, `logScale = ½ log(var(y) + eps)`; via `forward(z)`,
 * `logScale = −½ log(var(z) + eps)`, `shift = −mean(z) · exp(logScale)`. A non-trainable
 * `initialized` weight (0 or 1) records it, so a saved and reloaded layer is not initialised again.
 * The initialising batch needs at least 2 rows.
 *
 * @example
 * ```ts
 * const norm = new ActNorm(3);
 * norm.inverse(firstBatch);   // initialises: outputs standardised
 * ```
 */
export class ActNorm extends Bijector {
  readonly className = 'ActNorm';
  readonly eps: number;
  readonly shift: tf.Variable;
  readonly logScale: tf.Variable;
  readonly initialized: tf.Variable;
  /**
   * The flag's value for the tensor it held when this layer last knew it (`dataId`): any assignment
   * from outside (setWeights, load, restore) changes the tensor and makes the flag unknown again. A
   * fresh layer and an initialised one therefore never read the flag back (no synchronous read while
   * training, which a GPU backend cannot afford); a loaded one reads it once.
   */
  private known: { dataId: object; value: boolean } | null = null;

  constructor(dim: number, options: ActNormOptions = {}) {
    checkInt('ActNorm', 'dim', dim);
    checkOptions('ActNorm', options, ['eps']);
    const eps = checkNumber('ActNorm', 'options.eps', options?.eps ?? 1e-6, { min: 0 });
    super({ dim });
    assertReady('new ActNorm');
    this.eps = eps;
    this.shift = this.addWeight('shift', () => tf.zeros([dim]));
    this.logScale = this.addWeight('logScale', () => tf.zeros([dim]));
    this.initialized = this.addWeight('initialized', () => tf.scalar(0), false);
    this.known = { dataId: this.initialized.dataId, value: false };
  }

  getConfig(): JsonObject {
    return { dim: this.dim, eps: this.eps };
  }

  /** Whether the data-dependent initialisation has happened. */
  get isInitialized(): boolean {
    if (this.known?.dataId !== this.initialized.dataId) {
      // Once after a load: the loaded flag is a tensor made from host values, so this read is a copy.
      this.known = { dataId: this.initialized.dataId, value: this.initialized.dataSync()[0] === 1 };
    }
    return this.known.value;
  }

  /** Set the weights from batch `x` seen in `direction` (see the class comment). Values only: no gradient flows through them. */
  private initialize(x: tf.Tensor2D, direction: 'forward' | 'inverse'): void {
    if (x.shape[0] < 2) {
      throw new ValidationError(`ActNorm.${direction}`, direction === 'forward' ? 'x' : 'y', 'at least 2 rows on the first call (it initialises the layer from the batch statistics)', `${x.shape[0]} row`);
    }
    tf.tidy(() => {
      const { mean, variance } = tf.moments(x, 0);
      const logStd = tf.mul(0.5, tf.log(tf.add(variance, this.eps)));
      if (direction === 'inverse') {
        this.shift.assign(mean);
        this.logScale.assign(logStd);
      } else {
        this.logScale.assign(tf.neg(logStd));
        this.shift.assign(tf.neg(tf.mul(mean, tf.exp(tf.neg(logStd)))));
      }
      this.initialized.assign(tf.scalar(1));
    });
    this.known = { dataId: this.initialized.dataId, value: true };
  }

  protected _forward(z: tf.Tensor2D): BijectorResult {
    if (!this.isInitialized) this.initialize(z, 'forward');
    const output = tf.add(tf.mul(z, tf.exp(this.logScale)), this.shift) as tf.Tensor2D;
    return { output, logDet: perExample(tf.sum(this.logScale) as tf.Scalar, z.shape[0]) };
  }

  /** Score rule: ∂log q/∂y = ∂log q/∂z · exp(−logScale) (the forward pass initialises the layer if needed). */
  protected override _forwardWithScore(z: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    const r = this._forward(z);
    return { ...r, score: tf.mul(score, tf.exp(tf.neg(this.logScale))) as tf.Tensor2D };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    if (!this.isInitialized) this.initialize(y, 'inverse');
    const output = tf.mul(tf.sub(y, this.shift), tf.exp(tf.neg(this.logScale))) as tf.Tensor2D;
    return { output, logDet: perExample(tf.neg(tf.sum(this.logScale)) as tf.Scalar, y.shape[0]) };
  }
}
