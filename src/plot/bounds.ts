/**
 * Plot bounds: given by the user, or chosen from points (data or samples). The rule, per dimension:
 * the 0.1% and 99.9% quantiles (the extremes for fewer than 1000 points), widened by 10% of their
 * distance on each side, so a few far outliers of a heavy-tailed flow do not shrink the picture.
 */
import { ValidationError, describe } from '../errors.js';
import { checkNumber } from '../validate.js';

/** `[lo, hi]` on one axis. */
export type Range = [number, number];

/** Check a `[lo, hi]` pair with `lo < hi`. */
export function checkRange(fn: string, arg: string, value: unknown): Range {
  if (!Array.isArray(value) || value.length !== 2) throw new ValidationError(fn, arg, 'a range [lo, hi]', describe(value));
  const lo = checkNumber(fn, `${arg}[0]`, value[0]);
  const hi = checkNumber(fn, `${arg}[1]`, value[1]);
  if (!(lo < hi)) throw new ValidationError(fn, arg, 'a range [lo, hi] with lo < hi', `[${lo}, ${hi}]`);
  return [lo, hi];
}

/** Check `dims` ranges `[[lo, hi], …]`. */
export function checkBounds(fn: string, arg: string, value: unknown, dims: number): Range[] {
  if (!Array.isArray(value) || value.length !== dims) {
    throw new ValidationError(fn, arg, `${dims} ranges [[lo, hi]${dims > 1 ? ', …' : ''}] (one per axis)`, describe(value));
  }
  return value.map((r, j) => checkRange(fn, `${arg}[${j}]`, r));
}

/** Order statistic at `q` (rounded outwards), so below 1000 points the 0.1/99.9% quantiles are the extremes. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  return sorted[q < 0.5 ? Math.floor(pos) : Math.ceil(pos)];
}

/** Bounds of column `j` of row-major `[n, dim]` values by the rule above; `null` if no value is finite. */
export function rangeFromPoints(values: ArrayLike<number>, dim: number, j: number, pad = 0.1): Range | null {
  const n = values.length / dim;
  const col: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i * dim + j];
    if (Number.isFinite(v)) col.push(v);
  }
  if (col.length === 0) return null;
  const sorted = Float64Array.from(col).sort();
  const lo = quantile(sorted, 0.001);
  const hi = quantile(sorted, 0.999);
  const width = hi - lo;
  // A constant column has no scale of its own: show one unit either side.
  if (!(width > 1e-12 * Math.max(1, Math.abs(lo)))) return [lo - 1, hi + 1];
  return [lo - pad * width, hi + pad * width];
}

/** The smallest range holding all the given ranges. */
export function unionRange(ranges: (Range | null)[]): Range | null {
  const ok = ranges.filter((r): r is Range => r !== null);
  if (ok.length === 0) return null;
  return [Math.min(...ok.map((r) => r[0])), Math.max(...ok.map((r) => r[1]))];
}

/** `n` evenly spaced values from `lo` to `hi`, both included. */
export function linspace(lo: number, hi: number, n: number): number[] {
  if (n === 1) return [(lo + hi) / 2];
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}
