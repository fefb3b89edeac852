import { describe, expect, it } from 'vitest';
import { TrainingError, tf } from '../../src/index.js';
import { runTraining, type LoopConfig } from '../../src/train/loop.js';
import { adam } from '../../src/train/optimizer.js';
import { createProgress } from '../../src/train/progress.js';

/** A loop on one variable v with the loss given per step (no data). */
async function loop(v: tf.Variable, loss: (step: number) => tf.Scalar, extra: Partial<LoopConfig> = {}) {
  const optimizer = adam();
  let step = 0;
  try {
    return await runTraining({
      fn: 'test', trainable: [v], weights: { weights: [{ name: 'v', variable: v, trainable: true }] }, totalSteps: 10, learningRate: () => 0.1, optimizer, clipNorm: null,
      validateEvery: 1, patience: null, restoreBest: false, progress: await createProgress(false, 10),
      nextStep: async () => {
        const s = ++step;
        return { loss: () => loss(s), epoch: 1, endOfEpoch: false, dispose() {} };
      },
      ...extra,
    });
  } finally {
    optimizer.dispose();
  }
}

describe('runTraining', () => {
  it('stops on a non-finite gradient even when the loss is finite, without applying that update', async () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    let before: number[] = [];
    // From step 4 the loss is Σ √(0·v) = 0 (finite) but its gradient is NaN (∞ · 0).
    const run = loop(v, (s) => {
      if (s === 4) before = Array.from(v.dataSync());
      return s < 4 ? tf.sum(tf.square(v)) : tf.sum(tf.sqrt(tf.mul(v, 0)));
    });
    await expect(run).rejects.toThrow(TrainingError);
    await expect(run).rejects.toThrow(/step 4: the gradient norm was NaN.*those after step 3/);
    expect(Array.from(v.dataSync())).toEqual(before);
    v.dispose();
  });

  it('restores the best validated weights when a later step fails and restoreBest is on', async () => {
    const v = tf.variable(tf.tensor1d([3]));
    const seen: number[] = [];
    // Validation loss (v − 2)²: v falls from 3 under the loss v², so validation is best at the step
    // where v is closest to 2; at step 8 the loss becomes NaN.
    const run = loop(v, (s) => (s < 8 ? tf.sum(tf.square(v)) : tf.sum(tf.mul(v, NaN))), {
      restoreBest: true,
      validate: async () => {
        const x = v.dataSync()[0];
        seen.push(x);
        return (x - 2) ** 2;
      },
    });
    const err = await run.catch((e) => e);
    expect(err).toBeInstanceOf(TrainingError);
    expect(err.message).toMatch(/restored to those of step \d+ \(best validation loss\)/);
    const best = seen.reduce((a, b) => (Math.abs(b - 2) < Math.abs(a - 2) ? b : a));
    expect(v.dataSync()[0]).toBe(best);
    v.dispose();
  });

  it('passes gradients clipped to clipNorm to the optimiser and logs the norm before clipping', async () => {
    const v = tf.variable(tf.tensor1d([3, 4]));
    const received: number[][] = [];
    const recorder = {
      name: 'recorder',
      applyGradients: (_vars: readonly tf.Variable[], grads: readonly tf.Tensor[], lr: number) => void received.push([...grads[0].dataSync(), lr]),
      getState: async () => ({ name: 'recorder', scalars: {}, slots: [] }),
      setState() {},
      dispose() {},
    };
    const h = await loop(v, () => tf.sum(tf.square(v)), { totalSteps: 1, clipNorm: 0.5, optimizer: recorder, learningRate: () => 0.25 });
    // ∇ Σ v² = 2v = (6, 8): norm 10 before clipping, (0.3, 0.4) after.
    expect(h.gradNorm[0]).toBeCloseTo(10, 5);
    expect(received[0][0]).toBeCloseTo(0.3, 6);
    expect(received[0][1]).toBeCloseTo(0.4, 6);
    expect(received[0][2]).toBe(0.25);
    v.dispose();
  });
});
