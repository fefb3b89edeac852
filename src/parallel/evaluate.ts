/**
 * Evaluation on two threads, as an opt-in of the Node entry (`tfjs-flows/node`): the same results as
 * `flow.logProb`, `flow.sample` and `flow.sampleAndLogProb`, with each memory-bounded chunk of rows
 * split between this thread and one evaluation worker (see `two-thread-eval.ts`). `Flow` itself
 * never starts a thread.
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { Flow, ONE_THREAD, type RowEvaluator, type SampleOptions } from '../flow.js';
import { type MatrixLike, checkOptions } from '../validate.js';
import { evaluateOnTwoThreads, twoThreadsByDefault } from './two-thread-eval.js';

export interface EvaluateOptions {
  /** `2` splits large calls with the evaluation worker, `1` stays on this thread (default: `setEvaluationThreads`, else 2 unless `TFJS_FLOWS_THREADS=1`). */
  threads?: 1 | 2;
}

export interface EvaluateLogProbOptions extends EvaluateOptions {
  /** Context of a conditional flow, `[batch, contextDim]`. */
  context?: MatrixLike;
}

export type EvaluateSampleOptions = EvaluateOptions & SampleOptions;

/** Each chunk twice the one-thread size, half of it on each thread. */
const TWO_THREADS: RowEvaluator = {
  chunkRows: (rows) => 2 * rows,
  logProb: (flow, x, context) => {
    const split = evaluateOnTwoThreads(flow, 'logProb', x, context, (xx, c) => [flow.logProbUnchecked(xx, c)]);
    return split ? (split[0] as tf.Tensor1D) : flow.logProbUnchecked(x, context);
  },
  forward: (flow, z, context) => {
    const split = evaluateOnTwoThreads(flow, 'forward', z, context, (zz, c) => {
      const { output, logDet } = flow.forwardUnchecked(zz, c);
      return [output, logDet];
    });
    return split ? { output: split[0] as tf.Tensor2D, logDet: split[1] as tf.Tensor1D } : flow.forwardUnchecked(z, context);
  },
};

function checkFlow(fn: string, flow: unknown): void {
  if (!(flow instanceof Flow)) throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
}

function evaluator(fn: string, threads: unknown): RowEvaluator {
  if (threads === undefined) return twoThreadsByDefault() ? TWO_THREADS : ONE_THREAD;
  if (threads !== 1 && threads !== 2) throw new ValidationError(fn, 'options.threads', '1 or 2', describe(threads));
  return threads === 2 ? TWO_THREADS : ONE_THREAD;
}

/**
 * `log p(x)` of each row of `x` (`[batch, dim]`, data units) → `[batch]`, exactly `flow.logProb(x)`,
 * with large calls split between this thread and an evaluation worker. Worth it from about 16k rows
 * of a small flow, or a few thousand rows of a wide one; smaller calls, calls under a gradient tape
 * and other backends than wasm/cpu stay on one thread. The first eligible call starts the worker and
 * computes alone (`await evaluationThreadsReady()` first to time the two-thread path).
 *
 * @param flow the flow (its weights are copied to the worker on every call, so training may go on)
 * @param x `[batch, dim]` rows in data units
 * @param options `context` `[batch, contextDim]` for a conditional flow; `threads` 1 or 2
 *
 * @example
 * ```ts
 * import { ready, realNVP, datasets } from 'tfjs-flows';
 * import { evaluateLogProb } from 'tfjs-flows/node';
 * await ready();
 * const flow = realNVP({ dim: 2, seed: 0 });
 * const lp = evaluateLogProb(flow, datasets.moons(100_000, { seed: 1 }), { threads: 2 }); // [100000]
 * ```
 */
export function evaluateLogProb(flow: Flow, x: MatrixLike, options: EvaluateLogProbOptions = {}): tf.Tensor1D {
  const fn = 'evaluateLogProb';
  checkFlow(fn, flow);
  checkOptions(fn, options, ['context', 'threads']);
  return flow.logProbWith(fn, x, options.context, evaluator(fn, options.threads));
}

/**
 * `n` samples `[n, dim]`, exactly `flow.sample(n, { seed, context })`, with the latent → data pass of
 * large calls split with the evaluation worker (the latent draws stay on this thread, so a seed gives
 * the same samples on one thread or two).
 *
 * @example
 * ```ts
 * const x = evaluateSample(flow, 100_000, { seed: 7, threads: 2 }); // [100000, dim]
 * ```
 */
export function evaluateSample(flow: Flow, n: number, options: EvaluateSampleOptions = {}): tf.Tensor2D {
  const fn = 'evaluateSample';
  checkFlow(fn, flow);
  checkOptions(fn, options, ['seed', 'context', 'threads']);
  const { threads, ...sampleOptions } = options;
  return flow.sampleWith(fn, n, sampleOptions, evaluator(fn, threads)).samples;
}

/**
 * Samples and their log-density, exactly `flow.sampleAndLogProb(n, { seed, context })`, split like
 * {@link evaluateSample}. Not differentiable through the worker's half: under a gradient tape the
 * whole call stays on this thread.
 *
 * @example
 * ```ts
 * const { samples, logProb } = evaluateSampleAndLogProb(flow, 100_000, { seed: 7 });
 * ```
 */
export function evaluateSampleAndLogProb(flow: Flow, n: number, options: EvaluateSampleOptions = {}): { samples: tf.Tensor2D; logProb: tf.Tensor1D } {
  const fn = 'evaluateSampleAndLogProb';
  checkFlow(fn, flow);
  checkOptions(fn, options, ['seed', 'context', 'threads']);
  const { threads, ...sampleOptions } = options;
  return flow.sampleWith(fn, n, sampleOptions, evaluator(fn, threads), true) as { samples: tf.Tensor2D; logProb: tf.Tensor1D };
}
