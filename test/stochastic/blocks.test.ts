import { describe, expect, it } from 'vitest';
import { HMCBlock, LangevinBlock, MetropolisBlock, Rng, type StochasticBlock, ValidationError, tf } from '../../src/index.js';
import { ks01, ksStatistic, normalCdf } from '../helpers/ks.js';
import { expectNoLeak } from '../helpers/leaks.js';

const MEAN = [1, -0.5];
const SD = [0.8, 1.5];
/** log N(x; MEAN, diag(SD²)) up to its constant. */
const logTarget = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(tf.div(tf.sub(x, tf.tensor1d(MEAN)), tf.tensor1d(SD))), 1)) as tf.Tensor1D);
const logBase = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D);

function exactSamples(n: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  const v = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < 2; j++) v[2 * i + j] = MEAN[j] + SD[j] * rng.normal();
  return tf.tensor2d(v, [n, 2]);
}

const cases: [string, () => StochasticBlock][] = [
  ['MetropolisBlock', () => new MetropolisBlock({ steps: 10, stepSize: 1 })],
  ['LangevinBlock (MALA)', () => new LangevinBlock({ steps: 10, stepSize: 0.3 })],
  ['HMCBlock', () => new HMCBlock({ steps: 2, leapfrogSteps: 5, stepSize: 0.3 })],
];

describe.each(cases)('%s', (name, make) => {
  it('leaves exact samples of a 2-D Gaussian target distributed as the target (KS per coordinate, 1%) and moves them', () => {
    const n = 3000;
    const block = make();
    const x = exactSamples(n, 1);
    const { output, logWeight } = block.apply(x, { logBase, logTarget, rng: new Rng(2) });
    const y = output.dataSync();
    const xv = x.dataSync();
    for (let j = 0; j < 2; j++) {
      const col = Array.from({ length: n }, (_, i) => y[2 * i + j]);
      expect(ksStatistic(col, (v) => normalCdf((v - MEAN[j]) / SD[j]))).toBeLessThan(ks01(n));
    }
    let moved = 0;
    for (let i = 0; i < n; i++) if (y[2 * i] !== xv[2 * i]) moved++;
    expect(moved / n).toBeGreaterThan(0.5);
    expect(block.lastAcceptance).toBeGreaterThan(0.2);
    // log weight = log p(x) − log p(output) exactly.
    const want = tf.tidy(() => tf.sub(logTarget(x), logTarget(output)).dataSync());
    const got = logWeight.dataSync();
    for (let i = 0; i < 50; i++) expect(got[i]).toBeCloseTo(want[i], 4);
    tf.dispose([x, output, logWeight]);
    block.dispose();
  });

  it('is seeded (same Rng seed, same output) and leaks no tensors', () => {
    const block = make();
    const x = exactSamples(20, 3);
    const a = block.apply(x, { logBase, logTarget, rng: new Rng(5) });
    const b = block.apply(x, { logBase, logTarget, rng: new Rng(5) });
    expect(Array.from(a.output.dataSync())).toEqual(Array.from(b.output.dataSync()));
    tf.dispose([a.output, a.logWeight, b.output, b.logWeight]);
    expectNoLeak(() => {
      const r = block.apply(x, { logBase, logTarget, rng: new Rng(6) });
      return [r.output, r.logWeight];
    });
    x.dispose();
    block.dispose();
  });

  it(`${name} rejects a negative or zero step size and λ outside [0, 1]`, () => {
    const Ctor = make().constructor as new (o: object) => StochasticBlock;
    expect(() => new Ctor({ stepSize: -0.1 })).toThrow(ValidationError);
    expect(() => new Ctor({ stepSize: 0 })).toThrow(/options.stepSize' must be a finite number > 0/);
    expect(() => new Ctor({ lambda: 1.5 })).toThrow(/options.lambda/);
    expect(() => new Ctor({ stepsize: 0.1 })).toThrow(/unknown option "stepsize"/);
  });
});

describe('training through blocks', () => {
  it.each(cases)('%s: gradients reach a trainable step size through the accepted moves (finite, non-zero)', (name, make) => {
    const proto = make();
    const config = { ...(proto.getConfig() as object), trainableStepSize: true };
    proto.dispose();
    const block = (proto.constructor as unknown as { fromConfig(c: object): StochasticBlock }).fromConfig(config);
    const x = exactSamples(64, 7);
    const { value, grads } = tf.variableGrads(() => {
      const { output, logWeight } = block.apply(x, { logBase, logTarget, rng: new Rng(8) });
      return tf.add(tf.mean(tf.sum(tf.square(output), 1)), tf.mean(logWeight)) as tf.Scalar;
    }, block.trainableVariables);
    const g = Object.values(grads)[0].dataSync()[0];
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(Number.isFinite(g) && g !== 0).toBe(true);
    tf.dispose([value, ...Object.values(grads), x]);
    block.dispose();
  });
});

describe('interpolated energy', () => {
  it('log p_λ = (1 − λ) log p_base + λ log p̃', () => {
    const block = new MetropolisBlock({ lambda: 0.3 });
    const x = tf.tensor2d([[0.5, 2], [-1, 0.1]]);
    const got = block.logDensity({ logBase, logTarget, rng: new Rng(0) })(x).dataSync();
    const want = tf.tidy(() => tf.add(tf.mul(0.7, logBase(x)), tf.mul(0.3, logTarget(x))).dataSync());
    expect(got[0]).toBeCloseTo(want[0], 5);
    expect(got[1]).toBeCloseTo(want[1], 5);
    x.dispose();
    block.dispose();
  });
});
