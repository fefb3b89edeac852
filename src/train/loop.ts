/**
 * The optimisation loop shared by maximum-likelihood training (`fit`) and reverse-KL training: per step,
 * loss and gradients on the tape (or from the step's tape-free `valueAndGrads` when it has one), global-norm clipping, a finiteness check *before* the update, the
 * optimiser update at the scheduled rate; around it validation, early stopping with best-weight
 * restore, callbacks, an `AbortSignal`, the progress bar and the history. Callers only say where each
 * step's loss comes from.
 */
import { tf } from '../backend.js';
import { TrainingError } from '../errors.js';
import type { EpochInfo, StepInfo, TrainingCallbacks } from './callbacks.js';
import { clipByGlobalNorm, lossAndGlobalNorm } from './clip.js';
import type { FitHistory, StopReason } from './history.js';
import type { Optimizer } from './optimizer.js';
import type { ProgressReporter } from './progress.js';
import { type HasWeights, readSnapshot, restoreWeights, type WeightSnapshot } from '../io/snapshot.js';

/** One step's worth of input. */
export interface StepInput {
  /** The scalar loss, built inside the gradient tape (its tensors are freed by the loop). */
  loss: () => tf.Scalar;
  /**
   * Optional: the loss and the gradients by variable name computed without the tape (what
   * `tf.variableGrads(loss, trainable)` returns, see `fast-step/`); used instead of the tape when given.
   */
  valueAndGrads?: () => { value: tf.Scalar; grads: tf.NamedTensorMap };
  /** The epoch this step belongs to (1-based). */
  epoch: number;
  /** Whether this is the last step of its epoch. */
  endOfEpoch: boolean;
  /** Free the step's inputs (its batch) once the step is done. */
  dispose(): void;
}

export interface LoopConfig extends TrainingCallbacks {
  /** Function name for error messages (`'fit'`). */
  fn: string;
  /** Variables the optimiser updates. */
  trainable: readonly tf.Variable[];
  /** Every weight (trainable or not), for snapshots of the best state. */
  weights: HasWeights;
  /** Planned number of steps, or `null` to run until `nextStep` returns `null`. */
  totalSteps: number | null;
  /** The next step's input; `null` at the planned end, `'exhausted'` when the data ran out before it. */
  nextStep: () => Promise<StepInput | null | 'exhausted'>;
  /** Learning rate of each step (1-based). */
  learningRate: (step: number) => number;
  optimizer: Optimizer;
  /** Maximum global gradient norm, or `null` for no clipping. */
  clipNorm: number | null;
  /** Mean validation loss with the current weights (read back asynchronously), or absent. */
  validate?: () => Promise<number>;
  /** Validate after every this many steps (and after the last step); `null` → only at epoch ends and the end. */
  validateEvery: number | null;
  /** Stop after this many validations without improvement, or `null`. */
  patience: number | null;
  /** Restore the weights of the best validation step at the end (and on failure). */
  restoreBest: boolean;
  /**
   * Validate once before the first step (recorded as step 0), so that the initial weights compete for
   * the best: a flow that starts at a fitted baseline then never ends worse than it on validation.
   */
  validateInitial?: boolean;
  signal?: AbortSignal;
  progress: ProgressReporter;
}

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => {
    const g = globalThis as { setImmediate?: (f: () => void) => unknown };
    if (g.setImmediate) g.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });

/** Time between returns to the event loop, so that abort signals, timers and the progress bar run. */
const YIELD_MS = 25;

/**
 * Everything the loop itself carries from step to step: with the weights, the optimiser's state and
 * the data position, enough to continue a run as if it had not stopped (see `checkpoint.ts`).
 */
export interface LoopState {
  /** Steps taken so far. */
  step: number;
  /** Epochs completed. */
  epochs: number;
  /** Sum and count of the training losses of the current epoch so far. */
  epochLossSum: number;
  epochSteps: number;
  /** Best validation loss so far (`Infinity` before any), its step, and validations since. */
  bestLoss: number;
  bestStep?: number;
  sinceBest: number;
  /** Weights at `bestStep` when they are to be restored, else `null`. */
  best: WeightSnapshot | null;
  /** The step of the latest validation (0: none) and its loss. */
  lastValidated: number;
  lastValidationLoss?: number;
  /** Wall-clock seconds spent in earlier segments of this run (before a resume). */
  wallTime: number;
  /** The history so far. */
  history: { steps: number[]; loss: number[]; learningRate: number[]; gradNorm: number[]; validation?: { steps: number[]; loss: number[] } };
}

/** Periodic saving of the loop's state, given by the caller (who adds weights, optimiser and data). */
export interface LoopCheckpoint {
  /** Save after every this many steps (and when the run is aborted). */
  every: number;
  /** Save `state` (with the caller's own state). `state` is live: copy what is kept. */
  save(state: LoopState): Promise<void>;
}

function initialState(withValidation: boolean): LoopState {
  const history: LoopState['history'] = { steps: [], loss: [], learningRate: [], gradNorm: [] };
  if (withValidation) history.validation = { steps: [], loss: [] };
  return { step: 0, epochs: 0, epochLossSum: 0, epochSteps: 0, bestLoss: Infinity, sinceBest: 0, best: null, lastValidated: 0, wallTime: 0, history };
}

/**
 * Run the loop; resolves to the history, or rejects with a `TrainingError` on a non-finite step.
 * With `resume`, continues from that state (whose weights, optimiser and data position the caller has
 * restored); with `checkpoint`, saves the state periodically.
 */
export async function runTraining(config: LoopConfig, resume?: LoopState, checkpoint?: LoopCheckpoint): Promise<FitHistory> {
  const { fn, trainable, totalSteps, optimizer, clipNorm, validate, patience, signal, progress } = config;
  const t0 = performance.now();
  const s: LoopState = resume ?? initialState(validate !== undefined);
  const { steps, loss, learningRate, gradNorm, validation } = s.history;
  if (validate && !validation) throw new Error(`${fn}: internal: resumed state has no validation history`);
  let stopReason: StopReason = 'completed';
  let lastYield = performance.now();
  let lastSaved = s.step;

  const save = async (): Promise<void> => {
    if (!checkpoint || s.step === lastSaved) return;
    const elapsed = s.wallTime;
    s.wallTime = elapsed + (performance.now() - t0) / 1000;
    try {
      await checkpoint.save(s);
    } finally {
      s.wallTime = elapsed;
    }
    lastSaved = s.step;
  };

  const evaluate = async (): Promise<number> => {
    const v = await validate!();
    validation!.steps.push(s.step);
    validation!.loss.push(v);
    s.lastValidated = s.step;
    s.lastValidationLoss = v;
    if (v < s.bestLoss) {
      s.bestLoss = v;
      s.bestStep = s.step;
      s.sinceBest = 0;
      if (config.restoreBest) s.best = await readSnapshot(config.weights);
    } else {
      s.sinceBest++;
    }
    return v;
  };

  const finish = (restoredBest: boolean): FitHistory => {
    const wallTime = s.wallTime + (performance.now() - t0) / 1000;
    const history: FitHistory = {
      steps, loss, learningRate, gradNorm, epochs: s.epochs, stopReason, restoredBest, wallTime,
      stepsPerSecond: wallTime > 0 ? steps.length / wallTime : 0,
    };
    if (validation) history.validation = validation;
    if (s.bestStep !== undefined) {
      history.bestStep = s.bestStep;
      history.bestLoss = s.bestLoss;
    }
    return history;
  };

  try {
    if (validate && config.validateInitial && s.step === 0 && validation!.steps.length === 0) await evaluate();
    for (;;) {
      if (totalSteps !== null && s.step >= totalSteps) break;
      if (signal?.aborted) {
        stopReason = 'aborted';
        await save();
        break;
      }
      const input = await config.nextStep();
      if (input === null || input === 'exhausted') {
        stopReason = input === null ? 'completed' : 'data-exhausted';
        break;
      }
      const step = ++s.step;
      let grads: tf.Tensor[] = [];
      let lr: number;
      let lossValue: number;
      let normValue: number;
      try {
        // Inside the try: a schedule that rejects its value must not leak this step's batch.
        lr = config.learningRate(step);
        const out = tf.tidy(() => {
          const { value, grads: named } = input.valueAndGrads ? input.valueAndGrads() : tf.variableGrads(input.loss, trainable as tf.Variable[]);
          const used = trainable.filter((v) => named[v.name] !== undefined);
          return { value, list: used.map((v) => named[v.name]), used };
        });
        grads = out.list;
        // The step's one read-back, asynchronous: loss and gradient norm together.
        try {
          ({ loss: lossValue, norm: normValue } = await lossAndGlobalNorm(out.value, out.list));
        } finally {
          out.value.dispose();
        }
        if (clipNorm !== null && Number.isFinite(normValue)) {
          grads = clipByGlobalNorm(out.list, normValue, clipNorm);
          tf.dispose(out.list);
        }
        if (!Number.isFinite(lossValue) || !Number.isFinite(normValue)) {
          const what = Number.isFinite(lossValue) ? `the gradient norm was ${normValue}` : `the training loss was ${lossValue}`;
          const restore = config.restoreBest && s.best !== null;
          if (restore) restoreWeights(config.weights, s.best!);
          const where = restore ? `restored to those of step ${s.bestStep} (best validation loss)` : step > 1 ? `those after step ${step - 1}` : 'the initial ones';
          throw new TrainingError(`${fn}: training stopped at step ${step}: ${what}. That step's update was not applied; the weights are ${where}.`, step);
        }
        optimizer.applyGradients(out.used, grads, lr);
      } finally {
        tf.dispose(grads);
        input.dispose();
      }
      steps.push(step);
      loss.push(lossValue);
      learningRate.push(lr);
      gradNorm.push(normValue);
      s.epochLossSum += lossValue;
      s.epochSteps++;

      let stop = false;
      const requestStop = () => (stop = true);
      const lastPlanned = totalSteps !== null && step === totalSteps;
      let validationLoss: number | undefined;
      if (validate) {
        const due = config.validateEvery !== null ? step % config.validateEvery === 0 : input.endOfEpoch;
        if (due || lastPlanned) validationLoss = await evaluate();
        if (patience !== null && s.sinceBest >= patience) {
          stopReason = 'early-stopping';
          stop = true;
        }
      }
      if (config.onStep) {
        const info: StepInfo = { step, totalSteps, epoch: input.epoch, loss: lossValue, learningRate: lr, gradNorm: normValue, stop: requestStop };
        if (validationLoss !== undefined) info.validationLoss = validationLoss;
        const wasStopped = stop;
        await config.onStep(info);
        if (stop && !wasStopped) stopReason = 'callback';
      }
      if (input.endOfEpoch) {
        s.epochs = input.epoch;
        if (config.onEpoch) {
          const info: EpochInfo = { epoch: input.epoch, step, loss: s.epochLossSum / s.epochSteps, stop: requestStop };
          if (s.lastValidationLoss !== undefined) info.validationLoss = s.lastValidationLoss;
          const wasStopped = stop;
          await config.onEpoch(info);
          if (stop && !wasStopped) stopReason = 'callback';
        }
        s.epochLossSum = 0;
        s.epochSteps = 0;
      }
      progress.update({ step, totalSteps, loss: lossValue, validationLoss: s.lastValidationLoss });
      // Not after an early stop: resuming from there would train past the point where patience ran out.
      if (checkpoint && step % checkpoint.every === 0 && stopReason !== 'early-stopping') await save();
      if (stop) break;
      if (performance.now() - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    if (validate && s.step > 0 && s.lastValidated !== s.step) await evaluate();
    const restoredBest = config.restoreBest && s.best !== null && s.bestStep !== s.step;
    if (restoredBest) restoreWeights(config.weights, s.best!);
    return finish(restoredBest);
  } finally {
    progress.stop();
  }
}
