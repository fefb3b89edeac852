import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import { denseOp } from '../nn/dense.js';
import { checkPositiveMap, logPositive, type PositiveMap } from '../ops/positive.js';
import { checkInt, checkOptions } from '../validate.js';
import { untaped } from '../ops/score-ops.js';
import { Bijector, type BijectorResult, type ScoreResult, perExample, tidy } from './bijector.js';

export interface LULinearOptions {
  /** Map from the raw diagonal of U to its positive diagonal: `softplus` (default, stable) or `exp`. */
  diagonal?: PositiveMap;
  /** Fixed permutation P, `(P v)[i] = v[permutation[i]]` (default the identity, so the layer starts as the identity). */
  permutation?: number[];
}

/** Rows of the inverse of a triangular matrix `t` (`[d, d]`, diagonal `diag` `[d]`) by substitution; differentiable. */
function triangularInverse(t: tf.Tensor2D, diag: tf.Tensor1D | null, lower: boolean): tf.Tensor2D {
  const d = t.shape[0];
  const eye = tf.eye(d) as tf.Tensor2D;
  // Lower: row i of T⁻¹ = (e_i − T[i, :i] · rows[:i]) / T_ii; upper: the same from the bottom with T[i, i+1:].
  let done: tf.Tensor2D | null = null;
  for (let step = 0; step < d; step++) {
    const i = lower ? step : d - 1 - step;
    let row = tf.slice(eye, [i, 0], [1, d]) as tf.Tensor2D;
    if (done) {
      const coeffs = lower ? tf.slice(t, [i, 0], [1, i]) : tf.slice(t, [i, i + 1], [1, d - 1 - i]);
      row = tf.sub(row, tf.matMul(coeffs as tf.Tensor2D, done));
    }
    if (diag) row = tf.div(row, tf.slice(diag, [i], [1]));
    done = !done ? row : lower ? tf.concat([done, row], 0) : tf.concat([row, done], 0);
  }
  return done as tf.Tensor2D;
}

/**
 * Invertible linear layer with an LU parameterisation (Kingma & Dhariwal 2018, Glow; Durkan et al. 2019):
 * `W = P L U`, L unit lower triangular, U upper triangular with positive diagonal `diagonal(s)`, P a fixed
 * permutation. The density direction is the cheap one: `inverse(y) = W y` (data → latent) with log-det
 * `Σ_i log U_ii`; `forward(z) = W⁻¹ z` (latent → data, by triangular substitution, `dim` sequential steps
 * independent of the batch) with log-det `−Σ_i log U_ii`. One weight `lowerUpper` `[dim, dim]` holds L below
 * the diagonal, U above it and the raw diagonal on it; it starts at zero, so the layer starts as P
 * (the identity by default).
 *
 * @example
 * ```ts
 * const lin = new LULinear(4);                 // identity at first
 * const { output: z, logDet } = lin.inverse(x); // x [batch, 4]
 * ```
 */
export class LULinear extends Bijector {
  readonly className = 'LULinear';
  readonly diagonal: PositiveMap;
  readonly permutation: readonly number[] | null;
  readonly lowerUpper: tf.Variable;
  private readonly consts: { strictLower: tf.Tensor2D; strictUpper: tf.Tensor2D; eye: tf.Tensor2D; p: tf.Tensor2D | null };

  constructor(dim: number, options: LULinearOptions = {}) {
    const fn = 'LULinear';
    checkInt(fn, 'dim', dim);
    checkOptions(fn, options, ['diagonal', 'permutation']);
    const o = options ?? {};
    const diagonal = checkPositiveMap(fn, 'options.diagonal', o.diagonal, 'softplus');
    const perm = o.permutation;
    if (perm !== undefined) {
      const ok = Array.isArray(perm) && perm.length === dim && new Set(perm).size === dim && perm.every((v) => Number.isInteger(v) && v >= 0 && v < dim);
      if (!ok) throw new ValidationError(fn, 'options.permutation', `a permutation of 0 … ${dim - 1}`, describe(perm));
    }
    super({ dim });
    assertReady(`new ${fn}`);
    this.diagonal = diagonal;
    this.permutation = perm === undefined || perm.every((v, i) => v === i) ? null : [...perm];
    this.lowerUpper = this.addWeight('lowerUpper', () => tf.zeros([dim, dim]));
    this.consts = tidy(() => {
      const ones = tf.ones([dim, dim]);
      const p = this.permutation ? tf.cast(tf.oneHot(tf.tensor1d([...this.permutation], 'int32'), dim), 'float32') : null;
      return {
        strictLower: tf.sub(tf.linalg.bandPart(ones, -1, 0), tf.eye(dim)) as tf.Tensor2D,
        strictUpper: tf.sub(tf.linalg.bandPart(ones, 0, -1), tf.eye(dim)) as tf.Tensor2D,
        eye: tf.eye(dim) as tf.Tensor2D,
        p: p as tf.Tensor2D | null,
      };
    });
  }

  getConfig(): JsonObject {
    return { dim: this.dim, diagonal: this.diagonal, permutation: this.permutation ? [...this.permutation] : null };
  }

  override dispose(): void {
    const { strictLower, strictUpper, eye, p } = this.consts;
    tf.dispose([strictLower, strictUpper, eye, ...(p ? [p] : [])]);
    super.dispose();
  }

  /** L, U and log diag(U) from the weight. */
  private factors(): { l: tf.Tensor2D; u: tf.Tensor2D; logDiag: tf.Tensor1D } {
    const { strictLower, strictUpper, eye } = this.consts;
    const lu = this.lowerUpper as tf.Tensor2D;
    const logDiag = logPositive(this.diagonal, tf.sum(tf.mul(lu, eye), 1)) as tf.Tensor1D;
    const l = tf.add(tf.mul(lu, strictLower), eye) as tf.Tensor2D;
    const u = tf.add(tf.mul(lu, strictUpper), tf.mul(eye, tf.exp(logDiag))) as tf.Tensor2D;
    return { l, u, logDiag };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    const { l, u, logDiag } = this.factors();
    const lu = tf.matMul(l, u);
    const w = this.consts.p ? tf.matMul(this.consts.p, lu) : lu;
    // Rows are examples: z = W y for each row is Y · Wᵀ.
    const output = denseOp(y, tf.transpose(w) as tf.Tensor2D, tf.zeros([this.dim as number]) as tf.Tensor1D, null);
    return { output, logDet: perExample(tf.sum(logDiag) as tf.Scalar, y.shape[0]) };
  }

  /** Score rule: x = W⁻¹z has J = W⁻¹, so ∂log q/∂x = Wᵀ ∂log q/∂z (rows: scoreZ · W). */
  protected override _forwardWithScore(z: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    const scoreX = untaped(() => {
      const { l, u } = this.factors();
      const lu = tf.matMul(l, u);
      return tf.matMul(score, this.consts.p ? tf.matMul(this.consts.p, lu) : lu) as tf.Tensor2D;
    });
    return { ...this._forward(z), score: scoreX };
  }

  protected _forward(z: tf.Tensor2D): BijectorResult {
    const { l, u, logDiag } = this.factors();
    const uInv = triangularInverse(u, tf.exp(logDiag) as tf.Tensor1D, false);
    const lInv = triangularInverse(l, null, true);
    const lu = tf.matMul(uInv, lInv);
    // W⁻¹ = U⁻¹ L⁻¹ Pᵀ, and Y = Z · (W⁻¹)ᵀ = Z · P · (U⁻¹ L⁻¹)ᵀ.
    const zp = this.consts.p ? tf.matMul(z, this.consts.p) : z;
    const output = denseOp(zp as tf.Tensor2D, tf.transpose(lu) as tf.Tensor2D, tf.zeros([this.dim as number]) as tf.Tensor1D, null);
    return { output, logDet: perExample(tf.neg(tf.sum(logDiag)) as tf.Scalar, z.shape[0]) };
  }
}
