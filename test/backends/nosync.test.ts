/**
 * No synchronous read on any per-step or per-chunk path: training, logProb, sampling, importance
 * sampling, save/load and the plot builders run on `cpu-nosync`, a cpu backend whose `dataSync`,
 * `arraySync` and `bufferSync` throw (test/helpers/nosync-backend.ts). A new synchronous read on one of
 * these paths fails here, as it would fail on WebGPU in Node (no `OffscreenCanvas`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Chain, MixtureOfGaussians, StudentT, TailAdaptiveBase, densityComparisonFigure, density1dFigure, densityFigure, energies, fit, fitToTarget, Flow, importanceSample, layersFigure, layerStates,
  logDensityGrid, maskedAutoregressiveFlow, neuralSplineFlow, realNVP, samplesFigure, Scale, StandardNormal, Tanh, tf, flowToJSONAsync,
} from '../../src/index.js';
import { checkpointDir, loadFlow, resumeFit, saveFlow } from '../../src/node.js';
import { NOSYNC, NOSYNC_MESSAGE, registerNoSyncBackend } from '../helpers/nosync-backend.js';

let previous = '';
beforeAll(async () => {
  registerNoSyncBackend();
  previous = tf.getBackend();
  await tf.setBackend(NOSYNC);
});
afterAll(async () => {
  await tf.setBackend(previous);
});

/** 256 rows of a skewed 2-D cloud, as plain arrays (the input path every user starts with). */
function rows(n = 256): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.sin(i * 12.9898) * 43758.5453;
    const b = Math.sin(i * 78.233) * 12345.6789;
    const u = a - Math.floor(a);
    const v = b - Math.floor(b);
    out.push([2 * u - 1, (2 * u - 1) ** 2 + 0.3 * (2 * v - 1)]);
  }
  return out;
}

describe('cpu-nosync (a backend whose synchronous reads throw)', () => {
  it('throws on dataSync, arraySync and bufferSync, and reads asynchronously', async () => {
    expect(tf.getBackend()).toBe(NOSYNC);
    const t = tf.add(tf.tensor1d([1, 2]), 1);
    expect(() => t.dataSync()).toThrow(NOSYNC_MESSAGE);
    expect(() => t.arraySync()).toThrow(NOSYNC_MESSAGE);
    expect(() => t.bufferSync()).toThrow(NOSYNC_MESSAGE);
    expect(Array.from(await t.data())).toEqual([2, 3]);
    t.dispose();
  });

  const families: [string, () => Flow][] = [
    ['realNVP', () => realNVP({ dim: 2, layers: 2, hidden: [8], seed: 1 })],
    ['neuralSplineFlow', () => neuralSplineFlow({ dim: 2, layers: 2, hidden: [8], bins: 4, seed: 1 })],
    ['maskedAutoregressiveFlow', () => maskedAutoregressiveFlow({ dim: 2, layers: 2, hidden: [8], seed: 1 })],
    ['realNVP with ActNorm', () => realNVP({ dim: 2, layers: 2, hidden: [8], seed: 1, normalization: 'actnorm' })],
  ];
  for (const [name, build] of families) {
    it(`${name}: fit (validation, clipping, early stopping, best restore), logProb, sample`, async () => {
      const flow = build();
      const data = rows();
      const h = await fit(flow, data, {
        steps: 6, batchSize: 64, seed: 1, progress: false, clipNorm: 1, validationSplit: 0.25, validateEvery: 2, patience: 5, restoreBest: true,
      });
      expect(h.loss).toHaveLength(6);
      expect(h.loss.every(Number.isFinite)).toBe(true);
      expect(h.gradNorm.every((g) => Number.isFinite(g) && g > 0)).toBe(true);
      const lp = flow.logProb(data.slice(0, 32));
      expect(lp.shape).toEqual([32]);
      expect(Array.from(await lp.data()).every(Number.isFinite)).toBe(true);
      const x = flow.sample(16, { seed: 2 });
      expect(x.shape).toEqual([16, 2]);
      tf.dispose([lp, x]);
      flow.dispose();
    });
  }

  it('sample from a mixture-of-Gaussians base (the component choice stays on the device)', async () => {
    const flow = new Flow(new MixtureOfGaussians(2, { components: 3, seed: 1 }), new Scale([2, 0.5]));
    const x = flow.sample(200, { seed: 3 });
    expect(Array.from(await x.data()).every(Number.isFinite)).toBe(true);
    x.dispose();
    flow.dispose();
  });

  it('sample from Student-t and tail-adaptive bases (the Gamma draws stay on the device)', async () => {
    for (const base of [new StudentT(2, { df: [1.2, 6] }), new TailAdaptiveBase(3, { heavy: [0, 2], df: 1.5 })]) {
      const flow = new Flow(base, new Scale(base.dim === 2 ? [2, 0.5] : [1, 2, 3]));
      const x = flow.sample(200, { seed: 3 });
      expect(Array.from(await x.data()).every(Number.isFinite)).toBe(true);
      x.dispose();
      flow.dispose();
    }
  });

  it('fit from a tensor and from a stream of tensor batches', async () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 3 });
    const x = tf.tensor2d(rows());
    const h1 = await fit(flow, x, { steps: 3, batchSize: 64, seed: 1, progress: false });
    expect(h1.loss).toHaveLength(3);
    const batches = (function* () {
      for (let i = 0; i < 3; i++) yield tf.tensor2d(rows(64));
    })();
    const h2 = await fit(flow, batches, { seed: 1, progress: false, standardize: false });
    expect(h2.loss).toHaveLength(3);
    x.dispose();
    flow.dispose();
  });

  it('fitToTarget and importanceSample', async () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 4 });
    const h = await fitToTarget(flow, energies.u1.logDensity, { steps: 4, samplesPerStep: 64, seed: 1, progress: false, clipNorm: 10 });
    expect(h.loss).toHaveLength(4);
    expect(h.loss.every(Number.isFinite)).toBe(true);
    const r = await importanceSample(flow, energies.u1.logDensity, 128, { seed: 5 });
    expect(r.samples.shape).toEqual([128, 2]);
    expect(r.ess).toBeGreaterThan(0);
    r.samples.dispose();
    flow.dispose();
  });

  it('the plot builders (density, samples, layers, 1-D, comparison, grid) and flowToJSONAsync', async () => {
    const flow = neuralSplineFlow({ dim: 2, layers: 2, hidden: [8], bins: 4, seed: 7 });
    const data = tf.tensor2d(rows(64));
    const d = await densityFigure(flow, { resolution: 12, data, showData: true });
    expect(d.data.length).toBeGreaterThan(1);
    expect((await samplesFigure(flow, { n: 50, data })).data.length).toBeGreaterThan(1);
    expect((await samplesFigure(data)).data.length).toBeGreaterThan(0);
    expect((await layersFigure(flow, { n: 20, gridLines: 3, gridPoints: 5 })).data.length).toBeGreaterThan(0);
    expect((await layerStates(flow, { n: 20, gridLines: 0 })).samples[0]).toHaveLength(40);
    expect((await densityComparisonFigure(energies.u1.logDensity, flow, { resolution: 10 })).data.length).toBeGreaterThan(1);
    expect((await logDensityGrid((x) => tf.neg(tf.sum(tf.square(x), 1)) as tf.Tensor1D, { bounds: [[-1, 1], [-1, 1]], resolution: 4 })).logDensity[0]).toHaveLength(4);
    const oneD = new Flow(new StandardNormal(1), new Scale([2]));
    expect((await density1dFigure(oneD, { n: 30, resolution: 20 })).data).toHaveLength(2);
    oneD.dispose();
    const squashed = new Flow(new StandardNormal(2), new Chain([new Scale([1.5, 1.5]), new Tanh()]));
    const g = await logDensityGrid(squashed, { bounds: [[-2, 2], [-2, 2]], resolution: 5 });
    expect(g.logDensity[2][2]).toBeCloseTo(Math.log(1 / (2 * Math.PI)) - 2 * Math.log(1.5), 4);
    expect((await flowToJSONAsync(flow)).weights.length).toBe(flow.weights.length);
    data.dispose();
    flow.dispose();
    squashed.dispose();
  });

  it('fit with checkpoints (weights and the optimiser state) and resumeFit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nosync-ckpt-'));
    try {
      const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 8 });
      const options = { steps: 4, batchSize: 64, seed: 1, progress: false };
      const h = await fit(flow, rows(), { ...options, checkpoint: checkpointDir(dir, { every: 2 }), onStep: (i) => (i.step === 2 ? i.stop() : undefined) });
      expect(h.loss).toHaveLength(2);
      const again = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 8 });
      const h2 = await resumeFit(again, rows(), dir, options);
      expect(h2.steps.at(-1)).toBe(4);
      flow.dispose();
      again.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('saveFlow and loadFlow keep logProb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nosync-'));
    try {
      const flow = neuralSplineFlow({ dim: 2, layers: 2, hidden: [8], bins: 4, seed: 6 });
      await fit(flow, rows(), { steps: 2, batchSize: 64, seed: 1, progress: false });
      await saveFlow(flow, join(dir, 'f.json'));
      const again = await loadFlow(join(dir, 'f.json'));
      const probe = rows(8);
      const a = await flow.logProb(probe).data();
      const b = await again.logProb(probe).data();
      expect(Array.from(b)).toEqual(Array.from(a));
      flow.dispose();
      again.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
