import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import { stopGradient } from '../ops/gradient.js';
import { lgamma } from '../ops/lgamma.js';
import type { Rng } from '../random.js';
import { checkBoolean, checkOptions, checkVector } from '../validate.js';
import { Distribution } from './distribution.js';

export interface StudentTOptions {
  /** Initial degrees of freedom ν > 0 (number or per dimension); default 5. */
  df?: number | number[];
  /** Initial location (number or per dimension); default 0. */
  loc?: number | number[];
  /** Initial positive scale (number or per dimension); default 1. */
  scale?: number | number[];
  /** Whether training updates df, loc and scale (default true). */
  trainable?: boolean;
}

/**
 * Independent Student-t per dimension, for heavy-tailed data. With u = (z − loc)/scale:
 * `log p(z) = Σ [log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log scale − (ν+1)/2 · log(1 + u²/ν)]`.
 * Trainable: `logDf` (ν = exp(logDf), per dimension), `loc`, `logScale`. Samples are
 * `loc + scale · ε / √(V/ν)` with ε ~ N(0, 1), V ~ χ²(ν): differentiable in loc and scale, not in ν.
 *
 * @example
 * ```ts
 * const base = new StudentT(2, { df: 3 });
 * ```
 */
export class StudentT extends Distribution {
  readonly className = 'StudentT';
  private readonly trainable: boolean;
  readonly logDf: tf.Variable;
  readonly loc: tf.Variable;
  readonly logScale: tf.Variable;

  constructor(dim: number, options: StudentTOptions = {}) {
    super(dim);
    checkOptions('StudentT', options, ['df', 'loc', 'scale', 'trainable']);
    const df = checkVector('StudentT', 'options.df', options.df ?? 5, dim, { min: 0, open: true });
    const loc = checkVector('StudentT', 'options.loc', options.loc ?? 0, dim);
    const scale = checkVector('StudentT', 'options.scale', options.scale ?? 1, dim, { min: 0, open: true });
    this.trainable = checkBoolean('StudentT', 'options.trainable', options.trainable, true);
    this.logDf = this.addWeight('logDf', () => tf.tensor1d(df.map(Math.log)), this.trainable);
    this.loc = this.addWeight('loc', () => tf.tensor1d(loc), this.trainable);
    this.logScale = this.addWeight('logScale', () => tf.tensor1d(scale.map(Math.log)), this.trainable);
  }

  getConfig(): JsonObject {
    return { dim: this.dim, trainable: this.trainable };
  }

  protected _logProb(z: tf.Tensor2D): tf.Tensor1D {
    const u = tf.mul(tf.sub(z, this.loc), tf.exp(tf.neg(this.logScale)));
    return tf.sum(tf.sub(studentTLogDensity(u as tf.Tensor2D, tf.exp(this.logDf) as tf.Tensor1D), this.logScale), 1) as tf.Tensor1D;
  }

  protected _sample(n: number, rng: Rng): tf.Tensor2D {
    // On the device, with ν never read back (no synchronous read: WebGPU-safe); no gradient reaches ν.
    const t = standardTDraws(tf.tensor2d(rng.normals(n * this.dim), [n, this.dim]), stopGradient(tf.exp(this.logDf)) as tf.Tensor1D, rng);
    return tf.add(tf.mul(t, tf.exp(this.logScale)), this.loc) as tf.Tensor2D;
  }
}

/**
 * Marsaglia–Tsang candidates drawn per Gamma variate on the device. Each is accepted with probability
 * at least 0.95 (shape ≥ 1), so all ten reject with probability below 0.05¹⁰ ≈ 1e-13; the variate is
 * then the last candidate (a bias of that order, far below float32 sampling noise).
 */
const GAMMA_CANDIDATES = 10;

/**
 * Standard Student-t draws `t = ε / √(V/ν)`, `V = 2 · Gamma(ν/2) ~ χ²(ν)`, elementwise for the normal
 * draws `eps` `[n, dim]` and per-column degrees of freedom `df` `[dim]`, computed with tensor ops only
 * (no read of `df`), so sampling works on every backend, GPUs included. The Gamma variates use Marsaglia
 * & Tsang (2000) with a fixed number of candidates evaluated at once and the first accepted one kept
 * (boosted by `U^{1/a}` for shape `a < 1`); the uniform and normal draws come from `rng`.
 */
export function standardTDraws(eps: tf.Tensor2D, df: tf.Tensor1D, rng: Rng): tf.Tensor2D {
  const [n, dim] = eps.shape;
  // Uniforms on (0, 1]: 1 − U, so that log u and u^{1/a} stay finite.
  const positive = (): tf.Tensor2D => tf.tensor2d(rng.uniforms(n * dim).map((u) => 1 - u), [n, dim]);
  const normal = (): tf.Tensor2D => tf.tensor2d(rng.normals(n * dim), [n, dim]);
  return tf.tidy(() => {
    const a = tf.mul(0.5, df);
    const small = tf.broadcastTo(tf.less(a, 1), [n, dim]);
    const shape = tf.where(tf.less(a, 1), tf.add(a, 1), a);
    const d = tf.sub(shape, 1 / 3);
    const c = tf.rsqrt(tf.mul(9, d));
    const candidates = Array.from({ length: GAMMA_CANDIDATES }, () => ({ x: normal(), u: positive() }));
    let gamma: tf.Tensor = tf.zeros([n, dim]);
    // From the last candidate to the first, so that the first accepted one is kept.
    for (let k = GAMMA_CANDIDATES - 1; k >= 0; k--) {
      const { x, u } = candidates[k];
      const s = tf.add(1, tf.mul(c, x));
      const v = tf.mul(tf.square(s), s);
      const bound = tf.add(tf.mul(0.5, tf.square(x)), tf.mul(d, tf.add(tf.sub(1, v), tf.log(tf.maximum(v, 1e-30)))));
      const accept = tf.logicalAnd(tf.greater(s, 0), tf.less(tf.log(u), bound));
      const value = tf.mul(d, tf.maximum(v, 0));
      gamma = k === GAMMA_CANDIDATES - 1 ? value : tf.where(accept, value, gamma);
    }
    const boost = tf.pow(positive(), tf.div(1, a));
    gamma = tf.where(small, tf.mul(gamma, boost), gamma);
    return tf.div(eps, tf.sqrt(tf.div(tf.mul(2, gamma), df))) as tf.Tensor2D;
  });
}

/**
 * Standard Student-t log-density, elementwise: `log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − (ν+1)/2 · log(1 + u²/ν)`
 * for `u` `[batch, dim]` and `df` `[dim]` (broadcast over the batch).
 */
export function studentTLogDensity(u: tf.Tensor2D, df: tf.Tensor1D): tf.Tensor2D {
  const halfDfPlusOne = tf.mul(0.5, tf.add(df, 1));
  const norm = tf.sub(tf.sub(lgamma(halfDfPlusOne), lgamma(tf.mul(0.5, df))), tf.mul(0.5, tf.log(tf.mul(df, Math.PI))));
  return tf.add(tf.mul(tf.neg(halfDfPlusOne), tf.log1p(tf.div(tf.square(u), df))), norm) as tf.Tensor2D;
}
