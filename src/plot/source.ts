/**
 * What the figure builders read: a flow or a log-density function, evaluated in batches, and user
 * point sets, read back into JavaScript arrays with asynchronous reads (one per batch), so that
 * plotting never stalls a GPU backend. Every tensor made here is disposed before returning.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { withoutDomainChecks } from '../bijectors/domain.js';
import { Flow } from '../flow.js';
import type { Seed } from '../random.js';
import { checkFiniteValues, checkInt, checkVector, type MatrixLike, toMatrix } from '../validate.js';

/**
 * A log-density to plot: a `Flow`, or a function from points `[batch, dim]` to log-densities
 * `[batch]` (a tensor, which is disposed after reading, or an array of numbers). The function form
 * plots densities known in closed form, such as a toy data set's.
 */
export type LogDensity = Flow | ((points: tf.Tensor2D) => tf.Tensor1D | ArrayLike<number>);

/** Options every density evaluation accepts. */
export interface EvaluationOptions {
  /** Points per `logProb` call (default 4096): bounds memory, not results. */
  batchSize?: number;
  /** One context vector `[contextDim]` used for every point, for a conditional flow. */
  context?: number[];
}

/** Check `source` is a Flow of dimension `dim` or a function; returns it. */
export function checkLogDensity(fn: string, arg: string, source: unknown, dim: number): LogDensity {
  if (source instanceof Flow) {
    if (source.dim !== dim) throw new ValidationError(fn, arg, `a flow of dimension ${dim}`, `a flow of dimension ${source.dim}`);
    return source;
  }
  if (typeof source === 'function') return source as LogDensity;
  throw new ValidationError(fn, arg, `a Flow of dimension ${dim} or a function (points: Tensor2D [batch, ${dim}]) => log-densities [batch]`, describe(source));
}

/** Check `flow` is a `Flow` of dimension `dim`. */
export function checkFlow(fn: string, arg: string, flow: unknown, dim: number): Flow {
  if (!(flow instanceof Flow)) throw new ValidationError(fn, arg, `a Flow of dimension ${dim}`, describe(flow));
  if (flow.dim !== dim) throw new ValidationError(fn, arg, `a flow of dimension ${dim}`, `a flow of dimension ${flow.dim}`);
  return flow;
}

/** The one context row for a conditional flow (or `undefined`), checked against the flow. */
export function checkContext(fn: string, source: LogDensity | Flow, context: unknown): number[] | undefined {
  const contextDim = source instanceof Flow ? source.contextDim : 0;
  if (contextDim === 0) {
    if (context !== undefined) throw new ValidationError(fn, 'options.context', 'absent (only a conditional flow takes a context)', describe(context));
    return undefined;
  }
  if (context === undefined) throw new ValidationError(fn, 'options.context', `a vector of ${contextDim} numbers (this flow is conditional)`, 'none');
  return checkVector(fn, 'options.context', context, contextDim);
}

/**
 * Log-density at each row of the row-major `points` (`[n, dim]`), computed `batchSize` rows at a
 * time. A flow's points outside its support (where a bijector rejects its input, e.g. Tanh's inverse
 * outside (−1, 1)) get −∞; for a function, non-finite results are kept as they are.
 */
export async function evaluateLogDensity(
  fn: string,
  source: LogDensity,
  points: Float32Array,
  dim: number,
  options: EvaluationOptions = {},
): Promise<Float64Array> {
  assertReady(fn);
  const batchSize = checkInt(fn, 'options.batchSize', options.batchSize ?? 4096);
  const n = points.length / dim;
  const out = new Float64Array(n);
  for (let start = 0; start < n; start += batchSize) {
    const rows = Math.min(batchSize, n - start);
    if (source instanceof Flow) await flowRows(source, points, dim, Array.from({ length: rows }, (_, i) => start + i), options.context, out);
    else await functionRows(fn, source, points, dim, start, rows, out);
  }
  return out;
}

/** Rows at which a failing batch is re-evaluated before halving. */
const RETRY_ROWS = 64;

/** `flow.logProb` at rows `[start, start + rows)` of `points`, or `null` when a bijector rejects one of them. */
async function tryLogProb(flow: Flow, points: Float32Array, dim: number, rows: number[], context: number[] | undefined, checks = true): Promise<Float32Array | null> {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => data.set(points.subarray(r * dim, (r + 1) * dim), k * dim));
  const x = tf.tensor2d(data, [rows.length, dim]);
  const ctx = context && tf.tidy(() => tf.tile(tf.tensor2d([context]), [rows.length, 1]) as tf.Tensor2D);
  let lp: tf.Tensor1D | undefined;
  try {
    lp = checks ? flow.logProb(x, ctx) : withoutDomainChecks(() => flow.logProb(x, ctx));
    return (await lp.data()) as Float32Array;
  } catch (e) {
    // The grid itself is finite and checked, so a ValidationError from inside the flow (a bijector's
    // domain check) means some of these rows lie outside the support.
    if (!(e instanceof ValidationError) || e.fn === 'Flow.logProb') throw e;
    return null;
  } finally {
    x.dispose();
    ctx?.dispose();
    lp?.dispose();
  }
}

/**
 * `flow.logProb` of the given rows into `out`, −∞ where a row lies outside the support. Fast path: all
 * rows at once. Otherwise one pass with the domain checks off marks the rows whose log-density is not
 * finite (outside the support, or −∞ anyway: with the checks passing, the computation is the same);
 * the remaining rows are recomputed with the checks on, and only if that still fails (a bijector
 * that gives finite garbage outside its domain) are they split until the failing rows are isolated.
 */
async function flowRows(flow: Flow, points: Float32Array, dim: number, rows: number[], context: number[] | undefined, out: Float64Array, hint = true): Promise<void> {
  const lp = await tryLogProb(flow, points, dim, rows, context);
  if (lp) {
    rows.forEach((r, k) => (out[r] = lp[k]));
    return;
  }
  if (rows.length === 1) {
    out[rows[0]] = -Infinity;
    return;
  }
  if (hint) {
    let unchecked: Float32Array | null = null;
    try {
      unchecked = await tryLogProb(flow, points, dim, rows, context, false);
    } catch {
      // A bijector that cannot run at all outside its domain: fall back to splitting.
    }
    if (unchecked) {
      const finite = rows.filter((_, k) => Number.isFinite(unchecked![k]));
      rows.forEach((r, k) => {
        if (!Number.isFinite(unchecked![k])) out[r] = -Infinity;
      });
      if (finite.length > 0) await flowRows(flow, points, dim, finite, context, out, false);
      return;
    }
  }
  const step = rows.length > RETRY_ROWS ? RETRY_ROWS : Math.ceil(rows.length / 2);
  for (let s = 0; s < rows.length; s += step) await flowRows(flow, points, dim, rows.slice(s, s + step), context, out, false);
}

/** A log-density function of rows `[start, start + rows)` into `out`. */
async function functionRows(
  fn: string,
  source: (points: tf.Tensor2D) => tf.Tensor1D | ArrayLike<number>,
  points: Float32Array,
  dim: number,
  start: number,
  rows: number,
  out: Float64Array,
): Promise<void> {
  const x = tf.tensor2d(points.subarray(start * dim, (start + rows) * dim), [rows, dim]);
  let plain: ArrayLike<number> | undefined;
  let t: tf.Tensor | void = undefined;
  try {
    // Tensors the function makes along the way are freed by the tidy; plain arrays pass beside it.
    t = tf.tidy(() => {
      const r = source(x);
      if (r instanceof tf.Tensor) return r;
      plain = r;
      return undefined;
    });
    const values = t instanceof tf.Tensor ? await checkTensorResult(fn, t, rows) : plain;
    if (values?.length !== rows) {
      throw new ValidationError(fn, 'source', `a function returning ${rows} log-densities for ${rows} points`, describe(values));
    }
    for (let i = 0; i < rows; i++) out[start + i] = values[i];
  } finally {
    x.dispose();
    if (t instanceof tf.Tensor) t.dispose();
  }
}

async function checkTensorResult(fn: string, t: tf.Tensor, rows: number): Promise<ArrayLike<number>> {
  if (t.size !== rows || t.shape[0] !== rows) {
    throw new ValidationError(fn, 'source', `a function returning a tensor [${rows}] for ${rows} points`, describe(t));
  }
  return t.data();
}

/** A user point set `[n, cols]` read back as a row-major Float32Array (checked: finite, `cols` columns). */
export async function readPoints(fn: string, arg: string, input: MatrixLike, cols?: number): Promise<{ values: Float32Array; rows: number; cols: number }> {
  const isTensor = input instanceof tf.Tensor;
  const { tensor, owned } = toMatrix(input, { fn, arg, cols, finite: !isTensor });
  let values: Float32Array;
  try {
    values = Float32Array.from(await tensor.data());
  } finally {
    if (owned) tensor.dispose();
  }
  const [rows, c] = tensor.shape;
  // A tensor's values are checked after the asynchronous read (arrays were checked on conversion).
  if (isTensor) checkFiniteValues({ fn, arg, cols }, values, c);
  return { values, rows, cols: c };
}

/** `n` samples `[n, dim]` of a flow, row-major. */
export async function drawSamples(flow: Flow, n: number, seed: Seed, context?: number[]): Promise<Float32Array> {
  const x = flow.sample(n, { seed, ...(context ? { context: [context] } : {}) });
  try {
    return Float32Array.from(await x.data());
  } finally {
    x.dispose();
  }
}
