import { describe, expect, it } from 'vitest';
import { DOUBLE_WELL_LEFT_MASS, energies, sampleDoubleWell, tf } from '../../src/index.js';

/** Simpson's rule for ∫ f over [a, b] with m (even) intervals, in float64. */
function simpson(f: (x: number) => number, a: number, b: number, m: number): number {
  const h = (b - a) / m;
  let s = f(a) + f(b);
  for (let i = 1; i < m; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}
const e1 = (x: number) => Math.exp(-(x ** 4 - 6 * x ** 2 - 0.5 * x));

describe('energies.doubleWell (Wu, Köhler & Noé 2020)', () => {
  it('log Z = log(√(2π) ∫ exp(−E₁(x₁)) dx₁) = 10.29348 and P(x₁ < 0) = 0.15569, by Simpson quadrature', () => {
    const z1 = simpson(e1, -8, 8, 160000);
    const logZ = Math.log(z1) + 0.5 * Math.log(2 * Math.PI);
    expect(logZ).toBeCloseTo(10.29348, 5);
    expect(Math.abs(logZ - energies.doubleWell.logZ)).toBeLessThan(1e-9);
    const left = simpson(e1, -8, 0, 80000) / z1;
    expect(left).toBeCloseTo(0.15569, 5);
    expect(Math.abs(left - DOUBLE_WELL_LEFT_MASS)).toBeLessThan(1e-9);
    // Without the x₂ integral the constant is 9.37454: the value includes it.
    expect(Math.log(z1)).toBeCloseTo(9.37454, 4);
  });

  it('sampleDoubleWell: exact samples (KS test of x₁ against the quadrature CDF, x₂ standard normal moments)', () => {
    const n = 4000;
    const x = sampleDoubleWell(n, 3);
    const v = x.dataSync();
    x.dispose();
    const x1 = Array.from({ length: n }, (_, i) => v[2 * i]).sort((a, b) => a - b);
    const z = simpson(e1, -8, 8, 20000);
    // CDF at each sorted sample by cumulative Simpson between consecutive points.
    let cdf = simpson(e1, -8, x1[0], 2000) / z;
    let d = Math.max(cdf, 0);
    for (let i = 0; i < n; i++) {
      if (i > 0) cdf += simpson(e1, x1[i - 1], x1[i], 4) / z;
      d = Math.max(d, Math.abs(cdf - i / n), Math.abs(cdf - (i + 1) / n));
    }
    expect(d).toBeLessThan(1.63 / Math.sqrt(n)); // KS at the 1% level
    let m = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      m += v[2 * i + 1] / n;
      s += v[2 * i + 1] ** 2 / n;
    }
    expect(Math.abs(m)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(s - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });
});
