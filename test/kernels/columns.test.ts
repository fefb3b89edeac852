import '@tensorflow/tfjs-backend-wasm'; // registered even when TFJS_FLOWS_BACKEND=cpu
import { describe, expect, it } from 'vitest';
import { Rng, ValidationError, tf } from '../../src/index.js';
import { putColumns, takeColumns } from '../../src/kernels/columns.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

const R = 37;
const C = 5;
const values = (seed: string, n: number) => Array.from(new Rng(seed).normals(n));

describe.each(KERNEL_BACKENDS)('column kernels on %s', (backend) => {
  useBackend(backend);
  it('takeColumns(x, c)[i, j] = x[i, c[j]] and putColumns replaces exactly the listed columns', () => {
    const xs = values('x', R * C);
    const cols = [3, 0, 4];
    const vs = values('v', R * cols.length);
    const x = tf.tensor2d(xs, [R, C]);
    const v = tf.tensor2d(vs, [R, cols.length]);
    const taken = takeColumns(x, cols);
    expect(taken.shape).toEqual([R, 3]);
    const t = taken.dataSync();
    for (let i = 0; i < R; i++) cols.forEach((c, j) => expect(t[i * 3 + j]).toBe(Math.fround(xs[i * C + c])));
    const put = putColumns(x, v, cols);
    const p = put.dataSync();
    for (let i = 0; i < R; i++) {
      for (let c = 0; c < C; c++) {
        const j = cols.indexOf(c);
        expect(p[i * C + c]).toBe(Math.fround(j < 0 ? xs[i * C + c] : vs[i * 3 + j]));
      }
    }
    tf.dispose([x, v, taken, put]);
  });

  it('gradients are the adjoint copies: ∂/∂x Σ w ⊙ take(x) puts w in the columns, and put splits its gradient', () => {
    const cols = [1, 3];
    const x = tf.tensor2d(values('gx', R * C), [R, C]);
    const v = tf.tensor2d(values('gv', R * 2), [R, 2]);
    const w2 = tf.tensor2d(values('w2', R * 2), [R, 2]);
    const w5 = tf.tensor2d(values('w5', R * C), [R, C]);
    const gTake = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(takeColumns(xi as tf.Tensor2D, cols), w2)))(x);
    const [gx, gv] = tf.grads((xi: tf.Tensor, vi: tf.Tensor) => tf.sum(tf.mul(putColumns(xi as tf.Tensor2D, vi as tf.Tensor2D, cols), w5)))([x, v]);
    const a = w2.dataSync();
    const b = w5.dataSync();
    const [g1, g2, g3] = [gTake.dataSync(), gx.dataSync(), gv.dataSync()];
    for (let i = 0; i < R; i++) {
      for (let c = 0; c < C; c++) {
        const j = cols.indexOf(c);
        expect(g1[i * C + c]).toBe(j < 0 ? 0 : a[i * 2 + j]);
        expect(g2[i * C + c]).toBe(j < 0 ? b[i * C + c] : 0);
      }
      cols.forEach((c, j) => expect(g3[i * 2 + j]).toBe(b[i * C + c]));
    }
    tf.dispose([x, v, w2, w5, gTake, gx, gv]);
  });

  it('leaves no tensors behind and rejects bad columns with a ValidationError', () => {
    const x = tf.tensor2d(values('l', 4 * 3), [4, 3]);
    expectNoLeak(() => takeColumns(x, [2]));
    expectNoLeak(() => tf.tidy(() => putColumns(x, takeColumns(x, [0, 1]), [1, 0])));
    expect(() => takeColumns(x, [3])).toThrow(ValidationError);
    expect(() => takeColumns(x, [1, 1])).toThrow(ValidationError);
    expect(() => putColumns(x, tf.zeros([4, 2]) as tf.Tensor2D, [0])).toThrow(/putColumns.*values/);
    tf.dispose(x);
  });
});
