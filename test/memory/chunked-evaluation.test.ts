/**
 * Bounded memory (issue 16): with a memory budget far too small for the whole batch, `logProb`,
 * `sample`, `sampleAndLogProb`, `toLatent` and `fromLatent` of a wide MAF run in several chunks
 * (counted on the bijector's calls), give what the unchunked call gives (rows are independent:
 * equal within float32 rounding), and leave the tensor count flat. Running out of WebAssembly memory
 * becomes an `OutOfMemoryError`, with the backend still usable.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Bijector, type BijectorResult, Flow, OutOfMemoryError, StandardNormal, maskedAutoregressiveFlow, realNVP, setMemoryBudget, StochasticFlow, tf } from '../../src/index.js';
import { bytesPerRow, chunkRows, layerWidths } from '../../src/memory/row-chunks.js';
import { useBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { perturbFlow } from '../helpers/perturb-flow.js';

const DIM = 6;
const N = 200;

function points(n: number, dim: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => tf.tensor2d(Array.from({ length: n * dim }, (_, i) => Math.sin(i * 12.9898 + seed) * 2), [n, dim]));
}

/** A wide MAF (hidden 128 ≫ dim) with perturbed weights, so every layer does something. */
function wideMaf(contextDim = 0): Flow {
  const flow = maskedAutoregressiveFlow({ dim: DIM, layers: 2, hidden: [128, 128], contextDim, seed: 3 });
  perturbFlow(flow, 4, 0.2);
  return flow;
}

/** A budget that fits `rows` rows of `flow` per chunk. */
function budgetFor(flow: Flow, rows: number): number {
  return rows * bytesPerRow(layerWidths([flow.base, flow.bijector], flow.dim));
}

/** `f` run unchunked and with chunks of 37 rows: both outputs (read back) and the number of `method` calls on the bijector in the chunked run. */
function bothWays(flow: Flow, method: 'inverse' | 'forward', f: () => tf.Tensor | tf.Tensor[]): { whole: Float32Array[]; chunked: Float32Array[]; calls: number } {
  const read = () => {
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => t.dataSync() as Float32Array);
    tf.dispose(list);
    return values;
  };
  setMemoryBudget(null);
  const whole = read();
  setMemoryBudget(budgetFor(flow, 37));
  expect(chunkRows(layerWidths([flow.base, flow.bijector], flow.dim))).toBe(37);
  const spy = vi.spyOn(flow.bijector, method);
  const chunked = read();
  const calls = spy.mock.calls.length;
  spy.mockRestore();
  setMemoryBudget(null);
  return { whole, chunked, calls };
}

function expectClose(a: Float32Array, b: Float32Array, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThan(tol);
}

describe('chunked evaluation', () => {
  afterEach(() => setMemoryBudget(null));

  it('the chunk size follows the layer widths and the budget', () => {
    const narrow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 1 });
    const wide = wideMaf();
    const w = layerWidths([wide.base, wide.bijector], DIM);
    // Two MADEs of three masked dense layers each; the widest side is a hidden layer.
    expect(w).toEqual({ widest: 128, matrices: 6 });
    expect(bytesPerRow(w)).toBe(4 * 2 * 128 * (6 + 4));
    expect(chunkRows(w)).toBe(Math.floor(256 * 2 ** 20 / bytesPerRow(w)));
    expect(chunkRows(layerWidths([narrow.base, narrow.bijector], 2))).toBeGreaterThan(chunkRows(w));
    setMemoryBudget(1);
    expect(chunkRows(w)).toBe(1);
    expect(() => setMemoryBudget(0)).toThrow(/setMemoryBudget: argument 'bytes' must be a positive finite number/);
    narrow.dispose();
    wide.dispose();
  });

  describe.each(['wasm', 'cpu'])('on %s', (backend) => {
    useBackend(backend);

    it('logProb, toLatent and fromLatent of a batch 5× the chunk equal the unchunked results, tensor count flat', () => {
      const flow = wideMaf();
      const x = points(N, DIM, 1);
      const lp = bothWays(flow, 'inverse', () => flow.logProb(x));
      expect(lp.calls).toBe(Math.ceil(N / 37));
      expect(lp.chunked[0].every(Number.isFinite)).toBe(true);
      expectClose(lp.chunked[0], lp.whole[0]);
      const z = bothWays(flow, 'inverse', () => flow.toLatent(x));
      expect(z.calls).toBe(Math.ceil(N / 37));
      expectClose(z.chunked[0], z.whole[0]);
      // fromLatent undoes toLatent (the autoregressive inversion, chunked).
      const zt = tf.tensor2d(z.whole[0], [N, DIM]);
      const back = bothWays(flow, 'forward', () => flow.fromLatent(zt));
      expect(back.calls).toBe(Math.ceil(N / 37));
      expectClose(back.chunked[0], back.whole[0]);
      expectClose(back.chunked[0], x.dataSync() as Float32Array, 1e-4);
      setMemoryBudget(budgetFor(flow, 37));
      expectNoLeak(() => flow.logProb(x));
      expectNoLeak(() => flow.toLatent(x));
      expectNoLeak(() => flow.fromLatent(zt));
      tf.dispose([x, zt]);
      flow.dispose();
    });

    it('sample and sampleAndLogProb: the same seeded samples in chunks, their density is logProb of them, tensor count flat', () => {
      const flow = wideMaf();
      const s = bothWays(flow, 'forward', () => flow.sample(N, { seed: 9 }));
      expect(s.calls).toBe(Math.ceil(N / 37));
      expectClose(s.chunked[0], s.whole[0]);
      const sl = bothWays(flow, 'forward', () => {
        const r = flow.sampleAndLogProb(N, { seed: 9 });
        return [r.samples, r.logProb];
      });
      expect(sl.calls).toBe(Math.ceil(N / 37));
      expectClose(sl.chunked[0], s.whole[0]);
      expectClose(sl.chunked[1], sl.whole[1]);
      // base.logProb(z) − forward logDet is the density of the samples: logProb through the inverse agrees.
      const x = tf.tensor2d(sl.chunked[0], [N, DIM]);
      const lp = flow.logProb(x);
      expectClose(lp.dataSync() as Float32Array, sl.chunked[1], 1e-4);
      setMemoryBudget(budgetFor(flow, 37));
      expectNoLeak(() => flow.sample(N, { seed: 9 }));
      expectNoLeak(() => flow.sampleAndLogProb(N, { seed: 9 }));
      tf.dispose([x, lp]);
      flow.dispose();
    });

    it('a conditional flow chunks its context alongside (per-row and broadcast [1, c])', () => {
      const flow = wideMaf(2);
      const x = points(N, DIM, 2);
      const c = points(N, 2, 3);
      const lp = bothWays(flow, 'inverse', () => flow.logProb(x, c));
      expect(lp.calls).toBe(Math.ceil(N / 37));
      expectClose(lp.chunked[0], lp.whole[0]);
      const s = bothWays(flow, 'forward', () => flow.sample(N, { seed: 4, context: [[0.5, -1]] }));
      expectClose(s.chunked[0], s.whole[0]);
      const perRow = bothWays(flow, 'forward', () => flow.sample(N, { seed: 4, context: c }));
      expectClose(perRow.chunked[0], perRow.whole[0]);
      expect(perRow.whole[0]).not.toEqual(s.whole[0]);
      tf.dispose([x, c]);
      flow.dispose();
    });
  });

  it('StochasticFlow.logProb (bijectors only) is chunked alike and equals the Flow it wraps', () => {
    const flow = wideMaf();
    const snf = new StochasticFlow(flow.base, [flow.bijector], (x) => tf.neg(tf.sum(tf.square(x), 1)) as tf.Tensor1D);
    const x = points(N, DIM, 11);
    const want = flow.logProb(x);
    setMemoryBudget(budgetFor(flow, 37));
    const spy = vi.spyOn(flow.bijector, 'inverse');
    const got = snf.logProb(x);
    expect(spy.mock.calls.length).toBe(Math.ceil(N / 37));
    spy.mockRestore();
    expectClose(got.dataSync() as Float32Array, want.dataSync() as Float32Array);
    expectNoLeak(() => snf.logProb(x));
    tf.dispose([x, want, got]);
    flow.dispose();
  });

  it('an uninitialised ActNorm sees the whole batch (no chunks): its first call equals a fresh flow\'s unchunked one', () => {
    const make = () => realNVP({ dim: 2, layers: 2, hidden: [16], normalization: 'actnorm', seed: 8 });
    const a = make();
    const b = make();
    const x = points(N, 2, 5);
    const whole = a.logProb(x);
    setMemoryBudget(budgetFor(b, 10));
    const spy = vi.spyOn(b.bijector, 'inverse');
    const chunked = b.logProb(x);
    expect(spy.mock.calls.length).toBe(1);
    expect(chunked.dataSync()).toEqual(whole.dataSync());
    // Initialised now: later calls are chunked.
    tf.dispose(b.logProb(x));
    expect(spy.mock.calls.length).toBe(1 + Math.ceil(N / 10));
    spy.mockRestore();
    tf.dispose([x, whole, chunked]);
    a.dispose();
    b.dispose();
  });

  it('under a gradient tape the batch is one differentiable expression (no chunks)', () => {
    const flow = wideMaf();
    const x = points(50, DIM, 6);
    setMemoryBudget(budgetFor(flow, 7));
    const spy = vi.spyOn(flow.bijector, 'inverse');
    const { value, grads } = tf.variableGrads(() => tf.mean(flow.logProb(x)) as tf.Scalar, flow.trainableVariables);
    expect(spy.mock.calls.length).toBe(1);
    spy.mockRestore();
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(Object.keys(grads).length).toBe(flow.trainableVariables.length);
    tf.dispose([value, x, ...Object.values(grads)]);
    flow.dispose();
  });
});

/** Allocates a 4.6 GB tensor in its density direction: more than the wasm heap can ever hold. */
class Hog extends Bijector {
  readonly className = 'Hog';
  getConfig() {
    return { dim: this.dim };
  }
  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: x, logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D };
  }
  protected _inverse(x: tf.Tensor2D): BijectorResult {
    const big = tf.fill([1024, 1024, 1100], 1);
    return { output: tf.add(x, tf.sum(tf.slice(big, [0, 0, 0], [1, 1, 1]))) as tf.Tensor2D, logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D };
  }
}

describe('out of WebAssembly memory', () => {
  useBackend('wasm');

  it('a call whose results cannot fit is refused before allocating: OutOfMemoryError naming rows, chunk and width', () => {
    const flow = maskedAutoregressiveFlow({ dim: 43, layers: 1, hidden: [64], seed: 1 });
    const before = tf.memory().numTensors;
    let error: unknown = null;
    try {
      flow.sample(30_000_000, { seed: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutOfMemoryError);
    const e = error as OutOfMemoryError;
    expect(e.message).toMatch(/^Flow\.sample: 30000000 rows need about [\d.]+ GiB of WebAssembly memory/);
    expect(e.message).toMatch(/reduce the rows per call .* the chunk size \(\d+ rows, from setMemoryBudget.* or the layer width \(widest 86, 2 weight matrices\)/);
    expect(e.recoverable).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
  });

  it('an allocation the heap cannot grow to becomes OutOfMemoryError, and the backend keeps computing', () => {
    const flow = new Flow(new StandardNormal(2), new Hog({ dim: 2 }));
    const x = points(10, 2, 7);
    const before = tf.memory().numTensors;
    let error: unknown = null;
    try {
      flow.logProb(x);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect((error as OutOfMemoryError).message).toMatch(/^Flow\.logProb: out of memory evaluating 10 rows .*could not grow to allocate/);
    expect((error as OutOfMemoryError).recoverable).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // Still computing, correctly: a fresh RealNVP is the identity, so its density is N(0, I)'s.
    const fresh = realNVP({ dim: 2, layers: 2, hidden: [16], seed: 2 });
    const lp = fresh.logProb(x);
    const want = (x.arraySync() as number[][]).map(([a, b]) => -Math.log(2 * Math.PI) - (a * a + b * b) / 2);
    expectClose(lp.dataSync() as Float32Array, Float32Array.from(want));
    tf.dispose([x, lp]);
    flow.dispose();
    fresh.dispose();
  });
});

describe('the Node entry', () => {
  it('evaluateLogProb and evaluateSample check their arguments', async () => {
    const { evaluateLogProb, evaluateSample } = await import('../../src/node.js');
    const flow = realNVP({ dim: 2, layers: 1, hidden: [4], seed: 1 });
    expect(() => evaluateLogProb({} as never, [[0, 0]])).toThrow(/evaluateLogProb: argument 'flow' must be a Flow; got an object/);
    expect(() => evaluateLogProb(flow, [[0, 0]], { threads: 3 as never })).toThrow(/evaluateLogProb: argument 'options.threads' must be 1 or 2; got 3/);
    expect(() => evaluateSample(flow, 0)).toThrow(/evaluateSample: argument 'n'/);
    flow.dispose();
  });
});
