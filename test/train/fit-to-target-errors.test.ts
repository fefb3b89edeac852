/** fitToTarget's argument checks, its diagnosis of bad targets (before and during training) and its memory. */
import { describe, expect, it } from 'vitest';
import {
  Affine, Bijector, type BijectorResult, Flow, type JsonObject, Rng, StandardNormal, TrainingError, ValidationError, fitToTarget, tf,
} from '../../src/index.js';
import { ContextShift } from '../helpers/context-shift.js';

const standard = (x: tf.Tensor2D) => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D;
const quiet = { progress: false, seed: 1 } as const;
const newFlow = () => new Flow(new StandardNormal(2), new Affine(2));

/** A forward-only bijector (its inverse is missing), as planar and radial layers are analytically. */
class ForwardOnlyShift extends Bijector {
  readonly className = 'ForwardOnlyShift';
  override readonly inverseKind = 'none' as const;
  private readonly b: tf.Variable;
  constructor() {
    super({ dim: 2 });
    this.b = this.addWeight('b', () => tf.zeros([2]));
  }
  getConfig(): JsonObject {
    return {};
  }
  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.add(x, this.b) as tf.Tensor2D, logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D };
  }
  protected _inverse(): BijectorResult {
    throw new Error('unreachable');
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => null, (err: Error) => err);
  if (e === null) throw new Error('expected a rejection');
  return e;
}

describe('fitToTarget: arguments', () => {
  it('rejects bad flows, targets and options with a ValidationError naming the argument', async () => {
    const flow = newFlow();
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => fitToTarget({} as Flow, standard), /argument 'flow' must be a Flow/],
      [() => fitToTarget(flow, 'x' as never), /argument 'logTarget' must be a function/],
      [() => fitToTarget(flow, standard, { stepz: 3 } as never), /unknown option "stepz"/],
      [() => fitToTarget(flow, standard, { steps: 0 }), /options\.steps/],
      [() => fitToTarget(flow, standard, { samplesPerStep: 1.5 }), /options\.samplesPerStep.*got 1\.5/],
      [() => fitToTarget(flow, standard, { clipNorm: 0 }), /options\.clipNorm/],
      [() => fitToTarget(flow, standard, { learningRate: -1 }), /options\.learningRate/],
      [() => fitToTarget(flow, standard, { pathGradient: 'yes' as never }), /options\.pathGradient.*a boolean/],
      [() => fitToTarget(flow, standard, { annealSteps: 10, beta: 0.5 }), /either beta or annealSteps/],
      [() => fitToTarget(flow, standard, { onStep: 3 as never }), /options\.onStep/],
      [() => fitToTarget(new Flow(new StandardNormal(1), new ContextShift(1, 2)), standard), /an unconditional flow; got a conditional flow \(context dimension 2\)/],
      [() => fitToTarget(new Flow(new StandardNormal(2), new ForwardOnlyShift()), standard, { pathGradient: true }), /options\.pathGradient.*analytic inverse.*missing/],
      [() => fitToTarget(new Flow(new StandardNormal(2), new Affine(2, { trainable: false })), standard), /trainable weights/],
    ];
    for (const [run, msg] of cases) {
      const e = await rejection(run());
      expect(e).toBeInstanceOf(ValidationError);
      expect(e.message).toMatch(/^fitToTarget: /);
      expect(e.message).toMatch(msg);
    }
    flow.dispose();
  });

  it('trains a forward-only flow with the standard estimator (no inverse needed)', async () => {
    const b = new ForwardOnlyShift();
    const flow = new Flow(new StandardNormal(2), b);
    const target = (x: tf.Tensor2D) => tf.mul(-0.5, tf.sum(tf.square(tf.sub(x, [1, -1])), 1)) as tf.Tensor1D;
    await fitToTarget(flow, target, { ...quiet, steps: 200, learningRate: 0.05 });
    // The optimum shift is the target's mean; Adam at a constant rate jitters by ~0.05 around it.
    flow.weights[0].variable.dataSync().forEach((v, j) => expect(Math.abs(v - [1, -1][j])).toBeLessThan(0.1));
    flow.dispose();
  });
});

describe('fitToTarget: bad targets are named before training', () => {
  const bad: [string, (x: tf.Tensor2D) => unknown, RegExp][] = [
    ['a [n, 1] tensor', (x) => tf.sum(x, 1, true), /float32 tensor of shape \[64\].*got a tensor of shape \[64, 1\] on the first samples, before training/],
    ['an [n, dim] tensor', (x) => tf.square(x), /got a tensor of shape \[64, 2\]/],
    ['a number array', () => new Array(64).fill(0), /got an array of length 64/],
    ['a number', () => 0, /got 0 on the first samples/],
    ['undefined', () => undefined, /got undefined/],
    ['an int32 tensor', (x) => tf.cast(tf.sum(x, 1), 'int32'), /got a tensor of dtype int32/],
    ['a tensor not computed from the input', () => tf.zeros([64]), /differentiable in its input.*no gradient/],
  ];
  for (const [what, target, msg] of bad) {
    it(`a target returning ${what}`, async () => {
      const flow = newFlow();
      const before = tf.memory().numTensors;
      const e = await rejection(fitToTarget(flow, target as never, { ...quiet, samplesPerStep: 64 }));
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).argument).toBe('logTarget');
      expect(e.message).toMatch(msg);
      expect(tf.memory().numTensors).toBe(before);
      flow.dispose();
    });
  }

  it('NaN values: the error names the value, the first offending sample and its row', async () => {
    const flow = newFlow();
    // log of the first coordinate: NaN exactly where x₀ < 0.
    const target = (x: tf.Tensor2D) => tf.log(tf.squeeze(tf.slice(x, [0, 0], [-1, 1]), [1])) as tf.Tensor1D;
    const e = (await rejection(fitToTarget(flow, target, { ...quiet, samplesPerStep: 64 }))) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    const m = /got NaN for the sample \[([^\]]+)\] \(row (\d+) of 64\) on the first samples, before training$/.exec(e.message);
    expect(m).not.toBeNull();
    const sample = m![1].split(', ').map(Number);
    const row = Number(m![2]);
    // The check draws from the first stream forked from the seed: the same rows, and the first with x₀ < 0.
    const x = flow.sample(64, { seed: new Rng(1).fork() });
    const rows = (x.arraySync() as number[][]);
    x.dispose();
    expect(rows[row]).toEqual(sample);
    expect(sample[0]).toBeLessThan(0);
    expect(rows.slice(0, row).every((r) => r[0] >= 0)).toBe(true);
    flow.dispose();
  });

  it('an infinite gradient at finite values is rejected before training', async () => {
    const flow = newFlow();
    // √(x²·0) is 0 with gradient ∞ · 0 = NaN.
    const target = (x: tf.Tensor2D) => tf.sum(tf.sqrt(tf.mul(tf.square(x), 0)), 1) as tf.Tensor1D;
    const e = await rejection(fitToTarget(flow, target, quiet));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toMatch(/a finite gradient at finite samples; got a non-finite gradient/);
    flow.dispose();
  });
});

describe('fitToTarget: bad targets during training', () => {
  /** A standard-normal target that misbehaves from its `from`-th call (the first two calls are the checks before training). */
  function turning(from: number, bad: (x: tf.Tensor2D, good: tf.Tensor1D) => tf.Tensor) {
    let calls = 0;
    return (x: tf.Tensor2D) => {
      calls++;
      const good = standard(x);
      return (calls >= from ? bad(x, good) : good) as tf.Tensor1D;
    };
  }
  /** Weights after each step, from onStep. */
  function recorder(flow: Flow) {
    const after: number[][][] = [];
    return { after, onStep: () => void after.push(flow.weights.map((w) => Array.from(w.variable.dataSync()))) };
  }
  const row3 = (value: number) => (x: tf.Tensor2D, good: tf.Tensor1D) => tf.where(tf.equal(tf.range(0, x.shape[0]), 3), tf.fill([x.shape[0]], value), good);

  for (const [value, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
    it(`${shown} from a target at step 4 stops training with a ValidationError naming the step and the sample; that update is not applied`, async () => {
      const flow = newFlow();
      const before = tf.memory().numTensors;
      const rec = recorder(flow);
      // Calls 1–2 are the checks before training, so call 6 is step 4.
      const e = (await rejection(fitToTarget(flow, turning(6, row3(value)), { ...quiet, steps: 20, samplesPerStep: 32, learningRate: 0.1, onStep: rec.onStep }))) as ValidationError;
      expect(e).toBeInstanceOf(ValidationError);
      expect(e.argument).toBe('logTarget');
      expect(e.message).toMatch(new RegExp(`got ${shown} for the sample \\[[-0-9.e, ]+\\] \\(row 3 of 32\\) at step 4; training stopped there and that step's update was not applied`));
      expect(rec.after.length).toBe(3);
      expect(flow.weights.map((w) => Array.from(w.variable.dataSync()))).toEqual(rec.after[2]);
      expect(tf.memory().numTensors).toBe(before);
      flow.dispose();
    });
  }

  it('a wrong shape at step 3 is named with the step', async () => {
    const flow = newFlow();
    const before = tf.memory().numTensors;
    const e = await rejection(fitToTarget(flow, turning(5, (x) => tf.sum(x, 1, true)), { ...quiet, steps: 10, samplesPerStep: 16 }));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toMatch(/got a tensor of shape \[16, 1\] at step 3$/);
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
  });

  it('a non-finite gradient with finite target values stays a TrainingError from the loop', async () => {
    const flow = newFlow();
    const nanGrad = (x: tf.Tensor2D, good: tf.Tensor1D) => tf.add(good, tf.sum(tf.sqrt(tf.mul(x, 0)), 1));
    const e = await rejection(fitToTarget(flow, turning(5, nanGrad), { ...quiet, steps: 10, samplesPerStep: 16 }));
    expect(e).toBeInstanceOf(TrainingError);
    expect(e.message).toMatch(/^fitToTarget: training stopped at step 3: the gradient norm was NaN/);
    flow.dispose();
  });
});

describe('fitToTarget: memory', () => {
  it('leaves the tensor count unchanged over 150 steps, with either estimator and annealing', async () => {
    const flow = newFlow();
    const before = tf.memory().numTensors;
    await fitToTarget(flow, standard, { ...quiet, steps: 150, samplesPerStep: 32 });
    expect(tf.memory().numTensors).toBe(before);
    await fitToTarget(flow, standard, { ...quiet, steps: 150, samplesPerStep: 32, pathGradient: true, annealSteps: 50, clipNorm: 1 });
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
  });
});
