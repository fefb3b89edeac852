/**
 * The statistics of the data-side standardisation `fit` installs (see `Flow.standardize`):
 *
 * - `'columns'`: per-column mean and standard deviation, `u = (x − mean) / std`.
 * - `'whiten'`: the full-covariance Gaussian fit, `u = C⁻¹ (x − mean) / std` with `C` the Cholesky
 *   factor of the correlation matrix. With fewer than {@link SHRINK_BELOW_ROWS_PER_COLUMN} rows per
 *   column the correlations are shrunk toward 0 by the Ledoit–Wolf-type estimate
 *   (`fitGaussian(…, { shrinkage: 'auto' })`), so that few rows do not make it near-singular. With
 *   more rows the sample covariance is used as it is: shrinkage is estimated for the covariance's
 *   entries, and even a λ of 0.007 (400 rows of 3 columns correlated at 0.95) halved the whitened
 *   variance of the last column, a likelihood cost the flow would first have to undo. A
 *   flow whose layers start as the identity then starts exactly at that Gaussian, and with the best
 *   validation weights restored it ends no worse on validation rows.
 */
import { ValidationError } from '../errors.js';
import type { Standardization } from '../flow.js';
import { fitGaussian, type Gaussian } from '../stats/gaussian.js';
import { columnStats } from './fit-data.js';

/** Below this many training rows per column, the whitening correlations are shrunk (see the module comment). */
export const SHRINK_BELOW_ROWS_PER_COLUMN = 10;

/** The shrinkage option of the whitening fit for `n` rows of `dim` columns (see the module comment). */
export function whiteningShrinkage(n: number, dim: number): 'auto' | 0 {
  return n < SHRINK_BELOW_ROWS_PER_COLUMN * dim ? 'auto' : 0;
}

/** How `fit` standardises the data (its default picks one of the two by the number of training rows per column: docs/defaults.md). */
export type StandardizeMode = 'columns' | 'whiten';

/** Below this many training rows per column, `'auto'` whitens; from it on, it scales per column. */
export const WHITEN_BELOW_ROWS_PER_COLUMN = 30;

/**
 * `'whiten'` below {@link WHITEN_BELOW_ROWS_PER_COLUMN} rows per column, `'columns'` from there on. With
 * few rows a flow cannot learn the correlations itself, and starting at the full-covariance Gaussian
 * keeps it at or below that Gaussian; with more, the columns' own axes matter more: whitening turns an
 * axis-aligned feature (a bimodal or integer-valued column, a heavy tail, an outlying value) into an
 * oblique one that coupling and autoregressive layers, which act per coordinate, model less well.
 * Measured in docs/defaults.md.
 */
export function autoStandardizeMode(n: number, dim: number): StandardizeMode {
  return n < WHITEN_BELOW_ROWS_PER_COLUMN * dim ? 'whiten' : 'columns';
}

/** The statistics of `mode` for `n` rows of `values` (`[n, dim]`); errors name `fn` and the column at fault. */
export function standardizationOf(fn: string, mode: StandardizeMode | 'auto', values: Float32Array, n: number, dim: number): Standardization {
  return standardizations(fn, mode, values, n, dim).stats;
}

/**
 * {@link standardizationOf}'s statistics, and, where `'auto'` chose per-column scaling, the whitening
 * statistics as well (`fit`'s Gaussian candidate), both from one covariance fit.
 */
export function standardizations(fn: string, mode: StandardizeMode | 'auto', values: Float32Array, n: number, dim: number): { stats: Standardization; whitened: Standardization | null } {
  const resolved = mode === 'auto' ? autoStandardizeMode(n, dim) : mode;
  // Per-column scaling checks collinearity too (rows on a hyperplane have no density either way),
  // where there are more rows than columns.
  if (dim === 1 || n < 2 || (resolved === 'columns' && n <= dim)) return { stats: columnStats(values, n, dim), whitened: null };
  const g = fullCovariance(fn, values, n, dim);
  if (resolved === 'whiten') return { stats: whitening(g), whitened: null };
  return { stats: columnStats(values, n, dim), whitened: mode === 'auto' ? whitening(g) : null };
}

/** The full-covariance Gaussian of the rows (shrunk below {@link SHRINK_BELOW_ROWS_PER_COLUMN} rows per column); names a collinear column. */
function fullCovariance(fn: string, values: Float32Array, n: number, dim: number): Gaussian {
  // Exact collinearity is found on the sample covariance itself (a shrunk one never is singular), so
  // with few rows the unshrunk fit is made first as the check, then the shrunk one.
  let g: Gaussian;
  try {
    g = fitGaussian(values, n, dim, { shrinkage: 0 });
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new ValidationError(fn, 'data', 'columns that are not linear combinations of one another (such rows lie on a hyperplane, which has no density: drop the column)', e.got);
    }
    throw e;
  }
  return whiteningShrinkage(n, dim) === 'auto' ? fitGaussian(values, n, dim, { shrinkage: 'auto' }) : g;
}

/** The whitening statistics of Gaussian `g`: mean, std and the Cholesky factor of the correlation matrix. */
function whitening(g: Gaussian): Standardization {
  const std = g.cov.map((row, i) => Math.sqrt(row[i]));
  // cov = L Lᵀ = D (C Cᵀ) D with D = diag(std): C = D⁻¹ L, still lower triangular with a positive diagonal.
  const correlationTril = g.scaleTril.map((row, i) => row.map((v, j) => (j <= i ? v / std[i] : 0)));
  return { mean: g.mean, std, correlationTril };
}
