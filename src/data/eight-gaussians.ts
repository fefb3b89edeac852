import { logSumExp, makeToyDataset } from './toy.js';

// FFJORD divides by 1.414 (not √2); kept so that samples match the reference definition.
const SHRINK = 1.414;
const H = 1 / Math.sqrt(2);
const UNIT = [[1, 0], [-1, 0], [0, 1], [0, -1], [H, H], [H, -H], [-H, H], [-H, -H]];
const CENTERS = UNIT.map(([a, b]) => [(4 * a) / SHRINK, (4 * b) / SHRINK]);

/**
 * Eight Gaussians on a circle, FFJORD's `8gaussians`: `(4·cₖ + noise·ε) / 1.414` with cₖ the eight unit
 * vectors at multiples of 45°, k uniform, ε ~ N(0, I). Default `noise` 0.5, so each component has
 * standard deviation 0.5/1.414 ≈ 0.354 around a centre at radius 4/1.414 ≈ 2.83.
 *
 * `eightGaussians.logProb` is the exact mixture density `⅛ Σₖ N(x; 4cₖ/1.414, (noise/1.414)² I)`.
 *
 * @example
 * ```ts
 * const x = datasets.eightGaussians(1000, { seed: 1 });
 * const lp = datasets.eightGaussians.logProb(x);
 * ```
 */
export const eightGaussians = makeToyDataset(
  'eightGaussians',
  (out, n, rng, noise) => {
    for (let i = 0; i < n; i++) {
      const c = UNIT[rng.int(8)];
      out[2 * i] = (4 * c[0] + noise * rng.normal()) / SHRINK;
      out[2 * i + 1] = (4 * c[1] + noise * rng.normal()) / SHRINK;
    }
  },
  0.5,
  (x, y, noise) => {
    const s = noise / SHRINK;
    const norm = -Math.log(2 * Math.PI * s * s) - Math.log(8);
    return norm + logSumExp(CENTERS.map(([cx, cy]) => -((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s)));
  },
);
