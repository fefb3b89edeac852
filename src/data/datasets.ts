/**
 * Two-dimensional toy datasets for density estimation, after the FFJORD toy definitions
 * (Grathwohl et al. 2019) and scikit-learn. Each is `datasets.<name>(n, { seed, noise? })` → `[n, 2]`
 * tensor; those with a closed-form density also have `datasets.<name>.logProb(x)`.
 *
 * @example
 * ```ts
 * import { ready, tf, datasets } from 'tfjs-flows';
 * await ready();
 * // The entropy of the true density: the floor of any model's test NLL.
 * const floor = tf.tidy(() => tf.neg(tf.mean(datasets.eightGaussians.logProb(datasets.eightGaussians(5000, { seed: 3 })))));
 * ```
 */
import { checkerboard } from './checkerboard.js';
import { circles } from './circles.js';
import { eightGaussians } from './eight-gaussians.js';
import { moons } from './moons.js';
import { pinwheel } from './pinwheel.js';
import { rings } from './rings.js';
import { swissRoll } from './swiss-roll.js';
import { twoSpirals } from './two-spirals.js';

export const datasets = {
  moons,
  circles,
  eightGaussians,
  pinwheel,
  twoSpirals,
  checkerboard,
  rings,
  swissRoll,
} as const;

/** Names of the toy datasets. */
export type DatasetName = keyof typeof datasets;
