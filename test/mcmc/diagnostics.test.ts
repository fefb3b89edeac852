import { describe, expect, it } from 'vitest';
import { Rng, ValidationError, autocorrelation, essBulk, essTail, integratedAutocorrelationTime, splitRhat, summarizeScalar } from '../../src/index.js';

/** M chains of an AR(1) process x_t = φ x_{t−1} + √(1−φ²) ε_t (stationary N(0, 1)). */
function ar1(m: number, n: number, phi: number, seed: number, shift: number[] = []): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: m }, (_, k) => {
    let x = rng.normal();
    return Array.from({ length: n }, () => (x = phi * x + Math.sqrt(1 - phi * phi) * rng.normal()) + (shift[k] ?? 0));
  });
}

describe('chain diagnostics', () => {
  it('AR(1) with φ = 0.8: τ = (1 + φ)/(1 − φ) = 9, ESS = MN/9 (bulk and raw within 15 %), ρ(1) ≈ 0.8', () => {
    const chains = ar1(4, 5000, 0.8, 1);
    const tau = integratedAutocorrelationTime(chains);
    expect(Math.abs(tau / 9 - 1)).toBeLessThan(0.15);
    expect(Math.abs(essBulk(chains) / (20000 / 9) - 1)).toBeLessThan(0.15);
    // The tail ESS of an indicator is larger than the mean's for AR(1) (its autocorrelation decays faster); bounded below.
    expect(essTail(chains)).toBeGreaterThan(20000 / 9 / 2);
    expect(autocorrelation(chains[0], 2)[1]).toBeCloseTo(0.8, 1);
    expect(autocorrelation(chains[0], 2)[2]).toBeCloseTo(0.64, 1);
  });

  it('independent draws: ESS ≈ MN, τ ≈ 1, R̂ < 1.01', () => {
    const chains = ar1(4, 2000, 0, 2);
    expect(Math.abs(essBulk(chains) / 8000 - 1)).toBeLessThan(0.1);
    expect(Math.abs(integratedAutocorrelationTime(chains) - 1)).toBeLessThan(0.1);
    expect(splitRhat(chains)).toBeLessThan(1.01);
  });

  it('split R̂ flags chains that disagree (one chain shifted by 1 sd: R̂ > 1.1) and a trend within chains', () => {
    expect(splitRhat(ar1(4, 1000, 0.5, 3, [0, 0, 0, 1]))).toBeGreaterThan(1.1);
    const trend = [Array.from({ length: 1000 }, (_, i) => i / 200 + Math.sin(i))];
    expect(splitRhat(trend)).toBeGreaterThan(1.1);
  });

  it('summarizeScalar: MCSE of the mean = sd/√ESS, and the mean of N(0,1) AR(1) chains within 3 MCSE of 0', () => {
    const s = summarizeScalar(ar1(4, 3000, 0.5, 4));
    expect(Math.abs(s.mean)).toBeLessThan(3 * s.mcse);
    expect(s.sd).toBeCloseTo(1, 1);
    expect(s.mcse).toBeCloseTo(s.sd / Math.sqrt((4 * 3000) / s.iat), 10);
  });

  it('rejects ragged, non-finite or too short chains', () => {
    expect(() => essBulk([[1, 2, 3, 4], [1, 2, 3]])).toThrow(ValidationError);
    expect(() => splitRhat([[1, 2, NaN, 4, 5]])).toThrow(/chains\[0\]\[2\]' must be a finite number/);
    expect(() => essTail([[1, 2]])).toThrow(/at least 4 draws/);
  });
});
