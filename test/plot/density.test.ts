import { describe, expect, it } from 'vitest';
import {
  Affine, Bijector, Chain, DiagNormal, Flow, Permute, Shift, Scale, StandardNormal, Tanh, ValidationError, tf,
  density1dFigure, densityComparisonFigure, densityFigure, layerStates, logDensityGrid, samplesFigure, type PlotTrace,
} from '../../src/index.js';
import { checkOpenInterval } from '../../src/bijectors/domain.js';
import { expectNoLeak, expectNoLeakAsync } from '../helpers/leaks.js';
import { gaussianLogPdf } from '../helpers/math.js';

type Grid = { x: number[]; y: number[]; z: (number | null)[][] };
const heat = (t: PlotTrace) => t as unknown as Grid & PlotTrace;

/** x = shift + scale · z with z ~ N(loc, diag(sd²)): exactly N(shift + scale·loc, diag((scale·sd)²)). */
function affineGaussian() {
  const loc = [0.5, -1];
  const sd = [0.8, 1.5];
  const shift = [1, 2];
  const scale = [2, 0.5];
  const flow = new Flow(new DiagNormal(2, { loc, scale: sd }), new Affine(2, { shift, scale }));
  return { flow, mean: [shift[0] + scale[0] * loc[0], shift[1] + scale[1] * loc[1]], sd: [scale[0] * sd[0], scale[1] * sd[1]] };
}

/** logProb of the flow at every grid point, in one call, as [ny][nx]. */
function logProbOnGrid(flow: Flow, x: number[], y: number[]): number[][] {
  const pts = y.flatMap((yj) => x.map((xi) => [xi, yj]));
  const lp = flow.logProb(pts);
  const v = Array.from(lp.dataSync());
  lp.dispose();
  return y.map((_, j) => v.slice(j * x.length, (j + 1) * x.length));
}

/** log density of x = tanh(z), z ~ N(0, I) (2D): log N(atanh x) − Σ log(1 − x²); −∞ outside (−1, 1)². */
function tanhLogPdf(x: number[]): number {
  if (x.some((v) => Math.abs(v) >= 1)) return -Infinity;
  const z = x.map(Math.atanh);
  return gaussianLogPdf(z, [0, 0], [1, 1]) - x.reduce((s, v) => s + Math.log(1 - v * v), 0);
}

describe('logDensityGrid and densityFigure', () => {
  it('puts flow.logProb of each grid point at z[j][i] = (x[i], y[j]), on an nx × ny grid spanning the bounds', async () => {
    const { flow } = affineGaussian();
    const fig = await densityFigure(flow, { bounds: [[-2, 4], [0, 3]], resolution: [13, 7] });
    const h = heat(fig.data[0]);
    expect(h.type).toBe('heatmap');
    expect(h.x).toHaveLength(13);
    expect(h.y).toHaveLength(7);
    expect(h.x[0]).toBe(-2);
    expect(h.x[12]).toBeCloseTo(4, 12);
    expect(h.y[0]).toBe(0);
    expect(h.y[6]).toBeCloseTo(3, 12);
    expect(h.x[1] - h.x[0]).toBeCloseTo(0.5, 12);
    expect(h.z).toHaveLength(7);
    const lp = logProbOnGrid(flow, h.x, h.y);
    for (let j = 0; j < 7; j++) {
      expect(h.z[j]).toHaveLength(13);
      for (let i = 0; i < 13; i++) expect(h.z[j][i]).toBe(Math.exp(lp[j][i]));
    }
    flow.dispose();
  });

  it('equals the closed-form Gaussian density for an affine flow over a diagonal normal (float32: 1e-5 relative)', async () => {
    const { flow, mean, sd } = affineGaussian();
    const g = await logDensityGrid(flow, { bounds: [[-3, 5], [-2, 4]], resolution: 21 });
    const fig = await densityFigure(flow, { bounds: [[-3, 5], [-2, 4]], resolution: 21 });
    const z = heat(fig.data[0]).z;
    let worst = 0;
    for (let j = 0; j < 21; j++) {
      for (let i = 0; i < 21; i++) {
        const exact = gaussianLogPdf([g.x[i], g.y[j]], mean, sd);
        expect(Math.abs(g.logDensity[j][i] - exact)).toBeLessThan(1e-5 * Math.max(1, Math.abs(exact)));
        worst = Math.max(worst, Math.abs((z[j][i] as number) / Math.exp(exact) - 1));
      }
    }
    expect(worst).toBeLessThan(2e-5);
    flow.dispose();
  });

  it('draws log p on a log scale, with colours spanning the top logRange nats', async () => {
    const { flow } = affineGaussian();
    const fig = await densityFigure(flow, { bounds: [[-6, 8], [-4, 6]], resolution: 15, logScale: true, logRange: 5 });
    const h = heat(fig.data[0]);
    const lp = logProbOnGrid(flow, h.x, h.y);
    expect(h.z).toEqual(lp);
    const max = Math.max(...lp.flat());
    expect(h.zmax).toBe(max);
    expect(h.zmin).toBe(max - 5);
    flow.dispose();
  });

  it('gives density 0 (log scale: a gap) outside a flow’s support and the exact density inside', async () => {
    const flow = new Flow(new StandardNormal(2), new Tanh());
    // Half of this grid lies outside (−1, 1)², so batches fail and are split down to single points.
    const bounds: [[number, number], [number, number]] = [[-1.5, 1.5], [-1.3, 1.1]];
    const g = await logDensityGrid(flow, { bounds, resolution: [31, 23], batchSize: 200 });
    const p = heat((await densityFigure(flow, { bounds, resolution: [31, 23] })).data[0]).z;
    const logZ = heat((await densityFigure(flow, { bounds, resolution: [31, 23], logScale: true })).data[0]).z;
    let inside = 0;
    for (let j = 0; j < 23; j++) {
      for (let i = 0; i < 31; i++) {
        const exact = tanhLogPdf([Math.fround(g.x[i]), Math.fround(g.y[j])]);
        if (exact === -Infinity) {
          expect(g.logDensity[j][i]).toBe(-Infinity);
          expect(p[j][i]).toBe(0);
          expect(logZ[j][i]).toBeNull();
        } else {
          inside++;
          expect(Math.abs(g.logDensity[j][i] - exact)).toBeLessThan(1e-4);
        }
      }
    }
    expect(inside).toBeGreaterThan(200);
    expect(inside).toBeLessThan(31 * 23 - 200);
    flow.dispose();
  });

  it('finds the support by splitting batches when a bijector gives finite values outside its domain unchecked, or throws its own error', async () => {
    // Identity maps restricted to (−1, 1): one through the shared domain check (so the unchecked pass
    // sees finite values everywhere), one that throws by itself (so the unchecked pass fails too).
    class BoxViaCheck extends Bijector {
      readonly className: string = 'BoxViaCheck';
      getConfig() { return {}; }
      protected _forward(x: tf.Tensor2D) { return { output: tf.clone(x), logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D }; }
      protected _inverse(y: tf.Tensor2D) {
        checkOpenInterval('BoxViaCheck.inverse', 'y', y, -1, 1);
        return { output: tf.clone(y), logDet: tf.zeros([y.shape[0]]) as tf.Tensor1D };
      }
    }
    class BoxOwnError extends BoxViaCheck {
      override readonly className = 'BoxOwnError';
      protected override _inverse(y: tf.Tensor2D) {
        if (y.arraySync().some((r) => r.some((v) => Math.abs(v) >= 1))) throw new ValidationError('BoxOwnError.inverse', 'y', 'inside (−1, 1)', 'outside');
        return { output: tf.clone(y), logDet: tf.zeros([y.shape[0]]) as tf.Tensor1D };
      }
    }
    for (const box of [new BoxViaCheck(), new BoxOwnError()]) {
      const flow = new Flow(new StandardNormal(2), box);
      let g: Awaited<ReturnType<typeof logDensityGrid>> | undefined;
      await expectNoLeakAsync(async () => void (g = await logDensityGrid(flow, { bounds: [[-1.9, 1.9], [-1.45, 1.55]], resolution: [20, 13], batchSize: 100 })));
      for (let j = 0; j < 13; j++) {
        for (let i = 0; i < 20; i++) {
          const p = [Math.fround(g!.x[i]), Math.fround(g!.y[j])];
          const inside = p.every((v) => Math.abs(v) < 1);
          if (inside) expect(g!.logDensity[j][i]).toBeCloseTo(gaussianLogPdf(p, [0, 0], [1, 1]), 5);
          else expect(g!.logDensity[j][i]).toBe(-Infinity);
        }
      }
      flow.dispose();
    }
  });

  it('gives the same values whatever the batch size', async () => {
    const { flow } = affineGaussian();
    const a = await logDensityGrid(flow, { bounds: [[-2, 2], [-2, 2]], resolution: 9, batchSize: 7 });
    const b = await logDensityGrid(flow, { bounds: [[-2, 2], [-2, 2]], resolution: 9 });
    expect(a.logDensity).toEqual(b.logDensity);
    flow.dispose();
  });

  it('leaves no tensors behind, including when the support check splits batches', async () => {
    const { flow } = affineGaussian();
    const tanh = new Flow(new StandardNormal(2), new Chain([new Scale([1.5, 1.5]), new Tanh()]));
    await expectNoLeakAsync(() => densityFigure(flow, { resolution: 20, contours: 5 }));
    await expectNoLeakAsync(() => densityFigure(tanh, { bounds: [[-2, 2], [-2, 2]], resolution: 20, batchSize: 50 }));
    await expectNoLeakAsync(() => densityFigure((x) => tf.sum(tf.square(x), 1).neg() as tf.Tensor1D, { bounds: [[-1, 1], [-1, 1]], resolution: 10 }));
    flow.dispose();
    tanh.dispose();
  });

  it('chooses bounds from the data: extremes of fewer than 1000 points, widened by 10% of the range', async () => {
    const data = Array.from({ length: 11 }, (_, k) => [k, -2 * k]);
    const g = await logDensityGrid((x) => new Array(x.shape[0]).fill(0), { data, resolution: 5 });
    expect(g.bounds[0][0]).toBeCloseTo(-1, 12);
    expect(g.bounds[0][1]).toBeCloseTo(11, 12);
    expect(g.bounds[1][0]).toBeCloseTo(-22, 12);
    expect(g.bounds[1][1]).toBeCloseTo(2, 12);
  });

  it('chooses bounds from flow samples: near the 0.1/99.9% quantiles plus 10%, i.e. mean ± 3.71 sd for a Gaussian', async () => {
    const { flow, mean, sd } = affineGaussian();
    const g = await logDensityGrid(flow, { resolution: 3 });
    // 2000 samples put the 0.1% quantile within about ±0.4 sd of −3.09 sd.
    for (let d = 0; d < 2; d++) {
      expect(Math.abs(g.bounds[d][0] - (mean[d] - 3.708 * sd[d]))).toBeLessThan(0.6 * sd[d]);
      expect(Math.abs(g.bounds[d][1] - (mean[d] + 3.708 * sd[d]))).toBeLessThan(0.6 * sd[d]);
    }
    // Seeded: the same call chooses the same bounds.
    expect((await logDensityGrid(flow, { resolution: 3 })).bounds).toEqual(g.bounds);
    flow.dispose();
  });

  it('adds contour lines with evenly spaced levels, and the data as points', async () => {
    const { flow } = affineGaussian();
    const data = [[0, 0], [1, 1], [2, 0.5]];
    const fig = await densityFigure(flow, { data, showData: true, contours: 4, resolution: 10 });
    expect(fig.data.map((t) => t.type)).toEqual(['heatmap', 'contour', 'scatter']);
    const c = fig.data[1] as PlotTrace & { contours: { start: number; end: number; size: number } };
    const z = heat(fig.data[0]).z.flat() as number[];
    const [lo, hi] = [Math.min(...z), Math.max(...z)];
    expect(c.contours.size).toBeCloseTo((hi - lo) / 5, 12);
    expect(c.contours.start).toBeCloseTo(lo + (hi - lo) / 5, 12);
    expect(fig.data[2].x).toEqual([0, 1, 2]);
    expect(fig.data[2].y).toEqual([0, 1, 0.5]);
    const layout = fig.layout as { yaxis: { scaleanchor: string; scaleratio: number } };
    expect(layout.yaxis.scaleanchor).toBe('x');
    expect(layout.yaxis.scaleratio).toBe(1);
    flow.dispose();
  });

  it('accepts a log-density function returning a tensor or an array, and checks what it returns', async () => {
    const f = (x: tf.Tensor2D) => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D;
    const g = await logDensityGrid(f, { bounds: [[-1, 1], [-2, 2]], resolution: 3 });
    expect(g.logDensity[0][0]).toBeCloseTo(-0.5 * (1 + 4), 6);
    expect(Math.abs(g.logDensity[1][1])).toBe(0);
    const arr = await logDensityGrid((x) => Array.from(x.dataSync()).filter((_, k) => k % 2 === 0), { bounds: [[-1, 1], [-2, 2]], resolution: 3 });
    expect(arr.logDensity[2]).toEqual([-1, 0, 1]);
    await expect(logDensityGrid(() => [1, 2], { bounds: [[-1, 1], [-1, 1]], resolution: 3 })).rejects.toThrow(/9 log-densities/);
    await expect(logDensityGrid(() => tf.zeros([2]) as tf.Tensor1D, { bounds: [[-1, 1], [-1, 1]], resolution: 3 })).rejects.toThrow(ValidationError);
  });

  it('rejects bad arguments with a ValidationError naming them', async () => {
    const { flow } = affineGaussian();
    const flow3 = new Flow(new StandardNormal(3), new Permute([2, 0, 1]));
    await expect(densityFigure(flow3)).rejects.toThrow(/argument 'source' must be a flow of dimension 2; got a flow of dimension 3/);
    await expect(densityFigure(flow, { bounds: [[1, 0], [0, 1]] })).rejects.toThrow(/options.bounds\[0\]' must be a range \[lo, hi\] with lo < hi/);
    await expect(densityFigure(flow, { resolution: 1 })).rejects.toThrow(/options.resolution/);
    await expect(densityFigure(flow, { colourscale: 'x' } as never)).rejects.toThrow(/unknown option "colourscale"/);
    await expect(densityFigure(flow, { showData: true })).rejects.toThrow(/options.data/);
    await expect(densityFigure((x) => x.sum(1) as tf.Tensor1D)).rejects.toThrow(/bounds or data/);
    await expect(densityFigure(42 as never)).rejects.toThrow(ValidationError);
    await expect(densityFigure(flow, { context: [1] })).rejects.toThrow(/only a conditional flow takes a context/);
    flow.dispose();
    flow3.dispose();
  });
});

describe('conditional flows', () => {
  /** x = z + c·(1, 2): the context shifts the density, so p(x | c) = N(x; c·(1, 2), I). */
  class ShiftByContext extends Bijector {
    readonly className = 'ShiftByContext';
    constructor() {
      super({ dim: 2, contextDim: 1 });
    }
    getConfig() { return {}; }
    private offset(c: tf.Tensor2D) { return tf.mul(c, tf.tensor2d([[1, 2]])); }
    protected _forward(x: tf.Tensor2D, c: tf.Tensor2D | null) { return { output: tf.add(x, this.offset(c!)) as tf.Tensor2D, logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D }; }
    protected _inverse(y: tf.Tensor2D, c: tf.Tensor2D | null) { return { output: tf.sub(y, this.offset(c!)) as tf.Tensor2D, logDet: tf.zeros([y.shape[0]]) as tf.Tensor1D }; }
  }

  it('evaluate, sample and push points through the flow at the one context given', async () => {
    const flow = new Flow(new StandardNormal(2), new ShiftByContext());
    const g = await logDensityGrid(flow, { bounds: [[-1, 3], [0, 5]], resolution: 5, context: [1.5] });
    g.y.forEach((y, j) => g.x.forEach((x, i) => expect(g.logDensity[j][i]).toBeCloseTo(gaussianLogPdf([x, y], [1.5, 3], [1, 1]), 5)));
    const s = await samplesFigure(flow, { n: 50, seed: 2, context: [2], marginals: false });
    const z = flow.base.sample(50, 2);
    expect(s.data[0].x).toEqual(Array.from(z.dataSync()).filter((_, k) => k % 2 === 0).map((v) => Math.fround(v + 2)));
    z.dispose();
    const st = await layerStates(flow, { n: 10, context: [-1], gridLines: 0 });
    st.samples[1].forEach((v, k) => expect(v).toBe(Math.fround(st.latent[k] - (k % 2 === 0 ? 1 : 2))));
    await expect(densityFigure(flow, { bounds: [[0, 1], [0, 1]] })).rejects.toThrow(/options.context' must be a vector of 1 numbers \(this flow is conditional\)/);
    await expectNoLeakAsync(() => densityFigure(flow, { resolution: 10, context: [0.5] }));
    flow.dispose();
  });
});

describe('densityComparisonFigure', () => {
  it('puts the true and learned densities on one grid with one colour scale', async () => {
    const { flow, mean, sd } = affineGaussian();
    const learned = new Flow(new StandardNormal(2), new Chain([new Shift(mean), new Scale([sd[0] * 1.1, sd[1] * 0.9])]));
    const truth = (x: tf.Tensor2D) => x.arraySync().map((p) => gaussianLogPdf(p, mean, sd));
    const fig = await densityComparisonFigure(truth, learned, { bounds: [[-2, 4], [-3, 4]], resolution: 11, contours: 3 });
    expect(fig.data.map((t) => `${t.type}:${t.xaxis}`)).toEqual(['heatmap:x', 'contour:x', 'heatmap:x2', 'contour:x2']);
    const t = heat(fig.data[0]);
    const m = heat(fig.data[2]);
    expect(m.x).toEqual(t.x);
    expect(m.y).toEqual(t.y);
    for (let j = 0; j < 11; j++) {
      // The function received float32 points.
      for (let i = 0; i < 11; i++) {
        const exact = Math.exp(gaussianLogPdf([Math.fround(t.x[i]), Math.fround(t.y[j])], mean, sd));
        expect(Math.abs((t.z[j][i] as number) / exact - 1)).toBeLessThan(1e-12);
      }
    }
    const lp = logProbOnGrid(learned, m.x, m.y);
    expect(m.z).toEqual(lp.map((row) => row.map(Math.exp)));
    const all = [...t.z.flat(), ...m.z.flat()] as number[];
    const axis = (fig.layout as { coloraxis: { cmin: number; cmax: number } }).coloraxis;
    expect(axis.cmin).toBe(Math.min(...all));
    expect(axis.cmax).toBe(Math.max(...all));
    expect(t.coloraxis).toBe('coloraxis');
    expect(m.coloraxis).toBe('coloraxis');
    // Both panels share contour levels.
    expect(fig.data[1].contours).toEqual(fig.data[3].contours);
    flow.dispose();
    learned.dispose();
  });

  it('takes bounds from samples of the learned flow when none are given, and leaks nothing', async () => {
    const { flow } = affineGaussian();
    const truth = (x: tf.Tensor2D) => tf.zeros([x.shape[0]]) as tf.Tensor1D;
    await expectNoLeakAsync(async () => {
      const fig = await densityComparisonFigure(truth, flow, { resolution: 8 });
      const density = await densityFigure(flow, { resolution: 8 });
      // A constant truth has no contour levels to draw, so the learned heatmap is the second trace.
      expect(fig.data.map((t) => t.type)).toEqual(['heatmap', 'heatmap']);
      expect(heat(fig.data[1]).x).toEqual(heat(density.data[0]).x);
      expect(heat(fig.data[1]).y).toEqual(heat(density.data[0]).y);
    });
    flow.dispose();
  });
});

describe('density1dFigure', () => {
  const make = () => new Flow(new DiagNormal(1, { loc: 0.5, scale: 2 }), new Affine(1, { shift: -1, scale: 0.5 }));
  // x = −1 + 0.5 z, z ~ N(0.5, 4): x ~ N(−0.75, 1).

  it('draws exp(logProb) on the curve, equal to the closed-form Gaussian, over the data histogram', async () => {
    const flow = make();
    const data = [[-1], [0], [0.5], [-2]];
    const fig = await density1dFigure(flow, { data, resolution: 41, bins: 10 });
    expect(fig.data.map((t) => t.type)).toEqual(['histogram', 'scatter']);
    expect(fig.data[0].x).toEqual([-1, 0, 0.5, -2]);
    expect(fig.data[0].histnorm).toBe('probability density');
    const curve = fig.data[1] as PlotTrace & { x: number[]; y: number[] };
    expect(curve.x).toHaveLength(41);
    // Bounds from the 4 data points: [−2, 0.5] widened by 10% of 2.5.
    expect(curve.x[0]).toBeCloseTo(-2.25, 12);
    expect(curve.x[40]).toBeCloseTo(0.75, 12);
    curve.x.forEach((x, k) => expect(Math.abs(curve.y[k] / Math.exp(gaussianLogPdf([Math.fround(x)], [-0.75], [1])) - 1)).toBeLessThan(2e-5));
    flow.dispose();
  });

  it('without data, histograms n seeded flow samples', async () => {
    const flow = make();
    const fig = await density1dFigure(flow, { n: 300, seed: 4, bounds: [-4, 3] });
    const s = flow.sample(300, { seed: 4 });
    expect(fig.data[0].x).toEqual(Array.from(s.dataSync()));
    s.dispose();
    expect(fig.data[0].name).toBe('300 samples');
    await expectNoLeakAsync(() => density1dFigure(flow, { n: 100 }));
    expect((await density1dFigure(flow, { n: 0, bounds: [-1, 1] })).data.map((t) => t.type)).toEqual(['scatter']);
    await expect(density1dFigure(affineGaussian().flow)).rejects.toThrow(/a flow of dimension 1/);
    flow.dispose();
  });
});
