import { describe, expect, it } from 'vitest';
import {
  Affine, Chain, DiagNormal, Flow, Reverse, Rng, StandardNormal, StudentT, Tanh, TrainingError, ValidationError, cosineDecay, fit, tf,
} from '../../src/index.js';
import { columnMoments, gaussianLogPdf } from '../helpers/math.js';
import { ContextShift } from '../helpers/context-shift.js';

/** n rows of N(mean, diag(sd²)), float64 in JS. */
function gaussianRows(seed: number, n: number, mean: number[], sd: number[]): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => mean.map((m, j) => m + sd[j] * rng.normal()));
}

/** Closed-form maximum-likelihood diagonal Gaussian (population variances) and its mean log-likelihood. */
function mleGaussian(rows: number[][]): { mean: number[]; sd: number[]; meanLogLik: number } {
  const dim = rows[0].length;
  const { mean, variance } = columnMoments(rows.flat(), dim);
  const n = rows.length;
  const sd = variance.map((v) => Math.sqrt((v * (n - 1)) / n));
  const meanLogLik = rows.reduce((s, r) => s + gaussianLogPdf(r, mean, sd), 0) / n;
  return { mean, sd, meanLogLik };
}

function meanLogProb(flow: Flow, rows: number[][]): number {
  const lp = flow.logProb(rows);
  const v = Array.from(lp.dataSync());
  lp.dispose();
  return v.reduce((a, b) => a + b, 0) / v.length;
}

const weightValues = (flow: Flow) => flow.weights.map((w) => Array.from(w.variable.dataSync()));
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

describe('fit: maximum likelihood', () => {
  it('decreases the loss and reaches the closed-form MLE Gaussian on Gaussian data (no standardisation)', async () => {
    const rows = gaussianRows(1, 2000, [3, -2], [2, 0.5]);
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const h = await fit(flow, rows, { steps: 600, batchSize: 200, learningRate: 0.05, seed: 1, standardize: false, progress: false });
    expect(h.steps).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(mean(h.loss.slice(-50))).toBeLessThan(mean(h.loss.slice(0, 50)) - 1);
    // Adam with a constant rate hovers near the optimum; 0.01 nats is well above that jitter here.
    const mle = mleGaussian(rows);
    expect(meanLogProb(flow, rows)).toBeGreaterThan(mle.meanLogLik - 0.01);
    expect(meanLogProb(flow, rows)).toBeLessThanOrEqual(mle.meanLogLik + 1e-4);
    flow.dispose();
  });

  it('standardises per column and logProb stays in data units (matches the closed-form MLE Gaussian pointwise)', async () => {
    const rows = gaussianRows(2, 3000, [100, -50], [20, 0.1]);
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    // Cosine decay lets Adam settle instead of jittering around the optimum at a constant rate.
    // (The default whitening adds the sample correlation, which a diagonal affine layer cannot remove: whitening.test.ts.)
    const h = await fit(flow, rows, { steps: 400, batchSize: 300, learningRate: cosineDecay(0.05), seed: 2, progress: false, standardize: 'columns' });
    const mle = mleGaussian(rows);
    const st = flow.standardization!;
    st.mean.forEach((m, j) => expect(Math.abs(m - mle.mean[j]) / mle.sd[j]).toBeLessThan(1e-5));
    st.std.forEach((s, j) => expect(Math.abs(s / mle.sd[j] - 1)).toBeLessThan(1e-5));
    // Mean log-likelihood in data units, including −Σ log std of the standardiser (≈ −0.7 here, not ≈ +0.9).
    expect(Math.abs(meanLogProb(flow, rows) - mle.meanLogLik)).toBeLessThan(0.005);
    const probes = [[100, -50], [130, -50.2], [60, -49.85]];
    const lp = flow.logProb(probes);
    Array.from(lp.dataSync()).forEach((v, i) => expect(Math.abs(v - gaussianLogPdf(probes[i], mle.mean, mle.sd))).toBeLessThan(0.02));
    lp.dispose();
    // The training losses are in data units too.
    expect(Math.abs(mean(h.loss.slice(-100)) + mle.meanLogLik)).toBeLessThan(0.05);
    flow.dispose();
  });

  it('keeps an existing standardisation, uses explicit statistics, and leaves the flow alone with false', async () => {
    const rows = gaussianRows(3, 200, [5, 5], [2, 2]);
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    flow.standardize({ mean: [1, 2], std: [3, 4] });
    await fit(flow, rows, { steps: 2, progress: false, seed: 1 });
    expect(flow.standardization).toEqual({ mean: [1, 2], std: [3, 4] });
    await fit(flow, rows, { steps: 2, progress: false, seed: 1, standardize: { mean: [0, 0], std: [2, 2] } });
    expect(flow.standardization).toEqual({ mean: [0, 0], std: [2, 2] });
    const plain = new Flow(new StandardNormal(2), new Affine(2));
    await fit(plain, rows, { steps: 2, progress: false, seed: 1, standardize: false });
    expect(plain.standardization).toBeNull();
    flow.dispose();
    plain.dispose();
  });

  it('trains flows with other bases and elementwise bijectors (StudentT, Tanh): the loss decreases', async () => {
    const rng = new Rng(9);
    // Data in (−1, 1)²: the data-side Tanh maps it to the latent side, where an Affine and a StudentT fit.
    const rows = Array.from({ length: 1000 }, () => [Math.tanh(0.5 + 0.3 * rng.normal()), Math.tanh(0.4 * rng.normal())]);
    const flow = new Flow(new StudentT(2, { df: 4 }), new Chain([new Tanh(), new Affine(2)]));
    const h = await fit(flow, rows, { steps: 300, batchSize: 100, learningRate: 0.02, seed: 3, progress: false, standardize: false });
    expect(mean(h.loss.slice(-30))).toBeLessThan(mean(h.loss.slice(0, 30)) - 0.3);
    flow.dispose();
  });

  it('fits a conditional flow: context rows alongside the data reach the OLS regression likelihood', async () => {
    const rng = new Rng(4);
    const ctx = Array.from({ length: 1000 }, () => [rng.normal(), rng.normal()]);
    const rows = ctx.map(([a, b]) => [2 * a - b + 0.5 * rng.normal()]);
    const flow = new Flow(new DiagNormal(1), new ContextShift(1, 2));
    await fit(flow, rows, { context: ctx, steps: 800, batchSize: 250, learningRate: 0.05, seed: 4, progress: false, standardize: false });
    // Closed form: OLS with intercept, residual variance = RSS/n.
    const X = ctx.map(([a, b]) => [1, a, b]);
    const y = rows.map((r) => r[0]);
    const xtx = [0, 1, 2].map((i) => [0, 1, 2].map((j) => X.reduce((s, r) => s + r[i] * r[j], 0)));
    const xty = [0, 1, 2].map((i) => X.reduce((s, r, k) => s + r[i] * y[k], 0));
    const beta = solve3(xtx, xty);
    const resid = X.map((r, k) => y[k] - (beta[0] * r[0] + beta[1] * r[1] + beta[2] * r[2]));
    const sigma = Math.sqrt(resid.reduce((s, e) => s + e * e, 0) / resid.length);
    const olsLogLik = mean(resid.map((e) => gaussianLogPdf([e], [0], [sigma])));
    const lp = flow.logProb(rows, ctx);
    const got = mean(Array.from(lp.dataSync()));
    lp.dispose();
    expect(Math.abs(got - olsLogLik)).toBeLessThan(0.01);
    flow.dispose();
  });
});

function solve3(a: number[][], b: number[]): number[] {
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < 3; c++) {
    for (let r = c + 1; r < 3; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 4; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) x[r] = (m[r][3] - m[r].slice(r + 1, 3).reduce((s, v, k) => s + v * x[r + 1 + k], 0)) / m[r][r];
  return x;
}

describe('fit: validation and early stopping', () => {
  // Training data centred at 2, validation data at 1: the validation loss falls while the learned mean
  // passes 1, then rises again, so early stopping must trigger and the best weights differ from the last.
  const train = gaussianRows(5, 2000, [2], [1]);
  const val = gaussianRows(6, 500, [1], [1]);

  it('stops after `patience` evaluations without improvement and restores the best weights', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    const h = await fit(flow, train, {
      steps: 3000, batchSize: 100, learningRate: 0.01, validationData: val, validateEvery: 10, patience: 5, seed: 5, standardize: false, progress: false,
    });
    expect(h.stopReason).toBe('early-stopping');
    expect(h.restoredBest).toBe(true);
    const v = h.validation!;
    expect(h.bestLoss).toBe(Math.min(...v.loss));
    expect(h.bestStep).toBe(v.steps[v.loss.indexOf(h.bestLoss!)]);
    expect(v.steps.at(-1)).toBe(h.bestStep! + 5 * 10);
    expect(h.steps.at(-1)).toBe(v.steps.at(-1));
    expect(v.loss.at(-1)!).toBeGreaterThan(h.bestLoss!);
    // The restored flow scores the validation data exactly as at the best step.
    expect(Math.abs(-meanLogProb(flow, val) - h.bestLoss!)).toBeLessThan(1e-5);
    flow.dispose();
  });

  it('keeps the last weights when restoreBest is false', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    const h = await fit(flow, train, {
      steps: 3000, batchSize: 100, learningRate: 0.01, validationData: val, validateEvery: 10, patience: 5, restoreBest: false, seed: 5, standardize: false, progress: false,
    });
    expect(h.restoredBest).toBe(false);
    expect(Math.abs(-meanLogProb(flow, val) - h.validation!.loss.at(-1)!)).toBeLessThan(1e-5);
    flow.dispose();
  });

  it('validationSplit holds out a seeded subset, evaluated once per epoch and after the last step', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    const h = await fit(flow, train, { epochs: 30, batchSize: 300, validationSplit: 0.25, seed: 7, progress: false, patience: null });
    // 1500 training rows → 5 steps per epoch; 150 steps would allow 20 validations 8 steps apart, so once per epoch.
    expect(h.steps.length).toBe(150);
    // Step 0: the initial weights are validated too, so that they compete for the best.
    expect(h.validation!.steps).toEqual(Array.from({ length: 31 }, (_, i) => 5 * i));
    expect(h.epochs).toBe(30);
    flow.dispose();
  });

  it('validates about 20 times when epochs are long relative to the run', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    // 1500 rows at batch 10: 150 steps per epoch, longer than the 100-step run: every ceil(100 / 20) = 5 steps.
    const h = await fit(flow, train, { steps: 100, batchSize: 10, validationSplit: 0.25, seed: 7, progress: false });
    expect(h.validation!.steps).toEqual(Array.from({ length: 21 }, (_, i) => 5 * i));
    flow.dispose();
  });

  it('by default restores the best validation weights and stops early on runs long relative to the data', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    // 20 epochs of 20 steps (> 10 epochs: early stopping on), validated once per epoch: patience max(10, 20 / 5) = 10.
    // The validation data sit at 1 while training pulls the mean to 2: the best is passed early, the run stops 10 epochs later.
    const h = await fit(flow, train, { epochs: 20, batchSize: 100, learningRate: 0.05, validationData: val, seed: 5, standardize: false, progress: false });
    expect(h.restoredBest).toBe(true);
    expect(h.stopReason).toBe('early-stopping');
    expect(h.validation!.steps.at(-1)).toBe(h.bestStep! + 10 * 20);
    expect(Math.abs(-meanLogProb(flow, val) - h.bestLoss!)).toBeLessThan(1e-5);
    flow.dispose();
  });

  it('short runs keep going to the end but still end with the best weights', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    const h = await fit(flow, train, { epochs: 5, batchSize: 100, learningRate: 0.05, validationData: val, seed: 5, standardize: false, progress: false });
    expect(h.stopReason).toBe('completed');
    expect(h.steps.length).toBe(100);
    expect(h.restoredBest).toBe(h.bestStep !== 100);
    expect(Math.abs(-meanLogProb(flow, val) - h.bestLoss!)).toBeLessThan(1e-5);
    flow.dispose();
  });
});

describe('fit: reproducibility, memory, failures', () => {
  const rows = gaussianRows(8, 1000, [0, 1], [1, 2]);

  it('the same seed gives the same history; another seed a different one', async () => {
    const run = async (seed: number) => {
      const flow = new Flow(new DiagNormal(2), new Affine(2));
      const h = await fit(flow, rows, { steps: 60, batchSize: 50, seed, validationSplit: 0.2, learningRate: 0.01, progress: false });
      flow.dispose();
      return h;
    };
    const [a, b, c] = [await run(11), await run(11), await run(12)];
    expect(b.loss).toEqual(a.loss);
    expect(b.validation).toEqual(a.validation);
    expect(b.gradNorm).toEqual(a.gradNorm);
    expect(c.loss).not.toEqual(a.loss);
  });

  it('keeps the tensor count flat over 3000 steps and frees everything it made', async () => {
    const flow = new Flow(new DiagNormal(2), new Chain([new Affine(2), new Reverse(), new Affine(2)]));
    flow.standardize({ mean: [0, 1], std: [1, 2] });
    const before = tf.memory().numTensors;
    const counts: Record<number, number> = {};
    await fit(flow, rows, {
      steps: 3000, batchSize: 16, validationSplit: 0.1, validateEvery: 500, clipNorm: 1, learningRate: cosineDecay(1e-3, { warmupSteps: 10 }),
      seed: 1, progress: false,
      onStep: ({ step }) => {
        if (step === 10 || step === 3000) counts[step] = tf.memory().numTensors;
      },
    });
    expect(counts[3000]).toBe(counts[10]);
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
  });

  it('a non-finite loss stops with a TrainingError naming the step; weights stay as after the last finite step', async () => {
    // The row 1e30 in batch 5 is finite but its squared latent overflows float32: the loss is Infinity.
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    const good = [[0.2], [0.3], [0.6], [0.9]];
    let atStep4: number[][] = [];
    const batches = function* () {
      for (let i = 0; i < 4; i++) yield good;
      yield [[0.5], [1e30]];
      yield good;
    };
    const run = fit(flow, batches(), { steps: 10, learningRate: 0.1, standardize: false, progress: false, onStep: ({ step }) => void (step === 4 && (atStep4 = weightValues(flow))) });
    await expect(run).rejects.toThrow(TrainingError);
    await expect(run).rejects.toMatchObject({ step: 5, message: expect.stringMatching(/step 5: the training loss was Infinity.*those after step 4/) });
    expect(weightValues(flow)).toEqual(atStep4);
    flow.dispose();
  });
});

describe('fit: callbacks, abort, streams', () => {
  const rows = gaussianRows(9, 100, [0], [1]);

  it('onStep can stop training; onEpoch sees each epoch with its mean loss', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    const h = await fit(flow, rows, { steps: 50, batchSize: 25, seed: 1, progress: false, onStep: (i) => void (i.step === 7 && i.stop()) });
    expect(h.steps.length).toBe(7);
    expect(h.stopReason).toBe('callback');
    const epochs: { epoch: number; step: number; loss: number }[] = [];
    const h2 = await fit(flow, rows, {
      epochs: 3, batchSize: 25, seed: 1, progress: false,
      onEpoch: async ({ epoch, step, loss }) => {
        await new Promise((r) => setTimeout(r, 1));
        epochs.push({ epoch, step, loss });
      },
    });
    expect(epochs.map((e) => [e.epoch, e.step])).toEqual([[1, 4], [2, 8], [3, 12]]);
    epochs.forEach((e) => expect(e.loss).toBeCloseTo(mean(h2.loss.slice(e.step - 4, e.step)), 10));
    expect(h2.stopReason).toBe('completed');
    flow.dispose();
  });

  it('an AbortSignal stops training, from a callback or from a timer while training runs', async () => {
    const flow = new Flow(new StandardNormal(1), new Affine(1));
    const ac = new AbortController();
    const h = await fit(flow, rows, { steps: 50, batchSize: 25, progress: false, signal: ac.signal, onStep: (i) => void (i.step === 5 && ac.abort()) });
    expect([h.steps.length, h.stopReason]).toEqual([5, 'aborted']);
    const ac2 = new AbortController();
    setTimeout(() => ac2.abort(), 20);
    const h2 = await fit(flow, rows, { steps: 10_000_000, batchSize: 25, progress: false, signal: ac2.signal });
    expect(h2.stopReason).toBe('aborted');
    expect(h2.steps.length).toBeLessThan(10_000_000);
    flow.dispose();
  });

  it('trains from an async iterable of batches: epochs re-iterate it, standardisation comes from the first batch', async () => {
    const data = gaussianRows(10, 400, [10, -3], [2, 5]);
    const stream = {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < 400; i += 100) yield { data: Float32Array.from(data.slice(i, i + 100).flat()), shape: [100, 2] as [number, number] };
      },
    };
    const flow = new Flow(new StandardNormal(2), new Affine(2));
    const epochEnds: number[] = [];
    const h = await fit(flow, stream, { epochs: 3, progress: false, validationData: data.slice(0, 50), onEpoch: (e) => void epochEnds.push(e.step) });
    expect(h.steps.length).toBe(12);
    expect(epochEnds).toEqual([4, 8, 12]);
    expect(h.validation!.steps).toEqual([0, 12]);
    const first = mleGaussian(data.slice(0, 100));
    flow.standardization!.mean.forEach((m, j) => expect(m).toBeCloseTo(first.mean[j], 4));
    flow.standardization!.std.forEach((s, j) => expect(s).toBeCloseTo(first.sd[j], 4));
    flow.dispose();
  });

  it('stops with data-exhausted when a one-shot stream runs out before `steps`; batches may carry context', async () => {
    const rng = new Rng(12);
    async function* once() {
      for (let i = 0; i < 3; i++) {
        const c = Array.from({ length: 20 }, () => [rng.normal()]);
        yield { x: c.map(([a]) => [3 * a + rng.normal()]), context: c };
      }
    }
    const flow = new Flow(new StandardNormal(1), new ContextShift(1, 1));
    const h = await fit(flow, once(), { steps: 100, progress: false, standardize: false });
    expect([h.steps.length, h.stopReason, h.epochs]).toEqual([3, 'data-exhausted', 1]);
    flow.dispose();
  });
});

describe('fit: bad input gives clear errors', () => {
  const flow2 = () => new Flow(new StandardNormal(2), new Affine(2));
  const cases: [string, unknown, Record<string, unknown>, RegExp][] = [
    ['empty data', [], {}, /fit: argument 'data' must be .*at least one row; got an empty array/],
    ['NaN', [[1, 2], [NaN, 3]], {}, /fit: argument 'data' must be finite numbers; got NaN at row 1, column 0/],
    ['wrong width', [[1, 2, 3]], {}, /fit: argument 'data' must be .*2 columns; got 3 columns/],
    ['ragged', [[1, 2], [3]], {}, /ragged array: row 0 has 2 values, row 1 has 1/],
    ['non-numeric cell', [[1, '2']], {}, /must be numbers; got "2" at row 0, column 1/],
    ['bare typed array', new Float32Array(4), {}, /\{ data, shape/],
    ['unknown option', [[1, 2]], { learningrate: 1 }, /unknown option "learningrate"/],
    ['steps and epochs', [[1, 2]], { steps: 1, epochs: 1 }, /either steps or epochs/],
    ['bad batch size', [[1, 2]], { batchSize: 0 }, /options.batchSize/],
    ['bad split', [[1, 2], [3, 4]], { validationSplit: 1 }, /options.validationSplit/],
    ['split too small', [[1, 2], [3, 4]], { validationSplit: 0.1 }, /at least one training and one validation row/],
    ['context for an unconditional flow', [[1, 2]], { context: [[1]] }, /options.context.*unconditional/],
    ['validation width', [[1, 2]], { validationData: [[1]] }, /options.validationData/],
    ['bad learning rate', [[1, 2]], { learningRate: 0 }, /options.learningRate/],
    ['bad signal', [[1, 2]], { signal: {} }, /AbortSignal/],
  ];
  it.each(cases)('%s', async (_name, data, options, message) => {
    const flow = flow2();
    const before = tf.memory().numTensors;
    const err = await fit(flow, data as never, { progress: false, ...options }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toMatch(message);
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
  });

  it('a bad batch in a stream names its epoch and batch; a conditional flow needs context', async () => {
    const flow = flow2();
    const stream = (function* () {
      yield [[1, 2]];
      yield [[1, Infinity]];
    })();
    await expect(fit(flow, stream, { progress: false, standardize: false })).rejects.toThrow(/data \(epoch 1, batch 1\)' must be finite numbers; got Infinity at row 0, column 1/);
    const cond = new Flow(new StandardNormal(1), new ContextShift(1, 1));
    await expect(fit(cond, [[1]], { progress: false })).rejects.toThrow(/options.context' must be a matrix \[1, 1\] \(the flow is conditional\)/);
    await expect(fit(cond, [[1], [2]], { progress: false, context: [[1]] })).rejects.toThrow(/options.context.*2 rows/);
    flow.dispose();
    cond.dispose();
  });
});

describe('fit with BatchNorm layers', () => {
  it('trains them on batch statistics and leaves them in evaluation mode with updated running statistics', async () => {
    const { realNVP: build, BatchNorm: BN } = await import('../../src/index.js');
    const flow = build({ dim: 2, layers: 2, hidden: [8], normalization: 'batchnorm', seed: 1 });
    const layers = (flow.bijector as unknown as { modules(): unknown[] }).modules().filter((m) => m instanceof BN) as InstanceType<typeof BN>[];
    expect(layers.length).toBe(2);
    // Data with mean (3, −2) and std (2, 0.5); without standardisation the first BatchNorm's running mean must move towards it.
    const rng = new Rng('bn');
    const x = Array.from({ length: 512 }, () => [3 + 2 * rng.normal(), -2 + 0.5 * rng.normal()]);
    await fit(flow, x, { steps: 200, batchSize: 128, standardize: false, validationSplit: 0.25, seed: 2, progress: false });
    expect(layers.every((l) => l.training === false)).toBe(true);
    const mean = Array.from(layers[0].runningMean.dataSync());
    expect(mean.some((m) => Math.abs(m) > 0.5)).toBe(true);
    flow.dispose();
  });
});
