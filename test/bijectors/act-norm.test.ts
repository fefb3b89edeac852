import { describe, expect, it } from 'vitest';
import { ActNorm, Rng, ValidationError, bijectorFromConfig, tf } from '../../src/index.js';
import { columnMoments } from '../helpers/math.js';

/** Per-column mean and biased variance in float64. */
const moments64 = (v: ArrayLike<number>, cols: number) => columnMoments(v, cols, { biased: true });

/** A batch with per-column location and spread far from (0, 1). */
function batch(seed: string, n: number): { t: tf.Tensor2D; values: Float32Array } {
  const rng = new Rng(seed);
  const loc = [5, -3, 0.5];
  const sd = [10, 0.1, 2];
  const values = Float32Array.from({ length: n * 3 }, (_, i) => loc[i % 3] + sd[i % 3] * rng.normal());
  return { t: tf.tensor2d(values, [n, 3]), values };
}

describe('ActNorm', () => {
  it.each(['inverse', 'forward'] as const)('initialises on the first %s batch so that its outputs have mean 0 and variance 1', (dir) => {
    const norm = new ActNorm(3);
    expect(norm.isInitialized).toBe(false);
    const { t, values } = batch(`an-${dir}`, 64);
    const r = norm[dir](t);
    const stats = moments64(values, 3);
    const out = moments64(r.output.dataSync(), 3);
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(out.mean[j])).toBeLessThan(1e-5);
      // Exactly var / (var + eps) in real arithmetic: 1 − 1e-4 for the column with sd 0.1.
      const v = stats.variance[j];
      expect(Math.abs(out.variance[j] - v / (v + 1e-6))).toBeLessThan(1e-5);
    }
    // The weights hold the batch statistics (float64 reference), and the log-det is that of the map applied.
    const logStd = stats.variance.map((v) => 0.5 * Math.log(v + 1e-6));
    const expectedLogScale = dir === 'inverse' ? logStd : logStd.map((l) => -l);
    norm.logScale.dataSync().forEach((v, j) => expect(Math.abs(v - expectedLogScale[j])).toBeLessThan(1e-4));
    const ld = dir === 'inverse' ? -expectedLogScale.reduce((a, b) => a + b) : expectedLogScale.reduce((a, b) => a + b);
    r.logDet.dataSync().forEach((v) => expect(Math.abs(v - ld)).toBeLessThan(1e-4));
    expect(norm.isInitialized).toBe(true);
    expect(norm.initialized.dataSync()[0]).toBe(1);
    tf.dispose([t, r]);
    norm.dispose();
  });

  it('initialises once: a second batch does not move the weights', () => {
    const norm = new ActNorm(3);
    const a = batch('first', 32);
    const b = batch('second', 32);
    tf.dispose(norm.inverse(a.t));
    const before = Array.from(norm.shift.dataSync());
    tf.dispose(norm.inverse(tf.mul(b.t, 7) as tf.Tensor2D));
    expect(Array.from(norm.shift.dataSync())).toEqual(before);
    tf.dispose([a.t, b.t]);
    norm.dispose();
  });

  it('keeps its initialisation through config + weights (the flag is a non-trainable weight)', () => {
    const norm = new ActNorm(3);
    const a = batch('save', 32);
    tf.dispose(norm.inverse(a.t));
    expect(norm.weights.map((w) => [w.name, w.trainable])).toEqual([['shift', true], ['logScale', true], ['initialized', false]]);
    const copy = bijectorFromConfig(norm.serialize()) as ActNorm;
    copy.setWeights(Object.fromEntries(norm.weights.map((w) => [w.name, w.variable])));
    expect(copy.isInitialized).toBe(true);
    const other = batch('other', 16);
    const x = copy.inverse(other.t);
    const y = norm.inverse(other.t);
    expect(Array.from(x.output.dataSync())).toEqual(Array.from(y.output.dataSync()));
    tf.dispose([a.t, other.t, x, y]);
    norm.dispose();
    copy.dispose();
  });

  it('needs at least two rows to initialise, and rejects bad options', () => {
    const norm = new ActNorm(2);
    const one = tf.tensor2d([[1, 2]]);
    expect(() => norm.inverse(one)).toThrow(ValidationError);
    expect(norm.isInitialized).toBe(false);
    expect(() => new ActNorm(2, { eps: -1 })).toThrow(/≥ 0/);
    one.dispose();
    norm.dispose();
  });

  it('initialising inside a gradient tape gives gradients for shift and logScale', () => {
    const norm = new ActNorm(3);
    const a = batch('tape', 16);
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.mean(norm.inverse(a.t).logDet) as tf.Scalar));
    expect(norm.isInitialized).toBe(true);
    // d mean(logDet) / d logScale = −1 per dimension; the shift does not enter the log-det.
    expect(Array.from(grads[norm.logScale.name].dataSync())).toEqual([-1, -1, -1]);
    tf.dispose([value, ...Object.values(grads), a.t]);
    norm.dispose();
  });
});
