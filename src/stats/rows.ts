/** Validation of flat row-major data (`n` rows of `dim` numbers) for the statistical baselines. */
import { ValidationError, describe } from '../errors.js';
import { checkInt } from '../validate.js';

/** Flat row-major rows: `values[i · dim + j]` is column j of row i. */
export type Rows = Float32Array | Float64Array;

/** Check that `values` holds `n` finite rows of `dim` numbers (n ≥ `minRows`). */
export function checkRows(fn: string, values: unknown, n: unknown, dim: unknown, minRows = 1): { values: Rows; n: number; dim: number } {
  const d = checkInt(fn, 'dim', dim, 1);
  const rows = checkInt(fn, 'n', n, minRows);
  if (!(values instanceof Float32Array) && !(values instanceof Float64Array)) {
    throw new ValidationError(fn, 'values', 'a Float32Array or Float64Array of n · dim numbers (rows one after another)', describe(values));
  }
  if (values.length !== rows * d) {
    throw new ValidationError(fn, 'values', `n · dim = ${rows} · ${d} = ${rows * d} numbers`, `${values.length}`);
  }
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      throw new ValidationError(fn, 'values', 'finite numbers', `${values[k]} at row ${Math.floor(k / d)}, column ${k % d}`);
    }
  }
  return { values, n: rows, dim: d };
}

/** `−(1/n) Σᵢ lp[i]`: the mean negative log-likelihood of `n` per-row log-densities. */
export function meanNegative(lp: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s -= lp[i];
  return s / n;
}
