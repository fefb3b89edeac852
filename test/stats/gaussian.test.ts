/** fitGaussian: maximum-likelihood moments, log density against an independent 3 × 3 computation, shrinkage, errors. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { Rng } from '../../src/random.js';
import { gaussianBaseline } from '../../src/stats/baseline.js';
import { fitGaussian } from '../../src/stats/gaussian.js';
import { matmul, transpose } from '../../src/stats/linalg.js';

// 6 rows × 3 columns, not degenerate
const rows = [
  [1, 2, 0.5],
  [2, 1, -1],
  [0, 3, 2],
  [4, 0, 1],
  [3, 3, 3],
  [-1, 1, 0],
];
const flat = new Float64Array(rows.flat());

/** det and inverse of a 3 × 3 matrix by cofactors (independent of the Cholesky code). */
function det3(m: number[][]): number {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}
function inv3(m: number[][]): number[][] {
  const d = det3(m);
  const c = (i: number, j: number) => {
    const r = [0, 1, 2].filter((k) => k !== i);
    const s = [0, 1, 2].filter((k) => k !== j);
    return ((i + j) % 2 ? -1 : 1) * (m[r[0]][s[0]] * m[r[1]][s[1]] - m[r[0]][s[1]] * m[r[1]][s[0]]);
  };
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => c(j, i) / d));
}

describe('fitGaussian', () => {
  it('mean and covariance are the maximum-likelihood moments (divide by n); shrinkage 0 is the sample covariance', () => {
    const g = fitGaussian(flat, 6, 3);
    const mean = [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[j], 0) / 6);
    for (let j = 0; j < 3; j++) expect(g.mean[j]).toBeCloseTo(mean[j], 14);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const s = rows.reduce((acc, r) => acc + (r[a] - mean[a]) * (r[b] - mean[b]), 0) / 6;
        expect(g.cov[a][b]).toBeCloseTo(s, 13);
      }
    }
    expect(g.shrinkage).toBe(0);
    const back = matmul(g.scaleTril, transpose(g.scaleTril));
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(back[a][b]).toBeCloseTo(g.cov[a][b], 12);
  });

  it('logProb equals −½ (d log 2π + log det Σ + (x−μ)ᵀ Σ⁻¹ (x−μ)) computed by cofactors', () => {
    const g = fitGaussian(flat, 6, 3);
    const P = inv3(g.cov);
    const logDet = Math.log(det3(g.cov));
    expect(g.logDetCov).toBeCloseTo(logDet, 12);
    const x = [[0.3, -1.2, 4], [1, 2, 0.5]];
    const lp = g.logProb(new Float64Array(x.flat()), 2);
    x.forEach((xi, i) => {
      const c = xi.map((v, j) => v - g.mean[j]);
      const q = c.reduce((s, ca, a) => s + ca * c.reduce((t, cb, b) => t + P[a][b] * cb, 0), 0);
      expect(lp[i]).toBeCloseTo(-0.5 * (3 * Math.log(2 * Math.PI) + logDet + q), 11);
    });
    expect(g.meanNll(new Float64Array(x.flat()), 2)).toBeCloseTo(-(lp[0] + lp[1]) / 2, 12);
    // The training NLL of an ML Gaussian is ½ (d log 2π + log det Σ + d): the quadratic terms average to d.
    expect(g.meanNll(flat, 6)).toBeCloseTo(0.5 * (3 * Math.log(2 * Math.PI) + logDet + 3), 11);
  });

  it('a fixed shrinkage λ scales the off-diagonal entries by 1 − λ and keeps every variance', () => {
    const s = fitGaussian(flat, 6, 3);
    const g = fitGaussian(new Float32Array(flat), 6, 3, { shrinkage: 0.25 });
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(g.cov[a][b]).toBeCloseTo(s.cov[a][b] * (a === b ? 1 : 0.75), 6);
    expect(g.shrinkage).toBe(0.25);
  });

  it("'auto' shrinkage matches the Schäfer–Strimmer formula and helps when rows are few relative to the dimension", () => {
    const rng = new Rng(3);
    const d = 20;
    const n = 30;
    // true covariance: identity plus a weak common factor
    const draw = (m: number) => {
      const out = new Float64Array(m * d);
      for (let i = 0; i < m; i++) {
        const f = rng.normal();
        for (let j = 0; j < d; j++) out[i * d + j] = 0.3 * f + rng.normal();
      }
      return out;
    };
    const train = draw(n);
    const test = draw(2000);
    const g = fitGaussian(train, n, d, { shrinkage: 'auto' });
    // independent formula: standardised columns, products w_kij, Σ Var(r_ij) / Σ r_ij²
    const mean = Array.from({ length: d }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += train[i * d + j]; return s / n; });
    const sd = Array.from({ length: d }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += (train[i * d + j] - mean[j]) ** 2; return Math.sqrt(s / n); });
    let num = 0;
    let den = 0;
    for (let a = 0; a < d; a++) {
      for (let b = a + 1; b < d; b++) {
        const w = Array.from({ length: n }, (_, i) => ((train[i * d + a] - mean[a]) / sd[a]) * ((train[i * d + b] - mean[b]) / sd[b]));
        const r = w.reduce((s, v) => s + v, 0) / n;
        num += w.reduce((s, v) => s + (v - r) ** 2, 0) / (n * (n - 1));
        den += r * r;
      }
    }
    expect(g.shrinkage).toBeCloseTo(Math.min(1, num / den), 12);
    expect(g.shrinkage).toBeGreaterThan(0.2);
    expect(g.shrinkage).toBeLessThan(1);
    const plain = fitGaussian(train, n, d);
    // with 30 rows in 20 dimensions, the sample covariance overfits badly; shrinkage must be much better
    expect(g.meanNll(test, 2000)).toBeLessThan(plain.meanNll(test, 2000) - 1);
  });

  it('names a constant column, and a collinear column when there is no shrinkage', () => {
    const constant = new Float64Array([1, 5, 2, 5, 3, 5, 4, 5]);
    expect(() => fitGaussian(constant, 4, 2)).toThrow(ValidationError);
    expect(() => fitGaussian(constant, 4, 2)).toThrow(/column 1 constant/);
    // column 2 = 2 · column 0 − column 1
    const collinear = new Float64Array(rows.flatMap((r) => [r[0], r[1], 2 * r[0] - r[1]]));
    expect(() => fitGaussian(collinear, 6, 3)).toThrow(/fitGaussian: argument 'values'.*column 2 is \(numerically\) a linear combination/);
    expect(() => fitGaussian(collinear, 6, 3, { shrinkage: 0.1 })).not.toThrow();
  });

  it('rejects malformed input with ValidationErrors', () => {
    expect(() => fitGaussian(flat, 5, 3)).toThrow(/n · dim = 5 · 3 = 15/);
    expect(() => fitGaussian(new Float64Array([1, NaN, 2, 3]), 2, 2)).toThrow(/finite.*row 0, column 1/);
    expect(() => fitGaussian(new Float64Array([1, 2]), 1, 2)).toThrow(/'n'/);
    expect(() => fitGaussian(flat, 6, 3, { shrinkage: 1.5 })).toThrow(/shrinkage/);
    expect(() => fitGaussian([1, 2, 3, 4] as unknown as Float64Array, 2, 2)).toThrow(/Float32Array or Float64Array/);
    const g = fitGaussian(flat, 6, 3);
    expect(() => g.logProb(new Float64Array(4), 2)).toThrow(ValidationError);
  });
});

describe('gaussianBaseline', () => {
  it('scores every split with the Gaussian of the training rows', () => {
    const other = new Float64Array([0, 1, 1, 1, 2, 0]);
    const b = gaussianBaseline({ values: flat, n: 6 }, 3, { validation: { values: other, n: 2 }, test: null }, { shrinkage: 0 });
    const g = fitGaussian(flat, 6, 3);
    expect(b).toEqual({ ok: true, train: g.meanNll(flat, 6), validation: g.meanNll(other, 2), test: null, shrinkage: 0 });
    const constant = gaussianBaseline({ values: new Float64Array([1, 5, 2, 5, 3, 5]), n: 3 }, 2);
    expect(constant.ok).toBe(false);
    expect(!constant.ok && constant.reason).toMatch(/column 1 constant/);
    expect(() => gaussianBaseline({ values: flat, n: 5 }, 3)).toThrow(ValidationError);
  });
});
