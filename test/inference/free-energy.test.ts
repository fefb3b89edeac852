import { describe, expect, it } from 'vitest';
import { ValidationError, doubleWellFreeEnergy, freeEnergyProfile } from '../../src/index.js';

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
