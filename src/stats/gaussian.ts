/**
 * The full-covariance Gaussian fitted by maximum likelihood: the baseline every flow should beat, and
 * the statistics (mean, Cholesky factor) of a whitening standardisation.
 */
import { ValidationError } from '../errors.js';
import { checkNumber } from '../validate.js';
import { cholesky, invertLower, logDetFromCholesky, type Matrix } from './linalg.js';
import { checkRows, meanNegative, type Rows } from './rows.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface GaussianOptions {
  /**
   * Shrinkage λ of the covariance toward its diagonal, `Σ = (1 − λ) S + λ diag(S)`: the correlations
   * shrink toward 0 while every column keeps its variance exactly. A number in [0, 1] (0 = the sample
   * covariance), or `'auto'` for the Ledoit–Wolf-type estimate of the best λ (Schäfer & Strimmer
   * 2005, target "D"), which matters when rows are few relative to the dimension. Default 0.
   */
  shrinkage?: number | 'auto';
}

/** A fitted multivariate normal N(mean, cov), everything in float64. */
export interface Gaussian {
  dim: number;
  mean: number[];
  /** The covariance, d × d. */
  cov: number[][];
  /** Lower Cholesky factor L of the covariance (`cov = L Lᵀ`). */
  scaleTril: number[][];
  /** `L⁻¹`, lower-triangular: `z = L⁻¹ (x − mean)` whitens the rows. */
  inverseScaleTril: number[][];
  logDetCov: number;
  /** The shrinkage λ actually used (the estimate when `'auto'`). */
  shrinkage: number;
  /** `log N(x; mean, cov)` of each of `n` rows (flat row-major, length n · dim). */
  logProb(values: Rows, n: number): Float64Array;
  /** Mean negative log-likelihood, nats per row. */
  meanNll(values: Rows, n: number): number;
}

/** Column means and the maximum-likelihood covariance (divide by n), in float64. */
export function sampleMoments(values: Rows, n: number, dim: number): { mean: number[]; cov: Matrix } {
  const mean = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += values[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const cov: Matrix = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  const c = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) c[j] = values[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ca = c[a];
      const row = cov[a];
      for (let b = 0; b <= a; b++) row[b] += ca * c[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b <= a; b++) {
      cov[a][b] /= n;
      cov[b][a] = cov[a][b];
    }
  }
  return { mean, cov };
}

/**
 * Ledoit–Wolf-type shrinkage intensity toward the diagonal (Schäfer & Strimmer 2005, target D):
 * `λ = Σ_{i<j} Var̂(r_ij) / Σ_{i<j} r_ij²`, clipped to [0, 1], where `r_ij = mean_k w_kij` are the
 * sample correlations, `w_kij` the products of the standardised columns of row k, and
 * `Var̂(r_ij) = Σ_k (w_kij − r_ij)² / (n (n − 1))`.
 */
export function diagonalShrinkage(values: Rows, n: number, dim: number, mean: number[], cov: Matrix): number {
  if (dim < 2 || n < 2) return 0;
  const inv = mean.map((_, j) => 1 / Math.sqrt(cov[j][j]));
  const corr = (a: number, b: number) => cov[a][b] * inv[a] * inv[b];
  const sq = new Float64Array(dim * dim);
  const u = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) u[j] = (values[i * dim + j] - mean[j]) * inv[j];
    for (let a = 1; a < dim; a++) {
      for (let b = 0; b < a; b++) {
        const dev = u[a] * u[b] - corr(a, b);
        sq[a * dim + b] += dev * dev;
      }
    }
  }
  let num = 0;
  let den = 0;
  for (let a = 1; a < dim; a++) {
    for (let b = 0; b < a; b++) {
      num += sq[a * dim + b] / (n * (n - 1));
      den += corr(a, b) ** 2;
    }
  }
  if (den === 0) return 1;
  return Math.min(1, Math.max(0, num / den));
}

/** A Gaussian from its mean and covariance (factorised here; throws on a non-positive-definite cov). */
export function gaussianFromMoments(mean: number[], cov: Matrix, shrinkage = 0, fn = 'gaussianFromMoments'): Gaussian {
  const dim = mean.length;
  const L = cholesky(cov, { fn, argument: 'values' });
  const Linv = invertLower(L);
  const logDetCov = logDetFromCholesky(L);
  const constant = -0.5 * (dim * LOG_2PI + logDetCov);
  const logProb = (values: Rows, n: number): Float64Array => {
    checkRows('Gaussian.logProb', values, n, dim);
    const out = new Float64Array(n);
    const c = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++) c[j] = values[i * dim + j] - mean[j];
      let q = 0;
      for (let a = 0; a < dim; a++) {
        const row = Linv[a];
        let z = 0;
        for (let b = 0; b <= a; b++) z += row[b] * c[b];
        q += z * z;
      }
      out[i] = constant - 0.5 * q;
    }
    return out;
  };
  return {
    dim,
    mean,
    cov,
    scaleTril: L,
    inverseScaleTril: Linv,
    logDetCov,
    shrinkage,
    logProb,
    meanNll: (values: Rows, n: number): number => meanNegative(logProb(values, n), n),
  };
}

/**
 * Fit N(μ, Σ) by maximum likelihood: `μ = mean of the rows`, `Σ = (1 − λ) S + λ diag(S)` with
 * `S = (1/n) Σᵢ (xᵢ − μ)(xᵢ − μ)ᵀ` (divided by n, not n − 1). Everything in float64.
 *
 * @param values n rows of `dim` numbers, flat row-major (`values[i · dim + j]`).
 * @param n number of rows (≥ 2).
 * @param dim number of columns.
 * @param options `shrinkage` (see {@link GaussianOptions}).
 * @throws ValidationError naming the column when a column is constant, or (without shrinkage) when a
 *   column is a linear combination of earlier ones.
 * @example
 * ```ts
 * const g = fitGaussian(new Float64Array([0, 0, 2, 1, 1, 2, 3, 3]), 4, 2);
 * g.meanNll(new Float64Array([1, 1]), 1); // nats per row
 * ```
 */
export function fitGaussian(values: Rows, n: number, dim: number, options: GaussianOptions = {}): Gaussian {
  const fn = 'fitGaussian';
  checkRows(fn, values, n, dim, 2);
  const shrinkOption = options.shrinkage ?? 0;
  if (shrinkOption !== 'auto') checkNumber(fn, 'options.shrinkage', shrinkOption, { min: 0, max: 1 });
  const { mean, cov } = sampleMoments(values, n, dim);
  for (let j = 0; j < dim; j++) {
    // Rounding of the mean leaves a variance of order (1e-16 · mean)² in a constant column.
    if (!(cov[j][j] > 1e-24 * mean[j] * mean[j])) {
      throw new ValidationError(fn, 'values', 'columns that vary (non-zero variance)', `column ${j} constant (every row ${mean[j]})`);
    }
  }
  const lambda = shrinkOption === 'auto' ? diagonalShrinkage(values, n, dim, mean, cov) : shrinkOption;
  if (lambda > 0) {
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) if (a !== b) cov[a][b] *= 1 - lambda;
  }
  return gaussianFromMoments(mean, cov, lambda, fn);
}
