/**
 * Float64 transcriptions of the target energies (written from the papers, independently of
 * src/energies) and a 2D trapezoid rule. `bench/energies-logz.ts` computes the reference log Z with
 * these; the energy tests recompute it on a coarser grid and compare the TF.js log-densities pointwise.
 */

const sq = (v: number) => v * v;
const logAddExp = (a: number, b: number) => Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

// Rezende & Mohamed (2015), Table 1.
const w1 = (z1: number) => Math.sin((2 * Math.PI * z1) / 4);
const w2 = (z1: number) => 3 * Math.exp(-0.5 * sq((z1 - 1) / 0.6));
const w3 = (z1: number) => 3 / (1 + Math.exp(-(z1 - 1) / 0.3));

/** The confining wall added to U2–U4 (improper in z1 otherwise): ½ ((ρ(z1 − 4) + ρ(−z1 − 4)) / 0.25)², ρ(t) = 0.1 softplus(t/0.1). */
export const wall64 = (z1: number) => 0.5 * sq((0.1 * softplus((z1 - 4) / 0.1) + 0.1 * softplus((-z1 - 4) / 0.1)) / 0.25);

/** log p̃ = −U of each energy, at (z1, z2). */
export const energies64: Record<string, (z1: number, z2: number) => number> = {
  u1: (z1, z2) => -0.5 * sq((Math.hypot(z1, z2) - 2) / 0.4) + logAddExp(-0.5 * sq((z1 - 2) / 0.6), -0.5 * sq((z1 + 2) / 0.6)),
  u2: (z1, z2) => -0.5 * sq((z2 - w1(z1)) / 0.4) - wall64(z1),
  u3: (z1, z2) => logAddExp(-0.5 * sq((z2 - w1(z1)) / 0.35), -0.5 * sq((z2 - w1(z1) + w2(z1)) / 0.35)) - wall64(z1),
  u4: (z1, z2) => logAddExp(-0.5 * sq((z2 - w1(z1)) / 0.4), -0.5 * sq((z2 - w1(z1) + w3(z1)) / 0.35)) - wall64(z1),
  // normflows' TwoMoons: a ring of radius 2 (width 0.2) times two bumps at z1 = ±2 (width 0.3).
  twoMoons: (z1, z2) => -0.5 * sq((Math.hypot(z1, z2) - 2) / 0.2) + logAddExp(-0.5 * sq((z1 - 2) / 0.3), -0.5 * sq((z1 + 2) / 0.3)),
  // Eight unit-weight Gaussians on the circle of radius 2, σ = (2/3) sin(π/8) (normflows' CircularGaussianMixture, unnormalised).
  ringOfEight: (z1, z2) => {
    const s = (2 / 3) * Math.sin(Math.PI / 8);
    const terms = Array.from({ length: 8 }, (_, k) => {
      const a = (2 * Math.PI * k) / 8;
      return -(sq(z1 - 2 * Math.sin(a)) + sq(z2 - 2 * Math.cos(a))) / (2 * s * s);
    });
    const m = Math.max(...terms);
    return m + Math.log(terms.reduce((acc, t) => acc + Math.exp(t - m), 0));
  },
  // Wu, Köhler & Noé (2020): E = z1⁴ − 6z1² − 0.5z1 + ½z2².
  doubleWell: (z1, z2) => -(z1 ** 4 - 6 * z1 ** 2 - 0.5 * z1 + 0.5 * z2 ** 2),
};

/** Exact log Z of the unnormalised ring of eight: log(8 · 2πσ²). */
export const ringOfEightLogZ = Math.log(8 * 2 * Math.PI * sq((2 / 3) * Math.sin(Math.PI / 8)));

export type Box = [[number, number], [number, number]];

/**
 * log ∫∫_box exp(f) by the trapezoid rule on `nx × ny` nodes (endpoints included), Kahan-summed.
 * `shift` is subtracted inside exp to keep the sum near 1 (any value near max f works).
 */
export function logTrapezoid2d(f: (z1: number, z2: number) => number, box: Box, nx: number, ny: number, shift = 0): number {
  const [[x0, x1], [y0, y1]] = box;
  const hx = (x1 - x0) / (nx - 1);
  const hy = (y1 - y0) / (ny - 1);
  let sum = 0;
  let carry = 0;
  for (let i = 0; i < nx; i++) {
    const x = x0 + i * hx;
    const wx = i === 0 || i === nx - 1 ? 0.5 : 1;
    for (let j = 0; j < ny; j++) {
      const wy = j === 0 || j === ny - 1 ? 0.5 : 1;
      const term = wx * wy * Math.exp(f(x, y0 + j * hy) - shift) - carry;
      const next = sum + term;
      carry = next - sum - term;
      sum = next;
    }
  }
  return Math.log(sum * hx * hy) + shift;
}
