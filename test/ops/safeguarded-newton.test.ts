import { describe, expect, it } from 'vitest';
import { solveIncreasing } from '../../src/ops/safeguarded-newton.js';

describe('solveIncreasing (safeguarded Newton/bisection, float64)', () => {
  it('finds ∛2 to float64 precision', () => {
    expect(Math.abs(solveIncreasing((t) => [t ** 3 - 2, 3 * t * t], 0, 2) - Math.cbrt(2))).toBeLessThan(1e-15);
  });

  it('converges where Newton alone diverges (atan: Newton from 2 overshoots) and where g′ vanishes at the root', () => {
    expect(Math.abs(solveIncreasing((t) => [Math.atan(t), 1 / (1 + t * t)], -30, 10))).toBeLessThan(1e-15);
    // t³ has g′(0) = 0: Newton is only linear there; the bracket still closes.
    expect(Math.abs(solveIncreasing((t) => [t ** 3, 3 * t * t], -1, 3))).toBeLessThan(1e-5);
  });

  it('solves the planar-tanh equation t + m tanh t = c near the degenerate m → −1', () => {
    const m = -1 + 1e-9;
    for (const c of [-3, -1e-3, 0, 1e-6, 0.5, 4]) {
      const t = solveIncreasing((s) => [s + m * Math.tanh(s) - c, 1 + m * (1 - Math.tanh(s) ** 2)], c - 1, c + 1);
      expect(Math.abs(t + m * Math.tanh(t) - c)).toBeLessThan(1e-14);
    }
  });

  it('rejects an empty bracket', () => {
    expect(() => solveIncreasing((t) => [t, 1], 1, 0)).toThrow(RangeError);
  });
});
