import { ringLogDensity } from './ring-density.js';
import { logSumExp, makeToyDataset, shuffleRows } from './toy.js';

const RADII = [3, 2.25, 1.5, 0.75];

/**
 * Four concentric rings, FFJORD's `rings`: ⌊n/4⌋ points evenly spaced on each of the circles of
 * radius 3, 2.25 and 1.5 and the rest on radius 0.75, rows shuffled, plus N(0, noise²) per coordinate
 * (default `noise` 0.08, in data units).
 *
 * `rings.logProb` is the limit density `¼ Σₖ ring(rₖ)`, each ring a uniform circle blurred by
 * N(0, noise² I) (see `ring-density.ts`).
 *
 * @example
 * ```ts
 * const x = datasets.rings(1000, { seed: 1 });
 * ```
 */
export const rings = makeToyDataset(
  'rings',
  (out, n, rng, noise) => {
    const quarter = Math.floor(n / 4);
    const counts = [quarter, quarter, quarter, n - 3 * quarter];
    let row = 0;
    counts.forEach((m, k) => {
      for (let i = 0; i < m; i++, row++) {
        const a = (2 * Math.PI * i) / m;
        out[2 * row] = RADII[k] * Math.cos(a);
        out[2 * row + 1] = RADII[k] * Math.sin(a);
      }
    });
    shuffleRows(out, n, rng);
    for (let i = 0; i < 2 * n; i++) out[i] += noise * rng.normal();
  },
  0.08,
  (x, y, noise) => logSumExp(RADII.map((r) => ringLogDensity(x, y, r, noise))) - Math.log(4),
);
