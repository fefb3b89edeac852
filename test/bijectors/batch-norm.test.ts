import { describe, expect, it } from 'vitest';
import { BatchNorm, Chain, Flow, Rng, StandardNormal, ValidationError, setTraining, tf } from '../../src/index.js';
import { columnMoments } from '../helpers/math.js';

/** Per-column mean and biased variance in float64. */
const moments64 = (v: ArrayLike<number>, cols: number) => columnMoments(v, cols, { biased: true });

function data(seed: string, n: number): { t: tf.Tensor2D; values: Float32Array } {
  const rng = new Rng(seed);
  const values = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? 3 + 2 * rng.normal() : -1 + 0.5 * rng.normal()));
  return { t: tf.tensor2d(values, [n, 2]), values };
}

describe('BatchNorm', () => {
  it('starts in evaluation mode as exactly the identity', () => {
    const bn = new BatchNorm(2);
    expect(bn.training).toBe(false);
    const { t } = data('id', 8);
    for (const dir of ['forward', 'inverse'] as const) {
      const r = bn[dir](t);
      // (y − 0) · exp(0 − ½ log(1 + eps)) is not bit-exact: eps = 1e-5 changes the scale by 5e-6.
      r.output.dataSync().forEach((v, i) => expect(Math.abs(v - t.dataSync()[i])).toBeLessThan(1e-4));
      tf.dispose(r);
    }
    t.dispose();
    bn.dispose();
  });

  it('training-mode inverse normalises by the batch statistics and updates the running ones with momentum', () => {
    const bn = new BatchNorm(2, { momentum: 0.8, training: true });
    const { t, values } = data('train', 50);
    const stats = moments64(values, 2);
    const r = bn.inverse(t);
    const out = moments64(r.output.dataSync(), 2);
    let ld = 0;
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(out.mean[j])).toBeLessThan(1e-5);
      expect(Math.abs(out.variance[j] - stats.variance[j] / (stats.variance[j] + 1e-5))).toBeLessThan(1e-5);
      ld -= 0.5 * Math.log(stats.variance[j] + 1e-5);
    }
    r.logDet.dataSync().forEach((v) => expect(Math.abs(v - ld)).toBeLessThan(1e-5));
    const rm = bn.runningMean.dataSync();
    const rv = bn.runningVar.dataSync();
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(rm[j] - 0.2 * stats.mean[j])).toBeLessThan(1e-5);
      expect(Math.abs(rv[j] - (0.8 + 0.2 * stats.variance[j]))).toBeLessThan(1e-5);
    }
    tf.dispose([t, r]);
    bn.dispose();
  });

  it('forward uses the running statistics in both modes; in evaluation mode the inverse does too and the two are exact inverses', () => {
    const bn = new BatchNorm(2, { training: true, momentum: 0 }); // momentum 0: running = last batch
    const { t } = data('modes', 40);
    tf.dispose(bn.inverse(t)); // sets running statistics to this batch's
    const z = tf.tensor2d([[0.5, -1], [2, 0.3], [-0.7, 1.1]]);
    const fTrain = bn.forward(z);
    bn.training = false;
    const fEval = bn.forward(z);
    expect(Array.from(fTrain.output.dataSync())).toEqual(Array.from(fEval.output.dataSync()));
    const back = bn.inverse(fEval.output);
    back.output.dataSync().forEach((v, i) => expect(Math.abs(v - z.dataSync()[i])).toBeLessThan(1e-5));
    back.logDet.dataSync().forEach((v, i) => expect(Math.abs(v + fEval.logDet.dataSync()[i])).toBeLessThan(1e-5));
    // Evaluation mode leaves the running statistics alone.
    const before = Array.from(bn.runningMean.dataSync());
    tf.dispose(bn.inverse(z));
    expect(Array.from(bn.runningMean.dataSync())).toEqual(before);
    tf.dispose([t, z, fTrain, fEval, back]);
    bn.dispose();
  });

  it('gives gradients through the batch statistics in training mode', () => {
    const bn = new BatchNorm(2, { training: true });
    const { t } = data('grad', 16);
    // d/dy Σ_b z[b, 0] with batch mean: the mean term cancels the per-example one, so the sum is 0.
    const g = tf.grad((y: tf.Tensor) => tf.sum(tf.slice(bn.inverse(y as tf.Tensor2D).output, [0, 0], [-1, 1])))(t);
    g.dataSync().forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-5));
    tf.dispose([t, g]);
    bn.dispose();
  });

  it('setTraining switches every BatchNorm in a flow; training needs 2 rows', () => {
    const layers = [new BatchNorm(2), new BatchNorm(2)];
    const flow = new Flow(new StandardNormal(2), new Chain(layers));
    expect(setTraining(flow, true)).toBe(2);
    expect(layers.every((l) => l.training)).toBe(true);
    expect(() => layers[0].inverse(tf.tensor2d([[1, 2]]))).toThrow(ValidationError);
    expect(setTraining(flow.bijector, false)).toBe(2);
    expect(layers.some((l) => l.training)).toBe(false);
    expect(() => setTraining(flow, 'yes' as never)).toThrow(ValidationError);
    expect(() => new BatchNorm(2, { momentum: 1.5 })).toThrow(/≤ 1/);
    flow.dispose();
  });
});
