import { describe, expect, it } from 'vitest';
import {
  Affine, Flow, HMCBlock, LangevinBlock, MetropolisBlock, Shift, StandardNormal, StochasticFlow, ValidationError, energies, importanceSample,
  interleaveBlocks, realNVP, sampleDoubleWell, stochasticFlowFromJSON, stochasticFlowToJSON, tf, trainStochasticFlow,
} from '../../src/index.js';

const MEAN = [1.5, -1];
const SD = [0.5, 2];
/** −½ ‖(x − MEAN)/SD‖²: Z = 2π · 0.5 · 2 = 2π. */
const logTarget = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(tf.div(tf.sub(x, tf.tensor1d(MEAN)), tf.tensor1d(SD))), 1)) as tf.Tensor1D);
const Z = 2 * Math.PI * SD[0] * SD[1];

/** Mean of wᵢ = exp(log wᵢ) and its standard error, in float64. */
function meanWeight(logW: Float64Array): { mean: number; se: number } {
  const w = Array.from(logW, Math.exp);
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const v = w.reduce((a, b) => a + (b - mean) ** 2, 0) / (w.length - 1);
  return { mean, se: Math.sqrt(v / w.length) };
}

/** Identity bijectors with blocks on λ = 1/K … 1 between them: annealed importance sampling. */
function ais(block: (lambda: number) => MetropolisBlock | LangevinBlock | HMCBlock, k: number): StochasticFlow {
  const layers = [];
  for (let i = k; i >= 1; i--) layers.push(block(i / k), new Shift([0, 0]));
  return new StochasticFlow(new StandardNormal(2), layers, logTarget);
}

describe('StochasticFlow', () => {
  it('annealed importance sampling (identity bijectors + Metropolis on interpolated energies): mean path weight = Z within 3 SE over 1e5 paths', () => {
    const snf = ais((lambda) => new MetropolisBlock({ lambda, steps: 2, stepSize: 0.8 }), 5);
    const r = snf.sampleWithWeights(100000, { seed: 1, batchSize: 100000 });
    const { mean, se } = meanWeight(r.logWeights);
    expect(Math.abs(mean - Z)).toBeLessThan(3 * se);
    expect(se / Z).toBeLessThan(0.02); // the test has power: blocks, not only the base, carry the weight
    expect(Math.abs(r.logZ - Math.log(Z))).toBeLessThan(3 * r.logZStdErr);
    r.samples.dispose();
    snf.dispose();
  });

  it('unadjusted Langevin blocks keep the weights exact through their path ratios: mean weight = Z within 3 SE (1e5 paths)', () => {
    const snf = ais((lambda) => new LangevinBlock({ lambda, steps: 2, stepSize: 0.05, adjusted: false }), 4);
    const r = snf.sampleWithWeights(100000, { seed: 2, batchSize: 100000 });
    const { mean, se } = meanWeight(r.logWeights);
    expect(Math.abs(mean - Z)).toBeLessThan(3 * se);
    expect(se / Z).toBeLessThan(0.2); // a wrong weight is heavy-tailed: its SE alone would fail here
    r.samples.dispose();
    snf.dispose();
  });

  it('HMC blocks: mean weight = Z within 3 SE (5e4 paths)', () => {
    const snf = ais((lambda) => new HMCBlock({ lambda, steps: 1, leapfrogSteps: 4, stepSize: 0.4 }), 4);
    const r = snf.sampleWithWeights(50000, { seed: 3, batchSize: 50000 });
    const { mean, se } = meanWeight(r.logWeights);
    expect(Math.abs(mean - Z)).toBeLessThan(3 * se);
    expect(se / Z).toBeLessThan(0.03);
    r.samples.dispose();
    snf.dispose();
  });

  it('without stochastic blocks: logProb and the weights are exactly the flow\'s (importanceSample with the same seed)', async () => {
    const flow = new Flow(new StandardNormal(2), new Affine(2, { shift: [1, -1], scale: [0.7, 1.8] }));
    const snf = new StochasticFlow(flow.base, [flow.bijector], logTarget);
    const a = snf.sampleWithWeights(500, { seed: 4 });
    const b = await importanceSample(flow, logTarget, 500, { seed: 4 });
    expect(Array.from(a.samples.dataSync())).toEqual(Array.from(b.samples.dataSync()));
    for (let i = 0; i < 500; i++) expect(a.logWeights[i]).toBeCloseTo(b.logWeights[i], 4);
    const x = tf.tensor2d([[0.3, 1], [2, -2]]);
    const lp1 = snf.logProb(x).dataSync();
    const lp2 = flow.logProb(x).dataSync();
    expect(lp1[0]).toBeCloseTo(lp2[0], 5);
    expect(lp1[1]).toBeCloseTo(lp2[1], 5);
    tf.dispose([a.samples, b.samples, x]);
    flow.dispose();
  });

  it('a stochastic flow with blocks refuses logProb with a clear error', () => {
    const snf = ais((lambda) => new MetropolisBlock({ lambda }), 1);
    expect(() => snf.logProb([[0, 0]])).toThrow(ValidationError);
    expect(() => snf.logProb([[0, 0]])).toThrow(/StochasticFlow.logProb.*no pointwise density: use sampleWithWeights.*1 stochastic block/);
    snf.dispose();
  });

  it('saves and loads: same architecture, step sizes, λ and weights; same seeded samples and weights', () => {
    const snf = interleaveBlocks(realNVP({ dim: 2, layers: 4, hidden: [8], seed: 1 }), energies.doubleWell.logDensity, {
      groups: 2,
      block: (lambda) => (lambda < 1 ? new MetropolisBlock({ lambda, steps: 3, stepSize: 0.3, trainableStepSize: true }) : new LangevinBlock({ steps: 2, stepSize: 0.02, adjusted: false })),
    });
    // Move the weights away from the identity so that a missing weight would show.
    tf.tidy(() => snf.trainableVariables.forEach((v, i) => v.assign(tf.add(v, 0.01 * (i + 1)))));
    const text = JSON.stringify(stochasticFlowToJSON(snf));
    const again = stochasticFlowFromJSON(text, energies.doubleWell.logDensity);
    expect(again.serialize()).toEqual(snf.serialize());
    expect(again.layers.map((l) => l.className)).toEqual(['LangevinBlock', 'AffineCoupling', 'AffineCoupling', 'MetropolisBlock', 'AffineCoupling', 'AffineCoupling']);
    const a = snf.sampleWithWeights(64, { seed: 9 });
    const b = again.sampleWithWeights(64, { seed: 9 });
    expect(Array.from(b.samples.dataSync())).toEqual(Array.from(a.samples.dataSync()));
    expect(Array.from(b.logWeights)).toEqual(Array.from(a.logWeights));
    tf.dispose([a.samples, b.samples]);
    snf.dispose();
    again.dispose();
  });

  it('trains: ML on double-well data lowers the ML loss; ½ML + ½KL moves a trainable step size', async () => {
    const snf = interleaveBlocks(realNVP({ dim: 2, layers: 2, hidden: [16, 16], seed: 2 }), energies.doubleWell.logDensity, {
      groups: 1,
      block: (lambda) => new MetropolisBlock({ lambda, steps: 2, stepSize: 0.25, trainableStepSize: true }),
    });
    const data = sampleDoubleWell(512, 3);
    const before = snf.stochasticBlocks[0].stepSize;
    const h = await trainStochasticFlow(snf, { data, steps: 40, batchSize: 64, learningRate: 1e-2, seed: 4, progress: false });
    const head = h.loss.slice(0, 5).reduce((a, b) => a + b) / 5;
    const tail = h.loss.slice(-5).reduce((a, b) => a + b) / 5;
    expect(tail).toBeLessThan(head - 0.2);
    const h2 = await trainStochasticFlow(snf, { data, mlWeight: 0.5, klWeight: 0.5, steps: 5, batchSize: 64, seed: 5, progress: false });
    expect(h2.loss.every(Number.isFinite)).toBe(true);
    expect(snf.stochasticBlocks[0].stepSize).not.toBe(before);
    data.dispose();
    snf.dispose();
  });

  it('rejects bad arguments with ValidationErrors naming them', async () => {
    expect(() => new StochasticFlow(new StandardNormal(2), [{} as never], logTarget)).toThrow(/layers\[0\]' must be a Bijector or a StochasticBlock/);
    const snf = ais((lambda) => new MetropolisBlock({ lambda }), 1);
    await expect(trainStochasticFlow(snf, { mlWeight: 1 })).rejects.toThrow(/options.data/);
    expect(() => snf.sampleWithWeights(1)).toThrow(ValidationError);
    snf.dispose();
  });
});

describe('StochasticFlow.deterministicFlow', () => {
  it('is the flow of its bijectors: logProb equals the chain of bijectors over the base', () => {
    const flow = realNVP({ dim: 2, layers: 4, hidden: [8], seed: 3 });
    tf.tidy(() => flow.trainableVariables.forEach((v, i) => v.assign(tf.add(v, 0.02 * (i + 1)))));
    const x = tf.tensor2d([[0.5, -0.3], [1.2, 2]]);
    const want = flow.logProb(x).dataSync();
    const snf = interleaveBlocks(flow, logTarget, { groups: 2, block: (lambda) => new MetropolisBlock({ lambda }) });
    const got = snf.deterministicFlow().logProb(x).dataSync();
    expect(got[0]).toBeCloseTo(want[0], 5);
    expect(got[1]).toBeCloseTo(want[1], 5);
    x.dispose();
    snf.dispose();
  });
});

describe('HMCBlock save/load', () => {
  it('round-trips leapfrogSteps, λ and a trained step size', () => {
    const snf = new StochasticFlow(new StandardNormal(2), [new HMCBlock({ lambda: 0.4, steps: 2, leapfrogSteps: 3, stepSize: 0.2, trainableStepSize: true }), new Shift([0.5, 0])], logTarget);
    tf.tidy(() => snf.trainableVariables[0].assign(tf.scalar(Math.log(0.3))));
    const again = stochasticFlowFromJSON(JSON.stringify(stochasticFlowToJSON(snf)), logTarget);
    const block = again.layers[0] as HMCBlock;
    expect(block.leapfrogSteps).toBe(3);
    expect(block.lambda).toBe(0.4);
    expect(block.stepSize).toBeCloseTo(0.3, 6);
    expect(block.trainableStepSize).toBe(true);
    snf.dispose();
    again.dispose();
  });

  it('rejects a document of another format', () => {
    expect(() => stochasticFlowFromJSON('{"format":"tfjs-flows"}', logTarget)).toThrow(/not a tfjs-flows-stochastic document/);
  });
});
