import { assertReady, tf } from '../backend.js';
import { type Seed, toRng } from '../random.js';
import { checkInt } from '../validate.js';
import { type Energy, energy } from './energy.js';

/**
 * The double well of Stochastic Normalizing Flows (Wu, Köhler & Noé 2020, Fig. 3), as log p̃ = −E:
 * `E(x) = x₁⁴ − 6x₁² − 0.5x₁ + ½x₂²`. Two wells in x₁ near ±1.7, the left one (x₁ < 0) holding
 * 15.569 % of the mass, separated by a barrier of about 9 kT; x₂ is a unit Gaussian.
 *
 * Normalisation: `logZ = log ∫∫ exp(−E(x)) dx₁ dx₂ = 10.2934797…`, i.e. the x₂ integral √(2π) is
 * included (without it, log ∫ exp(−E₁(x₁)) dx₁ = 9.37454). This is the 10.29348.
 */
export const doubleWell: Energy = energy(
  'doubleWell',
  (z1, z2) => {
    const z1sq = tf.square(z1);
    return tf.neg(tf.add(tf.sub(tf.sub(tf.square(z1sq), tf.mul(6, z1sq)), tf.mul(0.5, z1)), tf.mul(0.5, tf.square(z2))));
  },
  { logZ: 10.293479707073825, logZError: 1e-12, box: [[-4, 4], [-11, 11]], grid: [801, 2201] },
);

/** E₁(x₁) = x₁⁴ − 6x₁² − 0.5x₁, the x₁ part of the double well's energy. */
export const doubleWellEnergy1 = (x1: number): number => x1 ** 4 - 6 * x1 ** 2 - 0.5 * x1;

/** P(x₁ < 0) under the double well, by adaptive quadrature (relative tolerance 1e-13): 0.1556929038… */
export const DOUBLE_WELL_LEFT_MASS = 0.15569290378886083;

/**
 * Exact samples of the double well: x₁ by inverting its CDF tabulated by the trapezoid rule on a grid
 * of spacing 1e-4 over [−4, 4] (linear interpolation inside a cell), x₂ ~ N(0, 1).
 *
 * @param n number of samples.
 * @returns `[n, 2]`.
 * @example
 * ```ts
 * const x = sampleDoubleWell(10000, 1); // training data for maximum likelihood
 * ```
 */
export function sampleDoubleWell(n: number, seed?: Seed): tf.Tensor2D {
  const fn = 'sampleDoubleWell';
  assertReady(fn);
  checkInt(fn, 'n', n);
  const rng = toRng(seed, fn, 'seed');
  const { grid, cdf } = doubleWellCdf();
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform() * cdf[cdf.length - 1];
    let lo = 0;
    let hi = cdf.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] <= u) lo = mid;
      else hi = mid;
    }
    const t = cdf[hi] > cdf[lo] ? (u - cdf[lo]) / (cdf[hi] - cdf[lo]) : 0;
    out[2 * i] = grid[lo] + t * (grid[hi] - grid[lo]);
    out[2 * i + 1] = rng.normal();
  }
  return tf.tensor2d(out, [n, 2]);
}

let table: { grid: Float64Array; cdf: Float64Array } | null = null;

/** The unnormalised CDF of x₁ on a grid of spacing 1e-4 over [−4, 4] (computed once). */
function doubleWellCdf(): { grid: Float64Array; cdf: Float64Array } {
  if (table) return table;
  const m = 80001;
  const grid = new Float64Array(m);
  const cdf = new Float64Array(m);
  let prev = 0;
  for (let i = 0; i < m; i++) {
    grid[i] = -4 + (8 * i) / (m - 1);
    const f = Math.exp(-doubleWellEnergy1(grid[i]));
    if (i > 0) cdf[i] = cdf[i - 1] + 0.5 * (f + prev) * (grid[i] - grid[i - 1]);
    prev = f;
  }
  table = { grid, cdf };
  return table;
}

/**
 * The double well's exact free-energy profile along x₁ on the bins `edges`: `F = −log(P(bin)/width)`
 * with P(bin) by Simpson's rule (200 intervals per bin) over the normalised marginal of x₁.
 */
export function doubleWellFreeEnergy(edges: readonly number[]): number[] {
  const simpson = (a: number, b: number, m = 200) => {
    const h = (b - a) / m;
    let s = Math.exp(-doubleWellEnergy1(a)) + Math.exp(-doubleWellEnergy1(b));
    for (let i = 1; i < m; i++) s += (i % 2 ? 4 : 2) * Math.exp(-doubleWellEnergy1(a + i * h));
    return (s * h) / 3;
  };
  const z = simpson(-6, 6, 24000);
  return edges.slice(1).map((b, k) => -Math.log(simpson(edges[k], b) / z / (b - edges[k])));
}
