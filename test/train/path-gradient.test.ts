/**
 * The fast path-gradient estimators against the two-pass references, on the same samples:
 * - reverse KL: `fastPath` (score carried through sampling) equals sticking-the-landing (score term
 *   removed through an inverse pass) for flows mixing closed-form score rules and autodiff ones;
 * - forward KL (maximum likelihood with a known data energy): `fastPath` equals the reference
 *   ∇θ[−log q_θ(x)] − ∇θ[log p(f_θ(z̄)) + log|det ∂f_θ/∂z|(z̄)], z̄ = f⁻¹(x) held fixed: the
 *   likelihood gradient minus the score term of the data's pull-back to the latent side.
 */
import { describe, expect, it } from 'vitest';
import {
  ActNorm, AffineCoupling, Bijector, Chain, DiagNormal, Flow, LULinear, MaskedAutoregressiveAffine, Planar, Radial, Rng, SplineCoupling, StandardNormal,
  fit, fitToTarget, halfMask, tf,
} from '../../src/index.js';
import { fastPathNll, fastPathReverseKlTerms } from '../../src/train/path-gradient.js';
import { reverseKlTerms } from '../../src/train/reverse-kl.js';
import { perturbed } from '../helpers/bijector-cases.js';

// A banana-shaped unnormalised target: log p̃(x) = −½ (x₀/2)² − ½ (x₁ − 0.5 x₀² + 1)².
const logTarget = (x: tf.Tensor2D) =>
  tf.tidy(() => {
    const [a, b] = tf.split(x, 2, 1);
    const r = tf.sub(tf.add(b, 1), tf.mul(0.5, tf.square(a)));
    return tf.mul(-0.5, tf.reshape(tf.add(tf.square(tf.div(a, 2)), tf.square(r)), [-1])) as tf.Tensor1D;
  });

function grads(vars: tf.Variable[], loss: () => tf.Scalar): { value: number; g: number[] } {
  const { value, grads } = tf.variableGrads(loss, vars);
  const g = vars.flatMap((v) => Array.from(grads[v.name].dataSync()));
  const out = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { value: out, g };
}

function maxRelDiff(a: number[], b: number[]): number {
  const scale = Math.max(1e-3, ...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

const flows: [string, () => Bijector][] = [
  ['RealNVP (affine couplings, LU, ActNorm)', () => new Chain([
    perturbed(new AffineCoupling({ mask: halfMask(2), hidden: [16, 16], seed: 1 }), 'pa'),
    perturbed(new LULinear(2), 'plu'),
    perturbed(new AffineCoupling({ mask: halfMask(2, true), hidden: [16, 16], activation: 'tanh', seed: 2 }), 'pb'),
    perturbed(actNorm(2), 'pan'),
  ])],
  ['spline coupling, radial, leaky planar', () => new Chain([
    perturbed(new SplineCoupling({ mask: halfMask(2), hidden: [8], bins: 5, tailBound: 3, invert: false, seed: 3 }), 'ps', 0.1),
    new Radial(2, { z0: [0.3, -0.2], alpha: 0.8, beta: 0.7 }),
    new Planar(2, { activation: 'leaky_relu', u: [0.7, -0.4], w: [0.5, 1.2], b: 0.1 }),
  ])],
  ['with an autodiff member (MAF)', () => new Chain([
    perturbed(new MaskedAutoregressiveAffine(2, { hidden: [8], seed: 4 }), 'pm'),
    perturbed(new AffineCoupling({ mask: halfMask(2), hidden: [8], seed: 5 }), 'pc'),
  ])],
];

function actNorm(dim: number): ActNorm {
  const a = new ActNorm(dim);
  a.setWeights({ shift: new Float32Array(dim), logScale: new Float32Array(dim), initialized: [1] });
  return a;
}

describe.each(flows)('%s', (_, make) => {
  it('reverse KL: fastPath gradients equal sticking-the-landing gradients on the same samples', () => {
    const flow = new Flow(new StandardNormal(2), make());
    const vars = flow.trainableVariables;
    for (const beta of [1, 0.3]) {
      const step = (seed: string) => ({ n: 64, rng: new Rng(seed), beta, pathGradient: true, fn: 'test', step: 1 });
      const stl = grads(vars, () => reverseKlTerms(flow, logTarget, step('s')).loss);
      const fast = grads(vars, () => fastPathReverseKlTerms(flow, logTarget, step('s')).loss);
      const plain = grads(vars, () => reverseKlTerms(flow, logTarget, { ...step('s'), pathGradient: false }).loss);
      expect(Math.abs(fast.value - stl.value)).toBeLessThan(1e-4 * Math.max(1, Math.abs(stl.value)));
      expect(maxRelDiff(fast.g, stl.g)).toBeLessThan(2e-3);
      // …and the comparison can fail: the reparameterised gradient differs (by the score term).
      expect(maxRelDiff(plain.g, stl.g)).toBeGreaterThan(1e-2);
    }
    flow.dispose();
  });

  it('forward KL: fastPath gradient equals the two-pass reference on the same data', () => {
    const flow = new Flow(new StandardNormal(2), make());
    const vars = flow.trainableVariables;
    const rng = new Rng('data');
    const x = tf.tensor2d(Array.from({ length: 48 }, () => [2 * rng.normal(), rng.normal() - 0.5]));
    const fast = grads(vars, () => fastPathNll(flow, logTarget, x, null));
    const ml = grads(vars, () => tf.neg(tf.mean(flow.logProbUnchecked(x))) as tf.Scalar);
    const zBar = tf.tidy(() => flow.bijector.inverse(x).output);
    const scoreTerm = grads(vars, () => {
      const { output, logDet } = flow.bijector.forward(zBar);
      return tf.mean(tf.add(logTarget(output), logDet)) as tf.Scalar;
    });
    const reference = ml.g.map((v, i) => v - scoreTerm.g[i]);
    expect(Math.abs(fast.value - ml.value)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ml.value)));
    expect(maxRelDiff(fast.g, reference)).toBeLessThan(2e-3);
    expect(maxRelDiff(ml.g, reference)).toBeGreaterThan(1e-2);
    tf.dispose([x, zBar]);
    flow.dispose();
  });
});

describe('a trainable base', () => {
  it('reverse KL: fastPath equals STL with weights in a DiagNormal base', () => {
    const flow = new Flow(new DiagNormal(2, { loc: [0.3, -0.2], scale: [1.5, 0.7] }), perturbed(new AffineCoupling({ mask: halfMask(2), hidden: [8], seed: 6 }), 'pd'));
    const vars = flow.trainableVariables;
    expect(vars.length).toBeGreaterThan(2);
    const step = () => ({ n: 64, rng: new Rng('d'), beta: 1, pathGradient: true, fn: 'test', step: 1 });
    const stl = grads(vars, () => reverseKlTerms(flow, logTarget, step()).loss);
    const fast = grads(vars, () => fastPathReverseKlTerms(flow, logTarget, step()).loss);
    expect(maxRelDiff(fast.g, stl.g)).toBeLessThan(2e-3);
    flow.dispose();
  });
});

describe('fitToTarget / fit with gradientEstimator', () => {
  it("trains a planar (tanh) flow with 'fastPath', which 'stl' refuses (numerical inverse)", async () => {
    const layers = [0, 1, 2, 3].map((i) => new Planar(2, { seed: i, initScale: 0.5 }));
    const flow = new Flow(new StandardNormal(2), new Chain(layers));
    await expect(fitToTarget(flow, logTarget, { steps: 2, gradientEstimator: 'stl', progress: false })).rejects.toThrow(/analytic inverse/);
    const h = await fitToTarget(flow, logTarget, { steps: 150, samplesPerStep: 128, learningRate: 0.02, gradientEstimator: 'fastPath', seed: 1, progress: false });
    expect(h.gradientEstimator).toBe('fastPath');
    expect(h.notes).toBeUndefined();
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(h.loss.slice(-20))).toBeLessThan(mean(h.loss.slice(0, 20)) - 0.2);
    flow.dispose();
  });

  it('notes autodiff fallbacks, and falls back to reparam without any score rule', async () => {
    const maf = new Flow(new StandardNormal(2), new Chain([new MaskedAutoregressiveAffine(2, { hidden: [8], seed: 1 }), new Radial(2, { seed: 2 })]));
    const h = await fitToTarget(maf, logTarget, { steps: 3, samplesPerStep: 16, gradientEstimator: 'fastPath', progress: false });
    expect(h.notes).toEqual([expect.stringMatching(/MaskedAutoregressiveAffine is carried by autodiff/)]);
    maf.dispose();

    class NumericalShift extends Bijector {
      readonly className = 'NumericalShift';
      override readonly inverseKind = 'numerical' as const;
      readonly v = this.addWeight('v', () => tf.zeros([2]));
      getConfig() {
        return {};
      }
      protected _forward(x: tf.Tensor2D) {
        return { output: tf.add(x, this.v) as tf.Tensor2D, logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D };
      }
      protected _inverse(y: tf.Tensor2D) {
        return { output: tf.sub(y, this.v) as tf.Tensor2D, logDet: tf.zeros([y.shape[0]]) as tf.Tensor1D };
      }
    }
    const odd = new Flow(new StandardNormal(2), new NumericalShift({ dim: 2 }));
    const h2 = await fitToTarget(odd, logTarget, { steps: 3, samplesPerStep: 16, gradientEstimator: 'fastPath', progress: false });
    expect(h2.gradientEstimator).toBe('reparam');
    expect(h2.notes?.[0]).toMatch(/fell back to 'reparam'/);
    odd.dispose();
  });

  it('checks the options', async () => {
    const flow = new Flow(new StandardNormal(2), new Radial(2, { seed: 1 }));
    await expect(fitToTarget(flow, logTarget, { steps: 1, gradientEstimator: 'fast' as never })).rejects.toThrow(/'reparam', 'stl' or 'fastPath'/);
    await expect(fitToTarget(flow, logTarget, { steps: 1, gradientEstimator: 'fastPath', pathGradient: true })).rejects.toThrow(/pathGradient/);
    const data = [[0, 1], [1, 0], [0.5, 0.5]];
    await expect(fit(flow, data, { steps: 1, gradientEstimator: 'fastPath' })).rejects.toThrow(/logTarget/);
    await expect(fit(flow, data, { steps: 1, logTarget })).rejects.toThrow(/logTarget.*absent/);
    const h = await fit(flow, data, { steps: 3, batchSize: 3, gradientEstimator: 'fastPath', logTarget, standardize: false, progress: false });
    expect(h.loss.every(Number.isFinite)).toBe(true);
    flow.dispose();
  });
});

describe('memory', () => {
  it('fastPath training leaves the tensor count unchanged (reverse and forward KL)', async () => {
    const flow = new Flow(new StandardNormal(2), new Chain([
      new AffineCoupling({ mask: halfMask(2), hidden: [8], seed: 1 }),
      new SplineCoupling({ mask: halfMask(2, true), hidden: [8], bins: 4, tailBound: 3, invert: false, seed: 2 }),
      new Planar(2, { seed: 3 }),
      new MaskedAutoregressiveAffine(2, { hidden: [8], seed: 4 }),
    ]));
    await fitToTarget(flow, logTarget, { steps: 2, samplesPerStep: 16, gradientEstimator: 'fastPath', progress: false });
    const before = tf.memory().numTensors;
    await fitToTarget(flow, logTarget, { steps: 5, samplesPerStep: 16, gradientEstimator: 'fastPath', progress: false });
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
    const f2 = new Flow(new StandardNormal(2), new AffineCoupling({ mask: halfMask(2), hidden: [8], seed: 1 }));
    const data = [[0, 1], [1, 0], [0.5, 0.5], [1, 1]];
    await fit(f2, data, { steps: 2, batchSize: 4, gradientEstimator: 'fastPath', logTarget, standardize: false, progress: false });
    const before2 = tf.memory().numTensors;
    await fit(f2, data, { steps: 5, batchSize: 4, gradientEstimator: 'fastPath', logTarget, standardize: false, progress: false });
    expect(tf.memory().numTensors).toBe(before2);
    f2.dispose();
  });
});
