import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Affine, Flow, StandardNormal, ValidationError, importanceSample, tf } from '../../src/index.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** c + log N(x; mean, diag(sd²)), in TF ops (the target's normalising constant is e^c). */
function gaussianTarget(mean: number[], sd: number[], c: number) {
  return (x: tf.Tensor2D): tf.Tensor1D =>
    tf.tidy(() => {
      const u = tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(sd));
      const norm = sd.reduce((s, v) => s + Math.log(v) + HALF_LOG_2PI, 0);
      return tf.add(tf.mul(-0.5, tf.sum(tf.square(u), 1)), c - norm) as tf.Tensor1D;
    });
}

const affineFlow = (shift: number[], scale: number[]) => new Flow(new StandardNormal(shift.length), new Affine(shift.length, { shift, scale }));

/** ∫ p(x)²/q(x) dx for 1D normals p = N(mp, sp²), q = N(mq, sq²), by float64 trapezoid on a wide grid. */
function secondMoment1d(mp: number, sp: number, mq: number, sq: number): number {
  const logN = (x: number, m: number, s: number) => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - HALF_LOG_2PI;
  const h = 1e-3;
  let sum = 0;
  for (let x = -40; x <= 40; x += h) sum += Math.exp(2 * logN(x, mp, sp) - logN(x, mq, sq));
  return sum * h;
}

describe('importanceSample', () => {
  it('with q equal to the target up to e^c: log Z = c exactly (1e-5), ESS = n, standard error ≈ 0', async () => {
    const flow = affineFlow([1, -2], [0.5, 3]);
    const c = 1.7;
    const n = 2000;
    const r = await importanceSample(flow, gaussianTarget([1, -2], [0.5, 3], c), n, { seed: 1 });
    expect(r.samples.shape).toEqual([n, 2]);
    expect(Math.abs(r.logZ - c)).toBeLessThan(1e-5);
    expect(Math.abs(r.ess - n)).toBeLessThan(1e-6 * n);
    expect(r.essFraction).toBeGreaterThan(1 - 1e-6);
    expect(r.logZStdErr).toBeLessThan(1e-5);
    for (const lw of r.logWeights) expect(Math.abs(lw - c)).toBeLessThan(1e-5);
    const total = r.weights.reduce((s, w) => s + w, 0);
    expect(total).toBeCloseTo(1, 12);
    r.samples.dispose();
    flow.dispose();
  });

  it('mismatched Gaussians: log Z within 3 standard errors; SE and ESS match their closed forms', async () => {
    // q = N(0, 1.5² I), p̃ = e^c N((0.5, −0.3), diag(1, 0.8²)); ρ = E_q[w²]/Z² = Π ∫ p²/q.
    const flow = affineFlow([0, 0], [1.5, 1.5]);
    const c = -0.8;
    const n = 20000;
    const rho = secondMoment1d(0.5, 1, 0, 1.5) * secondMoment1d(-0.3, 0.8, 0, 1.5);
    for (const seed of [1, 2, 3]) {
      const r = await importanceSample(flow, gaussianTarget([0.5, -0.3], [1, 0.8], c), n, { seed });
      expect(Math.abs(r.logZ - c)).toBeLessThan(3 * r.logZStdErr);
      // Delta method: SE(log Ẑ) → √((ρ − 1)/n); ESS/n → 1/ρ. Both are estimated from the same
      // weights, so allow 10% (the weights' fourth moment is finite here: q is wider than p).
      expect(Math.abs(r.logZStdErr / Math.sqrt((rho - 1) / n) - 1)).toBeLessThan(0.1);
      expect(Math.abs(r.essFraction * rho - 1)).toBeLessThan(0.1);
      r.samples.dispose();
    }
    flow.dispose();
  });

  it('−∞ from logTarget means weight 0: a half-plane target has log Z = log ½ (within 3 SE)', async () => {
    const flow = affineFlow([0, 0], [1, 1]);
    const half = (x: tf.Tensor2D) =>
      tf.tidy(() => {
        const inside = tf.greater(tf.slice(x, [0, 0], [-1, 1]).reshape([-1]), 0);
        return tf.where(inside, gaussianTarget([0, 0], [1, 1], 0)(x), tf.fill([x.shape[0]], -Infinity)) as tf.Tensor1D;
      });
    const r = await importanceSample(flow, half, 4000, { seed: 5 });
    expect(Math.abs(r.logZ - Math.log(0.5))).toBeLessThan(3 * r.logZStdErr);
    expect(r.essFraction).toBeGreaterThan(0.45);
    expect(r.essFraction).toBeLessThan(0.55);
    expect(r.weights.filter((w) => w === 0).length).toBeGreaterThan(1500);
    r.samples.dispose();
    flow.dispose();
  });

  it('is reproducible: same seed, same log-weights, whatever the batch size', async () => {
    const flow = affineFlow([0.2, 0], [1.2, 0.7]);
    const target = gaussianTarget([0, 0], [1, 1], 0);
    const a = await importanceSample(flow, target, 1000, { seed: 'x' });
    const b = await importanceSample(flow, target, 1000, { seed: 'x', batchSize: 128 });
    expect(Array.from(b.logWeights)).toEqual(Array.from(a.logWeights));
    expect(Array.from(b.samples.dataSync())).toEqual(Array.from(a.samples.dataSync()));
    tf.dispose([a.samples, b.samples]);
    flow.dispose();
  });

  it('leaks nothing but the returned samples, also when logTarget is rejected', async () => {
    const flow = affineFlow([0, 0], [1, 1]);
    const before = tf.memory().numTensors;
    (await importanceSample(flow, gaussianTarget([0, 0], [1, 1], 0), 300, { seed: 2, batchSize: 100 })).samples.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(importanceSample(flow, (x) => tf.fill([x.shape[0]], NaN) as tf.Tensor1D, 300, { seed: 2, batchSize: 100 })).rejects.toThrow(ValidationError);
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
  });
});

describe('importanceSample rejects bad targets with a ValidationError naming logTarget', () => {
  let flow: Flow;
  beforeAll(() => {
    flow = affineFlow([0, 0], [1, 1]);
  });
  afterAll(() => flow.dispose());
  const cases: [string, unknown, RegExp][] = [
    ['not a function', 42, /logTarget.*a function.*got 42/],
    ['a [n, 1] result', (x: tf.Tensor2D) => tf.zeros([x.shape[0], 1]), /logTarget.*shape \[10\].*got a tensor of shape \[10, 1\]/],
    ['a result of the wrong length', () => tf.zeros([3]), /got a tensor of shape \[3\]/],
    ['an array instead of a tensor', (x: tf.Tensor2D) => new Array(x.shape[0]).fill(0), /got an array of length 10/],
    ['NaN', (x: tf.Tensor2D) => tf.tidy(() => tf.concat([tf.zeros([3]), tf.tensor1d([NaN]), tf.zeros([x.shape[0] - 4])])), /finite values or −∞.*got NaN at row 3/],
    ['+∞', (x: tf.Tensor2D) => tf.fill([x.shape[0]], Infinity), /got Infinity at row 0/],
    ['−∞ everywhere', (x: tf.Tensor2D) => tf.fill([x.shape[0]], -Infinity), /−∞ at all 10 samples/],
    ['int32 values', (x: tf.Tensor2D) => tf.zeros([x.shape[0]], 'int32'), /got a tensor of dtype int32/],
  ];
  it.each(cases)('%s', async (_, target, message) => {
    let err: unknown;
    try {
      await importanceSample(flow, target as never, 10, { seed: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).argument).toBe('logTarget');
    expect((err as Error).message).toMatch(message);
  });

  it('checks n, options and the flow', async () => {
    const target = gaussianTarget([0, 0], [1, 1], 0);
    expect(() => importanceSample(flow, target, 1)).toThrow(/argument 'n' must be an integer ≥ 2/);
    expect(() => importanceSample(flow, target, 10, { sed: 1 } as never)).toThrow(/unknown option "sed"/);
    expect(() => importanceSample({} as never, target, 10)).toThrow(/argument 'flow' must be a Flow/);
  });
});
