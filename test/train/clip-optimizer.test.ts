import { describe, expect, it } from 'vitest';
import { tf } from '../../src/index.js';
import { clipByGlobalNorm, globalNorm, globalNormValue } from '../../src/train/clip.js';
import { useBackend } from '../helpers/backends.js';
import { adam } from '../../src/train/optimizer.js';
import { expectNoLeak } from '../helpers/leaks.js';

describe('clipByGlobalNorm', () => {
  const a = [3, 0, -4];
  const b = [[12, 0]];
  // ‖(3, 0, −4, 12, 0)‖ = 13.

  it('computes the global norm over all tensors and rescales them together', () => {
    const g = [tf.tensor1d(a), tf.tensor2d(b)];
    const norm = globalNorm(g);
    expect(norm.dataSync()[0]).toBeCloseTo(13, 5);
    const clipped = clipByGlobalNorm(g, norm, 6.5);
    expect(Array.from(clipped[0].dataSync())).toEqual([1.5, 0, -2]);
    expect(Array.from(clipped[1].dataSync())).toEqual([6, 0]);
    const loose = clipByGlobalNorm(g, norm, 100);
    expect(Array.from(loose[0].dataSync())).toEqual(a);
    tf.dispose([...g, norm, ...clipped, ...loose]);
  });

  it('gives a non-finite norm when any gradient value is non-finite, and leaks nothing', () => {
    const g = [tf.tensor1d([1, NaN]), tf.tensor1d([1])];
    const norm = globalNorm(g);
    expect(Number.isNaN(norm.dataSync()[0])).toBe(true);
    expectNoLeak(() => {
      const n = globalNorm(g);
      const c = clipByGlobalNorm(g, n, 1);
      return [n, ...c];
    });
    tf.dispose([...g, norm]);
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`globalNormValue on ${backend}`, () => {
    useBackend(backend);
    it('is the float64 norm of every value, NaN or infinite when any value is, and leaks nothing', () => {
      const values = [Array.from({ length: 37 }, (_, i) => Math.sin(i) * 1e3), [1e-4, -2.5]];
      const g = [tf.tensor2d(values[0], [37, 1]), tf.tensor1d(values[1])];
      const exact = Math.sqrt(values.flat().map((x) => Math.fround(x) ** 2).reduce((s, x) => s + x, 0));
      expect(Math.abs(globalNormValue(g)! - exact)).toBeLessThanOrEqual(1e-12 * exact);
      expect(tf.tidy(() => globalNormValue([tf.tensor1d([3, 0, -4]), tf.tensor2d([[12, 0]])])!)).toBe(13);
      expect(tf.tidy(() => globalNormValue([g[0], tf.tensor1d([1, NaN])])!)).toBeNaN();
      expect(tf.tidy(() => globalNormValue([tf.tensor1d([Infinity])])!)).toBe(Infinity);
      // Clipping by the number: gᵢ · 100/‖g‖ within float32 rounding.
      const a = clipByGlobalNorm(g, globalNormValue(g)!, 100);
      a.forEach((t, i) => Array.from(t.dataSync()).forEach((x, j) => {
        const want = Math.fround(values[i][j]) * (100 / exact);
        expect(Math.abs(x - want)).toBeLessThanOrEqual(2 ** -23 * Math.abs(want));
      }));
      expectNoLeak(() => void globalNormValue(g));
      tf.dispose([...g, ...a]);
    });
  });
}

describe('adam', () => {
  it.each([true, false])('matches a float64 reference of Adam with bias correction over several steps at changing rates (fused %s)', async (fused) => {
    const [b1, b2, eps] = [0.9, 0.99, 1e-8];
    const theta = [0.5, -1.5, 2];
    const v = tf.variable(tf.tensor1d(theta));
    const opt = adam({ beta1: b1, beta2: b2, epsilon: eps, fused });
    const ref = [...theta];
    const m = [0, 0, 0];
    const s = [0, 0, 0];
    const c = [1, 3, 0.5];
    for (let t = 1; t <= 6; t++) {
      const lr = 0.1 / t;
      // Gradient of Σ cᵢ θᵢ² at the current (float32) parameters.
      const cur = Array.from(v.dataSync());
      const g = cur.map((x, i) => 2 * c[i] * x);
      const gt = tf.tensor1d(g);
      opt.applyGradients([v], [gt], lr);
      gt.dispose();
      for (let i = 0; i < 3; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        s[i] = b2 * s[i] + (1 - b2) * g[i] ** 2;
        ref[i] = cur[i] - (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(s[i] / (1 - b2 ** t)) + eps);
      }
      Array.from(v.dataSync()).forEach((x, i) => expect(Math.abs(x - ref[i])).toBeLessThan(1e-6));
    }
    const before = tf.memory().numTensors;
    opt.dispose();
    // tf.train.adam holds m and v as tensors; the fused one holds none and forgets its slots.
    if (fused) expect((await opt.getState()).slots).toEqual([]);
    else expect(tf.memory().numTensors).toBeLessThan(before);
    v.dispose();
  });

  it('rejects bad constants', () => {
    expect(() => adam({ beta1: 1 })).toThrow(/beta1/);
    expect(() => adam({ lr: 1 } as never)).toThrow(/unknown option "lr"/);
  });
});
