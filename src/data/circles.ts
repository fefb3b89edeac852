import { ringLogDensity } from './ring-density.js';
import { logSumExp, makeToyDataset, shuffleRows } from './toy.js';

/**
 * Two concentric circles, FFJORD's `circles`: scikit-learn's `make_circles(n, factor=0.5, noise)`
 * scaled by 3, i.e. ⌊n/2⌋ points evenly spaced on the circle of radius 3 and the rest on radius 1.5,
 * rows shuffled, with Gaussian noise of standard deviation `3 · noise` (default `noise` 0.08).
 *
 * `circles.logProb` is the limit density `½ ring(3) + ½ ring(1.5)`, each ring a uniform circle
 * blurred by N(0, (3·noise)² I) (see `ring-density.ts`).
 *
 * @example
 * ```ts
 * const x = datasets.circles(1000, { seed: 1 });
 * const lp = datasets.circles.logProb(x); // Tensor1D [1000]
 * ```
 */
export const circles = makeToyDataset(
  'circles',
  (out, n, rng, noise) => {
    const nOut = Math.floor(n / 2);
    const nIn = n - nOut;
    for (let i = 0; i < nOut; i++) {
      const a = (2 * Math.PI * i) / nOut;
      out[2 * i] = Math.cos(a);
      out[2 * i + 1] = Math.sin(a);
    }
    for (let i = 0; i < nIn; i++) {
      const a = (2 * Math.PI * i) / nIn;
      out[2 * (nOut + i)] = 0.5 * Math.cos(a);
      out[2 * (nOut + i) + 1] = 0.5 * Math.sin(a);
    }
    shuffleRows(out, n, rng);
    for (let i = 0; i < 2 * n; i++) out[i] = 3 * (out[i] + noise * rng.normal());
  },
  0.08,
  (x, y, noise) => logSumExp([ringLogDensity(x, y, 3, 3 * noise), ringLogDensity(x, y, 1.5, 3 * noise)]) - Math.LN2,
);
