import { tf } from '../backend.js';
import { pickComponents } from './pick-component.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import { type Rng, type Seed, toRng } from '../random.js';
import { checkBoolean, checkInt, checkNumber, checkOptions } from '../validate.js';
import { Distribution, HALF_LOG_2PI } from './distribution.js';

export interface MixtureOfGaussiansOptions {
  /** Number of components K (default 2). */
  components?: number;
  /** `diagonal` (default): `Σ_k = diag(scale_k²)`; `full`: `Σ_k = L_k L_kᵀ` with a trainable lower-triangular `L_k`. */
  covariance?: 'diagonal' | 'full';
  /** Initial means `[K][dim]`; default: seeded N(0, spread²) draws. */
  loc?: number[][];
  /** Standard deviation of the default initial means (default 1). */
  spread?: number;
  /** Initial standard deviation of every component along every axis (default 1). */
  scale?: number;
  /** Seed of the default initial means. */
  seed?: Seed;
  /** Whether training updates the weights, means and scales (default true). */
  trainable?: boolean;
}

/**
 * Mixture of K Gaussians with trainable weights `π = softmax(logits)`, means `μ_k` and scales:
 * `log p(z) = logsumexp_k [log π_k − ½ ‖L_k⁻¹ (z − μ_k)‖² − Σᵢ log (L_k)ᵢᵢ − (d/2) log 2π]`,
 * with `L_k = diag(exp(logScale_k))` (`diagonal`) or lower triangular with a positive diagonal
 * `exp(logDiag)` and free strict lower part (`full`). Samples pick a component with the seeded Rng and
 * return `μ_k + L_k ε`: differentiable in means and scales, not in the weights.
 *
 * @example
 * ```ts
 * const base = new MixtureOfGaussians(2, { components: 4, covariance: 'full', seed: 0 });
 * const z = base.sample(100, 1);
 * ```
 */
export class MixtureOfGaussians extends Distribution {
  readonly className = 'MixtureOfGaussians';
  readonly components: number;
  readonly covariance: 'diagonal' | 'full';
  private readonly trainable: boolean;
  readonly logits: tf.Variable;
  readonly loc: tf.Variable;
  /** `diagonal`: log scales `[K, dim]`; `full`: raw factors `[K, dim, dim]` (log diagonal, free strict lower part, upper part unused). */
  readonly scaleParams: tf.Variable;
  private readonly lowerMask: tf.Tensor | null;
  private readonly eye: tf.Tensor | null;

  constructor(dim: number, options: MixtureOfGaussiansOptions = {}) {
    super(dim);
    const fn = 'MixtureOfGaussians';
    checkOptions(fn, options, ['components', 'covariance', 'loc', 'spread', 'scale', 'seed', 'trainable']);
    const k = checkInt(fn, 'options.components', options.components ?? 2);
    const covariance = options.covariance ?? 'diagonal';
    if (covariance !== 'diagonal' && covariance !== 'full') throw new ValidationError(fn, 'options.covariance', '"diagonal" or "full"', describe(covariance));
    const spread = checkNumber(fn, 'options.spread', options.spread ?? 1, { min: 0 });
    const scale = checkNumber(fn, 'options.scale', options.scale ?? 1, { min: 0, open: true });
    this.trainable = checkBoolean(fn, 'options.trainable', options.trainable, true);
    let loc: number[];
    if (options.loc !== undefined) {
      const l = options.loc;
      if (!Array.isArray(l) || l.length !== k || !l.every((r) => Array.isArray(r) && r.length === dim && r.every(Number.isFinite))) {
        throw new ValidationError(fn, 'options.loc', `${k} rows of ${dim} finite numbers`, describe(l));
      }
      loc = l.flat();
    } else {
      const rng = toRng(options.seed, fn, 'options.seed');
      loc = Array.from(rng.normals(k * dim), (v) => v * spread);
    }
    this.components = k;
    this.covariance = covariance;
    this.logits = this.addWeight('logits', () => tf.zeros([k]), this.trainable);
    this.loc = this.addWeight('loc', () => tf.tensor2d(loc, [k, dim]), this.trainable);
    if (covariance === 'diagonal') {
      this.scaleParams = this.addWeight('logScale', () => tf.fill([k, dim], Math.log(scale)), this.trainable);
      this.lowerMask = null;
      this.eye = null;
    } else {
      this.scaleParams = this.addWeight('scaleTril', () => tf.mul(tf.tile(tf.expandDims(tf.eye(dim), 0), [k, 1, 1]), Math.log(scale)), this.trainable);
      this.eye = tf.keep(tf.eye(dim));
      this.lowerMask = tf.keep(tf.sub(tf.linalg.bandPart(tf.ones([dim, dim]), -1, 0), this.eye));
    }
  }

  getConfig(): JsonObject {
    return { dim: this.dim, components: this.components, covariance: this.covariance, trainable: this.trainable };
  }

  override dispose(): void {
    this.lowerMask?.dispose();
    this.eye?.dispose();
    super.dispose();
  }

  /** Mixture weights π (softmax of the logits). A synchronous read, for inspection (sampling does not use it). */
  get mixtureWeights(): number[] {
    return Array.from(tf.tidy(() => tf.softmax(this.logits)).dataSync());
  }

  /** `L_k` `[K, dim, dim]` (full) with its log-diagonal `[K, dim]`. */
  private tril(): { l: tf.Tensor3D; logDiag: tf.Tensor2D } {
    const raw = this.scaleParams as tf.Tensor3D;
    const logDiag = tf.sum(tf.mul(raw, this.eye!), 2) as tf.Tensor2D;
    const l = tf.add(tf.mul(raw, this.lowerMask!), tf.mul(tf.expandDims(tf.exp(logDiag), 2), this.eye!)) as tf.Tensor3D;
    return { l, logDiag };
  }

  /**
   * Rows of `L_k⁻¹` by forward substitution, `[K, dim, dim]`: row i is `(eᵢ − Σ_{j<i} L_ij · row_j) / L_ii`
   * (differentiable; TF.js has no triangular solve with a gradient).
   */
  private inverseTril(l: tf.Tensor3D): tf.Tensor3D {
    const d = this.dim;
    const rows: tf.Tensor2D[] = [];
    const eye = tf.eye(d);
    for (let i = 0; i < d; i++) {
      const li = tf.squeeze(tf.slice(l, [0, i, 0], [-1, 1, -1]), [1]) as tf.Tensor2D; // [K, d]
      let acc = tf.tile(tf.slice(eye, [i, 0], [1, -1]), [this.components, 1]) as tf.Tensor2D;
      for (let j = 0; j < i; j++) acc = tf.sub(acc, tf.mul(tf.slice(li, [0, j], [-1, 1]), rows[j])) as tf.Tensor2D;
      rows.push(tf.div(acc, tf.slice(li, [0, i], [-1, 1])) as tf.Tensor2D);
    }
    return tf.stack(rows, 1) as tf.Tensor3D;
  }

  /** Per-component log-densities `[batch, K]` (without the weights). */
  private componentLogProb(z: tf.Tensor2D): tf.Tensor2D {
    const diff = tf.sub(tf.expandDims(z, 1), tf.expandDims(this.loc, 0)); // [b, K, d]
    let u: tf.Tensor;
    let logDet: tf.Tensor;
    if (this.covariance === 'diagonal') {
      u = tf.mul(diff, tf.exp(tf.neg(this.scaleParams)));
      logDet = tf.sum(this.scaleParams, 1);
    } else {
      const { l, logDiag } = this.tril();
      const inv = this.inverseTril(l); // [K, d, d]
      u = tf.transpose(tf.matMul(tf.transpose(diff, [1, 0, 2]) as tf.Tensor3D, inv, false, true), [1, 0, 2]); // [b, K, d]
      logDet = tf.sum(logDiag, 1);
    }
    return tf.sub(tf.mul(-0.5, tf.sum(tf.square(u), 2)), tf.add(logDet, this.dim * HALF_LOG_2PI)) as tf.Tensor2D;
  }

  protected _logProb(z: tf.Tensor2D): tf.Tensor1D {
    return tf.logSumExp(tf.add(this.componentLogProb(z), tf.logSoftmax(this.logits)), 1) as tf.Tensor1D;
  }

  protected _sample(n: number, rng: Rng): tf.Tensor2D {
    const k = this.components;
    const pick = pickComponents(tf.reshape(tf.softmax(this.logits), [1, k]) as tf.Tensor2D, n, rng);
    const eps = tf.tensor2d(rng.normals(n * this.dim), [n, this.dim]);
    const mean = tf.matMul(pick, this.loc as tf.Tensor2D);
    if (this.covariance === 'diagonal') return tf.add(mean, tf.mul(eps, tf.matMul(pick, tf.exp(this.scaleParams) as tf.Tensor2D))) as tf.Tensor2D;
    // L_k ε for every k, [K, n, d], then keep each row's component.
    const { l } = this.tril();
    const all = tf.matMul(tf.tile(tf.expandDims(eps, 0), [k, 1, 1]) as tf.Tensor3D, l, false, true);
    const chosen = tf.sum(tf.mul(all, tf.expandDims(tf.transpose(pick), 2)), 0);
    return tf.add(mean, chosen) as tf.Tensor2D;
  }
}
