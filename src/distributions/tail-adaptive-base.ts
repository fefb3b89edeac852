import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import type { Rng } from '../random.js';
import { checkBoolean, checkOptions, checkVector } from '../validate.js';
import { Distribution, HALF_LOG_2PI } from './distribution.js';
import { stopGradient } from '../ops/gradient.js';
import { standardTDraws, studentTLogDensity } from './student-t.js';

export interface TailAdaptiveBaseOptions {
  /** Indices of the heavy-tailed dimensions (ascending, distinct); the others are Gaussian. Default none. */
  heavy?: number[];
  /** Initial degrees of freedom ν > 0 of the heavy dimensions (one number, or one per heavy index); default 5. */
  df?: number | number[];
  /** Initial positive scale of the heavy dimensions (one number, or one per heavy index); default 1. */
  scale?: number | number[];
  /** Whether training updates the degrees of freedom, locations and scales (default true). */
  trainable?: boolean;
}

/**
 * Independent marginals, normal on light dimensions and Student-t with trainable degrees of freedom on
 * heavy ones (the base of mTAF, Laszkiewicz et al. 2022), each with a trainable location and scale:
 * with `uᵢ = (zᵢ − locᵢ)/sᵢ`,
 * `log p(z) = Σ_{i light} [−½ uᵢ² − ½ log 2π − log sᵢ] + Σ_{i heavy} [log t_{νᵢ}(uᵢ) − log sᵢ]`, with
 * `log t_ν(u) = log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − (ν+1)/2 · log(1 + u²/ν)`, `νᵢ = exp(logDf)`,
 * `sᵢ = exp(logScale)`. An autoregressive flow over this base keeps each light marginal light and each
 * heavy marginal heavy when no layer lets a light output depend on a heavy input (see
 * `tailAdaptiveFlow`). Beyond a spline's tail bound such a flow is the identity, so there the heavy
 * marginal's density is this base's: ν sets the tail's exponent and s its weight.
 *
 * @example
 * ```ts
 * const base = new TailAdaptiveBase(4, { heavy: [2, 3], df: [2, 3] });
 * const lp = base.logProb(tf.zeros([1, 4]));
 * ```
 */
export class TailAdaptiveBase extends Distribution {
  readonly className = 'TailAdaptiveBase';
  readonly heavy: readonly number[];
  private readonly trainable: boolean;
  /** log ν of the heavy dimensions, `[heavy.length]`, or `null` when none is heavy. */
  readonly logDf: tf.Variable | null;
  /** Location of every dimension, `[dim]`. */
  readonly loc: tf.Variable;
  /** log s of every dimension, `[dim]`. */
  readonly logScale: tf.Variable;
  /** 1 on heavy dimensions, 0 on light ones, `[dim]`. */
  private readonly heavyMask: tf.Tensor1D;
  /** Scatter matrix `[heavy.length, dim]` putting the heavy df in place (a matMul: `gather` has no wasm gradient). */
  private readonly scatter: tf.Tensor2D | null;

  constructor(dim: number, options: TailAdaptiveBaseOptions = {}) {
    super(dim);
    const fn = 'TailAdaptiveBase';
    checkOptions(fn, options, ['heavy', 'df', 'scale', 'trainable']);
    const heavy = options.heavy ?? [];
    if (!Array.isArray(heavy) || !heavy.every((h, i) => Number.isInteger(h) && h >= 0 && h < dim && (i === 0 || h > heavy[i - 1]))) {
      throw new ValidationError(fn, 'options.heavy', `ascending distinct indices in 0 … ${dim - 1}`, describe(heavy));
    }
    this.heavy = [...heavy];
    const h = heavy.length;
    const df = h === 0 ? [] : checkVector(fn, 'options.df', options.df ?? 5, h, { min: 0, open: true });
    const scale = h === 0 ? [] : checkVector(fn, 'options.scale', options.scale ?? 1, h, { min: 0, open: true });
    this.trainable = checkBoolean(fn, 'options.trainable', options.trainable, true);
    const mask = new Float32Array(dim);
    const scatter = new Float32Array(h * dim);
    heavy.forEach((j, i) => {
      mask[j] = 1;
      scatter[i * dim + j] = 1;
    });
    this.logDf = h === 0 ? null : this.addWeight('logDf', () => tf.tensor1d(df.map(Math.log)), this.trainable);
    const logScale = new Float32Array(dim);
    heavy.forEach((j, i) => (logScale[j] = Math.log(scale[i])));
    this.loc = this.addWeight('loc', () => tf.zeros([dim]), this.trainable);
    this.logScale = this.addWeight('logScale', () => tf.tensor1d(logScale), this.trainable);
    this.heavyMask = tf.keep(tf.tensor1d(mask));
    this.scatter = h === 0 ? null : tf.keep(tf.tensor2d(scatter, [h, dim]));
  }

  /** Current degrees of freedom of the heavy dimensions (aligned with `heavy`). A synchronous read, for inspection. */
  get df(): number[] {
    return this.logDf ? Array.from(tf.tidy(() => tf.exp(this.logDf!)).dataSync()) : [];
  }

  /** Current scale of every dimension. A synchronous read, for inspection. */
  get scale(): number[] {
    return Array.from(tf.tidy(() => tf.exp(this.logScale)).dataSync());
  }

  getConfig(): JsonObject {
    return { dim: this.dim, heavy: [...this.heavy], trainable: this.trainable };
  }

  override dispose(): void {
    this.heavyMask.dispose();
    this.scatter?.dispose();
    super.dispose();
  }

  protected _logProb(z: tf.Tensor2D): tf.Tensor1D {
    const u = tf.mul(tf.sub(z, this.loc), tf.exp(tf.neg(this.logScale))) as tf.Tensor2D;
    const logNorm = tf.sum(this.logScale);
    const normal = tf.sub(tf.mul(-0.5, tf.square(u)), HALF_LOG_2PI);
    if (!this.logDf || !this.scatter) return tf.sub(tf.sum(normal, 1), logNorm) as tf.Tensor1D;
    // ν on heavy dimensions, 1 (unused, but finite) on light ones.
    const df = tf.add(tf.reshape(tf.matMul(tf.reshape(tf.exp(this.logDf), [1, -1]), this.scatter), [-1]), tf.sub(1, this.heavyMask)) as tf.Tensor1D;
    const t = studentTLogDensity(u, df);
    return tf.sub(tf.sum(tf.add(tf.mul(t, this.heavyMask), tf.mul(normal, tf.sub(1, this.heavyMask))), 1), logNorm) as tf.Tensor1D;
  }

  protected _sample(n: number, rng: Rng): tf.Tensor2D {
    const eps = tf.tensor2d(rng.normals(n * this.dim), [n, this.dim]);
    let out: tf.Tensor2D = eps;
    if (this.logDf && this.scatter) {
      // Student-t on heavy columns, the normal draw itself on light ones; ν stays on the device (no read).
      const df = tf.add(tf.reshape(tf.matMul(tf.reshape(stopGradient(tf.exp(this.logDf)), [1, -1]), this.scatter), [-1]), tf.sub(1, this.heavyMask)) as tf.Tensor1D;
      const t = standardTDraws(eps, df, rng);
      out = tf.add(tf.mul(t, this.heavyMask), tf.mul(eps, tf.sub(1, this.heavyMask))) as tf.Tensor2D;
    }
    // loc + s · (standard draw): differentiable in loc and s.
    return tf.add(tf.mul(out, tf.exp(this.logScale)), this.loc) as tf.Tensor2D;
  }
}
