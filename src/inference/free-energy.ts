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
