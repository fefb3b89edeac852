import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import { invertLower } from '../stats/linalg.js';
import { Bijector, type BijectorResult, type ScoreResult, perExample } from './bijector.js';

/**
 * `y = L x` with a fixed lower-triangular `L` (positive diagonal), as TFP's `ScaleMatvecTriL`. Forward
 * log-det `Σᵢ log Lᵢᵢ`. `L⁻¹` is computed once in float64, so both directions are one matrix product.
 * `Flow.standardize` uses it for the whitening part of a standardisation (`correlationTril`).
 *
 * @param scaleTril `L`, d × d, lower triangular (entries above the diagonal must be 0), positive diagonal.
 * @example
 * ```ts
 * const b = new ScaleMatvecTriL([[2, 0], [1, 0.5]]);
 * b.forward(tf.tensor2d([[1, 1]])); // output [[2, 1.5]], logDet [log 2 + log 0.5]
 * ```
 */
export class ScaleMatvecTriL extends Bijector {
  readonly className = 'ScaleMatvecTriL';
  private readonly tril: number[][];
  /** `Lᵀ` and `L⁻ᵀ` as constants: rows are examples, so `y = x Lᵀ`. */
  private readonly forwardMatrix: tf.Variable;
  private readonly inverseMatrix: tf.Variable;
  private readonly logDetValue: number;

  constructor(scaleTril: number[][]) {
    const tril = checkTril('ScaleMatvecTriL', 'scaleTril', scaleTril);
    const d = tril.length;
    super({ dim: d });
    this.tril = tril;
    const inv = invertLower(tril);
    const transposed = (m: number[][]) => Float32Array.from({ length: d * d }, (_, k) => m[k % d][Math.floor(k / d)]);
    this.forwardMatrix = this.addWeight('scaleTrilT', () => tf.tensor2d(transposed(tril), [d, d]), false);
    this.inverseMatrix = this.addWeight('inverseScaleTrilT', () => tf.tensor2d(transposed(inv), [d, d]), false);
    this.logDetValue = tril.reduce((s, row, i) => s + Math.log(row[i]), 0);
  }

  getConfig(): JsonObject {
    return { scaleTril: this.tril.map((row) => [...row]) };
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.matMul(x, this.forwardMatrix as tf.Tensor2D), logDet: perExample(this.logDetValue, x.shape[0]) };
  }

  /** Score rule: the log-det is constant, so `∂log q/∂y = L⁻ᵀ ∂log q/∂x` (on rows: `s L⁻¹`). */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    return { ...this._forward(x), score: tf.matMul(score, this.inverseMatrix as tf.Tensor2D, false, true) };
  }

  protected _inverse(y: tf.Tensor2D): BijectorResult {
    return { output: tf.matMul(y, this.inverseMatrix as tf.Tensor2D), logDet: perExample(-this.logDetValue, y.shape[0]) };
  }
}

/** A square lower-triangular matrix of finite numbers with a positive diagonal, copied. */
export function checkTril(fn: string, arg: string, m: unknown): number[][] {
  const expected = 'a square lower-triangular matrix (number[][]) with a positive diagonal';
  if (!Array.isArray(m) || m.length === 0) throw new ValidationError(fn, arg, expected, describe(m));
  const d = m.length;
  return m.map((row, i) => {
    if (!Array.isArray(row) || row.length !== d) throw new ValidationError(fn, `${arg}[${i}]`, `a row of ${d} numbers`, describe(row));
    return row.map((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(fn, `${arg}[${i}][${j}]`, 'a finite number', describe(v));
      if (j > i && v !== 0) throw new ValidationError(fn, `${arg}[${i}][${j}]`, '0 (above the diagonal of a lower-triangular matrix)', String(v));
      if (j === i && !(v > 0)) throw new ValidationError(fn, `${arg}[${i}][${i}]`, 'a positive diagonal entry', String(v));
      return v;
    });
  });
}
