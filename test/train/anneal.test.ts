import { describe, expect, it } from 'vitest';
import { ValidationError, linearAnneal } from '../../src/index.js';
import { resolveBeta } from '../../src/train/anneal.js';

describe('annealing of the target (β)', () => {
  it('linearAnneal: β_t = min(1, β₀ + (1 − β₀) t / W), reaching 1 at step W and staying there', () => {
    expect(linearAnneal(1, 100)).toBeCloseTo(0.01 + 0.99 / 100, 15);
    expect(linearAnneal(50, 100)).toBeCloseTo(0.505, 15);
    expect(linearAnneal(99, 100)).toBeLessThan(1);
    expect(linearAnneal(100, 100)).toBe(1);
    expect(linearAnneal(5000, 100)).toBe(1);
    expect(linearAnneal(3, 10, 0)).toBeCloseTo(0.3, 15);
    // Rezende & Mohamed's schedule min(1, 0.01 + t/10000) differs from ours by < 1% of the way.
    expect(Math.abs(linearAnneal(5000, 10000) - (0.01 + 5000 / 10000))).toBeLessThan(0.01);
  });

  it('resolveBeta: null without annealing; linear, constant and function schedules', () => {
    expect(resolveBeta('f', {}, 10)).toBeNull();
    const lin = resolveBeta('f', { annealSteps: 4, annealStart: 0.2 }, 10)!;
    expect([1, 2, 3, 4, 5].map(lin)).toEqual([0.4, 0.6, 0.8, 1, 1].map((v) => expect.closeTo(v, 12)));
    expect(resolveBeta('f', { beta: 0.5 }, 10)!(7)).toBe(0.5);
    const seen: [number, number][] = [];
    const fnBeta = resolveBeta('f', { beta: (s: number, t: number) => (seen.push([s, t]), s / t) }, 10)!;
    expect(fnBeta(3)).toBeCloseTo(0.3, 15);
    expect(seen).toEqual([[3, 10]]);
  });

  it('rejects bad annealing options with a ValidationError naming the option', () => {
    const bad: [object, RegExp][] = [
      [{ beta: 0.5, annealSteps: 10 }, /either beta or annealSteps/],
      [{ annealSteps: 0 }, /options\.annealSteps/],
      [{ annealSteps: 10, annealStart: 1 }, /options\.annealStart.*< 1; got 1/],
      [{ annealSteps: 10, annealStart: -0.1 }, /options\.annealStart/],
      [{ annealStart: 0.1 }, /options\.annealSteps/],
      [{ beta: -1 }, /options\.beta.*≥ 0; got -1/],
      [{ beta: 'big' }, /options\.beta.*got "big"/],
    ];
    for (const [o, msg] of bad) {
      expect(() => resolveBeta('f', o, 10)).toThrow(ValidationError);
      expect(() => resolveBeta('f', o, 10)).toThrow(msg);
    }
    const nanAt3 = resolveBeta('f', { beta: (s: number) => (s === 3 ? NaN : 1) }, 10)!;
    expect(nanAt3(2)).toBe(1);
    expect(() => nanAt3(3)).toThrow(/options\.beta\(3\).*got NaN/);
  });
});
