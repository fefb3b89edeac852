import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
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
    // The gamma draws are rejection sampling in JavaScript and need df on the host: a synchronous read
    // (a copy on cpu/wasm/tfjs-node; not supported on WebGPU yet, see docs/backends.md).
    const df = tf.exp(this.logDf).dataSync();
    const t = new Float32Array(n * this.dim);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < this.dim; j++) {
        t[i * this.dim + j] = standardT(rng, df[j]);
      }
    }
    return tf.add(tf.mul(tf.tensor2d(t, [n, this.dim]), tf.exp(this.logScale)), this.loc) as tf.Tensor2D;
  }
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

/** One standard Student-t draw `ε / √(V/ν)`, V ~ χ²(ν) = 2 · Gamma(ν/2), ε ~ N(0, 1). */
export function standardT(rng: Rng, df: number): number {
  const chi2 = 2 * rng.gamma(df / 2);
  return rng.normal() / Math.sqrt(chi2 / df);
}
