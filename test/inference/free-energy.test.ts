import { describe, expect, it } from 'vitest';
import { ValidationError, doubleWellFreeEnergy, freeEnergyProfile, freeEnergyProfileError } from '../../src/index.js';

describe('freeEnergyProfile', () => {
  it('F = −log(weighted mass / total / width) per bin, +∞ where empty; values outside the range are left out', () => {
    const p = freeEnergyProfile([0.1, 0.2, 0.7, 5], [1, 1, 2, 4], { bins: 2, range: [0, 1] });
    expect(p.edges).toEqual([0, 0.5, 1]);
    expect(p.centres).toEqual([0.25, 0.75]);
    expect(p.freeEnergy[0]).toBeCloseTo(-Math.log(2 / 8 / 0.5), 12);
    expect(p.freeEnergy[1]).toBeCloseTo(-Math.log(2 / 8 / 0.5), 12);
    expect(freeEnergyProfile([0.1], undefined, { bins: 2, range: [0, 1] }).freeEnergy[1]).toBe(Infinity);
  });

  it('the double well\'s exact profile: its bin probabilities sum to P(−2.25 < x₁ < 2.25), and F is lowest in the right well', () => {
    const edges = Array.from({ length: 31 }, (_, k) => -2.25 + (4.5 * k) / 30);
    const f = doubleWellFreeEnergy(edges);
    const mass = f.reduce((s, v) => s + Math.exp(-v) * 0.15, 0);
    expect(mass).toBeGreaterThan(0.99);
    expect(mass).toBeLessThan(1);
    const min = f.indexOf(Math.min(...f));
    expect(edges[min]).toBeGreaterThan(1.4);
    expect(edges[min]).toBeLessThan(2);
  });

  it('rejects a bad range and mismatched weights', () => {
    expect(() => freeEnergyProfile([1], undefined, { range: [1, 0] })).toThrow(ValidationError);
    expect(() => freeEnergyProfile([1, 2], [1], { range: [0, 3] })).toThrow(/weights/);
  });
});

describe('freeEnergyProfileError (the SNF paper\'s statistic)', () => {
  const exact = [0, 1, 2];

  it('is 0 for estimates equal to the exact profile up to a constant each', () => {
    const e = freeEnergyProfileError([[5, 6, 7], [-1, 0, 1], [0, 1, 2]], exact);
    expect(e.bias).toBeCloseTo(0, 12);
    expect(e.std).toBeCloseTo(0, 12);
    expect(e.bins).toBe(3);
  });

  it('std: the mean over bins of the spread across estimates after each is centred on its mean', () => {
    // Centred: [−0.8, −0.1, 0.9] and [−1.2, 0.1, 1.1]; per-bin population sd 0.2, 0.1, 0.1.
    const e = freeEnergyProfileError([[0.3, 1, 2], [-0.3, 1, 2]], exact);
    expect(e.bias).toBeCloseTo(0, 12);
    expect(e.std).toBeCloseTo(0.4 / 3, 12);
    expect(e.error).toBeCloseTo(0.4 / 3, 12);
  });

  it('bias: |mean over bins of (exact − average)|, both shifted to a minimum of 0', () => {
    // Average [0, 1.5, 2] after the shift: differences 0, −0.5, 0.
    const e = freeEnergyProfileError([[0, 1.5, 2], [3, 4.5, 5]], exact);
    expect(e.bias).toBeCloseTo(1 / 6, 12);
    expect(e.std).toBeCloseTo(0, 12);
    expect(e.error).toBeCloseTo(1 / 6, 12);
  });

  it('leaves out a bin that any estimate left empty, and centres each estimate on the bins it filled', () => {
    // Centred on their own filled bins: [−0.5, 0.5] and [−1, 0] (the second also has bin 2), so each
    // kept bin has spread 0.25 while the average keeps the exact shape.
    const e = freeEnergyProfileError([[0, 1, Infinity], [0.5, 1.5, 2.5]], exact);
    expect(e.bins).toBe(2);
    expect(e.bias).toBeCloseTo(0, 12);
    expect(e.std).toBeCloseTo(0.25, 12);
  });

  it('rejects fewer than two estimates and mismatched bins', () => {
    expect(() => freeEnergyProfileError([[0, 1, 2]], exact)).toThrow(/estimates/);
    expect(() => freeEnergyProfileError([[0, 1], [0, 1]], exact)).toThrow(/estimates\[0\]/);
  });
});
