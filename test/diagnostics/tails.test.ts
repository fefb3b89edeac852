import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, StudentT, ValidationError, estimateTails, tailMatchedScale, tailAdaptiveFlow, tailDiagnostics, tailIndexOfTop, tailValueAtRisk, tf } from '../../src/index.js';

const E = Math.E;

/** Columns: t₂ (ξ = 0.5), N(0, 1) (ξ = 0), t₄ (ξ = 0.25), uniform (ξ = −1), as rows [n, 4]. */
function mixedColumns(n: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  const t2 = new StudentT(1, { df: 2 }).sample(n, rng.fork());
  const t4 = new StudentT(1, { df: 4 }).sample(n, rng.fork());
  const v = new Float32Array(n * 4);
  const a = t2.dataSync();
  const b = t4.dataSync();
  for (let i = 0; i < n; i++) {
    v[4 * i] = a[i];
    v[4 * i + 1] = rng.normal();
    v[4 * i + 2] = b[i];
    v[4 * i + 3] = rng.uniform();
  }
  tf.dispose([t2, t4]);
  return tf.tensor2d(v, [n, 4]);
}

describe('tail-index estimators on hand-computed order statistics', () => {
  // top = e³, e², e, 1 with k = 3: log-excesses 3, 2, 1 over the threshold.
  const top = [E ** 3, E ** 2, E, 1];
  it('Hill: mean log-excess = 2', () => expect(tailIndexOfTop(top, 3, 'hill')).toBeCloseTo(2, 12));
  it('moments: M₁ = 2, M₂ = 14/3, ξ = 3 − ½/(1 − 6/7) = −0.5', () => expect(tailIndexOfTop(top, 3, 'moments')).toBeCloseTo(-0.5, 12));
  it('kernel (biweight): (64 + 50)/243 over 89/243 = 114/89', () => expect(tailIndexOfTop(top, 3, 'kernel')).toBeCloseTo(114 / 89, 12));
  it('tail-matched scale: a t₂ of scale 3 has P(T > u) ≈ ½ (3/u)² for large u, so the scale is recovered', () => {
    const u = 300; // P(t₂ > 100) = 1/(√10002 (√10002 + 100)) ≈ 4.9998e-5
    const k = 1 / (Math.sqrt(2 + 100 ** 2) * (Math.sqrt(2 + 100 ** 2) + 100));
    expect(tailMatchedScale(u, k * 1e6, 1e6, 2)).toBeCloseTo(3, 3);
    // A_ν for ν = 1 (Cauchy): P(T > t) ≈ 1/(π t).
    expect(tailMatchedScale(1000, 1 / (Math.PI * 500), 1, 1)).toBeCloseTo(2, 2);
  });
  it('tVaR is the mean beyond the quantile', () => {
    expect(tailValueAtRisk([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.8)).toBeCloseTo(9.5, 12);
    expect(tailValueAtRisk(Array.from({ length: 1000 }, (_, i) => i), 0.99)).toBeCloseTo(994.5, 12);
  });
});

describe('estimateTails', () => {
  let x: tf.Tensor2D;
  beforeAll(() => {
    x = mixedColumns(20000, 3);
  });
  afterAll(() => x.dispose());
  for (const method of ['hill', 'moments', 'kernel'] as const) {
    it(`${method}: t₂ read as ξ ≈ 0.5 and heavy, the Gaussian and the uniform as light`, () => {
      const e = estimateTails(x, { method });
      // sd of Hill-type estimators at k = 142 is about ξ/√k ≈ 0.04; the moment estimator's is larger.
      expect(Math.abs(e.tailIndex[0] - 0.5)).toBeLessThan(0.15);
      expect(e.heavy[0]).toBe(true);
      expect(e.heavy[1]).toBe(false);
      expect(e.heavy[3]).toBe(false);
      expect(e.heavyDf[0]).toBeGreaterThan(1.4);
      expect(e.heavyDf[0]).toBeLessThan(3);
      // Tail-matched scale of a standard t₂ is 1 (off by the df estimate's error to the power 1/ν).
      expect(Math.abs(e.heavyScale[0] - 1)).toBeLessThan(0.3);
      expect(e.k).toBe(142);
    });
  }
  it('moments estimator: Gaussian near 0, uniform near −1 (consistent for ξ ≤ 0, unlike Hill)', () => {
    const e = estimateTails(x, { method: 'moments', k: 400 });
    expect(Math.abs(e.tailIndex[1])).toBeLessThan(0.15);
    expect(Math.abs(e.upper[3] + 1)).toBeLessThan(0.25);
  });
  it('validates its input', () => {
    expect(() => estimateTails(x, { method: 'pickands' as never })).toThrow(ValidationError);
    expect(() => estimateTails([[1], [2], [3]])).toThrow(/at least 2k \+ 2 = 22 rows; got 3 rows/);
    expect(() => estimateTails(tf.zeros([100, 1]) as tf.Tensor2D)).toThrow(/distinct values/);
  });
});

describe('tailDiagnostics', () => {
  it('a fresh mTAF flow on t₂ data: model Hill ≈ 0.5, tVaR close to the data (the model is the data law there)', () => {
    // A fresh flow is exactly its base: Student-t with ν = 2 on column 0, N(0, 1) on column 1.
    const flow = tailAdaptiveFlow({ dim: 2, heavy: [0], df: 2, layers: 1, hidden: [8], seed: 1 });
    const rng = new Rng(4);
    const t = new StudentT(1, { df: 2 }).sample(50000, rng.fork());
    const tv = t.dataSync();
    const data = tf.tensor2d(Array.from({ length: 50000 }, (_, i) => [tv[i], rng.normal()]));
    const d = tailDiagnostics(flow, data, { samples: 50000, seed: 2 });
    expect(Math.abs(d[0].modelHill - 0.5)).toBeLessThan(0.1);
    expect(d[1].modelHill).toBeLessThan(0.25);
    // tVaR₀.₉₉ of |t₂| tails has a large sampling sd (infinite variance): 25% relative.
    expect(d[0].relativeTVaRError).toBeLessThan(0.25);
    expect(d[1].relativeTVaRError).toBeLessThan(0.05);
    // Exact: tVaR₀.₉₉ of N(0, 1) = φ(z₀.₉₉)/0.01 = 2.665.
    expect(Math.abs(d[1].dataTVaR.upper - 2.665)).toBeLessThan(0.06);
    tf.dispose([t, data]);
    flow.dispose();
  });
});
