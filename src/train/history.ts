/** What a training run returns: its loss curves, the best step and how long it took. */

/** Why training ended. */
export type StopReason = 'completed' | 'early-stopping' | 'callback' | 'aborted' | 'data-exhausted';

/**
 * The record of a training run. Structurally compatible with the plotting helpers' loss-curve input
 * `{ steps, loss, validation?: { steps, loss }, bestStep? }`.
 *
 * `loss[i]` is the mean training loss of the batch of step `steps[i]` (steps count from 1), computed
 * with the weights *before* that step's update; `validation.loss[j]` is evaluated *after* the update of
 * step `validation.steps[j]`. For `fit`, losses are mean negative log-likelihoods in nats, in data
 * units; for `fitToTarget`, estimates of E_q[log q − log p̃] (see `FitToTargetHistory`).
 */
export interface FitHistory {
  /** Step numbers (1-based) of the training-loss entries. */
  steps: number[];
  /** Training loss of each step. */
  loss: number[];
  /** Learning rate used at each step. */
  learningRate: number[];
  /** Global gradient norm of each step, before clipping. */
  gradNorm: number[];
  /** Validation loss, evaluated every `validateEvery` steps and after the last step. */
  validation?: { steps: number[]; loss: number[] };
  /** The step after which the validation loss was lowest (the weights restored by early stopping). */
  bestStep?: number;
  /** The validation loss at `bestStep`. */
  bestLoss?: number;
  /** Passes over the training data completed. */
  epochs: number;
  /** Why training ended. */
  stopReason: StopReason;
  /** Whether the weights were restored to those of `bestStep` at the end. */
  restoredBest: boolean;
  /** Wall-clock duration of the run, in seconds. */
  wallTime: number;
  /** Optimisation steps per second of wall time. */
  stepsPerSecond: number;
  /** Things the caller should know about the data or the run (for example integer columns fitted without dequantisation). */
  warnings?: string[];
  /** The columns fitted with uniform dequantisation (`fit`'s `dequantize`): losses are then bounds, see `dequantize.ts`. */
  dequantized?: number[];
  /** The standardisation the flow was trained under (absent without one). */
  standardization?: 'columns' | 'whiten';
  /**
   * Present when the flow, scaled per column by default, ended worse on the validation rows than the
   * full-covariance Gaussian of the training rows, and `fit` returned that Gaussian instead: the initial
   * weights (the identity) under the whitening standardisation. The two validation losses, for the
   * record. See `defaultStandardize` in `defaults.ts`.
   */
  gaussianFallback?: { flowLoss: number; gaussianLoss: number };
}
