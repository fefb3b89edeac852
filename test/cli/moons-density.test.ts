/** The quadrature density of two moons that the demo's entropy floor uses. */
import { describe, expect, it } from 'vitest';
import { moonsLogDensity, moonsNll } from '../../src/cli/moons-density.js';

describe('moonsLogDensity', () => {
  it('integrates to 1 (Riemann sum on a 0.02 grid, 0.4 σ: exact to ~1e-6 for a Gaussian)', () => {
    const h = 0.02;
    let total = 0;
    for (let x = -1.6; x <= 2.6; x += h) for (let y = -1.1; y <= 1.6; y += h) total += Math.exp(moonsLogDensity(x, y, 0.05, 1000)) * h * h;
    expect(total).toBeCloseTo(1, 4);
  });

  it('equals the closed form of a full circle near the middle of a moon (the rest of the curve is > 10 σ away)', () => {
    // Mass ½ spread uniformly over a half circle of radius 1 is, near its middle, a full circle's
    // p(r) = (1/(2πσ²)) e^{−(r² + 1)/(2σ²)} I₀(r/σ²) at distance r from the centre (2π dt/(2π) = dt/π · ½ · 2).
    const sigma = 0.05;
    // e^{−x} I₀(x) for large x (x ≥ 300 here): the asymptotic series, terms beyond these < 1e-12.
    const ie0 = (x: number) => (1 + 1 / (8 * x) + 9 / (128 * x * x) + 225 / (3072 * x ** 3)) / Math.sqrt(2 * Math.PI * x);
    const circle = (r: number) => Math.log(ie0(r / sigma ** 2)) - (r - 1) ** 2 / (2 * sigma ** 2) - Math.log(2 * Math.PI * sigma ** 2);
    for (const r of [1 - 2 * sigma, 1 - sigma, 1, 1 + sigma, 1 + 2 * sigma]) {
      expect(moonsLogDensity(0, r, sigma)).toBeCloseTo(circle(r), 5); // moon 1 at t = π/2
      expect(moonsLogDensity(1, 0.5 - r, sigma)).toBeCloseTo(circle(r), 5); // moon 2 at t = π/2, centre (1, ½)
    }
  });

  it('has converged in the number of nodes', () => {
    for (const [x, y] of [[0.3, 0.9], [1.95, 0.45], [-1, 0.02]]) {
      expect(moonsLogDensity(x, y, 0.05, 4000)).toBeCloseTo(moonsLogDensity(x, y, 0.05, 16000), 5);
    }
  });

  it('moonsNll is the mean of −log p over rows', () => {
    const pts = [0, 1, 1, -0.5, 0.2, 0.3];
    const want = -(moonsLogDensity(0, 1) + moonsLogDensity(1, -0.5) + moonsLogDensity(0.2, 0.3)) / 3;
    expect(moonsNll(pts)).toBeCloseTo(want, 12);
  });
});
