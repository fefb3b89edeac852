import { describe, expect, it } from 'vitest';
import { Flow, MixtureOfGaussians, Shift, StandardNormal, Uniform, ValidationError, boxToReal, checkBijector, fit, realToBox, tf } from '../../src/index.js';

const box = { low: [-1, 2], high: [1, 5] };

describe('box bridges', () => {
  it('realToBox and boxToReal pass the bijector checks (round trip, log-dets against autodiff Jacobians)', () => {
    const inside = [[-0.9, 2.1], [0, 3.5], [0.95, 4.9], [0.3, 2.2]];
    for (const [b, x] of [[realToBox(2, box), [[-3, 0], [0.2, 4], [1, -1], [2.5, 2.5]]], [boxToReal(2, box), inside]] as const) {
      const r = checkBijector(b, x as number[][]);
      expect(r.finite).toBe(true);
      expect(r.roundTripError!).toBeLessThan(1e-4);
      expect(r.logDetSumError!).toBeLessThan(1e-4);
      expect(r.jacobianError!).toBeLessThan(1e-4);
      b.dispose();
    }
    // They are each other's inverse: realToBox.forward ∘ boxToReal.forward = identity on the box.
    const [f, g] = [realToBox(2, box), boxToReal(2, box)];
    const x = tf.tensor2d(inside);
    const back = tf.tidy(() => f.forward(g.forward(x).output).output).arraySync();
    back.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(inside[i][j], 5)));
    x.dispose();
    f.dispose();
    g.dispose();
  });

  it('Uniform(0, 1) through boxToReal is the logistic law: log p(x) = log σ(x) σ(−x)', () => {
    const flow = new Flow(new Uniform(1), boxToReal(1));
    const xs = [-4, -0.5, 0, 1.3, 6];
    const lp = Array.from(flow.logProb(xs.map((v) => [v])).dataSync());
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    xs.forEach((v, i) => expect(lp[i]).toBeCloseTo(Math.log(sig(v) * sig(-v)), 4));
    flow.dispose();
  });

  it('a Gaussian flow through realToBox puts all its mass and samples in the box', () => {
    const flow = new Flow(new StandardNormal(1), realToBox(1, { low: 2, high: 5 }));
    const n = 20000;
    const xs = Array.from({ length: n }, (_, i) => [2 + (3 * (i + 0.5)) / n]);
    const lp = flow.logProb(xs).dataSync();
    const mass = Array.from(lp).reduce((s, v) => s + Math.exp(v) * (3 / n), 0);
    expect(Math.abs(mass - 1)).toBeLessThan(1e-3);
    const s = flow.sample(1000, { seed: 1 }).dataSync();
    expect(s.every((v) => v > 2 && v < 5)).toBe(true);
    flow.dispose();
  });

  it('rejects an empty box', () => {
    expect(() => new Uniform(2, { low: 0, high: [1, 0] })).toThrow(/options.high\[1\]' must be a number above low\[1\] = 0; got 0/);
    expect(() => boxToReal(1, { low: 3, high: 3 })).toThrow(ValidationError);
  });
});

describe('MixtureOfGaussians', () => {
  it('fit recovers the weights and means of two separated Gaussians', async () => {
    const base = new MixtureOfGaussians(1, { components: 2, loc: [[-1], [1]], seed: 0 });
    const flow = new Flow(base, new Shift([0]));
    const x: number[][] = [];
    for (let i = 0; i < 3000; i++) x.push([i % 4 === 0 ? -3 + 0.5 * Math.sin(i) : 2 + 0.5 * Math.cos(i)]);
    await fit(flow, x, { steps: 800, learningRate: 3e-2, standardize: false, progress: false, seed: 1 });
    const w = base.mixtureWeights;
    const loc = Array.from(base.loc.dataSync());
    expect(Math.abs(w[0] - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(loc[0] + 3)).toBeLessThan(0.1);
    expect(Math.abs(loc[1] - 2)).toBeLessThan(0.1);
    flow.dispose();
  });
});
