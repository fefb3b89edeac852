import { describe, expect, it } from 'vitest';
import { DiagNormal, StandardNormal, StudentT, ValidationError, tf } from '../../src/index.js';
import { lgamma } from '../../src/ops/lgamma.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { columnMoments, gaussianLogPdf, lgamma64 } from '../helpers/math.js';

const points = [[0, 0], [1, -2], [-3.5, 0.25], [10, 4]];

function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Student-t log-density in float64, from the textbook formula. */
function studentTLogPdf(x: number, df: number, loc: number, scale: number): number {
  const u = (x - loc) / scale;
  return lgamma64((df + 1) / 2) - lgamma64(df / 2) - 0.5 * Math.log(df * Math.PI) - Math.log(scale) - ((df + 1) / 2) * Math.log1p((u * u) / df);
}

describe('lgamma (TF.js ops)', () => {
  it('matches a float64 Lanczos log Γ from 0.05 to 1e4 within float32 precision', () => {
    const xs = [0.05, 0.5, 1, 1.5, 2, 3.7, 10, 55.5, 300, 1e4];
    const got = values(lgamma(tf.tensor1d(xs)));
    xs.forEach((x, i) => expect(Math.abs(got[i] - lgamma64(x))).toBeLessThan(2e-6 * Math.max(1, Math.abs(lgamma64(x)))));
  });
});

describe('StandardNormal', () => {
  it('logProb is −½‖z‖² − log 2π in 2D', () => {
    const lp = values(new StandardNormal(2).logProb(tf.tensor2d(points)));
    points.forEach((p, i) => expect(lp[i]).toBeCloseTo(gaussianLogPdf(p, [0, 0], [1, 1]), 4));
  });

  it('samples have mean 0 and variance 1 (within 4 standard errors) and are seeded', () => {
    const d = new StandardNormal(3);
    const n = 20000;
    const s = d.sample(n, 11);
    const { mean, variance } = columnMoments(s.dataSync(), 3);
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(4 / Math.sqrt(n)));
    variance.forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(4 * Math.sqrt(2 / n)));
    const again = d.sample(n, 11);
    expect(Array.from(again.dataSync())).toEqual(Array.from(s.dataSync()));
    tf.dispose([s, again]);
  });
});

describe('DiagNormal', () => {
  it('logProb is the diagonal Gaussian density', () => {
    const d = new DiagNormal(2, { loc: [1, -1], scale: [2, 0.5] });
    const lp = values(d.logProb(tf.tensor2d(points)));
    points.forEach((p, i) => expect(lp[i]).toBeCloseTo(gaussianLogPdf(p, [1, -1], [2, 0.5]), 4));
    expect(d.trainableVariables).toHaveLength(2);
  });

  it('samples have the right moments and carry gradients to loc and scale', () => {
    const d = new DiagNormal(2, { loc: [3, -2], scale: [0.5, 4] });
    const n = 20000;
    const s = d.sample(n, 5);
    const { mean, variance } = columnMoments(s.dataSync(), 2);
    s.dispose();
    [3, -2].forEach((m, j) => expect(Math.abs(mean[j] - m)).toBeLessThan((4 * [0.5, 4][j]) / Math.sqrt(n)));
    [0.25, 16].forEach((v, j) => expect(Math.abs(variance[j] - v) / v).toBeLessThan(4 * Math.sqrt(2 / n)));
    // d/d loc of Σ samples = n per dimension (reparameterisation).
    const { grads } = tf.variableGrads(() => tf.sum(d.sample(100, 1)) as tf.Scalar, d.trainableVariables);
    expect(values(grads[d.loc.name])).toEqual([100, 100]);
    tf.dispose(grads);
  });
});

describe('StudentT', () => {
  for (const df of [1, 3, 30]) {
    it(`logProb matches the formula with log Γ at df = ${df}`, () => {
      const d = new StudentT(2, { df, loc: [0.5, -1], scale: [1.5, 0.7] });
      const lp = values(d.logProb(tf.tensor2d(points)));
      points.forEach((p, i) => {
        const expected = studentTLogPdf(p[0], df, 0.5, 1.5) + studentTLogPdf(p[1], df, -1, 0.7);
        expect(Math.abs(lp[i] - expected)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected)));
      });
    });
  }

  it('per-dimension df: a Cauchy and a near-Gaussian dimension side by side', () => {
    const d = new StudentT(2, { df: [1, 1e4] });
    const lp = values(d.logProb(tf.tensor2d([[2, 2]])));
    const expected = studentTLogPdf(2, 1, 0, 1) + studentTLogPdf(2, 1e4, 0, 1);
    expect(Math.abs(lp[0] - expected)).toBeLessThan(5e-3); // float32 lgamma differences at ν = 1e4
    expect(expected).toBeCloseTo(-Math.log(Math.PI * 5) + gaussianLogPdf([2], [0], [1]), 3);
  });

  it('samples follow the closed-form CDFs at ν = 1 (Cauchy; the boosted Gamma draw, shape ½) and ν = 2', () => {
    // F₁(t) = ½ + atan(t)/π, F₂(t) = ½ + t / (2√(2 + t²)); a Kolmogorov–Smirnov bound at n = 20,000.
    const cdfs = [(t: number) => 0.5 + Math.atan(t) / Math.PI, (t: number) => 0.5 + t / (2 * Math.sqrt(2 + t * t))];
    const n = 20000;
    const s = new StudentT(2, { df: [1, 2] }).sample(n, 5);
    const v = s.dataSync();
    s.dispose();
    for (let j = 0; j < 2; j++) {
      const col = Array.from({ length: n }, (_, i) => v[2 * i + j]).sort((a, b) => a - b);
      const ks = Math.max(...col.map((t, i) => Math.max(Math.abs((i + 1) / n - cdfs[j](t)), Math.abs(i / n - cdfs[j](t)))));
      // The 99.9 % point of the KS statistic is 1.95/√n.
      expect(ks, `df ${j + 1}`).toBeLessThan(1.95 / Math.sqrt(n));
    }
  });

  it('samples have variance ν/(ν − 2) and are seeded', () => {
    const d = new StudentT(1, { df: 6, loc: 2 });
    const n = 40000;
    const s = d.sample(n, 9);
    const { mean, variance } = columnMoments(s.dataSync(), 1);
    expect(Math.abs(mean[0] - 2)).toBeLessThan(4 * Math.sqrt(1.5 / n));
    // Var of the sample variance for t₆ is large (kurtosis 6): allow 10%.
    expect(Math.abs(variance[0] - 1.5) / 1.5).toBeLessThan(0.1);
    const again = d.sample(n, 9);
    expect(Array.from(again.dataSync())).toEqual(Array.from(s.dataSync()));
    tf.dispose([s, again]);
  });

  it('has trainable df, loc and scale with finite gradients', () => {
    const d = new StudentT(2);
    const { grads } = tf.variableGrads(() => tf.mean(d.logProb(tf.tensor2d(points))) as tf.Scalar, d.trainableVariables);
    for (const v of d.trainableVariables) expect(values(grads[v.name]).every(Number.isFinite)).toBe(true);
    tf.dispose(grads);
  });
});

describe('all distributions', () => {
  it('validate their arguments and leak nothing', () => {
    expect(() => new StandardNormal(0)).toThrow(ValidationError);
    expect(() => new DiagNormal(2, { scale: [1, 0] })).toThrow(/options.scale\[1\]' must be a finite number > 0; got 0/);
    expect(() => new StudentT(2, { df: -1 })).toThrow(ValidationError);
    expect(() => new DiagNormal(2, { locc: 1 } as never)).toThrow(/unknown option "locc"/);
    const d = new StudentT(3);
    expect(() => d.logProb(tf.zeros([2, 2]) as tf.Tensor2D)).toThrow(/StudentT.logProb: argument 'z' must be a 2D tensor \[batch, 3\]/);
    expect(() => d.sample(-1)).toThrow(/argument 'n' must be an integer ≥ 1; got -1/);
    const z = tf.randomNormal([5, 3]) as tf.Tensor2D;
    for (const dist of [new StandardNormal(3), new DiagNormal(3), d]) {
      expectNoLeak(() => dist.logProb(z));
      expectNoLeak(() => dist.sample(4, 1));
    }
    z.dispose();
  });
});
