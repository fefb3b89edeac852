import { describe, expect, it } from 'vitest';
import {
  Chain, Exp, Invert, Logit, NotInvertibleError, Permute, Reverse, Scale, Shift, Sigmoid, Softplus, Tanh,
  ValidationError, tf,
} from '../../src/index.js';

const xs = [-8, -3, -0.7, 0, 0.4, 2.5, 7];
const grid = tf.tensor2d(xs, [xs.length, 1]);

function forward(b: { forward: (x: tf.Tensor2D) => { output: tf.Tensor2D; logDet: tf.Tensor1D } }, x = grid) {
  const r = b.forward(x);
  const out = { y: Array.from(r.output.dataSync()), ld: Array.from(r.logDet.dataSync()) };
  tf.dispose(r);
  return out;
}

// Float64 derivatives written out by hand.
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('elementwise log-dets equal the log of the derivative', () => {
  it('Sigmoid: log σ(x)(1 − σ(x))', () => {
    const { y, ld } = forward(new Sigmoid());
    xs.forEach((x, i) => {
      expect(y[i]).toBeCloseTo(sigmoid(x), 6);
      expect(ld[i]).toBeCloseTo(Math.log(sigmoid(x) * (1 - sigmoid(x))), 5);
    });
  });

  it('Logit: −log x(1 − x) on (0, 1)', () => {
    const us = [0.001, 0.1, 0.5, 0.77, 0.999];
    const { y, ld } = forward(new Logit(), tf.tensor2d(us, [us.length, 1]));
    us.forEach((u, i) => {
      expect(y[i]).toBeCloseTo(Math.log(u / (1 - u)), 4);
      expect(ld[i]).toBeCloseTo(-Math.log(u * (1 - u)), 4);
    });
  });

  it('Tanh: log(1 − tanh² x), stable where tanh saturates', () => {
    const { y, ld } = forward(new Tanh());
    xs.forEach((x, i) => {
      expect(y[i]).toBeCloseTo(Math.tanh(x), 6);
      // 1 − tanh² x = 4 / (eˣ + e⁻ˣ)², exact in float64 even at x = ±8.
      expect(ld[i]).toBeCloseTo(Math.log(4) - 2 * Math.log(Math.exp(x) + Math.exp(-x)), 4);
    });
  });

  it('Softplus: log σ(x)', () => {
    const { y, ld } = forward(new Softplus());
    xs.forEach((x, i) => {
      expect(y[i]).toBeCloseTo(Math.log1p(Math.exp(x)), 5);
      expect(ld[i]).toBeCloseTo(Math.log(sigmoid(x)), 5);
    });
  });

  it('Exp: x', () => {
    const { ld } = forward(new Exp());
    xs.forEach((x, i) => expect(ld[i]).toBeCloseTo(x, 6));
  });

  it('Scale: Σ log scale per example; Shift: 0', () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    expect(forward(new Scale([2, 5]), x).ld).toEqual([Math.fround(Math.log(10)), Math.fround(Math.log(10))].map((v) => expect.closeTo(v, 6)));
    expect(forward(new Scale(3), x).ld[0]).toBeCloseTo(2 * Math.log(3), 6);
    expect(forward(new Shift([1, 1]), x).ld).toEqual([0, 0]);
  });
});

describe('composition and structure', () => {
  it('Chain([f, g]) is f ∘ g: forward applies g first (TFP order)', () => {
    const { y, ld } = forward(new Chain([new Exp(), new Shift(1)]));
    xs.forEach((x, i) => {
      expect(y[i]).toBeCloseTo(Math.exp(x + 1), 2);
      expect(ld[i]).toBeCloseTo(x + 1, 5); // log d/dx exp(x + 1)
    });
    const { y: y2 } = forward(new Chain([new Shift(1), new Exp()]));
    xs.forEach((x, i) => expect(y2[i]).toBeCloseTo(Math.exp(x) + 1, 2));
  });

  it('Permute: y[:, i] = x[:, p[i]], and Reverse reverses', () => {
    const x = tf.tensor2d([[10, 11, 12]]);
    expect(forward(new Permute([2, 0, 1]), x).y).toEqual([12, 10, 11]);
    expect(forward(new Reverse(), x).y).toEqual([12, 11, 10]);
  });

  it('Permute.random is seeded, and Permute checks its argument', () => {
    expect(Permute.random(8, 3).permutation).toEqual(Permute.random(8, 3).permutation);
    expect([...Permute.random(8, 3).permutation].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => new Permute([0, 0, 1])).toThrow(ValidationError);
    expect(() => new Permute([0, 2])).toThrow(/permutation of 0, 1, …, dim − 1/);
  });

  it('Invert swaps the directions and their log-dets', () => {
    const inv = new Invert(new Sigmoid());
    const u = tf.tensor2d([[0.2], [0.9]]);
    const a = inv.forward(u);
    const b = new Logit().forward(u);
    expect(Array.from(a.output.dataSync())).toEqual(Array.from(b.output.dataSync()).map((v) => expect.closeTo(v, 6)));
    expect(Array.from(a.logDet.dataSync())).toEqual(Array.from(b.logDet.dataSync()).map((v) => expect.closeTo(v, 6)));
    tf.dispose([u, a, b]);
  });
});

describe('domains and bad arguments', () => {
  it('Logit rejects inputs outside (0, 1), naming the value and position', () => {
    const x = tf.tensor2d([[0.5, 0.2], [1.5, 0.1]]);
    expect(() => new Logit().forward(x)).toThrow(/Logit.forward: argument 'x' must be values in the open interval \(0, 1\); got 1.5 at row 1, column 0/);
    x.dispose();
  });

  it('inverses of Exp, Softplus, Sigmoid, Tanh reject values outside their range', () => {
    const bad = tf.tensor2d([[-1]]);
    const one = tf.tensor2d([[1]]);
    expect(() => new Exp().inverse(bad)).toThrow(ValidationError);
    expect(() => new Softplus().inverse(bad)).toThrow(ValidationError);
    expect(() => new Sigmoid().inverse(one)).toThrow(ValidationError);
    expect(() => new Tanh().inverse(one)).toThrow(ValidationError);
    tf.dispose([bad, one]);
  });

  it('checks shapes: rank, dimension, and context on conditional bijectors', () => {
    const b = new Shift([1, 2]);
    expect(() => b.forward(tf.zeros([3]) as unknown as tf.Tensor2D)).toThrow(/Shift.forward: argument 'x' must be a 2D tensor \[batch, 2\]; got a tensor of shape \[3\]/);
    expect(() => b.forward(tf.zeros([3, 3]) as tf.Tensor2D)).toThrow(/got shape \[3, 3\]/);
    expect(() => new Scale([1, -2])).toThrow(/argument 'scale\[1\]' must be a finite number > 0; got -2/);
  });

  it('Chain refuses members of different dimensions', () => {
    expect(() => new Chain([new Shift([1, 2]), new Shift([1, 2, 3])])).toThrow(/bijectors of one dimension; got dimensions 2, 3/);
  });

  it('a forward-only member makes the chain non-invertible with a clear error', () => {
    class ForwardOnly extends Shift {
      override readonly inverseKind = 'none' as const;
    }
    const c = new Chain([new ForwardOnly(1)]);
    expect(() => c.inverse(tf.zeros([1, 1]) as tf.Tensor2D)).toThrow(NotInvertibleError);
  });
});
