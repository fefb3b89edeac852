import { describe, expect, it } from 'vitest';
import {
  Affine, DualAveraging, Flow, Shift, StandardNormal, ValidationError, coordinate, flowHMC, flowIndependenceMH, hmc, summarizeChains, tf,
} from '../../src/index.js';

const MEAN = [1, -2];
const SD = [0.5, 2];
const logTarget = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(tf.div(tf.sub(x, tf.tensor1d(MEAN)), tf.tensor1d(SD))), 1)) as tf.Tensor1D);

function expectGaussian(r: { chains: Float32Array[]; dim: number; samplesPerChain: number }) {
  const s = summarizeChains(r as never);
  for (let j = 0; j < 2; j++) {
    expect(Math.abs(s[j].mean - MEAN[j])).toBeLessThan(4 * s[j].mcse);
    expect(Math.abs(s[j].sd / SD[j] - 1)).toBeLessThan(0.1);
    expect(s[j].rhat).toBeLessThan(1.05);
  }
}

describe('hmc', () => {
  it('samples a 2-D Gaussian (means within 4 MCSE, sds within 10 %, R̂ < 1.05) and tunes ε towards the target acceptance', () => {
    const r = hmc(logTarget, 2, { samples: 600, warmup: 300, chains: 4, leapfrogSteps: 5, seed: 1 });
    expectGaussian(r);
    expect(r.acceptanceRate).toBeGreaterThan(0.65);
    expect(r.acceptanceRate).toBeLessThan(0.95);
    expect(r.gradientEvaluations).toBe(4 * (1 + 900 * 5));
    expect(r.chains).toHaveLength(4);
  });

  it('is reproducible and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const a = hmc(logTarget, 2, { samples: 20, warmup: 10, chains: 2, seed: 5 });
    const b = hmc(logTarget, 2, { samples: 20, warmup: 10, chains: 2, seed: 5 });
    expect(Array.from(a.chains[1])).toEqual(Array.from(b.chains[1]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a negative step size, an acceptance outside (0, 1) and a wrongly shaped init', () => {
    expect(() => hmc(logTarget, 2, { stepSize: -0.1 })).toThrow(/options.stepSize' must be a finite number > 0/);
    expect(() => hmc(logTarget, 2, { targetAcceptance: 1 })).toThrow(ValidationError);
    expect(() => hmc(logTarget, 2, { chains: 2, init: [[0, 0]] })).toThrow(/options.init/);
  });
});

describe('flowHMC', () => {
  it('with an identity flow reproduces plain HMC exactly on fixed seeds', () => {
    const flow = new Flow(new StandardNormal(2), new Shift([0, 0]));
    const a = flowHMC(flow, logTarget, { samples: 30, warmup: 20, chains: 3, leapfrogSteps: 4, seed: 7 });
    const b = hmc(logTarget, 2, { samples: 30, warmup: 20, chains: 3, leapfrogSteps: 4, seed: 7 });
    for (let c = 0; c < 3; c++) expect(Array.from(a.chains[c])).toEqual(Array.from(b.chains[c]));
    expect(a.stepSize).toBe(b.stepSize);
    flow.dispose();
  });

  it('with the exact transport map the latent target is N(0, I); data-space chains have the target moments', () => {
    const flow = new Flow(new StandardNormal(2), new Affine(2, { shift: MEAN, scale: SD }));
    const r = flowHMC(flow, logTarget, { samples: 500, warmup: 200, chains: 4, leapfrogSteps: 3, seed: 2 });
    expectGaussian(r);
    // Latent chains: unit sd in both coordinates (the ill-conditioning is gone).
    const z = summarizeChains({ ...r, chains: r.latentChains });
    expect(Math.abs(z[0].sd - 1)).toBeLessThan(0.1);
    expect(Math.abs(z[1].sd - 1)).toBeLessThan(0.1);
    expect(coordinate(r, 0)[0]).toHaveLength(500);
    flow.dispose();
  });
});

describe('flowIndependenceMH', () => {
  it('with q = p every proposal is accepted; with a poor q plus local moves the chains still have the target moments', () => {
    const exact = new Flow(new StandardNormal(2), new Affine(2, { shift: MEAN, scale: SD }));
    const r = flowIndependenceMH(exact, logTarget, { samples: 200, chains: 4, seed: 1 });
    expect(r.acceptanceRate).toBeGreaterThan(0.999);
    exact.dispose();
    const poor = new Flow(new StandardNormal(2), new Affine(2, { shift: [0.5, -1], scale: [1, 3] }));
    const s = flowIndependenceMH(poor, logTarget, { samples: 1500, chains: 4, localSteps: 2, local: 'randomWalk', localStepSize: 0.5, seed: 2 });
    expect(s.acceptanceRate).toBeLessThan(0.9);
    expect(s.localAcceptanceRate).toBeGreaterThan(0.2);
    expectGaussian(s);
    poor.dispose();
  });
});

describe('DualAveraging', () => {
  it('moves ε down when acceptance is below target and up when above', () => {
    const down = new DualAveraging(1, 0.8);
    for (let i = 0; i < 20; i++) down.update(0.2);
    expect(down.finalStepSize).toBeLessThan(1);
    const up = new DualAveraging(1, 0.8);
    for (let i = 0; i < 20; i++) up.update(1);
    expect(up.finalStepSize).toBeGreaterThan(1);
  });
});
