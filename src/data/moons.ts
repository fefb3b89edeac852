import { linspaceInclusive, makeToyDataset, shuffleRows } from './toy.js';

/**
 * Two interleaved half circles, scikit-learn's `make_moons(n, noise)`: ⌊n/2⌋ points at
 * `(cos t, sin t)` and the rest at `(1 − cos t, ½ − sin t)`, t evenly spaced on [0, π], rows shuffled,
 * then N(0, noise²) added to each coordinate. Default `noise` 0.05 (the setting of the quality bar).
 * Unlike FFJORD's variant, no rescaling is applied.
 *
 * @example
 * ```ts
 * const x = datasets.moons(20000, { seed: 1, noise: 0.05 }); // Tensor2D [20000, 2]
 * ```
 */
export const moons = makeToyDataset(
  'moons',
  (out, n, rng, noise) => {
    const nOut = Math.floor(n / 2);
    const nIn = n - nOut;
    for (let i = 0; i < nOut; i++) {
      const t = linspaceInclusive(nOut, Math.PI, i);
      out[2 * i] = Math.cos(t);
      out[2 * i + 1] = Math.sin(t);
    }
    for (let i = 0; i < nIn; i++) {
      const t = linspaceInclusive(nIn, Math.PI, i);
      out[2 * (nOut + i)] = 1 - Math.cos(t);
      out[2 * (nOut + i) + 1] = 1 - Math.sin(t) - 0.5;
    }
    shuffleRows(out, n, rng);
    for (let i = 0; i < 2 * n; i++) out[i] += noise * rng.normal();
  },
  0.05,
);
