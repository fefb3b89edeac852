/**
 * The Gaussian baseline of a training run: the full-covariance Gaussian fitted on the training rows,
 * scored on the same training, validation and test rows as the flow, so a report can say
 * "flow 18.9 nats, Gaussian 19.8".
 */
import { ValidationError } from '../errors.js';
import { fitGaussian, type Gaussian, type GaussianOptions } from './gaussian.js';
import type { Rows } from './rows.js';

/** Rows of one split: `n` rows of the baseline's `dim` columns, flat row-major. */
export interface BaselineSplit {
  values: Rows;
  n: number;
}

/** Mean NLL (nats per row, data units) of each split under the Gaussian fitted on the training rows. */
export type GaussianBaseline =
  | { ok: true; train: number; validation: number | null; test: number | null; shrinkage: number }
  /** The Gaussian could not be fitted (e.g. a constant column); `reason` is the error message. */
  | { ok: false; reason: string };

/**
 * Fit `N(μ, Σ)` on `train` ({@link fitGaussian}, default shrinkage `'auto'`: Ledoit–Wolf-type
 * shrinkage of the correlations, ≈ 0 when rows are plentiful) and return the mean negative
 * log-likelihood `−(1/n) Σᵢ log N(xᵢ; μ, Σ)` of every split.
 *
 * Never throws for data the Gaussian cannot model (a constant or collinear column): it returns
 * `{ ok: false, reason }` instead, so a training command can still report its flow.
 *
 * @param train training rows (n ≥ 2).
 * @param dim columns per row.
 * @param splits validation and test rows (either may be null or omitted).
 * @example
 * ```ts
 * const train = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i) + (i % 3)); // 100 rows × 3
 * const test = Float32Array.from({ length: 30 }, (_, i) => Math.cos(i) + (i % 3)); // 10 rows × 3
 * const b = gaussianBaseline({ values: train, n: 100 }, 3, { test: { values: test, n: 10 } });
 * if (b.ok) console.log(`Gaussian ${b.test?.toFixed(2)} nats`);
 * ```
 */
export function gaussianBaseline(
  train: BaselineSplit,
  dim: number,
  splits: { validation?: BaselineSplit | null; test?: BaselineSplit | null } = {},
  options: GaussianOptions = { shrinkage: 'auto' },
): GaussianBaseline {
  let g: Gaussian;
  try {
    g = fitGaussian(train.values, train.n, dim, options);
  } catch (e) {
    // Only the data-dependent failures become a reason; a malformed call is still an error.
    if (e instanceof ValidationError && e.argument === 'values' && /constant|linear combination|positive-definite/.test(e.message)) {
      return { ok: false, reason: e.message };
    }
    throw e;
  }
  const score = (s: BaselineSplit | null | undefined) => (s && s.n > 0 ? g.meanNll(s.values, s.n) : null);
  return { ok: true, train: g.meanNll(train.values, train.n), validation: score(splits.validation), test: score(splits.test), shrinkage: g.shrinkage };
}
