import { makeToyDataset } from './toy.js';

/** Python's `a % 2` for integers (non-negative even for negative `a`). */
const mod2 = (a: number) => ((a % 2) + 2) % 2;

/**
 * A 4×4 checkerboard on [−4, 4)², FFJORD's `checkerboard`: x₁ uniform on [−2, 2), x₂ uniform on the
 * two unit intervals whose integer parts have the parity of ⌊x₁⌋, then both scaled by 2. Eight of the
 * sixteen 2×2 squares hold the mass (those where ⌊x₁/2⌋ + ⌊x₂/2⌋ is even). No `noise` option.
 *
 * `checkerboard.logProb` is exact: `−log 32` on the eight squares (total area 32), −Infinity elsewhere;
 * so the entropy, the floor of the test NLL, is log 32 ≈ 3.466 nats.
 *
 * @example
 * ```ts
 * const x = datasets.checkerboard(1000, { seed: 1 });
 * ```
 */
export const checkerboard = makeToyDataset(
  'checkerboard',
  (out, n, rng) => {
    for (let i = 0; i < n; i++) {
      const x1 = 4 * rng.uniform() - 2;
      const x2 = rng.uniform() - 2 * rng.int(2) + mod2(Math.floor(x1));
      out[2 * i] = 2 * x1;
      out[2 * i + 1] = 2 * x2;
    }
  },
  null,
  (x, y) => {
    const a = x / 2;
    const b = y / 2;
    const inside = a >= -2 && a < 2 && b >= -2 && b < 2 && mod2(Math.floor(a) + Math.floor(b)) === 0;
    return inside ? -Math.log(32) : -Infinity;
  },
);
