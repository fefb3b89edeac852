import { describe, expect, it } from 'vitest';
import { scaleGradient, stopGradient, tf } from '../../src/index.js';
import { expectNoLeak } from '../helpers/leaks.js';

describe('stopGradient and scaleGradient', () => {
  it('stopGradient: identity in value, zero gradient: d/dx Σ x·sg(x²) = x² (not 3x²)', () => {
    const x = tf.tensor1d([-1.5, 0.5, 2]);
    const [value, grad] = tf.tidy(() => {
      const f = (t: tf.Tensor) => tf.sum(tf.mul(t, stopGradient(tf.square(t))));
      return [f(x), tf.grad(f)(x)];
    });
    expect(value.dataSync()[0]).toBeCloseTo(-3.375 + 0.125 + 8, 5);
    Array.from(grad.dataSync()).forEach((g, i) => expect(g).toBeCloseTo([2.25, 0.25, 4][i], 5));
    tf.dispose([x, value, grad]);
  });

  it('scaleGradient(x, c): identity in value, gradient times c, for variables too', () => {
    const v = tf.variable(tf.tensor1d([1, -2]));
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(scaleGradient(v, 0.25))) as tf.Scalar, [v]);
    expect(value.dataSync()[0]).toBeCloseTo(5, 6);
    // d/dv Σ v² = 2v, scaled by 0.25.
    expect(Array.from(grads[v.name].dataSync())).toEqual([0.5, -1]);
    tf.dispose([value, grads[v.name], v]);
  });

  it('leaves no tensors behind, with and without a tape', () => {
    const x = tf.tensor1d([1, 2, 3]);
    expectNoLeak(() => stopGradient(x));
    expectNoLeak(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t, scaleGradient(t, 3))))(x));
    x.dispose();
  });
});
