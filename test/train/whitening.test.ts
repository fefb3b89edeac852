/**
 * The whitening standardisation (`fit`'s default below 30 training rows per column): a flow whose
 * layers are the identity is exactly the full-covariance Gaussian fitted to the training rows;
 * `toLatent`/`fromLatent` include the standardisation; collinear columns are named; whitened flows save
 * and load. And the default's rule (`autoStandardizeMode`).
 */
import { describe, expect, it } from 'vitest';
import { Affine, Flow, Rng, ScaleMatvecTriL, StandardNormal, ValidationError, fit, fitGaussian, flowFromJSON, flowToJSON, realNVP, tailAdaptiveFlow, tf } from '../../src/index.js';
import { defaultStandardize } from '../../src/train/defaults.js';
import { WHITEN_BELOW_ROWS_PER_COLUMN, autoStandardizeMode } from '../../src/train/standardization.js';

/** n rows of a correlated 3-D Gaussian x = m + A ε. */
function correlated(seed: number, n: number): { rows: number[][]; flat: Float64Array } {
  const rng = new Rng(seed);
  const A = [[2, 0, 0], [1.5, 0.5, 0], [-1, 0.8, 0.3]];
  const m = [1, -2, 0.5];
  const rows = Array.from({ length: n }, () => {
    const e = [rng.normal(), rng.normal(), rng.normal()];
    return m.map((mi, i) => mi + A[i].reduce((s, a, k) => s + a * e[k], 0));
  });
  return { rows, flat: Float64Array.from(rows.flat()) };
}

const read1 = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

/** The flow's log-densities on 50 fresh rows equal those of the Gaussian `g` (to 1e-3). */
function expectGaussian(flow: Flow, g: ReturnType<typeof fitGaussian>): void {
  const test = correlated(2, 50);
  const expected = g.logProb(test.flat, 50);
  const got = read1(flow.logProb(test.rows));
  for (let i = 0; i < 50; i++) expect(got[i]).toBeCloseTo(expected[i], 3);
}

describe('whitening standardisation', () => {
  const { rows, flat } = correlated(1, 400);

  it('an identity-initialised flow starts exactly at the fitted full-covariance Gaussian', async () => {
    const flow = realNVP({ dim: 3, layers: 2, hidden: [8], seed: 1 });
    // One step at a vanishing rate installs the standardisation without moving the weights measurably.
    await fit(flow, rows, { steps: 1, learningRate: 1e-30, seed: 1, progress: false, standardize: 'whiten' });
    // 400 rows of 3 columns: the sample covariance as it is (maximum likelihood).
    expectGaussian(flow, fitGaussian(flat, 400, 3));
    flow.dispose();
  });

  it('by default, with few rows per column, it starts at the shrunk Gaussian', async () => {
    const few = correlated(5, 12);
    const flow = realNVP({ dim: 3, layers: 2, hidden: [8], seed: 1 });
    await fit(flow, few.rows, { steps: 1, learningRate: 1e-30, seed: 1, progress: false });
    const g = fitGaussian(few.flat, 12, 3, { shrinkage: 'auto' });
    expect(g.shrinkage).toBeGreaterThan(0);
    expectGaussian(flow, g);
    flow.dispose();
  });

  it('the default whitens below 30 training rows per column and scales per column from there on', async () => {
    expect(WHITEN_BELOW_ROWS_PER_COLUMN).toBe(30);
    expect(autoStandardizeMode(89, 3)).toBe('whiten');
    expect(autoStandardizeMode(90, 3)).toBe('columns');
    const few = correlated(6, 89);
    const enough = correlated(6, 90);
    const a = realNVP({ dim: 3, layers: 1, hidden: [4], seed: 1 });
    await fit(a, few.rows, { steps: 1, seed: 1, progress: false });
    expect(a.standardization!.correlationTril).toBeDefined();
    const b = realNVP({ dim: 3, layers: 1, hidden: [4], seed: 1 });
    await fit(b, enough.rows, { steps: 1, seed: 1, progress: false });
    expect(b.standardization!.correlationTril).toBeUndefined();
    // The training rows count, not the validation ones: 100 rows with a 20 % split leave 80 < 90.
    const c = realNVP({ dim: 3, layers: 1, hidden: [4], seed: 1 });
    await fit(c, correlated(7, 100).rows, { steps: 1, validationSplit: 0.2, seed: 1, progress: false });
    expect(c.standardization!.correlationTril).toBeDefined();
    for (const f of [a, b, c]) f.dispose();
  });

  it('the per-column default falls back to the full-covariance Gaussian when that validates better', async () => {
    // Correlated Gaussian rows and a run too short to learn the correlation: the flow stays near the
    // diagonal Gaussian, worse than the full one, which fit returns instead (exactly: identity layers, whitened).
    const flow = realNVP({ dim: 3, layers: 2, hidden: [8], seed: 1 });
    const val = correlated(9, 100);
    const h = await fit(flow, rows, { steps: 3, learningRate: 1e-4, validationData: val.rows, seed: 1, progress: false });
    expect(h.gaussianFallback!.gaussianLoss).toBeLessThan(h.gaussianFallback!.flowLoss);
    expect(h.standardization).toBe('whiten');
    expectGaussian(flow, fitGaussian(flat, 400, 3));
    flow.dispose();
  });

  it('keeps the trained per-column flow when it validates better than the Gaussian', async () => {
    // Two well-separated clusters: no Gaussian comes close once the flow has trained a little.
    const rng = new Rng(11);
    const make = (n: number) => Array.from({ length: n }, () => {
      const c = rng.uniform() < 0.5 ? -3 : 3;
      return [c + 0.3 * rng.normal(), 0.5 * c + 0.3 * rng.normal()];
    });
    const flow = realNVP({ dim: 2, layers: 4, hidden: [16, 16], seed: 2 });
    const h = await fit(flow, make(600), { steps: 300, learningRate: 5e-3, validationData: make(100), seed: 2, progress: false });
    expect(h.gaussianFallback).toBeUndefined();
    expect(h.standardization).toBe('columns');
    expect(flow.standardization!.correlationTril).toBeUndefined();
    expect(h.bestLoss!).toBeLessThan(2.5);
    flow.dispose();
  });

  it('a tail-adaptive flow with heavy columns gets per-column scaling even with few rows', async () => {
    // Whitening would mix the heavy latent columns into the light data columns that follow them.
    const few = correlated(8, 30);
    const heavy = tailAdaptiveFlow({ dim: 3, heavy: [0], layers: 1, hidden: [4], seed: 1 });
    await fit(heavy, few.rows, { steps: 1, seed: 1, progress: false });
    expect(heavy.standardization!.correlationTril).toBeUndefined();
    const light = tailAdaptiveFlow({ dim: 3, heavy: [], layers: 1, hidden: [4], seed: 1 });
    await fit(light, few.rows, { steps: 1, seed: 1, progress: false });
    expect(light.standardization!.correlationTril).toBeDefined();
    expect(defaultStandardize(heavy)).toBe('columns');
    expect(defaultStandardize(light)).toBe('auto');
    heavy.dispose();
    light.dispose();
  });

  it("'columns' keeps the per-column scaling (no correlation factor)", async () => {
    const flow = realNVP({ dim: 3, layers: 1, hidden: [4], seed: 1 });
    await fit(flow, rows, { steps: 1, standardize: 'columns', seed: 1, progress: false });
    expect(flow.standardization!.correlationTril).toBeUndefined();
    flow.dispose();
  });

  it('toLatent whitens data of the flow\'s family (mean ≈ 0, covariance ≈ I) and fromLatent inverts it', async () => {
    // A Gaussian flow (affine layer over a standard normal) fitted to Gaussian rows: z should be ~N(0, I).
    const flow = new Flow(new StandardNormal(3), new Affine(3));
    await fit(flow, rows, { steps: 300, learningRate: 0.02, seed: 3, progress: false, standardize: 'whiten' });
    const z = flow.toLatent(rows);
    const zs = z.arraySync() as number[][];
    const back = read1(flow.fromLatent(z));
    z.dispose();
    const n = zs.length;
    for (let a = 0; a < 3; a++) {
      const mean = zs.reduce((s, r) => s + r[a], 0) / n;
      expect(Math.abs(mean)).toBeLessThan(0.05);
      for (let b = 0; b < 3; b++) {
        const c = zs.reduce((s, r) => s + r[a] * r[b], 0) / n;
        expect(Math.abs(c - (a === b ? 1 : 0))).toBeLessThan(0.08);
      }
    }
    const flatRows = rows.flat();
    for (let i = 0; i < flatRows.length; i++) expect(back[i]).toBeCloseTo(flatRows[i], 3);
    // flow.bijector alone excludes the standardisation: its inverse is not the whitened point.
    const inner = flow.bijector.inverse(tf.tensor2d(rows.slice(0, 5)));
    expect(Math.abs(read1(inner.output)[0] - zs[0][0])).toBeGreaterThan(0.1);
    inner.logDet.dispose();
    flow.dispose();
  });

  it('a whitened flow saves and loads with the same log-densities', async () => {
    const flow = realNVP({ dim: 3, layers: 2, hidden: [8], seed: 4 });
    await fit(flow, rows, { steps: 20, seed: 4, progress: false, standardize: 'whiten' });
    const again = flowFromJSON(flowToJSON(flow));
    expect(again.standardization).toEqual(flow.standardization);
    expect(read1(again.logProb(rows.slice(0, 20)))).toEqual(read1(flow.logProb(rows.slice(0, 20))));
    again.dispose();
    flow.dispose();
  });

  it('names an exactly collinear column, and suggests the alternatives', async () => {
    const flow = realNVP({ dim: 3, layers: 1, hidden: [4], seed: 1 });
    const collinear = rows.map(([a, b]) => [a, b, 2 * a - b]);
    // 400 rows: the default scales per column, and checks for collinearity all the same; so does 'whiten'.
    for (const standardize of [true, 'whiten'] as const) {
      const err = await fit(flow, collinear, { steps: 1, progress: false, standardize }).catch((e) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(/^fit: argument 'data'.*drop the column.*column 2 is \(numerically\) a linear combination of columns 0\.\.1/);
    }
    flow.dispose();
  });

  it('rejects a correlation factor that is not lower triangular with a positive diagonal', () => {
    const flow = realNVP({ dim: 2, layers: 1, hidden: [4], seed: 1 });
    expect(() => flow.standardize({ mean: [0, 0], std: [1, 1], correlationTril: [[1, 0.5], [0, 1]] })).toThrow(/correlationTril\[0\]\[1\]/);
    expect(() => new ScaleMatvecTriL([[1, 0], [0.3, -1]])).toThrow(/positive diagonal entry; got -1/);
    flow.dispose();
  });
});
