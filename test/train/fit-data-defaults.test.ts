/** fit's treatment of the data itself: weight decay, dequantisation of integer columns, constant columns. */
import { describe, expect, it } from 'vitest';
import { Affine, Flow, Rng, StandardNormal, ValidationError, cosineDecay, fit } from '../../src/index.js';

const values = (flow: Flow) => flow.weights.map((w) => Float32Array.from(w.variable.dataSync()));

describe('fit: decoupled weight decay (AdamW)', () => {
  it('one step moves each weight by the Adam update plus exactly −lr·λ·θ', async () => {
    const rng = new Rng(1);
    const rows = Array.from({ length: 64 }, () => [2 + rng.normal(), -1 + 0.5 * rng.normal()]);
    const start = (seed: number) => {
      const flow = new Flow(new StandardNormal(2), new Affine(2));
      const r = new Rng(seed); // non-zero starting weights, so that the decay is visible
      flow.bijector.setWeights(Object.fromEntries(flow.bijector.weights.map((w) => [w.name, Float32Array.from({ length: w.variable.size }, () => 0.5 + r.uniform())])));
      return flow;
    };
    const lr = 0.01;
    const lambda = 0.5;
    const plain = start(3);
    const decayed = start(3);
    const before = values(plain);
    const opts = { steps: 1, batchSize: 64, learningRate: lr, standardize: false, seed: 1, progress: false } as const;
    await fit(plain, rows, opts);
    await fit(decayed, rows, { ...opts, weightDecay: lambda });
    const [a, b] = [values(plain), values(decayed)];
    for (let k = 0; k < a.length; k++) {
      for (let j = 0; j < a[k].length; j++) expect(b[k][j] - a[k][j]).toBeCloseTo(-lr * lambda * before[k][j], 6);
    }
    plain.dispose();
    decayed.dispose();
  });

  it('rejects a negative weight decay, naming the option', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    await expect(fit(flow, [[1], [2]], { weightDecay: -1, progress: false })).rejects.toThrow(/options\.weightDecay.*got -1/);
    flow.dispose();
  });
});

describe('fit: integer columns and dequantisation', () => {
  // x uniform on {0, …, 9}: dequantised, y = x + u is exactly Uniform[0, 10), whose best Gaussian has
  // mean 5 and variance 100/12; the integers themselves have mean 4.5 and variance 99/12.
  const rng = new Rng(4);
  const rows = Array.from({ length: 4000 }, () => [Math.floor(10 * rng.uniform()), rng.normal()]);
  const learnedMoments = (flow: Flow) => {
    const x = flow.sample(40000, { seed: 9 });
    const v = x.dataSync();
    x.dispose();
    let m = 0;
    let q = 0;
    for (let i = 0; i < v.length; i += 2) m += v[i];
    m /= v.length / 2;
    for (let i = 0; i < v.length; i += 2) q += (v[i] - m) ** 2;
    return { mean: m, variance: q / (v.length / 2) };
  };
  const opts = { steps: 2000, batchSize: 400, learningRate: cosineDecay(0.05), seed: 2, progress: false } as const;

  it("'auto' dequantises the integer column only and fits x + U[0, 1)", async () => {
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const h = await fit(flow, rows, { ...opts, dequantize: 'auto' });
    expect(h.dequantized).toEqual([0]);
    expect(h.warnings).toBeUndefined();
    const { mean, variance } = learnedMoments(flow);
    expect(Math.abs(mean - 5)).toBeLessThan(0.04);
    expect(Math.abs(variance - 100 / 12)).toBeLessThan(0.25);
    flow.dispose();
  });

  it('without dequantisation it warns, naming the integer columns, and fits the integers as they are', async () => {
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const h = await fit(flow, rows, opts);
    expect(h.dequantized).toBeUndefined();
    expect(h.warnings?.[0]).toMatch(/column 0 holds only integers.*dequantize: 'auto'/);
    expect(Math.abs(learnedMoments(flow).mean - 4.5)).toBeLessThan(0.04);
    flow.dispose();
  });

  it('rejects a bad value, and dequantisation of a stream', async () => {
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    await expect(fit(flow, rows, { dequantize: 'yes' as never })).rejects.toThrow(ValidationError);
    await expect(fit(flow, (function* () { yield rows; })(), { dequantize: true, steps: 1 })).rejects.toThrow(/options\.dequantize.*stream/);
    flow.dispose();
  });
});

describe('fit: constant columns', () => {
  it('names the constant column instead of fitting a degenerate density', async () => {
    const flow = new Flow(new StandardNormal(3), new Affine(3));
    const rows = Array.from({ length: 50 }, (_, i) => [i, 2.5, -i]);
    await expect(fit(flow, rows, { steps: 1, progress: false })).rejects.toThrow(/column 1 equal to 2\.5 in all 50 training rows/);
    flow.dispose();
  });
});
