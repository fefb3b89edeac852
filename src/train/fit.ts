/**
 * Maximum-likelihood training: minimise the mean negative log-likelihood `−(1/B) Σᵢ log p(xᵢ)` of
 * batches of the data with Adam. The loop itself (clipping, schedules, validation, early stopping,
 * callbacks, progress) lives in `loop.ts`; this file turns the data into batches and the batches into
 * losses.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { Flow, type Standardization } from '../flow.js';
import { type Rng, type Seed, toRng } from '../random.js';
import { setTraining } from '../module.js';
import { checkInt, checkNumber, checkOptions, type MatrixLike } from '../validate.js';
import type { TrainingCallbacks } from './callbacks.js';
import { applyCheckpoint, type CheckpointDocument, type CheckpointPlan, type CheckpointSink, makeCheckpoint, parseCheckpoint, rowsHash } from './checkpoint.js';
import { type Batch, type BatchWithContext, type FitData, isStream, MemoryBatches, pickRows, readRows, type Rows, StreamBatches } from './fit-data.js';
import type { FitHistory } from './history.js';
import { type LoopCheckpoint, runTraining } from './loop.js';
import { batchSplitUnsupported } from '../engine/select.js';
import { tapeFreeStep } from '../engine/tape-free-step.js';
import { type TwoThreadStep, twoThreadsSupported } from './parallel/support.js';
import { adam, type AdamOptions, type Optimizer } from './optimizer.js';
import { createProgress } from './progress.js';
import { defaultPatience, defaultStandardize, defaultSteps, defaultValidateEvery } from './defaults.js';
import { addUniformNoise, integerColumns, stepNoiseRng } from './dequantize.js';
import { withWeightDecay } from './weight-decay.js';
import { standardizationOf, standardizations, type StandardizeMode } from './standardization.js';
import { readSnapshot, restoreWeights, type WeightSnapshot } from '../io/snapshot.js';
import { ActNorm } from '../bijectors/act-norm.js';
import { KernelConditioner, MaskedKernelConditioner } from '../nn/kernel-conditioner.js';
import { fitEstimatorLoss } from './path-gradient.js';
import type { LogTarget } from '../inference/log-target.js';
import { type LearningRate, resolveSchedule } from './schedule.js';

export interface FitOptions extends TrainingCallbacks {
  /**
   * Number of optimisation steps (default for data in memory: 40 passes over the training rows, at
   * least 1,000 and at most 5,000; see docs/defaults.md). Give `steps` or `epochs`, not both.
   */
  steps?: number;
  /** Number of passes over the data (default for a stream: 1). */
  epochs?: number;
  /** Rows per batch (default 256; at most the number of training rows). */
  batchSize?: number;
  /** A rate (default 1e-3), a schedule (`cosineDecay(…)`, `{ type: 'constant', warmupSteps }`) or a function of the step. */
  learningRate?: LearningRate;
  /** Clip gradients to this global norm (default: no clipping). */
  clipNorm?: number;
  /** Adam's constants, and `fused: false` to update with `tf.train.adam` instead of the (equal, faster) fused loop. */
  adam?: AdamOptions;
  /** Fraction of the rows (chosen with the seed) held out for validation, in (0, 1). Data in memory only. */
  validationSplit?: number;
  /** Validation rows, or `{ x, context }` for a conditional flow. */
  validationData?: MatrixLike | BatchWithContext;
  /** Evaluate the validation loss every this many steps (default: once per epoch for data in memory, every 100 steps for a stream). */
  validateEvery?: number;
  /**
   * Early stopping: stop after this many validations without a new best validation loss. Default:
   * when validation exists and the run plans more than 10 epochs, a fifth of the planned validations
   * (at least 10); otherwise none. `null` turns early stopping off. See docs/defaults.md.
   */
  patience?: number | null;
  /**
   * Restore the weights of the best validation step at the end (default: `true` whenever validation
   * exists; the history's `restoredBest` says whether it happened). `false` keeps the last weights.
   */
  restoreBest?: boolean;
  /**
   * Decoupled weight decay λ ≥ 0 (AdamW, Loshchilov & Hutter 2019): every step shrinks each weight by
   * `θ ← θ (1 − lr · λ)` before Adam's update. Default 0.
   */
  weightDecay?: number;
  /**
   * Uniform dequantisation of integer-valued columns: `true` dequantises every column, `'auto'` those
   * whose every training value is an integer, `false` (default) none (with a warning in the history
   * when integer columns are found). The model then fits `x + u`, `u ~ U[0, 1)` (fresh noise per
   * batch), and its losses are upper bounds on the discrete NLL: see `dequantize.ts`. Data in memory.
   */
  dequantize?: boolean | 'auto';
  /** Seed for the batch order and the validation split (number, string or `Rng`). */
  seed?: Seed;
  /** Context rows `[n, contextDim]` alongside the data rows, for a conditional flow (data in memory). */
  context?: MatrixLike;
  /**
   * If the flow is not standardised yet, standardise it with statistics of the training rows (of the
   * first batch for a stream); an existing standardisation is kept, since the trained weights depend
   * on it. `'whiten'`: the full-covariance Gaussian fit (`u = C⁻¹ (x − mean) / std`, correlations
   * shrunk where rows are few), so that the flow starts at that Gaussian; `'columns'`: per-column mean
   * and standard deviation; `true` (default): `'whiten'` below 30 training rows per column, else
   * `'columns'` (keeping the full-covariance Gaussian as a candidate that is returned when it validates
   * better: `history.gaussianFallback`), and always `'columns'` for a flow over a `TailAdaptiveBase`
   * with heavy dimensions (`defaultStandardize` in `defaults.ts`; measured in docs/defaults.md). `false`: leave
   * the flow as it is. `{ mean, std, correlationTril? }`: use these statistics. See `standardization.ts`.
   */
  standardize?: boolean | StandardizeMode | Standardization;
  /** Stops training when aborted (resolves with `stopReason: 'aborted'`). */
  signal?: AbortSignal;
  /** Draw a progress bar on an interactive terminal (default true; never drawn when not a TTY). */
  progress?: boolean;
  /**
   * Write a checkpoint every `every` steps (and when aborted) to `write`: in Node,
   * `checkpointDir(dir, { every })` from 'tfjs-flows/node' (atomic files).
   */
  checkpoint?: CheckpointSink;
  /**
   * Continue the run a checkpoint was taken from (a document or its JSON text; in Node see `resumeFit`):
   * with the same data and options, the result is the one the uninterrupted run would have given, bit
   * for bit on the same backend. The flow must have the checkpoint's weights (names and shapes); its
   * weights, standardisation and the optimiser's state are replaced by the checkpoint's.
   */
  resumeFrom?: CheckpointDocument | string;
  /**
   * Threads computing each step's gradients (default 1). `2` (Node only) splits every batch between
   * this thread and a `worker_threads` worker holding a copy of the flow: the loss and gradients are
   * those of the whole batch up to float32 summation order, and the same seed gives the same history.
   * It needs the tape-free step (`enginePath(flow)` not `'tape'`) of an unconditional flow without
   * batch statistics (no `BatchNorm`, no `ActNorm` still to initialise) and throws a `ValidationError`
   * otherwise (also outside Node). It
   * pays at large batches and only when the second core is free: measured (`npm run bench`, machine
   * load average 3–5 on 2 cores) 1.16–1.27× the steps/s at batch 1024 but 0.7× at batch 256, where
   * half a batch costs two thirds of a whole one on wasm. The worker takes about a second to start and
   * is terminated when `fit` returns, throws, is aborted or stops early.
   */
  threads?: 1 | 2;
  /**
   * @internal How gradients are computed, for tests and benchmarks: `'auto'` (default) uses the
   * tape-free step (`src/engine/`) when every part of the flow supports it, `'tape'` always the tape.
   */
  gradientPath?: 'auto' | 'tape';
  /**
   * `'reparam'` (default): plain maximum likelihood. `'fastPath'`: the forward-KL path gradient of
   * Vaitl et al. (2024), for data whose log-density is known up to a constant (`logTarget`): the same
   * loss values, a gradient that drops the score term (see `train/path-gradient.ts`).
   */
  gradientEstimator?: 'reparam' | 'fastPath';
  /** With `gradientEstimator: 'fastPath'`: the data's log-density log p̃ in data units, `[n, dim]` → `[n]`. */
  logTarget?: LogTarget;
}

const KNOWN = [
  'steps', 'epochs', 'batchSize', 'learningRate', 'clipNorm', 'validationSplit', 'validationData', 'validateEvery', 'patience',
  'restoreBest', 'seed', 'context', 'standardize', 'signal', 'progress', 'onStep', 'onEpoch', 'checkpoint', 'resumeFrom', 'adam', 'gradientPath', 'threads',
  'weightDecay', 'dequantize', 'gradientEstimator', 'logTarget',
] as const;

/** Rows evaluated per chunk when computing the validation loss. */
const VALIDATION_CHUNK = 8192;

/**
 * Fit `flow` to `data` by maximum likelihood: Adam on the mean negative log-likelihood of each batch.
 * Resolves to the {@link FitHistory} (losses are mean NLL in nats, in data units). By default the flow
 * learns in standardised coordinates while `logProb` keeps answering in data units (see `standardize`).
 *
 * - `data`: `number[][]`, `{ data: Float32Array, shape: [n, dim] }`, a `tf.Tensor2D` (left undisposed),
 *   or an (async) iterable of batches, each a matrix or `{ x, context }`, for data that does not fit in
 *   memory.
 * - A non-finite loss or gradient stops training with a `TrainingError` naming the step; that step's
 *   update is not applied (or the best weights are restored when `restoreBest` applies).
 * - On the cpu and wasm backends, flows whose every layer has a tape-free rule (couplings with a plain
 *   MLP conditioner, affine or spline, with or without context; chains, permutations, `Reverse`,
 *   `ActNorm`, `BatchNorm`, `LULinear`) over a `StandardNormal` base compute each step's gradients
 *   without the autodiff tape (`src/engine/`: each layer's hand-written backward pass, equal to the
 *   tape's gradients within float32 rounding, 1.4–1.8× the steps/s in `npm run bench`); every other
 *   flow uses the tape. `enginePath(flow)` says which path a flow takes and why (docs/engine.md).
 * - `checkpoint` writes the run's whole state every N steps; `resumeFrom` continues from one exactly
 *   (in Node: `checkpointDir`, `loadCheckpoint`, `resumeFit` from 'tfjs-flows/node').
 *
 * @example
 * ```ts
 * import { ready, fit, datasets, Flow, DiagNormal, Affine } from 'tfjs-flows';
 * await ready();
 * const x = datasets.moons(20000, { seed: 1 });
 * const flow = new Flow(new DiagNormal(2), new Affine(2));
 * const history = await fit(flow, x, { steps: 3000, batchSize: 256, validationSplit: 0.1, patience: 10, seed: 1 });
 * console.log(history.loss.at(-1), history.bestStep);
 * x.dispose();
 * ```
 */
export async function fit(flow: Flow, data: FitData, options: FitOptions = {}): Promise<FitHistory> {
  const fn = 'fit';
  assertReady(fn);
  if (!(flow instanceof Flow)) throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
  checkOptions(fn, options, KNOWN);
  const o = options;
  if (o.steps !== undefined && o.epochs !== undefined) throw new ValidationError(fn, 'options', 'either steps or epochs, not both', `steps ${o.steps} and epochs ${o.epochs}`);
  const steps = o.steps === undefined ? undefined : checkInt(fn, 'options.steps', o.steps);
  const epochs = o.epochs === undefined ? undefined : checkInt(fn, 'options.epochs', o.epochs);
  const batchSize = checkInt(fn, 'options.batchSize', o.batchSize ?? 256);
  const clipNorm = o.clipNorm === undefined ? null : checkNumber(fn, 'options.clipNorm', o.clipNorm, { min: 0, open: true });
  const split = o.validationSplit === undefined ? null : checkNumber(fn, 'options.validationSplit', o.validationSplit, { min: 0, max: 1, open: true });
  if (split !== null && o.validationData !== undefined) throw new ValidationError(fn, 'options', 'either validationSplit or validationData, not both', 'both');
  const validateEvery = o.validateEvery === undefined ? undefined : checkInt(fn, 'options.validateEvery', o.validateEvery);
  const givenPatience = o.patience === undefined || o.patience === null ? o.patience : checkInt(fn, 'options.patience', o.patience);
  const weightDecay = checkNumber(fn, 'options.weightDecay', o.weightDecay ?? 0, { min: 0 });
  const dequantize = o.dequantize ?? false;
  if (dequantize !== true && dequantize !== false && dequantize !== 'auto') throw new ValidationError(fn, 'options.dequantize', "true, false or 'auto'", describe(dequantize));
  if (o.restoreBest !== undefined && typeof o.restoreBest !== 'boolean') throw new ValidationError(fn, 'options.restoreBest', 'a boolean', describe(o.restoreBest));
  if (o.progress !== undefined && typeof o.progress !== 'boolean') throw new ValidationError(fn, 'options.progress', 'a boolean', describe(o.progress));
  for (const cb of ['onStep', 'onEpoch'] as const) {
    if (o[cb] !== undefined && typeof o[cb] !== 'function') throw new ValidationError(fn, `options.${cb}`, 'a function', describe(o[cb]));
  }
  if (o.signal !== undefined && typeof (o.signal as AbortSignal)?.aborted !== 'boolean') throw new ValidationError(fn, 'options.signal', 'an AbortSignal', describe(o.signal));
  const standardizeOption = o.standardize ?? true;
  const standardize: boolean | Standardization = typeof standardizeOption === 'string' ? true : standardizeOption;
  const mode: StandardizeMode | 'auto' = standardizeOption === 'columns' || standardizeOption === 'whiten' ? standardizeOption : defaultStandardize(flow);
  if (typeof standardizeOption === 'string' && standardizeOption !== 'columns' && standardizeOption !== 'whiten') {
    throw new ValidationError(fn, 'options.standardize', "a boolean, 'columns', 'whiten' or { mean, std }", describe(standardizeOption));
  }
  if (typeof standardize !== 'boolean' && (standardize === null || typeof standardize !== 'object')) {
    throw new ValidationError(fn, 'options.standardize', "a boolean, 'columns', 'whiten' or { mean, std }", describe(standardize));
  }
  if (o.adam !== undefined && (o.adam === null || typeof o.adam !== 'object')) throw new ValidationError(fn, 'options.adam', '{ beta1?, beta2?, epsilon?, fused? }', describe(o.adam));
  const gradientPath = o.gradientPath ?? 'auto';
  if (gradientPath !== 'auto' && gradientPath !== 'tape') throw new ValidationError(fn, 'options.gradientPath', "'auto' or 'tape'", describe(gradientPath));
  const threads = o.threads === undefined ? 1 : o.threads;
  if (threads !== 1 && threads !== 2) throw new ValidationError(fn, 'options.threads', '1 or 2', describe(threads));
  if (threads === 2) {
    if (gradientPath === 'tape') throw new ValidationError(fn, 'options.threads', "1 with gradientPath 'tape' (two threads need the tape-free step)", '2');
    if (!twoThreadsSupported()) throw new ValidationError(fn, 'options.threads', '1 outside Node (two threads use worker_threads and SharedArrayBuffer)', '2');
    // Checked before the flow is touched (standardised); compiled for real once the standardisation is settled.
    const why = batchSplitUnsupported(flow);
    if (why !== null) {
      throw new ValidationError(fn, 'options.threads', `1 for this flow (two threads need the tape-free step of an unconditional flow without batch statistics; here: ${why})`, '2');
    }
  }
  const pathLoss = fitEstimatorLoss(fn, flow, o);
  const sink = o.checkpoint === undefined ? null : checkSink(fn, o.checkpoint);
  const resume = o.resumeFrom === undefined ? null : readResume(fn, o.resumeFrom);
  const trainable = flow.trainableVariables;
  if (trainable.length === 0) throw new ValidationError(fn, 'flow', 'a flow with trainable weights', 'none');
  // Made before the data is read, so that its options are checked with the others.
  const optimizer = withWeightDecay(adam(o.adam), weightDecay);
  try {
    return await fitWith(flow, data, o, optimizer, { steps, epochs, batchSize, clipNorm, split, validateEvery, givenPatience, weightDecay, dequantize, standardize, mode, gradientPath, threads, sink, resume, trainable, pathLoss });
  } finally {
    optimizer.dispose();
  }
}
interface Checked {
  steps: number | undefined;
  epochs: number | undefined;
  batchSize: number;
  clipNorm: number | null;
  split: number | null;
  validateEvery: number | undefined;
  givenPatience: number | null | undefined;
  weightDecay: number;
  dequantize: boolean | 'auto';
  standardize: boolean | Standardization;
  mode: StandardizeMode | 'auto';
  gradientPath: 'auto' | 'tape';
  threads: 1 | 2;
  sink: CheckpointSink | null;
  resume: CheckpointDocument | null;
  trainable: tf.Variable[];
  pathLoss: ReturnType<typeof fitEstimatorLoss>;
}

/** `fit` after its options are checked and the optimiser is made (the caller disposes it). */
async function fitWith(flow: Flow, data: FitData, o: FitOptions, optimizer: Optimizer, c: Checked): Promise<FitHistory> {
  const fn = 'fit';
  const { steps, epochs, batchSize, clipNorm, split, validateEvery, givenPatience, weightDecay, dequantize, standardize, mode, gradientPath, threads, sink, resume, trainable, pathLoss } = c;
  const { dim, contextDim } = flow;
  const rng = toRng(o.seed, fn, 'options.seed');
  const splitRng = rng.fork();
  const batchRng = rng.fork();
  // Forked after the others, so that the split and batch order of a seed do not depend on dequantisation.
  const noiseSeed = String(rng.fork().uniform());
  const warnings: string[] = [];
  let noiseColumns: number[] = [];

  // Training rows and the validation set.
  let memory: MemoryBatches | null = null;
  let stream: StreamBatches | null = null;
  let stats: Standardization | null = null;
  /** The whitening statistics, kept as the fallback candidate when the default scaled per column. */
  let whitened: Standardization | null = null;
  let validation: Rows | null = null;
  let trainRows: Rows | null = null;
  if (isStream(data)) {
    if (split !== null) throw new ValidationError(fn, 'options.validationSplit', 'absent when data is a stream (pass validationData)', String(split));
    if (dequantize !== false) throw new ValidationError(fn, 'options.dequantize', 'false when data is a stream (dequantisation needs the rows in memory to find integer columns)', String(dequantize));
    if (o.context !== undefined) throw new ValidationError(fn, 'options.context', 'absent when data is a stream (give batches as { x, context })', describe(o.context));
    stream = new StreamBatches(fn, data, dim, contextDim, steps !== undefined ? null : epochs ?? 1);
  } else {
    const rows = await readTraining(fn, data, o.context, dim, contextDim);
    let train = rows;
    if (split !== null) {
      const nVal = Math.round(rows.n * split);
      if (nVal < 1 || nVal >= rows.n) throw new ValidationError(fn, 'options.validationSplit', `a fraction leaving at least one training and one validation row of ${rows.n}`, String(split));
      const order = splitRng.permutation(rows.n);
      const take = (from: number, count: number): Rows => ({
        x: pickRows(rows.x, dim, order, from, count),
        context: rows.context ? pickRows(rows.context, contextDim, order, from, count) : null,
        n: count,
      });
      validation = take(0, nVal);
      train = take(nVal, rows.n - nVal);
    }
    trainRows = train;
    const integers = integerColumns(train.x, train.n, dim);
    noiseColumns = dequantize === true ? Array.from({ length: dim }, (_, j) => j) : dequantize === 'auto' ? integers : [];
    if (dequantize === false && integers.length > 0) {
      warnings.push(`column${integers.length > 1 ? 's' : ''} ${integers.join(', ')} hold${integers.length > 1 ? '' : 's'} only integers: a discrete column has no density, and the likelihood can grow without bound there; consider dequantize: 'auto'`);
    }
    memory = new MemoryBatches(train, dim, contextDim, Math.min(batchSize, train.n), batchRng, steps !== undefined ? null : epochs ?? null);
    if (standardize === true) {
      // Statistics of the dequantised rows (one draw), the data the flow will see.
      const seen = noiseColumns.length > 0 ? addUniformNoise(train.x.slice(), train.n, dim, noiseColumns, stepNoiseRng(noiseSeed, 0)) : train.x;
      rejectConstantColumns(fn, seen, train.n, dim);
      // Where the default scales per column, the whitened Gaussian stays a candidate (gaussianFallback below).
      ({ stats, whitened } = standardizations(fn, mode, seen, train.n, dim));
    }
  }
  if (o.validationData !== undefined) validation = await readValidation(fn, o.validationData, dim, contextDim);
  // Validation rows get one fixed draw of noise, so that validation losses are comparable over the run.
  if (validation && noiseColumns.length > 0) {
    validation = { ...validation, x: addUniformNoise(validation.x.slice(), validation.n, dim, noiseColumns, stepNoiseRng(noiseSeed, -1)) };
  }

  const totalSteps = steps ?? (memory ? (epochs !== undefined ? epochs * memory.stepsPerEpoch : defaultSteps(memory.stepsPerEpoch)) : null);
  const learningRate = resolveSchedule(fn, o.learningRate ?? 1e-3, totalSteps);

  // A resumed run takes the standardisation from its checkpoint (applied with the weights below).
  if (standardize === true && stream && !resume) {
    const first = await stream.first();
    // A stream's size is unknown (and seldom small): 'auto' scales per column rather than judge by one batch.
    if (first) stats = standardizationOf(fn, mode === 'auto' ? 'columns' : mode, first.values, first.n, dim);
  }
  let installed: 'columns' | 'whiten' | undefined;
  if (resume) {
    // nothing: see above
  } else if (typeof standardize === 'object') flow.standardize(standardize);
  else if (standardize && stats && flow.standardization === null) {
    flow.standardize(stats);
    installed = stats.correlationTril ? 'whiten' : 'columns';
  }

  let checkpoint: LoopCheckpoint | undefined;
  let resumed: ReturnType<typeof applyCheckpoint> | null = null;
  const resolvedValidateEvery = validateEvery ?? (memory ? defaultValidateEvery(memory.stepsPerEpoch, totalSteps) : 100);
  const patience = givenPatience !== undefined ? givenPatience : validation && memory ? defaultPatience(totalSteps, memory.stepsPerEpoch, resolvedValidateEvery) : null;
  const restoreBest = o.restoreBest ?? validation !== null;
  if (sink || resume) {
    const plan: CheckpointPlan = {
      totalSteps,
      batchSize,
      data: trainRows ? { kind: 'memory', rows: trainRows.n, hash: rowsHash(trainRows.x, trainRows.context) } : { kind: 'stream' },
      validationRows: validation?.n ?? 0,
      validateEvery: validation ? resolvedValidateEvery : null,
      patience,
      restoreBest,
      clipNorm,
      // Only when used, so that checkpoints of runs without them still match.
      ...(weightDecay > 0 ? { weightDecay } : {}),
      ...(noiseColumns.length > 0 ? { dequantize: noiseColumns } : {}),
    };
    if (resume) {
      resumed = applyCheckpoint(fn, 'options.resumeFrom', resume, flow, optimizer, plan);
      const p = resumed.position;
      if (p.kind === 'memory') memory!.setPosition(p);
      else stream!.setPosition(p);
    }
    if (sink) {
      checkpoint = {
        every: sink.every,
        save: async (state) => {
          const position = memory ? { kind: 'memory' as const, ...memory.getPosition() } : { kind: 'stream' as const, ...stream!.getPosition() };
          await sink.write(await makeCheckpoint(fn, flow, optimizer, plan, position, state));
        },
      };
    }
  }
  const valTensors = validation ? toTensors(validation, dim, contextDim) : null;
  // Layers with a training mode (BatchNorm) use batch statistics while training and their running
  // statistics for validation and afterwards.
  const validate = valTensors
    ? async () => {
        setTraining(flow, false);
        try {
          return await meanNll(flow, valTensors.x, valTensors.context);
        } finally {
          setTraining(flow, true);
        }
      }
    : undefined;
  setTraining(flow, true);
  // Compiled after the standardisation is settled (it is part of the step).
  // The path (fused, tape-free or tape) is chosen in one place: engine/select.ts.
  const fastStep = tapeFreeStep(flow, { gradientPath, objective: pathLoss ? 'path-gradient' : 'maximum-likelihood', batchSize });
  let parallel: TwoThreadStep | null = null;
  try {
    if (threads === 2 && fastStep) {
      // Loaded only here, so that single-threaded and browser use never touch worker_threads.
      const { startTwoThreadStep } = await import('./parallel/two-thread-step.js');
      parallel = await startTwoThreadStep(flow, fastStep, batchSize);
    }
    const step = parallel ? parallel.valueAndGrads : fastStep;
    // Not after a resume (the initial weights are not in a checkpoint), and not for layers that
    // initialise from the first batch (ActNorm, kernel conditioners): their initial weights are not the identity.
    const initialWeights = installed === 'columns' && whitened && validate && restoreBest && !hasDataDependentInit(flow) ? await readSnapshot(flow) : null;
    let drawn = resumed?.loop.step ?? 0;
    const history = await runTraining({
      fn,
      trainable,
      weights: flow,
      totalSteps,
      nextStep: async () => {
        const raw = memory ? memory.next() : await stream!.next();
        if (raw === null || raw === 'exhausted') return raw;
        const batch = noiseColumns.length > 0 ? dequantized(raw, noiseColumns, stepNoiseRng(noiseSeed, ++drawn)) : raw;
        return {
          loss: pathLoss ? () => pathLoss(batch.x, batch.context) : () => tf.neg(tf.mean(flow.logProbUnchecked(batch.x, batch.context))) as tf.Scalar,
          valueAndGrads: step ? () => step(batch.x, batch.context) : undefined,
          epoch: batch.epoch,
          endOfEpoch: batch.endOfEpoch,
          dispose: batch.dispose,
        };
      },
      learningRate,
      optimizer,
      clipNorm,
      validate,
      validateEvery: resolvedValidateEvery,
      patience,
      restoreBest,
      // The initial weights (the standardisation's Gaussian, when every layer starts as the identity) compete for the best.
      validateInitial: restoreBest,
      signal: o.signal,
      progress: await createProgress(o.progress, totalSteps),
      onStep: o.onStep,
      onEpoch: o.onEpoch,
    }, resumed?.loop, checkpoint);
    if (warnings.length > 0) history.warnings = warnings;
    if (noiseColumns.length > 0) history.dequantized = noiseColumns;
    const st = flow.standardization;
    if (st) history.standardization = st.correlationTril ? 'whiten' : 'columns';
    if (initialWeights) await gaussianFallback(flow, history, whitened!, initialWeights, validate!);
    return history;
  } finally {
    await parallel?.close();
    setTraining(flow, false);
    if (valTensors) tf.dispose(valTensors.context ? [valTensors.x, valTensors.context] : [valTensors.x]);
  }
}

/** Whether a layer of `flow` sets its weights from the first batch it sees. */
function hasDataDependentInit(flow: Flow): boolean {
  return [flow.bijector, flow.base].some((root) => root.modules().some((m) => m instanceof ActNorm || m instanceof KernelConditioner || m instanceof MaskedKernelConditioner));
}

/**
 * The default's guard on per-column scaling: the initial flow (every layer of the library starts as
 * the identity) under the whitening standardisation is the full-covariance Gaussian of the training
 * rows. When that scores better on the validation rows than the trained flow, it becomes the result,
 * so the default never ends worse than that Gaussian on validation rows, as it could not when it
 * whitened always (docs/defaults.md).
 */
async function gaussianFallback(flow: Flow, history: FitHistory, whitened: Standardization, initial: WeightSnapshot, validate: () => Promise<number>): Promise<void> {
  const trained = await readSnapshot(flow);
  const columns = flow.standardization;
  restoreWeights(flow, initial);
  flow.standardize(whitened);
  const gaussian = await validate();
  // With the best weights restored, the flow's validation loss is the best one.
  const flowLoss = history.bestLoss ?? Infinity;
  if (gaussian < flowLoss) {
    history.standardization = 'whiten';
    history.gaussianFallback = { flowLoss, gaussianLoss: gaussian };
  } else {
    restoreWeights(flow, trained);
    flow.standardize(columns);
  }
}

/** The batch with `U[0, 1)` noise added to `columns` (a new tensor; the batch's own is freed with it). */
function dequantized(batch: Batch, columns: readonly number[], rng: Rng): Batch {
  const [n, dim] = batch.x.shape;
  const noise = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (const j of columns) noise[i * dim + j] = rng.uniform();
  const x = tf.tidy(() => tf.add(batch.x, tf.tensor2d(noise, [n, dim])) as tf.Tensor2D);
  return { ...batch, x, dispose: () => { x.dispose(); batch.dispose(); } };
}

/** A constant column has no density (its variance is 0): say which, instead of a degenerate fit. */
function rejectConstantColumns(fn: string, values: Float32Array, n: number, dim: number): void {
  for (let j = 0; j < dim && n > 1; j++) {
    let constant = true;
    for (let i = 1; i < n && constant; i++) constant = values[i * dim + j] === values[j];
    if (constant) {
      throw new ValidationError(fn, 'data', `rows whose columns all vary (a constant column has no density: drop it, or pass standardize: false to fit it as it is)`, `column ${j} equal to ${values[j]} in all ${n} training rows`);
    }
  }
}

function checkSink(fn: string, sink: unknown): CheckpointSink {
  const s = sink as CheckpointSink;
  if (s === null || typeof s !== 'object' || typeof s.write !== 'function') {
    throw new ValidationError(fn, 'options.checkpoint', '{ every, write } (e.g. checkpointDir(dir, { every }) from \'tfjs-flows/node\')', describe(sink));
  }
  checkInt(fn, 'options.checkpoint.every', s.every);
  return s;
}

function readResume(fn: string, from: unknown): CheckpointDocument {
  if (typeof from !== 'string' && (from === null || typeof from !== 'object')) {
    throw new ValidationError(fn, 'options.resumeFrom', 'a checkpoint document or its JSON text (in Node: loadCheckpoint(dir))', describe(from));
  }
  return parseCheckpoint(from as string | CheckpointDocument, 'options.resumeFrom');
}

async function readTraining(fn: string, data: unknown, context: unknown, dim: number, contextDim: number): Promise<Rows> {
  if (ArrayBuffer.isView(data)) throw new ValidationError(fn, 'data', 'a matrix: give a typed array as { data, shape: [rows, cols] }', describe(data));
  const x = await readRows(fn, 'data', data, dim);
  return { x: x.values, context: await readContext(fn, 'options.context', context, x.n, contextDim), n: x.n };
}

async function readContext(fn: string, arg: string, context: unknown, rows: number, contextDim: number): Promise<Float32Array | null> {
  if (contextDim === 0) {
    if (context !== undefined && context !== null) throw new ValidationError(fn, arg, 'absent (the flow is unconditional)', describe(context));
    return null;
  }
  if (context === undefined || context === null) throw new ValidationError(fn, arg, `a matrix [${rows}, ${contextDim}] (the flow is conditional)`, 'none');
  return (await readRows(fn, arg, context, contextDim, rows)).values;
}

async function readValidation(fn: string, v: unknown, dim: number, contextDim: number): Promise<Rows> {
  const withContext = v !== null && typeof v === 'object' && !(v instanceof tf.Tensor) && !Array.isArray(v) && 'x' in v;
  const xIn = withContext ? (v as BatchWithContext).x : v;
  const x = await readRows(fn, withContext ? 'options.validationData.x' : 'options.validationData', xIn, dim);
  const context = await readContext(fn, 'options.validationData.context', withContext ? (v as BatchWithContext).context : undefined, x.n, contextDim);
  return { x: x.values, context, n: x.n };
}

function toTensors(rows: Rows, dim: number, contextDim: number): { x: tf.Tensor2D; context: tf.Tensor2D | null } {
  return {
    x: tf.tensor2d(rows.x, [rows.n, dim]),
    context: rows.context ? tf.tensor2d(rows.context, [rows.n, contextDim]) : null,
  };
}

/**
 * Mean negative log-likelihood over all rows, in chunks to bound memory. The chunks' sums stay on the
 * device and are read back once, asynchronously (each chunk's sum is added in float64 after the read).
 */
export async function meanNll(flow: Flow, x: tf.Tensor2D, context: tf.Tensor2D | null): Promise<number> {
  const n = x.shape[0];
  const sums: tf.Tensor[] = [];
  try {
    for (let from = 0; from < n; from += VALIDATION_CHUNK) {
      const size = Math.min(VALIDATION_CHUNK, n - from);
      sums.push(tf.tidy(() => {
        const xs = tf.slice(x, [from, 0], [size, -1]);
        const cs = context ? tf.slice(context, [from, 0], [size, -1]) : null;
        return tf.reshape(tf.neg(tf.sum(flow.logProbUnchecked(xs, cs))), [1]);
      }));
    }
    const all = tf.concat(sums);
    sums.push(all);
    let total = 0;
    for (const v of await all.data()) total += v;
    return total / n;
  } finally {
    tf.dispose(sums);
  }
}
