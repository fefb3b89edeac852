/**
 * src/tf.ts: tfjs-core alone registers no gradients and no chained ops under Node; `#tf-gradients`
 * must register all of them, once, into the one engine the library computes with.
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';

// Kernels whose gradients the flows' tape paths use (tf.gather's is deliberately absent from the flows).
const KERNELS = [
  'BatchMatMul', 'Sum', 'Mean', 'Max', 'Exp', 'Log', 'Log1p', 'Softplus', 'Tanh', 'Sigmoid', 'Relu', 'Sqrt', 'Square',
  'Abs', 'Add', 'AddN', 'Sub', 'Multiply', 'RealDiv', 'Neg', 'Concat', 'Slice', 'Reshape',
  'Transpose', 'Cast', 'Maximum', 'Minimum', 'Select', 'Pow', 'Erf', 'Cumsum', 'Tile', 'Pack', 'Unpack', 'SplitV',
];

describe('TF.js as the library imports it (tfjs-core + cpu backend + #tf-gradients)', () => {
  it('has a gradient registered for every kernel the flows differentiate through', () => {
    const missing = KERNELS.filter((k) => !tf.getGradient(k));
    expect(missing).toEqual([]);
  });

  it('computes d/dx Σ (xW)² = 2 (xW) Wᵀ through the registered MatMul and Sum gradients', () => {
    const W = tf.tensor2d([[0.5, -1.2], [0.8, 0.3]]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, W))))(tf.tensor2d([[1, 2]]));
    const xw = [0.5 + 1.6, -1.2 + 0.6];
    const expected = [2 * (xw[0]! * 0.5 + xw[1]! * -1.2), 2 * (xw[0]! * 0.8 + xw[1]! * 0.3)];
    Array.from(g.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 5));
    tf.dispose([W, g]);
  });

  it('has the chained ops users of tf expect (t.square(), t.sum())', () => {
    const t = tf.tensor1d([1, -2, 3]);
    const s = t.square().sum();
    expect(s.dataSync()[0]).toBe(14);
    tf.dispose([t, s]);
  });
});
