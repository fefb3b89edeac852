/**
 * Free-energy profiles along one coordinate from weighted samples: with normalised weights wᵢ,
 * `F(bin) = −log(Σ_{i ∈ bin} wᵢ / width)` (in units of kT), +∞ for an empty bin.
 */
import { ValidationError, describe } from '../errors.js';
import { checkInt, checkNumber } from '../validate.js';

export interface ProfileOptions {
  /** Number of bins (default 30). */
  bins?: number;
  /** The interval `[lo, hi]` the bins cover (values outside are left out). */
  range: [number, number];
}

export interface FreeEnergyProfile {
  /** Bin centres. */
  centres: number[];
  /** Bin edges (`bins + 1`). */
  edges: number[];
  /** −log of the weighted probability density in each bin; +∞ where no sample fell. */
  freeEnergy: number[];
}

/**
 * The weighted histogram of `values` as a free energy `−log p̂(bin)`; weights need not be normalised
 * (they are, over all values). Unweighted when `weights` is omitted.
 *
 * @example
 * ```ts
 * const r = snf.sampleWithWeights(20000, { seed: 1 });
 * const x1 = Array.from(r.samples.dataSync()).filter((_, i) => i % 2 === 0);
 * const { centres, freeEnergy } = freeEnergyProfile(x1, r.weights, { bins: 30, range: [-2.25, 2.25] });
 * ```
 */
export function freeEnergyProfile(values: ArrayLike<number>, weights: ArrayLike<number> | undefined, options: ProfileOptions): FreeEnergyProfile {
  const fn = 'freeEnergyProfile';
  const bins = checkInt(fn, 'options.bins', options?.bins ?? 30);
  const range = options?.range;
  if (!Array.isArray(range) || range.length !== 2) throw new ValidationError(fn, 'options.range', 'an interval [lo, hi]', describe(range));
  const lo = checkNumber(fn, 'options.range[0]', range[0]);
  const hi = checkNumber(fn, 'options.range[1]', range[1]);
  if (!(hi > lo)) throw new ValidationError(fn, 'options.range', 'an interval [lo, hi] with hi > lo', `[${lo}, ${hi}]`);
  if (weights !== undefined && weights.length !== values.length) throw new ValidationError(fn, 'weights', `${values.length} weights (one per value)`, `${weights.length}`);
  const width = (hi - lo) / bins;
  const mass = new Float64Array(bins);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights === undefined ? 1 : weights[i];
    total += w;
    const k = Math.floor((values[i] - lo) / width);
    if (k >= 0 && k < bins) mass[k] += w;
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => lo + k * width);
  return {
    edges,
    centres: edges.slice(0, bins).map((e) => e + width / 2),
    freeEnergy: Array.from(mass, (m) => (m > 0 ? -Math.log(m / total / width) : Infinity)),
  };
}

export interface ProfileError {
  /** |mean over bins of (exact − estimated)|, both profiles shifted to a minimum of 0. */
  bias: number;
  /** Mean over bins of the standard deviation across the estimated profiles. */
  std: number;
  /** √(bias² + std²). */
  error: number;
  /** Bins every profile filled (the others are left out of all three numbers). */
  bins: number;
}

/**
 * How far R independent estimates of a free-energy profile are from the exact one, by the statistic of
 * the stochastic-normalizing-flow paper (Wu, Köhler & Noé 2020, its double-well notebook): each estimate
 * is shifted by its mean over the bins it fills, the R estimates are averaged per bin, and the average
 * and `exact` are each shifted to a minimum of 0 (a free energy is defined up to a constant). A bin
 * counts only where every estimate is finite.
 *
 * @param estimates R ≥ 2 profiles (`freeEnergyProfile(...).freeEnergy` of independent batches).
 * @param exact The exact profile on the same bins.
 *
 * @example
 * ```ts
 * const edges = freeEnergyProfile(x1, w, { bins: 30, range: [-2.25, 2.25] }).edges;
 * const { bias, std, error } = freeEnergyProfileError(estimates, doubleWellFreeEnergy(edges));
 * ```
 */
export function freeEnergyProfileError(estimates: ReadonlyArray<ArrayLike<number>>, exact: ArrayLike<number>): ProfileError {
  const fn = 'freeEnergyProfileError';
  if (!Array.isArray(estimates) || estimates.length < 2) throw new ValidationError(fn, 'estimates', 'at least 2 profiles', describe(estimates));
  const bins = exact.length;
  estimates.forEach((f, r) => {
    if (f.length !== bins) throw new ValidationError(fn, `estimates[${r}]`, `${bins} bins (as exact)`, `${f.length}`);
  });
  for (let k = 0; k < bins; k++) if (!Number.isFinite(exact[k])) throw new ValidationError(fn, `exact[${k}]`, 'a finite number', describe(exact[k]));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const centred = estimates.map((f): number[] => {
    const values = Array.from(f as ArrayLike<number>);
    const filled = values.filter(Number.isFinite);
    const m = filled.length ? mean(filled) : 0;
    return values.map((v) => v - m);
  });
  const kept = Array.from({ length: bins }, (_, k) => k).filter((k) => centred.every((f) => Number.isFinite(f[k])));
  if (kept.length === 0) return { bias: NaN, std: NaN, error: NaN, bins: 0 };
  const average = kept.map((k) => mean(centred.map((f) => f[k])));
  const minAverage = Math.min(...average);
  const minExact = Math.min(...kept.map((k) => exact[k]));
  const bias = Math.abs(mean(kept.map((k, i) => exact[k] - minExact - (average[i] - minAverage))));
  const std = mean(kept.map((k, i) => Math.sqrt(mean(centred.map((f) => (f[k] - average[i]) ** 2)))));
  return { bias, std, error: Math.hypot(bias, std), bins: kept.length };
}
