import { makeToyDataset } from './toy.js';

const ARMS = 5;
const RADIAL_STD = 0.3;
const TANGENTIAL_STD = 0.1;
const RATE = 0.25;

/**
 * Five curved arms, FFJORD's `pinwheel`: for arm k (rows cycle through the arms, then are shuffled),
 * draw r ~ N(1, 0.3²), t ~ N(0, 0.1²), angle a = 2πk/5 + 0.25·eʳ, and return
 * `2 · (r cos a + t sin a, −r sin a + t cos a)`. No `noise` option.
 *
 * @example
 * ```ts
 * const x = datasets.pinwheel(1000, { seed: 1 });
 * ```
 */
export const pinwheel = makeToyDataset(
  'pinwheel',
  (out, n, rng) => {
    const order = rng.permutation(n);
    for (let i = 0; i < n; i++) {
      const k = order[i] % ARMS;
      const r = 1 + RADIAL_STD * rng.normal();
      const t = TANGENTIAL_STD * rng.normal();
      const a = (2 * Math.PI * k) / ARMS + RATE * Math.exp(r);
      out[2 * i] = 2 * (r * Math.cos(a) + t * Math.sin(a));
      out[2 * i + 1] = 2 * (-r * Math.sin(a) + t * Math.cos(a));
    }
  },
  null,
);
