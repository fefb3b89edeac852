import { describe, expect, it } from 'vitest';
import { Dense, MLP, Rng, ValidationError, denseOp, tf } from '../../src/index.js';
import { expectNoLeak } from '../helpers/leaks.js';

function randomTensor(rng: Rng, shape: [number, number]): tf.Tensor2D {
  return tf.tensor2d(rng.normals(shape[0] * shape[1]), shape);
}

describe('denseOp (custom gradient)', () => {
  it('matches x·(W⊙M) + b and the built-in gradients of the same expression', () => {
    const rng = new Rng('dense');
    const x = randomTensor(rng, [7, 5]);
    const w = randomTensor(rng, [5, 3]);
    const b = tf.tensor1d(rng.normals(3));
    const mask = tf.tensor2d(Float32Array.from({ length: 15 }, (_, i) => (i % 3 === 0 ? 0 : 1)), [5, 3]);
    const weights = tf.tensor2d(rng.normals(21), [7, 3]); // a non-uniform upstream gradient
    for (const m of [null, mask]) {
      const custom = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(denseOp(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, m), weights));
      const plain = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(tf.add(tf.matMul(xx as tf.Tensor2D, (m ? tf.mul(ww, m) : ww) as tf.Tensor2D), bb), weights));
      const gc = tf.grads(custom)([x, w, b]);
      const gp = tf.grads(plain)([x, w, b]);
      expect(custom(x, w, b).dataSync()[0]).toBeCloseTo(plain(x, w, b).dataSync()[0], 4);
      for (let i = 0; i < 3; i++) {
        const a = gc[i].dataSync();
        const e = gp[i].dataSync();
        expect(a.length).toBe(e.length);
        for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - e[j])).toBeLessThan(1e-5);
      }
      // With the mask, masked kernel entries get exactly zero gradient.
      if (m) gc[1].dataSync().forEach((g, j) => j % 3 === 0 && expect(Math.abs(g)).toBe(0));
      tf.dispose([...gc, ...gp]);
    }
    tf.dispose([x, w, b, mask, weights]);
  });

  it('leaks nothing under a gradient tape inside a nested tidy', () => {
    const layer = new Dense(4, 3, new Rng(1));
    const x = tf.ones([2, 4]) as tf.Tensor2D;
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.sum(layer.apply(x)) as tf.Scalar));
      return [value, ...Object.values(grads)];
    });
    x.dispose();
    layer.dispose();
  });
});

describe('Dense initialisation', () => {
  it('is seeded: same seed, same kernel; uniform (default), He and Glorot have the stated spread', () => {
    const a = new Dense(200, 100, new Rng('s'), { init: 'he' });
    const b = new Dense(200, 100, new Rng('s'), { init: 'he' });
    const c = new Dense(200, 100, new Rng('s'), { init: 'glorot' });
    const ka = a.kernel.dataSync();
    expect(Array.from(b.kernel.dataSync())).toEqual(Array.from(ka));
    const sd = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0) / v.length);
    // 20 000 draws: relative standard error of a standard deviation ≈ 0.5 %, so 3 % is a wide margin.
    expect(sd(ka) / Math.sqrt(2 / 200)).toBeGreaterThan(0.97);
    expect(sd(ka) / Math.sqrt(2 / 200)).toBeLessThan(1.03);
    const limit = Math.sqrt(6 / 300);
    const kc = c.kernel.dataSync();
    expect(Math.max(...kc)).toBeLessThanOrEqual(limit);
    expect(Math.min(...kc)).toBeGreaterThanOrEqual(-limit);
    expect(sd(kc) / (limit / Math.sqrt(3))).toBeGreaterThan(0.97);
    expect(Array.from(a.bias.dataSync()).every((v) => v === 0)).toBe(true);
    // The default, PyTorch's nn.Linear init: kernel and bias uniform on ±1/√fanIn.
    const d = new Dense(200, 100, new Rng('s'));
    const kd = d.kernel.dataSync();
    const bd = d.bias.dataSync();
    const u = 1 / Math.sqrt(200);
    expect(Math.max(...kd, ...bd)).toBeLessThanOrEqual(u);
    expect(Math.min(...kd, ...bd)).toBeGreaterThanOrEqual(-u);
    expect(sd(kd) / (u / Math.sqrt(3))).toBeGreaterThan(0.97);
    expect(sd(kd) / (u / Math.sqrt(3))).toBeLessThan(1.03);
    expect(sd(bd) / (u / Math.sqrt(3))).toBeGreaterThan(0.7); // 100 draws: a loose bound that still rules out zeros
    [a, b, c, d].forEach((l) => l.dispose());
  });
});

describe('MLP', () => {
  it('starts with an all-zero output (last layer zero) and its context changes the output once trained', () => {
    const net = new MLP(3, 4, { hidden: [8, 8], contextDim: 2, seed: 5 });
    const x = tf.tensor2d([[1, 2, 3], [-1, 0.5, 2]]);
    const c1 = tf.tensor2d([[0, 0], [0, 0]]);
    const c2 = tf.tensor2d([[1, -1], [2, 3]]);
    const out = tf.tidy(() => net.apply(x, c1));
    expect(Array.from(out.dataSync()).every((v) => v === 0)).toBe(true);
    const rng = new Rng('mlp');
    net.setWeights(Object.fromEntries(net.weights.map((w) => [w.name, rng.normals(w.variable.size)])));
    const a = tf.tidy(() => net.apply(x, c1)).dataSync();
    const b = tf.tidy(() => net.apply(x, c2)).dataSync();
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeGreaterThan(1e-3);
    expect(net.weights.map((w) => w.name)).toEqual(['0/kernel', '0/bias', '1/kernel', '1/bias', '2/kernel', '2/bias']);
    tf.dispose([x, c1, c2, out]);
    net.dispose();
  });

  it('rejects bad options with ValidationError', () => {
    expect(() => new MLP(2, 2, { hidden: [0] })).toThrow(ValidationError);
    expect(() => new MLP(2, 2, { hidden: [] })).toThrow(/non-empty array/);
    expect(() => new MLP(2, 2, { activation: 'gelu' as never })).toThrow(/one of relu/);
    expect(() => new MLP(2, 2, { hiden: [3] } as never)).toThrow(/unknown option "hiden"/);
    expect(() => new MLP(0, 2)).toThrow(/at least one input/);
  });
});
