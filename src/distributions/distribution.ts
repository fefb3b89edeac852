/**
 * Base distributions: the latent side of a flow. `logProb(z)` is `[batch]`; `sample(n, seed)` is `[n, dim]`
 * and reparameterised (differentiable in the distribution's location and scale), which reverse-KL training needs.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { Module } from '../module.js';
import { type Seed, toRng, type Rng } from '../random.js';
import { checkInt } from '../validate.js';

export abstract class Distribution extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkInt(new.target.name, 'dim', dim);
  }

  /** Log-density of each row of `z` (`[batch, dim]`) → `[batch]`. */
  logProb(z: tf.Tensor2D): tf.Tensor1D {
    const fn = `${this.className}.logProb`;
    assertReady(fn);
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new ValidationError(fn, 'z', `a 2D tensor [batch, ${this.dim}]`, describe(z));
    }
    return tf.tidy(() => this._logProb(z));
  }

  /** `n` draws as `[n, dim]`. The same seed gives the same draws on every backend. */
  sample(n: number, seed?: Seed): tf.Tensor2D {
    const fn = `${this.className}.sample`;
    assertReady(fn);
    checkInt(fn, 'n', n);
    const rng = toRng(seed);
    return tf.tidy(() => this._sample(n, rng));
  }

  protected abstract _logProb(z: tf.Tensor2D): tf.Tensor1D;
  protected abstract _sample(n: number, rng: Rng): tf.Tensor2D;
}

/** −½ log 2π, the per-dimension constant of a standard normal's log-density. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
