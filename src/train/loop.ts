/**
 * The optimisation loop shared by maximum-likelihood training (`fit`) and reverse-KL training: per step,
 * loss and gradients on the tape, global-norm clipping, a finiteness check *before* the update, the
 * optimiser update at the scheduled rate; around it validation, early stopping with best-weight
 * restore, callbacks, an `AbortSignal`, the progress bar and the history. Callers only say where each
 * step's loss comes from.
 */
import { tf } from '../backend.js';
import { TrainingError } from '../errors.js';
import type { EpochInfo, StepInfo, TrainingCallbacks } from './callbacks.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';
import type { FitHistory, StopReason } from './history.js';
import type { Optimizer } from './optimizer.js';
import type { ProgressReporter } from './progress.js';
import { type HasWeights, restoreWeights, snapshotWeights, type WeightSnapshot } from '../io/snapshot.js';

/** One step's worth of input. */
export interface StepInput {
  /** The scalar loss, built inside the gradient tape (its tensors are freed by the loop). */
  loss: () => tf.Scalar;
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
  /** Mean validation loss with the current weights, or absent. */
  validate?: () => number;
  /** Validate after every this many steps (and after the last step); `null` → only at epoch ends and the end. */
  validateEvery: number | null;
  /** Stop after this many validations without improvement, or `null`. */
  patience: number | null;
  /** Restore the weights of the best validation step at the end (and on failure). */
  restoreBest: boolean;
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

/** Run the loop; resolves to the history, or rejects with a `TrainingError` on a non-finite step. */
export async function runTraining(config: LoopConfig): Promise<FitHistory> {
  const { fn, trainable, totalSteps, optimizer, clipNorm, validate, patience, signal, progress } = config;
  const t0 = performance.now();
  const steps: number[] = [];
  const loss: number[] = [];
  const learningRate: number[] = [];
  const gradNorm: number[] = [];
  const validation = validate ? { steps: [] as number[], loss: [] as number[] } : undefined;
  let best: WeightSnapshot | null = null;
  let bestStep: number | undefined;
  let bestLoss = Infinity;
  let sinceBest = 0;
  let epochs = 0;
  let epochLossSum = 0;
  let epochSteps = 0;
  let stopReason: StopReason = 'completed';
  let lastValidated = 0;
  let lastValidationLoss: number | undefined;
  let step = 0;
  let lastYield = performance.now();

  const evaluate = (): number => {
    const v = validate!();
    validation!.steps.push(step);
    validation!.loss.push(v);
    lastValidated = step;
    lastValidationLoss = v;
    if (v < bestLoss) {
      bestLoss = v;
      bestStep = step;
      sinceBest = 0;
      if (config.restoreBest) best = snapshotWeights(config.weights);
    } else {
      sinceBest++;
    }
    return v;
  };

  const finish = (restoredBest: boolean): FitHistory => {
    const wallTime = (performance.now() - t0) / 1000;
    const history: FitHistory = {
      steps, loss, learningRate, gradNorm, epochs, stopReason, restoredBest, wallTime,
      stepsPerSecond: wallTime > 0 ? steps.length / wallTime : 0,
    };
    if (validation) history.validation = validation;
    if (bestStep !== undefined) {
      history.bestStep = bestStep;
      history.bestLoss = bestLoss;
    }
    return history;
  };

  try {
    for (;;) {
      if (totalSteps !== null && step >= totalSteps) break;
      if (signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      const input = await config.nextStep();
      if (input === null || input === 'exhausted') {
        stopReason = input === null ? 'completed' : 'data-exhausted';
        break;
      }
      step++;
      const lr = config.learningRate(step);
      let grads: tf.Tensor[] = [];
      let lossValue: number;
      let normValue: number;
      try {
        const out = tf.tidy(() => {
          const { value, grads: named } = tf.variableGrads(input.loss, trainable as tf.Variable[]);
          const used = trainable.filter((v) => named[v.name] !== undefined);
          const list = used.map((v) => named[v.name]);
          const norm = globalNorm(list);
          const clipped = clipNorm === null ? list : clipByGlobalNorm(list, norm, clipNorm);
          return { stats: tf.stack([value, norm]), clipped, used };
        });
        grads = out.clipped;
        const stats = out.stats.dataSync();
        out.stats.dispose();
        [lossValue, normValue] = [stats[0], stats[1]];
        if (!Number.isFinite(lossValue) || !Number.isFinite(normValue)) {
          const what = Number.isFinite(lossValue) ? `the gradient norm was ${normValue}` : `the training loss was ${lossValue}`;
          const restore = config.restoreBest && best !== null;
          if (restore) restoreWeights(config.weights, best!);
          const where = restore ? `restored to those of step ${bestStep} (best validation loss)` : step > 1 ? `those after step ${step - 1}` : 'the initial ones';
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
      epochLossSum += lossValue;
      epochSteps++;

      let stop = false;
      const requestStop = () => (stop = true);
      const lastPlanned = totalSteps !== null && step === totalSteps;
      let validationLoss: number | undefined;
      if (validate) {
        const due = config.validateEvery !== null ? step % config.validateEvery === 0 : input.endOfEpoch;
        if (due || lastPlanned) validationLoss = evaluate();
        if (patience !== null && sinceBest >= patience) {
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
        epochs = input.epoch;
        if (config.onEpoch) {
          const info: EpochInfo = { epoch: input.epoch, step, loss: epochLossSum / epochSteps, stop: requestStop };
          if (lastValidationLoss !== undefined) info.validationLoss = lastValidationLoss;
          const wasStopped = stop;
          await config.onEpoch(info);
          if (stop && !wasStopped) stopReason = 'callback';
        }
        epochLossSum = 0;
        epochSteps = 0;
      }
      progress.update({ step, totalSteps, loss: lossValue, validationLoss: lastValidationLoss });
      if (stop) break;
      if (performance.now() - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    if (validate && step > 0 && lastValidated !== step) evaluate();
    const restoredBest = config.restoreBest && best !== null && bestStep !== step;
    if (restoredBest) restoreWeights(config.weights, best!);
    return finish(restoredBest);
  } finally {
    progress.stop();
  }
}
