/**
 * `fit({ threads: 2 })`: the two-thread step (this thread and a worker each take half of the batch)
 * against the single-thread tape-free step, which `tape-free-step.test.ts` ties to the tape.
 *
 * The halves combine as `(n₁·m₁ + n₂·m₂)/B` for the loss and each gradient, which is the whole
 * batch's mean exactly in real arithmetic; in float32 only the summation order differs. So the loss
 * must agree within 2e-6 relative and each gradient element within 2e-5 of its variable's largest
 * gradient (the tolerances of the tape-free test; a wrong weighting, stale weights in the worker or a
 * misplaced row is off by orders of magnitude more). Batches have odd sizes, so the halves differ and
 * the weighting matters. Also: the same seed gives the same history; the worker follows weight
 * changes and larger batches; bad options are `ValidationError`s; the worker is gone and no tensor is
 * left after a normal end, an error, an abort and early stopping.
 */
import { describe, expect, it } from 'vitest';
import { Affine, DiagNormal, Flow, Rng, ValidationError, datasets, fit, neuralSplineFlow, realNVP, tf } from '../../src/index.js';
import { tapeFreeStep, type ValueAndGrads } from '../../src/engine/tape-free-step.js';
import { liveWorkers, startTwoThreadStep } from '../../src/train/parallel/two-thread-step.js';
import { useBackend } from '../helpers/backends.js';
import { perturbFlow } from '../helpers/perturb-flow.js';

const GRAD_TOL = 2e-5;
const LOSS_TOL = 2e-6;


function batch(seed: number, n: number, dim: number): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).normals(n * dim).map((z) => 0.4 + 1.5 * z), [n, dim]);
}

function read(step: ValueAndGrads, x: tf.Tensor2D) {
  const r = step(x);
  const out = { loss: r.value.dataSync()[0], grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, Array.from(g.dataSync())])) };
  tf.dispose([r.value, ...Object.values(r.grads)]);
  return out;
}

function expectSame(a: ReturnType<typeof read>, b: ReturnType<typeof read>, names: string[]): void {
  expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(LOSS_TOL * Math.abs(a.loss));
  expect(Object.keys(b.grads).sort()).toEqual([...names].sort());
  for (const name of names) {
    const scale = Math.max(...a.grads[name].map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    const worst = Math.max(...a.grads[name].map((v, i) => Math.abs(v - b.grads[name][i])));
    expect(worst, name).toBeLessThanOrEqual(GRAD_TOL * scale);
  }
}

describe('two-thread step', () => {
  const cases = [
    { name: 'RealNVP 2D', make: () => realNVP({ dim: 2, layers: 4, hidden: [16, 16], seed: 1 }), dim: 2 },
    { name: 'NSF 5D, standardised', make: () => neuralSplineFlow({ dim: 5, layers: 2, bins: 6, tailBound: 4, hidden: [16], seed: 2 }), dim: 5, standardize: true },
  ];
  for (const c of cases) {
    it(`${c.name}: loss and gradients equal the one-thread step's; follows new weights and larger batches`, async () => {
      const flow = c.make();
      if (c.standardize) flow.standardize({ mean: Array(c.dim).fill(0.3), std: Array.from({ length: c.dim }, (_, i) => 1 + 0.2 * i) });
      perturbFlow(flow, 11);
      const names = flow.trainableVariables.map((v) => v.name);
      const local = tapeFreeStep(flow)!;
      const before = tf.memory().numTensors;
      const two = await startTwoThreadStep(flow, local, 101);
      try {
        const x = batch(3, 101, c.dim);
        expectSame(read(local, x), read(two.valueAndGrads, x), names);
        // New weights on the main thread must reach the worker before the next step.
        perturbFlow(flow, 12);
        expectSame(read(local, x), read(two.valueAndGrads, x), names);
        // A batch larger than the first: the worker's row buffer is replaced.
        const big = batch(4, 333, c.dim);
        expectSame(read(local, big), read(two.valueAndGrads, big), names);
        // One row: nothing for the worker, the local step alone.
        const one = batch(5, 1, c.dim);
        expectSame(read(local, one), read(two.valueAndGrads, one), names);
        tf.dispose([x, big, one]);
      } finally {
        await two.close();
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(liveWorkers()).toBe(0);
      flow.dispose();
    });
  }

  describe('on cpu', () => {
    useBackend('cpu');
    it('the worker runs the main thread\'s backend and agrees with it', async () => {
      const flow = realNVP({ dim: 3, layers: 2, hidden: [8], seed: 3 });
      perturbFlow(flow, 13);
      const local = tapeFreeStep(flow)!;
      const two = await startTwoThreadStep(flow, local, 64);
      try {
        const x = batch(6, 63, 3);
        expectSame(read(local, x), read(two.valueAndGrads, x), flow.trainableVariables.map((v) => v.name));
        x.dispose();
      } finally {
        await two.close();
      }
      flow.dispose();
    });
  });
});

describe('fit({ threads: 2 })', () => {
  const x = () => datasets.moons(2000, { seed: 1 });

  it('gives the same history for the same seed, close to one thread\'s, and leaves nothing behind', async () => {
    const data = x();
    const before = tf.memory().numTensors;
    const run = async (threads: 1 | 2) => {
      const flow = realNVP({ dim: 2, layers: 4, hidden: [16, 16], seed: 1 });
      const h = await fit(flow, data, { steps: 40, batchSize: 127, seed: 5, progress: false, threads, validationSplit: 0.1 });
      flow.dispose();
      return h;
    };
    const [a, b, one] = [await run(2), await run(2), await run(1)];
    expect(a.loss).toEqual(b.loss);
    expect(a.gradNorm).toEqual(b.gradNorm);
    expect(a.validation).toEqual(b.validation);
    // Step 1 sees identical weights: only summation order differs.
    expect(Math.abs(a.loss[0] - one.loss[0])).toBeLessThanOrEqual(LOSS_TOL * Math.abs(one.loss[0]));
    // Then rounding differences pass through Adam; they stay far below the loss's own change.
    expect(Math.abs(a.loss[39] - one.loss[39])).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(a.loss[39] - a.loss[0])).toBeGreaterThan(0.05);
    expect(tf.memory().numTensors).toBe(before);
    expect(liveWorkers()).toBe(0);
    data.dispose();
  });

  it('terminates the worker on an error, an abort and early stopping', async () => {
    const data = x();
    const before = tf.memory().numTensors;
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 2 });
    await expect(fit(flow, data, {
      steps: 20, batchSize: 64, seed: 1, progress: false, threads: 2,
      onStep: (s) => {
        if (s.step === 3) throw new Error('callback failed');
      },
    })).rejects.toThrow('callback failed');
    expect(liveWorkers()).toBe(0);

    const controller = new AbortController();
    const aborted = await fit(flow, data, {
      steps: 50, batchSize: 64, seed: 1, progress: false, threads: 2, signal: controller.signal,
      onStep: (s) => {
        if (s.step === 4) controller.abort();
      },
    });
    expect([aborted.steps.length, aborted.stopReason]).toEqual([4, 'aborted']);
    expect(liveWorkers()).toBe(0);

    // A validation loss that cannot improve: steps of 1e-30 leave the float32 loss unchanged.
    const early = await fit(flow, data, { steps: 50, batchSize: 64, seed: 1, progress: false, threads: 2, validationSplit: 0.2, validateEvery: 2, patience: 2, learningRate: 1e-30 });
    expect(early.stopReason).toBe('early-stopping');
    expect(liveWorkers()).toBe(0);
    flow.dispose();
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
  });

  it('rejects bad values and flows without the tape-free step with a ValidationError', async () => {
    const data = x();
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 2 });
    const plain = new Flow(new DiagNormal(2), new Affine(2));
    const before = tf.memory().numTensors;
    for (const threads of [0, 3, 1.5, '2', null]) {
      await expect(fit(flow, data, { steps: 1, progress: false, threads: threads as never })).rejects.toThrow(ValidationError);
      await expect(fit(flow, data, { steps: 1, progress: false, threads: threads as never })).rejects.toThrow(/options\.threads.*1 or 2/);
    }
    await expect(fit(flow, data, { steps: 1, progress: false, threads: 2, gradientPath: 'tape' })).rejects.toThrow(/options\.threads.*tape-free/);
    await expect(fit(plain, data, { steps: 1, progress: false, threads: 2 })).rejects.toThrow(ValidationError);
    await expect(fit(plain, data, { steps: 1, progress: false, threads: 2 })).rejects.toThrow(/options\.threads.*tape-free step/);
    // Tape-free, but half a batch is not the batch: batch statistics, a data-dependent initialisation.
    const batchNorm = realNVP({ dim: 2, layers: 2, hidden: [8], normalization: 'batchnorm', seed: 3 });
    const actNorm = realNVP({ dim: 2, layers: 2, hidden: [8], normalization: 'actnorm', seed: 4 });
    await expect(fit(batchNorm, data, { steps: 1, progress: false, threads: 2 })).rejects.toThrow(/options\.threads.*BatchNorm/);
    await expect(fit(actNorm, data, { steps: 1, progress: false, threads: 2 })).rejects.toThrow(/options\.threads.*ActNorm not yet initialised/);
    batchNorm.dispose();
    actNorm.dispose();
    // Rejected before anything was changed: not even standardised.
    expect(plain.standardization).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    expect(liveWorkers()).toBe(0);
    plain.dispose();
    flow.dispose();
    data.dispose();
  });
});
