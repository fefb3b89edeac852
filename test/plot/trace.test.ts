import { describe, expect, it } from 'vitest';
import { ValidationError, autocorrelationFigure, traceFigure } from '../../src/index.js';

const result = {
  chains: [Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13]), Float32Array.from([5, 50, 6, 60, 7, 70, 8, 80])],
  dim: 2, samplesPerChain: 4, acceptanceRate: 1, gradientEvaluations: 0,
};

describe('MCMC figures', () => {
  it('traceFigure: one line per chain with the chosen coordinate against the iteration; JSON-serialisable', () => {
    const fig = traceFigure(result, { dim: 1 });
    expect(fig.data).toHaveLength(2);
    expect(fig.data[0].y).toEqual([10, 11, 12, 13]);
    expect(fig.data[1].y).toEqual([50, 60, 70, 80]);
    expect(fig.data[0].x).toEqual([0, 1, 2, 3]);
    expect(JSON.parse(JSON.stringify(fig))).toEqual(fig);
  });

  it('autocorrelationFigure: ρ(0) = 1 and the lag-1 autocorrelation of an alternating chain is negative', () => {
    const fig = autocorrelationFigure([[1, -1, 1, -1, 1, -1, 1, -1]], { maxLag: 3 });
    const y = fig.data[0].y as number[];
    expect(y[0]).toBeCloseTo(1, 12);
    expect(y[1]).toBeCloseTo(-7 / 8, 12);
    expect(y).toHaveLength(4);
  });

  it('rejects a coordinate outside the result and unknown options', () => {
    expect(() => traceFigure(result, { dim: 2 })).toThrow(ValidationError);
    expect(() => autocorrelationFigure(result, { lag: 3 } as never)).toThrow(/unknown option "lag"/);
  });
});

describe('freeEnergyFigure', () => {
  it('shifts each curve to a minimum of 0 and draws +∞ as a gap', async () => {
    const { freeEnergyFigure } = await import('../../src/index.js');
    const fig = freeEnergyFigure([{ name: 'a', centres: [0, 1, 2], freeEnergy: [3, 5, Infinity] }, { name: 'b', centres: [0, 1], freeEnergy: [1, 0], line: true }]);
    expect(fig.data[0].y).toEqual([0, 2, null]);
    expect(fig.data[1].y).toEqual([1, 0]);
    expect(fig.data[1].mode).toBe('lines');
  });
});
