/** Hooks a training loop calls after each step and each epoch; either can stop training. */

/** Passed to `onStep` after each optimisation step. */
export interface StepInfo {
  /** The step just taken (1-based). */
  step: number;
  /** Total steps planned, or `null` when unknown (epochs over a stream). */
  totalSteps: number | null;
  /** The epoch this step belongs to (1-based). */
  epoch: number;
  /** The step's training loss (before its update). */
  loss: number;
  /** Learning rate used. */
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** The validation loss if it was evaluated after this step. */
  validationLoss?: number;
  /** Stop training after this step (the history records `stopReason: 'callback'`). */
  stop(): void;
}

/** Passed to `onEpoch` after each full pass over the data. */
export interface EpochInfo {
  /** The epoch just completed (1-based). */
  epoch: number;
  /** The last step of the epoch. */
  step: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** The latest validation loss, if any has been evaluated. */
  validationLoss?: number;
  /** Stop training now. */
  stop(): void;
}

export interface TrainingCallbacks {
  /** Called after every step; may be async (training waits for it). */
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Called after every epoch; may be async. */
  onEpoch?: (info: EpochInfo) => void | Promise<void>;
}
