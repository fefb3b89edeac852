import { makeToyDataset } from './toy.js';

/**
 * A two-dimensional Swiss roll, FFJORD's `swissroll`: scikit-learn's `make_swiss_roll(n, noise)` keeping
 * the x and z coordinates, divided by 5, i.e. with t = 1.5π(1 + 2u) (u uniform),
 * `((t cos t + noise·ε₁) / 5, (t sin t + noise·ε₂) / 5)`. Default `noise` 1.0 (scikit-learn units).
 *
 * @example
 * ```ts
 * const x = datasets.swissRoll(1000, { seed: 1 });
 * ```
 */
export const swissRoll = makeToyDataset(
  'swissRoll',
  (out, n, rng, noise) => {
    for (let i = 0; i < n; i++) {
      const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
      out[2 * i] = (t * Math.cos(t) + noise * rng.normal()) / 5;
      out[2 * i + 1] = (t * Math.sin(t) + noise * rng.normal()) / 5;
    }
  },
  1.0,
);
