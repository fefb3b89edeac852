import { makeToyDataset, shuffleRows } from './toy.js';

/**
 * Two interleaved spirals, FFJORD's `2spirals`: with s = √u · 3π (u uniform), a point of the first arm
 * is `(−s cos s + ½u₁, s sin s + ½u₂) / 3` (u₁, u₂ uniform), the second arm is its mirror image through
 * the origin, and N(0, noise²) is added per coordinate (default `noise` 0.1). Half the rows lie on
 * each arm. Unlike FFJORD, whose second arm is the exact negation of the first arm's points, every
 * point is drawn independently, and the rows are shuffled.
 *
 * @example
 * ```ts
 * const x = datasets.twoSpirals(1000, { seed: 1 });
 * ```
 */
export const twoSpirals = makeToyDataset(
  'twoSpirals',
  (out, n, rng, noise) => {
    const first = n - Math.floor(n / 2);
    for (let i = 0; i < n; i++) {
      const s = Math.sqrt(rng.uniform()) * 3 * Math.PI;
      const sign = i < first ? 1 : -1;
      out[2 * i] = (sign * (-Math.cos(s) * s + 0.5 * rng.uniform())) / 3;
      out[2 * i + 1] = (sign * (Math.sin(s) * s + 0.5 * rng.uniform())) / 3;
    }
    shuffleRows(out, n, rng);
    for (let i = 0; i < 2 * n; i++) out[i] += noise * rng.normal();
  },
  0.1,
);
