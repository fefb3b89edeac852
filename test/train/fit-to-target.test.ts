/**
 * Reverse-KL training against Gaussian targets given unnormalised, where everything has a closed form:
 * KL(q‖p) between the learned Gaussian q and the target p, log Z, and the tempered optimum p^β/Z_β.
 */
import { describe, expect, it } from 'vitest';
import {
  Affine, Chain, DiagNormal, Flow, StandardNormal, checkBijector, cosineDecay, fitToTarget, linearAnneal, tf,
} from '../../src/index.js';
import { diag, gaussianKl, spdInverse } from '../helpers/gaussian.js';
import { Shear } from '../helpers/shear.js';

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

/** log p̃(x) = −½ (x − μ)ᵀ P (x − μ): N(μ, P⁻¹) without its normalising constant. */
function gaussianTarget(mu: number[], cov: number[][]) {
  const precision = tf.tensor2d(spdInverse(cov));
  const logTarget = (x: tf.Tensor2D) => {
    const d = tf.sub(x, mu);
    return tf.mul(-0.5, tf.sum(tf.mul(d, tf.matMul(d, precision)), 1)) as tf.Tensor1D;
  };
  const logDet = Math.log(Math.abs(det(cov)));
  return { logTarget, logZ: 0.5 * logDet + (mu.length / 2) * Math.log(2 * Math.PI), dispose: () => precision.dispose() };
}

function det(m: number[][]): number {
  if (m.length === 1) return m[0][0];
  return m[0].reduce((s, v, j) => s + (j % 2 ? -1 : 1) * v * det(m.slice(1).map((row) => row.filter((_, k) => k !== j))), 0);
}

/**
 * The Gaussian q of a flow whose bijector is affine, read off the learned map itself:
 * x = A z + c with c = forward(0) and A's columns forward(eᵢ) − c; on a standard normal base q = N(c, A Aᵀ).
 */
function learnedGaussian(flow: Flow): { mean: number[]; cov: number[][] } {
  const d = flow.dim;
  const pts = tf.tensor2d([new Array<number>(d).fill(0), ...diag(new Array<number>(d).fill(1))]);
  const y = flow.bijector.forward(pts).output;
  const v = Array.from(y.dataSync());
  tf.dispose([pts, y]);
  const c = v.slice(0, d);
  const a = Array.from({ length: d }, (_, r) => Array.from({ length: d }, (_, k) => v[(k + 1) * d + r] - c[r]));
  return { mean: c, cov: a.map((ra) => a.map((rb) => ra.reduce((s, x, k) => s + x * rb[k], 0))) };
}

const MU = [1, -2];
const SD = [0.5, 2];
const COV = diag(SD.map((s) => s * s));

describe('fitToTarget: reverse KL on Gaussian targets', () => {
  it('test helpers: gaussianKl matches the diagonal closed form, and is 0 between equal Gaussians', () => {
    const kl = gaussianKl([0.3, 1], diag([0.64, 2.25]), MU, COV);
    const closed = [0, 1].reduce((s, j) => s + Math.log(SD[j] / [0.8, 1.5][j]) + ([0.64, 2.25][j] + ([0.3, 1][j] - MU[j]) ** 2) / (2 * SD[j] ** 2) - 0.5, 0);
    expect(kl).toBeCloseTo(closed, 12);
    expect(gaussianKl(MU, [[1, 0.5], [0.5, 2]], MU, [[1, 0.5], [0.5, 2]])).toBeCloseTo(0, 12);
  });

  it('diagonal target: an Affine flow reaches KL(q‖p) < 0.01 nats, and the loss reaches −log Z', async () => {
    const t = gaussianTarget(MU, COV);
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const h = await fitToTarget(flow, t.logTarget, { steps: 400, learningRate: cosineDecay(0.05), seed: 1, progress: false });
    const q = learnedGaussian(flow);
    expect(gaussianKl(q.mean, q.cov, MU, COV)).toBeLessThan(0.01);
    expect(h.steps).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(h.stopReason).toBe('completed');
    expect(h.epochs).toBe(0);
    expect(h.beta).toBeUndefined();
    // loss = E_q[log q − log p̃] = KL − log Z; the last 50 estimates of 256 samples average to within 0.02 of −log Z.
    expect(Math.abs(mean(h.loss.slice(-50)) + t.logZ)).toBeLessThan(0.02);
    expect(mean(h.loss.slice(0, 10))).toBeGreaterThan(-t.logZ + 1);
    flow.dispose();
    t.dispose();
  });

  it('correlated 3-d target: Affine ∘ Shear ∘ Affine reaches KL < 0.01 with both estimators', async () => {
    const shear = new Shear(3, [[0, 0, 0], [0.4, 0, 0], [-0.3, 0.7, 0]]);
    const pts = [[0.1, -0.3, 1.2], [2, 0.5, -1], [-0.7, 0.2, 0.4]];
    const check = checkBijector(shear, pts);
    expect(Math.max(check.roundTripError!, check.logDetSumError!, check.jacobianError!, check.inverseJacobianError!)).toBeLessThan(1e-5);
    shear.dispose();

    const l = [[0.5, 0, 0], [0.8, 0.6, 0], [-0.5, 0.4, 0.7]];
    const cov = l.map((r) => l.map((q) => r.reduce((s, v, k) => s + v * q[k], 0)));
    const mu = [1, -1, 0.5];
    const t = gaussianTarget(mu, cov);
    for (const pathGradient of [false, true]) {
      const flow = new Flow(new StandardNormal(3), new Chain([new Affine(3), new Shear(3), new Affine(3)]));
      await fitToTarget(flow, t.logTarget, { steps: 400, learningRate: cosineDecay(0.05), seed: 3, pathGradient, progress: false });
      const q = learnedGaussian(flow);
      expect(gaussianKl(q.mean, q.cov, mu, cov)).toBeLessThan(0.01);
      flow.dispose();
    }
    t.dispose();
  });

  it('path gradient on a DiagNormal-base flow (weights in the base): converges, and its loss settles on −log Z', async () => {
    const t = gaussianTarget(MU, COV);
    const base = new DiagNormal(2);
    const flow = new Flow(base, new Chain([]));
    const h = await fitToTarget(flow, t.logTarget, { steps: 300, learningRate: cosineDecay(0.05), seed: 2, pathGradient: true, progress: false });
    const loc = Array.from(base.loc.dataSync());
    const scale = Array.from(base.logScale.dataSync()).map(Math.exp);
    expect(gaussianKl(loc, diag(scale.map((s) => s * s)), MU, COV)).toBeLessThan(0.01);
    // Near q = p every per-sample term log q − log p̃ is ≈ −log Z, so the estimate barely fluctuates.
    const tail = h.loss.slice(-20);
    expect(Math.max(...tail.map((v) => Math.abs(v + t.logZ)))).toBeLessThan(0.01);
    flow.dispose();
    t.dispose();
  });

  it('a constant β < 1 converges to the tempered target p^β/Z_β = N(μ, Σ/β); the history still reports E_q[log q − log p̃]', async () => {
    const t = gaussianTarget(MU, COV);
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const h = await fitToTarget(flow, t.logTarget, { steps: 400, learningRate: cosineDecay(0.05), beta: 0.5, seed: 4, pathGradient: true, progress: false });
    const q = learnedGaussian(flow);
    const tempered = COV.map((row) => row.map((v) => v / 0.5));
    expect(gaussianKl(q.mean, q.cov, MU, tempered)).toBeLessThan(0.01);
    expect(h.beta).toEqual(new Array(400).fill(0.5));
    // At q = N(μ, 2Σ): E_q[log q − log p̃] = KL(N(μ, 2Σ)‖N(μ, Σ)) − log Z = d(½ − ½ log 2) − log Z. Per sample,
    // log q − log p̃ = Σⱼ zⱼ²/2 + const has variance 1, so the mean of 50 × 256 samples has SE ≈ 0.009.
    const expected = 2 * (0.5 - 0.5 * Math.log(2)) - t.logZ;
    expect(Math.abs(mean(h.loss.slice(-50)) - expected)).toBeLessThan(0.04);
    flow.dispose();
    t.dispose();
  });

  it('linear annealing: records β_t per step, starts far from the target and still converges', async () => {
    const t = gaussianTarget(MU, COV);
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const h = await fitToTarget(flow, t.logTarget, { steps: 400, learningRate: cosineDecay(0.05), annealSteps: 200, seed: 5, progress: false });
    expect(h.beta!.length).toBe(400);
    h.beta!.forEach((b, i) => expect(b).toBe(linearAnneal(i + 1, 200, 0.01)));
    expect(h.beta![0]).toBeCloseTo(0.01 + 0.99 / 200, 12);
    expect(h.beta![199]).toBe(1);
    const q = learnedGaussian(flow);
    expect(gaussianKl(q.mean, q.cov, MU, COV)).toBeLessThan(0.01);
    flow.dispose();
    t.dispose();
  });

  it('a function β(step, totalSteps) is called per step and recorded', async () => {
    const t = gaussianTarget(MU, COV);
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const calls: [number, number][] = [];
    const h = await fitToTarget(flow, t.logTarget, {
      steps: 5, samplesPerStep: 16, seed: 6, progress: false,
      beta: (step, total) => (calls.push([step, total]), step / total),
    });
    expect(calls).toEqual([1, 2, 3, 4, 5].map((s) => [s, 5]));
    expect(h.beta).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    flow.dispose();
    t.dispose();
  });

  it('the same seed reproduces the run exactly; another seed does not', async () => {
    const t = gaussianTarget(MU, COV);
    const run = async (seed: number) => {
      const flow = new Flow(new StandardNormal(2), new Affine(2));
      const h = await fitToTarget(flow, t.logTarget, { steps: 30, samplesPerStep: 64, learningRate: 0.05, seed, pathGradient: true, annealSteps: 10, progress: false });
      const w = flow.weights.map((x) => Array.from(x.variable.dataSync()));
      flow.dispose();
      return { loss: h.loss, gradNorm: h.gradNorm, w };
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(b).toEqual(a);
    expect(c.loss).not.toEqual(a.loss);
    t.dispose();
  });

  it('wires the loop: onStep sees each step and can stop it; an aborted signal stops before any step', async () => {
    const t = gaussianTarget(MU, COV);
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const seen: { step: number; loss: number; epoch: number }[] = [];
    const h = await fitToTarget(flow, t.logTarget, {
      steps: 50, samplesPerStep: 32, seed: 9, progress: false, annealSteps: 20,
      onStep: (info) => {
        seen.push({ step: info.step, loss: info.loss, epoch: info.epoch });
        if (info.step === 5) info.stop();
      },
    });
    expect(seen.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.map((s) => s.loss)).toEqual(h.loss);
    expect(seen.every((s) => s.epoch === 1)).toBe(true);
    expect(h.stopReason).toBe('callback');
    expect(h.beta).toEqual([1, 2, 3, 4, 5].map((s) => linearAnneal(s, 20)));
    const controller = new AbortController();
    controller.abort();
    const aborted = await fitToTarget(flow, t.logTarget, { steps: 50, samplesPerStep: 32, seed: 9, progress: false, signal: controller.signal, annealSteps: 5 });
    expect(aborted.stopReason).toBe('aborted');
    expect(aborted.steps).toEqual([]);
    expect(aborted.beta).toEqual([]);
    flow.dispose();
    t.dispose();
  });
});
