/** fitGaussianMixture / selectGaussianMixture: EM recovers a well-separated mixture, NLL is monotone, selection uses validation. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { Rng } from '../../src/random.js';
import { fitGaussian } from '../../src/stats/gaussian.js';
import { fitGaussianMixture, selectGaussianMixture } from '../../src/stats/gaussian-mixture.js';

/** n rows from 0.2 N((-5, 0), diag(1, 0.25)) + 0.5 N((5, 5), [[1, .6], [.6, 1]]) + 0.3 N((5, -5), I). */
function sample(n: number, rng: Rng): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    const a = rng.normal();
    const b = rng.normal();
    if (u < 0.2) {
      out[2 * i] = -5 + a;
      out[2 * i + 1] = 0.5 * b;
    } else if (u < 0.7) {
      out[2 * i] = 5 + a;
      out[2 * i + 1] = 5 + 0.6 * a + 0.8 * b;
    } else {
      out[2 * i] = 5 + a;
      out[2 * i + 1] = -5 + b;
    }
  }
  return out;
}

/** log density of the true mixture above (closed form). */
function trueLogProb(x: number, y: number): number {
  const n2 = (dx: number, dy: number, sxx: number, syy: number, sxy: number) => {
    const det = sxx * syy - sxy * sxy;
    const q = (syy * dx * dx - 2 * sxy * dx * dy + sxx * dy * dy) / det;
    return Math.exp(-0.5 * q) / (2 * Math.PI * Math.sqrt(det));
  };
  return Math.log(0.2 * n2(x + 5, y, 1, 0.25, 0) + 0.5 * n2(x - 5, y - 5, 1, 1, 0.6) + 0.3 * n2(x - 5, y + 5, 1, 1, 0));
}

describe('fitGaussianMixture', () => {
  const rng = new Rng(11);
  const train = sample(3000, rng);
  const test = sample(3000, rng);

  it('recovers the weights, means and covariances of a well-separated mixture; test NLL near the truth', () => {
    const gmm = fitGaussianMixture(train, 3000, 2, { components: 3, seed: 1 });
    expect(gmm.converged).toBe(true);
    const order = gmm.means.map((m, k) => k).sort((a, b) => gmm.means[a][0] + gmm.means[a][1] - (gmm.means[b][0] + gmm.means[b][1]));
    // sorted by x + y: (-5, 0), (5, -5), (5, 5)
    const expected = [
      { w: 0.2, m: [-5, 0], c: [1, 0.25, 0] },
      { w: 0.3, m: [5, -5], c: [1, 1, 0] },
      { w: 0.5, m: [5, 5], c: [1, 1, 0.6] },
    ];
    order.forEach((k, r) => {
      // standard errors: weight ≈ √(w(1−w)/n) ≈ 0.009, mean ≈ 1/√(n w) ≈ 0.04
      expect(Math.abs(gmm.weights[k] - expected[r].w)).toBeLessThan(0.03);
      expect(Math.abs(gmm.means[k][0] - expected[r].m[0])).toBeLessThan(0.15);
      expect(Math.abs(gmm.means[k][1] - expected[r].m[1])).toBeLessThan(0.15);
      expect(Math.abs(gmm.covs[k][0][0] - expected[r].c[0])).toBeLessThan(0.15);
      expect(Math.abs(gmm.covs[k][1][1] - expected[r].c[1])).toBeLessThan(0.15);
      expect(Math.abs(gmm.covs[k][0][1] - expected[r].c[2])).toBeLessThan(0.1);
    });
    let truth = 0;
    for (let i = 0; i < 3000; i++) truth -= trueLogProb(test[2 * i], test[2 * i + 1]);
    truth /= 3000;
    expect(Math.abs(gmm.meanNll(test, 3000) - truth)).toBeLessThan(0.02);
  });

  it('never increases the training NLL across EM iterations (no regularisation), and K = 1 is the ML Gaussian', () => {
    const gmm = fitGaussianMixture(train, 3000, 2, { components: 5, seed: 2, regularization: 0, tolerance: 0, maxIterations: 60 });
    expect(gmm.history.length).toBeGreaterThan(10);
    for (let t = 1; t < gmm.history.length; t++) expect(gmm.history[t]).toBeLessThanOrEqual(gmm.history[t - 1] + 1e-12);
    const one = fitGaussianMixture(train, 3000, 2, { components: 1, regularization: 0 });
    expect(one.meanNll(test, 3000)).toBeCloseTo(fitGaussian(train, 3000, 2).meanNll(test, 3000), 10);
  });

  it('the same seed gives the same mixture', () => {
    const a = fitGaussianMixture(train, 3000, 2, { components: 4, seed: 'x', maxIterations: 5 });
    const b = fitGaussianMixture(train, 3000, 2, { components: 4, seed: 'x', maxIterations: 5 });
    expect(a.history).toEqual(b.history);
  });

  it('selection on validation picks 3 or more components here, never 1', () => {
    const val = sample(500, new Rng(5));
    const sel = selectGaussianMixture(train, 3000, val, 500, 2, { grid: [1, 2, 3, 4], seed: 0 });
    expect(sel.candidates.map((c) => c.components)).toEqual([1, 2, 3, 4]);
    expect(sel.components).toBeGreaterThanOrEqual(3);
    const best = Math.min(...sel.candidates.map((c) => c.validationNll));
    expect(sel.best.meanNll(val, 500)).toBe(best);
  });

  it('rejects bad options and constant columns', () => {
    expect(() => fitGaussianMixture(train, 3000, 2, { components: 0 })).toThrow(ValidationError);
    expect(() => fitGaussianMixture(new Float64Array([1, 2, 3, 4]), 2, 2, { components: 3 })).toThrow(/at most n = 2/);
    expect(() => fitGaussianMixture(new Float64Array([1, 7, 2, 7, 3, 7]), 3, 2)).toThrow(/column 1 constant/);
  });
});
