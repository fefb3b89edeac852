/** Inverted dropout for the conditioner networks, seeded and active in training mode only. */
import { tf } from '../backend.js';
import { type JsonObject, Module } from '../module.js';
import { ValidationError } from '../errors.js';
import { Rng } from '../random.js';
import { checkNumber } from '../validate.js';

/**
 * Inverted dropout (Srivastava et al. 2014): in training mode `y = x ⊙ m / (1 − rate)` with
 * `mᵢⱼ ~ Bernoulli(1 − rate)`, so `E[y] = x`; in evaluation mode `y = x` exactly.
 *
 * Randomness: the masks of the `k`-th training-mode call come from `new Rng(\`${seed}:${k}\`)`, where
 * `seed` is drawn from the owning network's seed at construction and kept as a non-trainable weight
 * (so it is saved and reloaded) and `k` counts this layer's training-mode calls since it was built or
 * loaded. A flow built with the same seed and trained the same way therefore sees the same masks.
 *
 * @example
 * ```ts
 * const drop = new Dropout(0.1, new Rng(0));
 * drop.training = true;
 * const y = drop.apply(tf.ones([4, 8])); // entries 0 or 1/0.9
 * ```
 */
export class Dropout extends Module {
  readonly className = 'Dropout';
  readonly rate: number;
  /** The mask seed (an integer below 2²⁴, exact in float32); non-trainable. */
  readonly seed: tf.Variable;
  private calls = 0;
  /** The seed's value, read once per value of the weight (`assign` gives a variable a new `dataId`). */
  private cached: { dataId: object; value: number } | null = null;

  constructor(rate: number, rng: Rng) {
    super();
    this.rate = checkNumber('Dropout', 'rate', rate, { min: 0 });
    if (rate >= 1) throw new ValidationError('Dropout', 'rate', 'a number in [0, 1)', String(rate));
    const seed = rng.int(1 << 24);
    this.seed = this.addWeight('seed', () => tf.scalar(seed), false);
    // Known without a read: only a loaded or restored seed (host data) is read back, once.
    this.cached = { dataId: this.seed.dataId, value: seed };
  }

  override get hasTrainingMode(): boolean {
    return true;
  }

  getConfig(): JsonObject {
    return { rate: this.rate };
  }

  /** `x` `[batch, n]` → the same shape; identity in evaluation mode or at rate 0. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (!this.training || this.rate === 0) return x;
    if (this.cached?.dataId !== this.seed.dataId) this.cached = { dataId: this.seed.dataId, value: this.seed.dataSync()[0] };
    const seed = this.cached.value;
    const rng = new Rng(`${seed}:${this.calls++}`);
    const keep = 1 - this.rate;
    const u = rng.uniforms(x.size);
    const m = new Float32Array(x.size);
    for (let i = 0; i < m.length; i++) m[i] = u[i] < keep ? 1 / keep : 0;
    return tf.mul(x, tf.tensor2d(m, x.shape)) as tf.Tensor2D;
  }
}
