import { describe, expect, it } from 'vitest';
import { Chain, DiagNormal, Flow, Scale, Shift, Softplus, StandardNormal, ValidationError, tf } from '../src/index.js';
import { ContextShift } from './helpers/context-shift.js';
import { expectNoLeak } from './helpers/leaks.js';
import { columnMoments, gaussianLogPdf } from './helpers/math.js';

const mean = [1, -2];
const sd = [3, 0.5];
// x = mean + sd · z: Chain([Shift, Scale]) applies Scale first.
const gaussianFlow = () => new Flow(new StandardNormal(2), new Chain([new Shift(mean), new Scale(sd)]));
const xs = [[1, -2], [0, 0], [7, -1.5], [-4, -3]];

function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

describe('Flow', () => {
  it('a Shift/Scale flow over StandardNormal has the Gaussian density', () => {
    const lp = values(gaussianFlow().logProb(xs));
    xs.forEach((x, i) => expect(lp[i]).toBeCloseTo(gaussianLogPdf(x, mean, sd), 4));
  });

  it('accepts number[][], { data, shape } and tensors alike', () => {
    const f = gaussianFlow();
    const a = values(f.logProb(xs));
    const b = values(f.logProb({ data: new Float64Array(xs.flat()), shape: [4, 2] }));
    const t = tf.tensor2d(xs);
    const c = values(f.logProb(t));
    expect(t.isDisposed).toBe(false); // the caller's tensor is the caller's
    t.dispose();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('samples have the pushed-forward moments, and the same seed gives the same samples', () => {
    const f = gaussianFlow();
    const n = 20000;
    const s = f.sample(n, { seed: 'moments' });
    const { mean: m, variance: v } = columnMoments(s.dataSync(), 2);
    mean.forEach((mu, j) => expect(Math.abs(m[j] - mu)).toBeLessThan((4 * sd[j]) / Math.sqrt(n)));
    sd.forEach((s2, j) => expect(Math.abs(v[j] / (s2 * s2) - 1)).toBeLessThan(4 * Math.sqrt(2 / n)));
    expect(values(f.sample(5, { seed: 3 }))).toEqual(values(f.sample(5, { seed: 3 })));
    expect(values(f.sample(5, { seed: 3 }))).not.toEqual(values(f.sample(5, { seed: 4 })));
    s.dispose();
  });

  it('sampleAndLogProb gives the same log-density as logProb on its samples (no inverse used)', () => {
    const f = new Flow(new DiagNormal(2, { loc: [0.3, 0], scale: [1, 2] }), new Chain([new Shift(mean), new Softplus(), new Scale(sd)]));
    const { samples, logProb } = f.sampleAndLogProb(64, { seed: 1 });
    const again = values(f.logProb(samples));
    values(logProb).forEach((lp, i) => expect(lp).toBeCloseTo(again[i], 3));
    samples.dispose();
  });

  it('standardize keeps logProb in data units and can be removed', () => {
    // The same inner flow with and without standardisation x = mean + sd · u.
    const inner2 = () => new Chain([new Shift([0.1, 0.2]), new Scale([2, 3])]);
    const f = new Flow(new StandardNormal(2), inner2());
    const plain = new Flow(new StandardNormal(2), inner2());
    f.standardize({ mean, std: sd });
    expect(f.standardization).toEqual({ mean, std: sd });
    const u = xs.map((x) => x.map((v, j) => (v - mean[j]) / sd[j]));
    const inner = values(plain.logProb(u));
    const outer = values(f.logProb(xs));
    const logJ = Math.log(sd[0]) + Math.log(sd[1]);
    outer.forEach((lp, i) => expect(lp).toBeCloseTo(inner[i] - logJ, 4));
    expect(f.serialize().standardization).toEqual({ mean, std: sd });
    const { states, names } = f.forwardStates([[0, 0]]);
    expect(names).toEqual(['base', 'Scale', 'Shift', 'Scale', 'Shift']);
    // z = 0 → u = (0.1, 0.2) → x = mean + sd · u
    expect(values(states[states.length - 1])).toEqual([mean[0] + sd[0] * 0.1, mean[1] + sd[1] * 0.2].map((m) => expect.closeTo(m, 5)));
    tf.dispose(states);
    f.standardize(null);
    expect(values(f.logProb(u))).toEqual(inner);
  });

  it('conditional flows need their context, accept a broadcast context for sampling, and refuse it when unconditional', () => {
    const f = new Flow(new StandardNormal(2), new ContextShift(2, 1, { start: 'ramp' }));
    expect(() => f.logProb(xs)).toThrow(/Flow.logProb: argument 'context' must be a matrix \[4, 1\] \(this flow is conditional\); got none/);
    expect(() => f.logProb(xs, [[1], [2]])).toThrow(/context' must be a matrix \[4, 1\] with 4 rows/);
    expect(() => f.logProb(xs, [[1, 2], [1, 2], [1, 2], [1, 2]])).toThrow(/with 1 columns; got 2 columns/);
    const lp0 = values(f.logProb(xs, [[0], [0], [0], [0]]));
    const lp1 = values(f.logProb(xs, [[1], [1], [1], [1]]));
    expect(lp0).not.toEqual(lp1);
    const s = f.sample(3, { seed: 1, context: [[10]] });
    expect(s.shape).toEqual([3, 2]);
    s.dispose();
    expect(() => gaussianFlow().logProb(xs, [[1], [1], [1], [1]])).toThrow(/argument 'context' must be absent \(this flow is unconditional\)/);
  });

  it('rejects bad data with the argument, the expected shape and what arrived', () => {
    const f = gaussianFlow();
    const cases: [unknown, RegExp][] = [
      [[[1, 2, 3]], /Flow.logProb: argument 'x' must be a 2D matrix \[batch, 2\] with 2 columns; got 3 columns/],
      [[1, 2], /an array of rows\); got a flat array/],
      [[[1, 2], [3]], /rows of equal length; got a ragged array: row 0 has 2 values, row 1 has 1/],
      [[[1, NaN]], /finite numbers; got NaN at row 0, column 1/],
      [[[Infinity, 0]], /finite numbers; got Infinity at row 0, column 0/],
      [[], /at least one row; got an empty array/],
      [[['a', 1]], /numbers; got "a" at row 0, column 0/],
      [tf.zeros([2]), /got a rank-1 tensor of shape \[2\]/],
      [tf.tensor2d([[1, NaN]]), /finite numbers; got NaN at row 0, column 1/],
      [{ data: new Float32Array(3), shape: [2, 2] }, /data of length rows × cols = 4; got length 3/],
      ['x', /got "x"/],
    ];
    for (const [input, message] of cases) {
      expect(() => f.logProb(input as never)).toThrow(ValidationError);
      expect(() => f.logProb(input as never)).toThrow(message);
    }
    expect(() => f.sample(0)).toThrow(/Flow.sample: argument 'n' must be an integer ≥ 1; got 0/);
    expect(() => f.sample(2, { sed: 1 } as never)).toThrow(/unknown option "sed"/);
    expect(() => new Flow(new StandardNormal(3), new Shift([1, 2]))).toThrow(/a bijector of dimension 3 \(the base's\); got dimension 2/);
  });

  it('leaks no tensors in logProb, sample, sampleAndLogProb, forwardStates or on bad input', () => {
    const f = gaussianFlow();
    expectNoLeak(() => f.logProb(xs));
    expectNoLeak(() => f.sample(10, { seed: 1 }));
    expectNoLeak(() => f.sampleAndLogProb(10, { seed: 1 }));
    expectNoLeak(() => f.forwardStates(xs).states);
    expectNoLeak(() => {
      expect(() => f.logProb([[1, NaN]])).toThrow();
    });
    const t = tf.tensor2d([[1, 2]]);
    expectNoLeak(() => f.logProb(t));
    t.dispose();
  });

  it('has trainable variables with gradients of the mean log-likelihood', () => {
    const f = new Flow(new DiagNormal(2), new Shift([0, 0]));
    expect(f.trainableVariables).toHaveLength(2);
    expect(f.weights.map((w) => w.name)).toEqual(['base/loc', 'base/logScale', 'bijector/shift']);
    const x = tf.tensor2d(xs);
    const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(f.logProbUnchecked(x))) as tf.Scalar, f.trainableVariables);
    // d/dloc of mean NLL for N(loc, 1) at loc = 0 is −mean(x) = −(1, −1.625).
    expect(values(grads[f.trainableVariables[0].name])).toEqual([-1, 1.625].map((v) => expect.closeTo(v, 5)));
    tf.dispose([value, x, grads]);
  });
});
