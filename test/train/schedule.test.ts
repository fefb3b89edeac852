import { describe, expect, it } from 'vitest';
import { ValidationError, cosineDecay } from '../../src/index.js';
import { resolveSchedule } from '../../src/train/schedule.js';

describe('resolveSchedule', () => {
  it('a number is a constant rate', () => {
    const lr = resolveSchedule('fit', 0.01, 100);
    expect([1, 50, 100].map(lr)).toEqual([0.01, 0.01, 0.01]);
  });

  it('constant with warm-up rises linearly to the rate over warmupSteps, then stays', () => {
    const lr = resolveSchedule('fit', { type: 'constant', learningRate: 0.1, warmupSteps: 4 }, null);
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1].forEach((want, i) => expect(lr([1, 2, 3, 4, 5, 1000][i])).toBeCloseTo(want, 15));
  });

  it('cosine: full rate right after warm-up, half-way at the midpoint of the decay, near final at the end', () => {
    const T = 110;
    const W = 10;
    const lr = resolveSchedule('fit', cosineDecay(1, { warmupSteps: W, finalLearningRate: 0.2 }), T);
    expect(lr(5)).toBeCloseTo(0.5, 12);
    expect(lr(W + 1)).toBeCloseTo(1, 12);
    // s − 1 − W = 50 of T − W = 100: cos(π/2) = 0 → final + (1 − final)/2.
    expect(lr(W + 51)).toBeCloseTo(0.6, 12);
    expect(lr(T)).toBeCloseTo(0.2 + 0.8 * 0.5 * (1 + Math.cos(Math.PI * 0.99)), 12);
    for (let s = W + 1; s < T; s++) expect(lr(s + 1)).toBeLessThan(lr(s));
  });

  it('a function is called with (step, totalSteps) and its value checked', () => {
    const lr = resolveSchedule('fit', (s: number, t: number | null) => s / (t ?? 1), 10);
    expect(lr(5)).toBe(0.5);
    const bad = resolveSchedule('fit', () => NaN, 10);
    expect(() => bad(3)).toThrow(/options.learningRate\(3\)/);
  });

  it('rejects bad schedules with ValidationError', () => {
    expect(() => resolveSchedule('fit', -1, 10)).toThrow(ValidationError);
    expect(() => resolveSchedule('fit', 'fast', 10)).toThrow(/schedule/);
    expect(() => resolveSchedule('fit', { type: 'linear', learningRate: 1 }, 10)).toThrow(/'constant' or 'cosine'/);
    expect(() => resolveSchedule('fit', cosineDecay(1), null)).toThrow(/known number of steps/);
    expect(() => resolveSchedule('fit', cosineDecay(1, { warmupSteps: 10 }), 10)).toThrow(/warmupSteps/);
    expect(() => resolveSchedule('fit', { type: 'cosine', learningRate: 1, warmup: 3 }, 10)).toThrow(/unknown option "warmup"/);
  });
});
