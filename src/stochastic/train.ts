/**
 * Training a stochastic flow (Wu, Köhler & Noé 2020, §"Training"): a weighted sum of
 *
 *     maximum likelihood   J_ML = −E_data[ log p_base(z) + Σ ΔS ]          (density pass from the data)
 *     reverse KL           J_KL = −E_paths[ log w ] = KL(paths) − log Z      (sampling pass)
 *
 * `loss = mlWeight · J_ML + klWeight · J_KL`. The paper trains ML alone, then ½ ML + ½ KL. The loop
 * (clipping, schedule, callbacks, abort, progress, history) is `train/loop.ts`'s.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { FitHistory } from '../train/history.js';
import type { StepInfo } from '../train/callbacks.js';
import { runTraining } from '../train/loop.js';
import { adam } from '../train/optimizer.js';
import { createProgress } from '../train/progress.js';
import { type LearningRate, resolveSchedule } from '../train/schedule.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkNumber, checkOptions, matrix, type MatrixLike } from '../validate.js';
import { checkTargetOnce, StochasticFlow } from './stochastic-flow.js';

export interface TrainStochasticFlowOptions {
  /** Data `[n, dim]` for the maximum-likelihood term (needed when `mlWeight > 0`). */
  data?: MatrixLike;
  /** Weight of the maximum-likelihood term (default 1 with data, else 0). */
  mlWeight?: number;
  /** Weight of the reverse-KL term (default 0 with data, else 1). */
  klWeight?: number;
  /** Optimisation steps (default 300). */
  steps?: number;
  /** Data rows per step, drawn without replacement within each pass over the data (default 128). */
  batchSize?: number;
  /** Paths sampled per step for the KL term (default: `batchSize`). */
  samplesPerStep?: number;
  /** Adam's rate (default 5e-3, the paper's), a schedule or a function of the step. */
  learningRate?: LearningRate;
  /** Clip gradients to this global norm (default: none). */
  clipNorm?: number;
  seed?: Seed;
  onStep?: (info: StepInfo) => void | Promise<void>;
  signal?: AbortSignal;
  progress?: boolean;
}

const KNOWN = ['data', 'mlWeight', 'klWeight', 'steps', 'batchSize', 'samplesPerStep', 'learningRate', 'clipNorm', 'seed', 'onStep', 'signal', 'progress'] as const;

/**
 * Train the deterministic layers (and trainable step sizes) of a stochastic flow by
 * `mlWeight · J_ML + klWeight · J_KL` with Adam. `history.loss` is that weighted loss.
 *
 * @example
 * ```ts
 * await trainStochasticFlow(snf, { data: sampleDoubleWell(10000, 0), steps: 300, seed: 1 });            // ML
 * await trainStochasticFlow(snf, { data, mlWeight: 0.5, klWeight: 0.5, steps: 300, seed: 2 });          // ½ML + ½KL
 * ```
 */
export async function trainStochasticFlow(flow: StochasticFlow, options: TrainStochasticFlowOptions = {}): Promise<FitHistory> {
  const fn = 'trainStochasticFlow';
  assertReady(fn);
  if (!(flow instanceof StochasticFlow)) throw new ValidationError(fn, 'flow', 'a StochasticFlow', describe(flow));
  checkOptions(fn, options, KNOWN);
  const o = options;
  const hasData = o.data !== undefined;
  const mlWeight = checkNumber(fn, 'options.mlWeight', o.mlWeight ?? (hasData ? 1 : 0), { min: 0 });
  const klWeight = checkNumber(fn, 'options.klWeight', o.klWeight ?? (hasData ? 0 : 1), { min: 0 });
  if (mlWeight + klWeight === 0) throw new ValidationError(fn, 'options', 'mlWeight + klWeight > 0', 'both 0');
  if (mlWeight > 0 && !hasData) throw new ValidationError(fn, 'options.data', 'data [n, dim] (mlWeight > 0)', 'undefined');
  const steps = checkInt(fn, 'options.steps', o.steps ?? 300);
  const batchSize = checkInt(fn, 'options.batchSize', o.batchSize ?? 128);
  const samplesPerStep = checkInt(fn, 'options.samplesPerStep', o.samplesPerStep ?? batchSize);
  const clipNorm = o.clipNorm === undefined ? null : checkNumber(fn, 'options.clipNorm', o.clipNorm, { min: 0, open: true });
  const learningRate = resolveSchedule(fn, o.learningRate ?? 5e-3, steps);
  const trainable = flow.trainableVariables;
  if (trainable.length === 0) throw new ValidationError(fn, 'flow', 'a flow with trainable weights', 'none');
  const rng = toRng(o.seed, fn, 'options.seed');

  let data: Float32Array | null = null;
  let rows = 0;
  if (hasData) {
    const t = matrix(o.data, { fn, arg: 'options.data', cols: flow.dim });
    data = t.dataSync() as Float32Array;
    rows = t.shape[0];
    if (t !== o.data) t.dispose();
    if (batchSize > rows) throw new ValidationError(fn, 'options.batchSize', `at most the number of data rows (${rows})`, `${batchSize}`);
  }
  const first = flow.base.sample(Math.min(samplesPerStep, 64), rng.fork());
  try {
    checkTargetOnce(fn, flow.logTarget, first);
  } finally {
    first.dispose();
  }

  let order: number[] = [];
  let cursor = 0;
  let epoch = 1;
  const nextBatch = (): { batch: tf.Tensor2D; endOfEpoch: boolean } => {
    if (cursor + batchSize > order.length) {
      order = rng.permutation(rows);
      cursor = 0;
    }
    const out = new Float32Array(batchSize * flow.dim);
    for (let i = 0; i < batchSize; i++) out.set(data!.subarray(order[cursor + i] * flow.dim, (order[cursor + i] + 1) * flow.dim), i * flow.dim);
    cursor += batchSize;
    return { batch: tf.tensor2d(out, [batchSize, flow.dim]), endOfEpoch: cursor + batchSize > order.length };
  };

  const optimizer = adam();
  try {
    return await runTraining({
      fn,
      trainable,
      weights: flow,
      totalSteps: steps,
      nextStep: async () => {
        const stepRng = rng.fork();
        const b = mlWeight > 0 ? nextBatch() : null;
        const e = epoch;
        if (b?.endOfEpoch) epoch++;
        return {
          loss: () => {
            let loss = tf.scalar(0);
            if (b) loss = tf.add(loss, tf.mul(-mlWeight, tf.mean(flow.inverseWithWeights(b.batch, stepRng))));
            if (klWeight > 0) loss = tf.add(loss, tf.mul(-klWeight, tf.mean(flow.forwardWithWeights(samplesPerStep, stepRng).logWeights)));
            return loss as tf.Scalar;
          },
          epoch: e,
          endOfEpoch: b?.endOfEpoch ?? false,
          dispose: () => b?.batch.dispose(),
        };
      },
      learningRate,
      optimizer,
      clipNorm,
      validateEvery: null,
      patience: null,
      restoreBest: false,
      signal: o.signal,
      progress: await createProgress(o.progress, steps),
      onStep: o.onStep,
    });
  } finally {
    optimizer.dispose();
  }
}
