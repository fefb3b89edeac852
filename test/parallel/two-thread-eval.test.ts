/**
 * Large `evaluateLogProb` / `evaluateSample` / `evaluateSampleAndLogProb` (the Node entry's opt-in)
 * on two threads (the main thread and the evaluation worker each take about half of the rows)
 * against the same calls on one thread, which are `flow.logProb` & co. (they never use the worker).
 *
 * Rows are independent and, measured on wasm, every row's result is bit-identical whatever the batch
 * size around it (XNNPACK's matMul accumulates each output element in the same order for any number
 * of rows; the other kernels are elementwise or per row). So the halves must agree with one thread
 * exactly, `toEqual` on the Float32Arrays: a wrong row offset, stale weights or a missed
 * standardisation in the worker would change values by far more than one ulp. `evaluationWorkerCalls`
 * shows the worker was used (or, where it must not be, that it was not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain, Flow, Shift, StandardNormal, maskedAutoregressiveFlow, neuralSplineFlow, realNVP, setMemoryBudget, tf } from '../../src/index.js';
import { bytesPerRow, layerWidths } from '../../src/memory/row-chunks.js';
import { evaluateLogProb, evaluateSample, evaluateSampleAndLogProb } from '../../src/parallel/evaluate.js';
import { TWO_THREAD_EVAL_MIN_ROWS, crashEvaluationWorkerOnNextRequest, evaluationThreadsReady, evaluationWorkerCalls, evaluationWorkerError, resetEvaluationWorker, setEvaluationThreads } from '../../src/parallel/two-thread-eval.js';
import { useBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { perturbFlow } from '../helpers/perturb-flow.js';
import { Shear } from '../helpers/shear.js';

/** Odd, so that the two halves differ in size. */
const N = TWO_THREAD_EVAL_MIN_ROWS + 1001;

function points(n: number, dim: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.mul(tf.tensor2d(Array.from({ length: n * dim }, (_, i) => Math.sin(i * 12.9898 + seed) * 2.5), [n, dim]), 1), 0.1));
}

/** `f`'s outputs with two threads allowed and with one, and how many calls the worker answered. */
function bothWays(f: (threads: 1 | 2) => tf.Tensor | tf.Tensor[]): { two: Float32Array[]; one: Float32Array[]; workerCalls: number } {
  const read = (threads: 1 | 2) => {
    const out = f(threads);
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => t.dataSync() as Float32Array);
    tf.dispose(list);
    return values;
  };
  const before = evaluationWorkerCalls();
  const two = read(2);
  const workerCalls = evaluationWorkerCalls() - before;
  const one = read(1);
  return { two, one, workerCalls };
}

describe('two-thread evaluation', () => {
  useBackend('wasm');
  beforeAll(async () => {
    setEvaluationThreads(2);
    expect(await evaluationThreadsReady()).toBe(true);
  });
  afterAll(() => setEvaluationThreads(null));

  it('RealNVP: logProb, seeded sample and sampleAndLogProb equal one thread exactly', () => {
    const flow = realNVP({ dim: 2, layers: 4, hidden: [16, 16], seed: 1 });
    perturbFlow(flow, 2, 0.3);
    const x = points(N, 2, 1);
    const lp = bothWays((threads) => evaluateLogProb(flow, x, { threads }));
    expect(lp.workerCalls).toBe(1);
    expect(lp.two).toEqual(lp.one);
    expect(lp.one[0].every(Number.isFinite)).toBe(true);
    const s = bothWays((threads) => evaluateSample(flow, N, { seed: 7, threads }));
    expect(s.workerCalls).toBe(1);
    expect(s.two).toEqual(s.one);
    const sl = bothWays((threads) => {
      const r = evaluateSampleAndLogProb(flow, N, { seed: 7, threads });
      return [r.samples, r.logProb];
    });
    expect(sl.workerCalls).toBe(1);
    expect(sl.two).toEqual(sl.one);
    // The same samples as `sample`, and one thread is exactly Flow's own methods.
    expect(sl.two[0]).toEqual(s.two[0]);
    const own = [flow.logProb(x), flow.sample(N, { seed: 7 })];
    expect(own[0].dataSync()).toEqual(lp.one[0]);
    expect(own[1].dataSync()).toEqual(s.one[0]);
    tf.dispose(own);
    tf.dispose(x);
    flow.dispose();
  });

  it('NSF: logProb and sample equal one thread exactly, and the worker follows weight changes', () => {
    const flow = neuralSplineFlow({ dim: 3, layers: 2, bins: 6, tailBound: 4, hidden: [16], seed: 3 });
    perturbFlow(flow, 4, 0.3);
    const x = points(N, 3, 2);
    const lp = bothWays((threads) => evaluateLogProb(flow, x, { threads }));
    expect(lp.workerCalls).toBe(1);
    expect(lp.two).toEqual(lp.one);
    perturbFlow(flow, 5, 0.3);
    const again = bothWays((threads) => evaluateLogProb(flow, x, { threads }));
    expect(again.workerCalls).toBe(1);
    expect(again.two).toEqual(again.one);
    expect(again.one[0]).not.toEqual(lp.one[0]);
    const s = bothWays((threads) => evaluateSample(flow, N, { seed: 1, threads }));
    expect(s.two).toEqual(s.one);
    tf.dispose(x);
    flow.dispose();
  });

  it('a wide flow: each memory-bounded chunk is split (from 1,024 rows when rows × weights is large), equal to one thread', () => {
    const flow = maskedAutoregressiveFlow({ dim: 20, layers: 2, hidden: [512, 512], seed: 4 });
    perturbFlow(flow, 5, 0.05);
    const x = points(6500, 20, 12);
    // One thread takes 1,500 rows per chunk, two threads 3,000 (1,500 each): three chunks of equal
    // size, 2,168, 2,168 and 2,164 rows (not 3,000, 3,000 and a remainder of 500 too small to split),
    // each split across the two threads.
    setMemoryBudget(1500 * bytesPerRow(layerWidths([flow.base, flow.bijector], 20)));
    const lp = bothWays((threads) => evaluateLogProb(flow, x, { threads }));
    setMemoryBudget(null);
    expect(lp.workerCalls).toBe(3);
    expect(lp.two).toEqual(lp.one);
    expect(lp.one[0].every(Number.isFinite)).toBe(true);
    tf.dispose(x);
    flow.dispose();
  });

  it('a conditional flow splits its context rows alike (per-row and broadcast [1, c] context)', () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], contextDim: 2, seed: 5 });
    perturbFlow(flow, 6, 0.5);
    const x = points(N, 2, 3);
    const c = points(N, 2, 4);
    const lp = bothWays((threads) => evaluateLogProb(flow, x, { context: c, threads }));
    expect(lp.workerCalls).toBe(1);
    expect(lp.two).toEqual(lp.one);
    const s = bothWays((threads) => evaluateSample(flow, N, { seed: 2, context: [[0.5, -1]], threads }));
    expect(s.workerCalls).toBe(1);
    expect(s.two).toEqual(s.one);
    tf.dispose([x, c]);
    flow.dispose();
  });

  it('ActNorm state and the standardisation reach the worker; an uninitialised ActNorm stays on one thread', () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], normalization: 'actnorm', seed: 8 });
    perturbFlow(flow, 9, 0.3);
    const x = points(N, 2, 5);
    // First call initialises ActNorm from the whole batch: it must not be split.
    const first = bothWays((threads) => evaluateLogProb(flow, x, { threads }));
    expect(first.workerCalls).toBe(0);
    const fresh = realNVP({ dim: 2, layers: 2, hidden: [8], normalization: 'actnorm', seed: 8 });
    perturbFlow(fresh, 9, 0.3);
    const reference = fresh.logProb(x);
    expect(first.two[0]).toEqual(reference.dataSync());
    tf.dispose(reference);
    fresh.dispose();
    // Initialised now: split, and the standardisation (set after the worker rebuilt the flow) counts.
    flow.standardize({ mean: [0.3, -0.2], std: [2, 0.5] });
    const lp = bothWays((threads) => evaluateLogProb(flow, x, { threads }));
    expect(lp.workerCalls).toBe(1);
    expect(lp.two).toEqual(lp.one);
    expect(lp.one[0]).not.toEqual(first.one[0]);
    const s = bothWays((threads) => evaluateSample(flow, N, { seed: 3, threads }));
    expect(s.two).toEqual(s.one);
    tf.dispose(x);
    flow.dispose();
  });

  it('under a gradient tape logProb stays on the differentiable path (no worker), with the same gradients', () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 10 });
    perturbFlow(flow, 11, 0.3);
    const x = points(N, 2, 6);
    const grads = bothWays((threads) => {
      const { value, grads: g } = tf.variableGrads(() => tf.mean(evaluateLogProb(flow, x, { threads })) as tf.Scalar, flow.trainableVariables);
      return [value, ...flow.trainableVariables.map((v) => g[v.name])];
    });
    expect(grads.workerCalls).toBe(0);
    expect(grads.two).toEqual(grads.one);
    expect(grads.two.slice(1).some((g) => g.some((v) => v !== 0))).toBe(true);
    tf.dispose(x);
    flow.dispose();
  });

  it('a flow the worker cannot rebuild (an unregistered bijector) falls back to one thread, and the worker keeps serving others', () => {
    const flow = new Flow(new StandardNormal(2), new Chain([new Shear(2, [[0, 0], [0.7, 0]]), new Shift([0.5, -0.5])]));
    const x = points(N, 2, 7);
    const lp = bothWays((threads) => evaluateLogProb(flow, x, { threads }));
    expect(lp.workerCalls).toBe(0);
    expect(lp.two).toEqual(lp.one);
    expect(evaluationWorkerError()).toMatch(/Shear/);
    const other = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 12 });
    expect(bothWays((threads) => evaluateLogProb(other, x, { threads })).workerCalls).toBe(1);
    // Later calls on the refused flow go straight to one thread (no second attempt).
    expect(bothWays((threads) => evaluateLogProb(flow, x, { threads })).workerCalls).toBe(0);
    tf.dispose(x);
    flow.dispose();
    other.dispose();
  });

  it('leaves no tensor behind, on either thread path', () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 13 });
    const x = points(N, 2, 8);
    setEvaluationThreads(2);
    const before = evaluationWorkerCalls();
    expectNoLeak(() => evaluateLogProb(flow, x));
    expectNoLeak(() => evaluateSample(flow, N, { seed: 1 }));
    expectNoLeak(() => evaluateSampleAndLogProb(flow, N, { seed: 1 }));
    expect(evaluationWorkerCalls() - before).toBe(3);
    setEvaluationThreads(null);
    tf.dispose(x);
    flow.dispose();
  });

  it('below the threshold, with TFJS_FLOWS_THREADS=1 semantics (threads 1), or through Flow itself, the worker is not used', () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 14 });
    const small = points(TWO_THREAD_EVAL_MIN_ROWS - 1, 2, 9);
    const before = evaluationWorkerCalls();
    tf.dispose(evaluateLogProb(flow, small));
    const big = points(N, 2, 10);
    setEvaluationThreads(2);
    tf.dispose([flow.logProb(big), flow.sample(N, { seed: 1 }), ...Object.values(flow.sampleAndLogProb(N, { seed: 1 }))]);
    setEvaluationThreads(1);
    tf.dispose(evaluateLogProb(flow, big));
    setEvaluationThreads(null);
    expect(evaluationWorkerCalls()).toBe(before);
    tf.dispose([small, big]);
    flow.dispose();
  });

  // Last: it retires the worker (and starts a fresh one at the end).
  it('a worker that dies in the middle of a call: that call computes its half itself, later calls take one thread, no hang', async () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [16], seed: 15 });
    perturbFlow(flow, 3, 0.3);
    const x = points(N, 2, 11);
    const one = flow.logProb(x);
    const want = Array.from(one.dataSync());
    one.dispose();
    setEvaluationThreads(2);
    const before = evaluationWorkerCalls();
    crashEvaluationWorkerOnNextRequest();
    expectNoLeak(() => {
      const lp = evaluateLogProb(flow, x);
      expect(Array.from(lp.dataSync())).toEqual(want);
      return lp;
    });
    expect(evaluationWorkerError()).toMatch(/exited with code 70/);
    const again = evaluateLogProb(flow, x);
    expect(Array.from(again.dataSync())).toEqual(want);
    again.dispose();
    expect(evaluationWorkerCalls()).toBe(before);
    // A reset starts a new worker, which answers again.
    await resetEvaluationWorker();
    expect(await evaluationThreadsReady()).toBe(true);
    const fresh = evaluateLogProb(flow, x);
    expect(Array.from(fresh.dataSync())).toEqual(want);
    fresh.dispose();
    expect(evaluationWorkerCalls()).toBe(before + 1);
    x.dispose();
    flow.dispose();
  });
});
