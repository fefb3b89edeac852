/**
 * Small dense float64 linear algebra for the statistical baselines and data standardisation
 * (dimensions up to a few hundred; plain JavaScript, no tensors, no backend).
 *
 * Matrices are `number[][]`, row-major: `a[i][j]` is row i, column j. They are small (d × d with d
 * the number of data columns), so clarity wins over packing; loops over the data rows themselves use
 * flat `Float32Array`/`Float64Array`s in the callers.
 *
 * Non-positive-definite policy: {@link cholesky} never adds jitter silently. A pivot that is not
 * clearly positive (≤ `relTol` times the original diagonal entry, or not finite) raises a
 * `ValidationError` naming the column, because that column is (numerically) a linear combination of
 * the earlier ones. Callers that want regularisation add it to the diagonal themselves, explicitly.
 */
import { ValidationError } from '../errors.js';

/** A dense matrix, row-major: `m[i][j]` is row i, column j. */
export type Matrix = number[][];

export interface CholeskyOptions {
  /** Function named in the error message. Default `'cholesky'`. */
  fn?: string;
  /** Argument named in the error message. Default `'a'`. */
  argument?: string;
  /**
   * A pivot `L_jj²` at or below `relTol · a_jj` counts as zero (column j collinear with columns
   * 0..j-1). Default 1e-10: rounding leaves pivots of exactly collinear columns near 1e-16 · a_jj.
   */
  relTol?: number;
}

/**
 * Cholesky factor: the lower-triangular `L` with positive diagonal such that `A = L Lᵀ`.
 * Only the lower triangle of `a` is read (A is assumed symmetric).
 *
 * @param a symmetric positive-definite matrix, d × d.
 * @returns L, d × d, zeros above the diagonal.
 * @throws ValidationError when A is not (numerically) positive definite, naming the first column whose
 *   pivot vanishes.
 * @example
 * ```ts
 * cholesky([[4, 2], [2, 3]]); // [[2, 0], [1, √2]]
 * ```
 */
export function cholesky(a: Matrix, options: CholeskyOptions = {}): Matrix {
  const fn = options.fn ?? 'cholesky';
  const argument = options.argument ?? 'a';
  const relTol = options.relTol ?? 1e-10;
  const d = a.length;
  for (let i = 0; i < d; i++) {
    if (!Array.isArray(a[i]) || a[i].length !== d) {
      throw new ValidationError(fn, argument, `a square matrix (${d} × ${d})`, `row ${i} of length ${Array.isArray(a[i]) ? a[i].length : 'none'}`);
    }
  }
  const L: Matrix = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) {
    let pivot = a[j][j];
    const Lj = L[j];
    for (let k = 0; k < j; k++) pivot -= Lj[k] * Lj[k];
    if (!(pivot > relTol * Math.abs(a[j][j])) || !Number.isFinite(pivot)) {
      const why = !Number.isFinite(a[j][j])
        ? `a non-finite diagonal entry at column ${j}`
        : j === 0
          ? `a non-positive diagonal entry at column 0 (${a[0][0]})`
          : `column ${j} is (numerically) a linear combination of columns 0..${j - 1} (Cholesky pivot ${pivot.toExponential(3)} of diagonal ${a[j][j].toExponential(3)})`;
      throw new ValidationError(fn, argument, 'a symmetric positive-definite matrix', why);
    }
    const ljj = Math.sqrt(pivot);
    Lj[j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const Li = L[i];
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= Li[k] * Lj[k];
      Li[j] = s / ljj;
    }
  }
  return L;
}

/**
 * Forward substitution: solves `L y = b` for lower-triangular `L` (d × d), `b` of length d.
 * @example
 * ```ts
 * solveLower([[2, 0], [1, 1]], [2, 3]); // [1, 2]
 * ```
 */
export function solveLower(L: Matrix, b: ArrayLike<number>): number[] {
  const d = L.length;
  const y = new Array<number>(d);
  for (let i = 0; i < d; i++) {
    const Li = L[i];
    let s = b[i];
    for (let k = 0; k < i; k++) s -= Li[k] * y[k];
    y[i] = s / Li[i];
  }
  return y;
}

/**
 * Inverse of a lower-triangular matrix, `L⁻¹` (lower-triangular too), by forward substitution on
 * the columns of the identity.
 * @example
 * ```ts
 * invertLower([[2, 0], [1, 1]]); // [[0.5, 0], [-0.5, 1]]
 * ```
 */
export function invertLower(L: Matrix): Matrix {
  const d = L.length;
  const inv: Matrix = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let c = 0; c < d; c++) {
    inv[c][c] = 1 / L[c][c];
    for (let i = c + 1; i < d; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s -= L[i][k] * inv[k][c];
      inv[i][c] = s / L[i][i];
    }
  }
  return inv;
}

/**
 * `log det A = 2 Σᵢ log L_ii` from the Cholesky factor `L` of A.
 * @example
 * ```ts
 * logDetFromCholesky(cholesky([[4, 2], [2, 3]])); // log 8
 * ```
 */
export function logDetFromCholesky(L: Matrix): number {
  let s = 0;
  for (let i = 0; i < L.length; i++) s += Math.log(L[i][i]);
  return 2 * s;
}

/** The product `A B` of two dense matrices (n × k times k × m). */
export function matmul(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const m = b[0]?.length ?? 0;
  const inner = b.length;
  const out: Matrix = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inner; k++) {
      const aik = a[i][k];
      if (aik === 0) continue;
      const bk = b[k];
      const oi = out[i];
      for (let j = 0; j < m; j++) oi[j] += aik * bk[j];
    }
  }
  return out;
}

/** The transpose `Aᵀ`. */
export function transpose(a: Matrix): Matrix {
  const n = a.length;
  const m = a[0]?.length ?? 0;
  return Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => a[i][j]));
}
