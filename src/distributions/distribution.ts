/**
 * Base distributions: the latent side of a flow. `logProb(z)` is `[batch]`; `sample(n, seed)` is `[n, dim]`
 * and reparameterised (differentiable in the distribution's location and scale), which reverse-KL training needs.
 * A conditional base (`contextDim > 0`) takes its parameters from a context `[batch, contextDim]`:
 * `logProb(z, context)`, `sample(n, seed, context)`.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { Module } from '../module.js';
import { type Seed, toRng, type Rng } from '../random.js';
import { checkInt } from '../validate.js';

export abstract class Distribution extends Module {
  readonly dim: number;
  /** Context features the parameters depend on (0: unconditional). */
  readonly contextDim: number;

  constructor(dim: number, contextDim = 0) {
    super();
    this.dim = checkInt(new.target.name, 'dim', dim);
    this.contextDim = checkInt(new.target.name, 'contextDim', contextDim, 0);
  }

  /** Log-density of each row of `z` (`[batch, dim]`) → `[batch]`; a conditional base needs `context` `[batch, contextDim]`. */
  logProb(z: tf.Tensor2D, context?: tf.Tensor2D | null): tf.Tensor1D {
    const fn = `${this.className}.logProb`;
    assertReady(fn);
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new ValidationError(fn, 'z', `a 2D tensor [batch, ${this.dim}]`, describe(z));
    }
    const c = this.checkContext(fn, context, z.shape[0]);
    return tf.tidy(() => this._logProb(z, c));
  }

  /** `n` draws as `[n, dim]`. The same seed gives the same draws on every backend. A conditional base needs `context` `[n, contextDim]`. */
  sample(n: number, seed?: Seed, context?: tf.Tensor2D | null): tf.Tensor2D {
    const fn = `${this.className}.sample`;
    assertReady(fn);
    checkInt(fn, 'n', n);
    const c = this.checkContext(fn, context, n);
    const rng = toRng(seed);
    return tf.tidy(() => this._sample(n, rng, c));
  }

  private checkContext(fn: string, context: tf.Tensor2D | null | undefined, rows: number): tf.Tensor2D | null {
    if (this.contextDim === 0) {
      if (context !== undefined && context !== null) throw new ValidationError(fn, 'context', 'absent (this distribution is unconditional)', describe(context));
      return null;
    }
    if (!(context instanceof tf.Tensor) || context.rank !== 2 || context.shape[0] !== rows || context.shape[1] !== this.contextDim) {
      throw new ValidationError(fn, 'context', `a 2D tensor [${rows}, ${this.contextDim}]`, describe(context));
    }
    return context;
  }

  /** `context` is `null` for an unconditional base, else a checked `[batch, contextDim]` tensor. */
  protected abstract _logProb(z: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor1D;
  protected abstract _sample(n: number, rng: Rng, context: tf.Tensor2D | null): tf.Tensor2D;
}

/** −½ log 2π, the per-dimension constant of a standard normal's log-density. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
