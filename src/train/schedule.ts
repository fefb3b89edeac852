/**
 * Learning-rate schedules: a constant rate or cosine decay, each with an optional linear warm-up, or
 * any function of the step. Steps are numbered from 1.
 */
import { ValidationError, describe } from '../errors.js';
import { checkInt, checkNumber, checkOptions } from '../validate.js';

/** A schedule as plain data (JSON-friendly). */
export interface ScheduleSpec {
  type: 'constant' | 'cosine';
  /** Peak learning rate (after warm-up). */
  learningRate: number;
  /** Steps of linear warm-up from `learningRate / warmupSteps` up to `learningRate`; default 0. */
  warmupSteps?: number;
  /** Cosine only: the rate the decay approaches at the last step; default 0. */
  finalLearningRate?: number;
}

/** A schedule as a function of the step (1-based) and the total number of steps (`null` if unknown). */
export type ScheduleFunction = (step: number, totalSteps: number | null) => number;

/** What training options accept as `learningRate`. */
export type LearningRate = number | ScheduleSpec | ScheduleFunction;

/**
 * Cosine decay with optional warm-up: for step s ≤ W, `lr · s/W`; after it,
 * `final + (lr − final) · ½(1 + cos(π (s − 1 − W)/(T − W)))`, where T is the number of steps.
 *
 * @example
 * ```ts
 * await fit(flow, data, { steps: 5000, learningRate: cosineDecay(1e-3, { warmupSteps: 200 }) });
 * ```
 */
export function cosineDecay(learningRate: number, options: { warmupSteps?: number; finalLearningRate?: number } = {}): ScheduleSpec {
  // Checked here too (fit checks the spec again) so a typo fails where it was written.
  const fn = 'cosineDecay';
  checkNumber(fn, 'learningRate', learningRate, { min: 0, open: true });
  checkOptions(fn, options, ['warmupSteps', 'finalLearningRate']);
  if (options.warmupSteps !== undefined) checkInt(fn, 'options.warmupSteps', options.warmupSteps, 0);
  if (options.finalLearningRate !== undefined) checkNumber(fn, 'options.finalLearningRate', options.finalLearningRate, { min: 0 });
  return { type: 'cosine', learningRate, ...options };
}

/**
 * Check a `learningRate` option and return the rate of each step (1-based). `totalSteps` is needed by
 * the cosine schedule.
 */
export function resolveSchedule(fn: string, value: unknown, totalSteps: number | null): (step: number) => number {
  const arg = 'options.learningRate';
  if (typeof value === 'number') {
    const lr = checkNumber(fn, arg, value, { min: 0, open: true });
    return () => lr;
  }
  if (typeof value === 'function') {
    const f = value as ScheduleFunction;
    return (step) => checkNumber(fn, `${arg}(${step})`, f(step, totalSteps), { min: 0 });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(fn, arg, 'a positive number, a schedule { type, learningRate, … } or a function (step, totalSteps) → rate', describe(value));
  }
  const spec = value as ScheduleSpec;
  checkOptions(fn, spec, ['type', 'learningRate', 'warmupSteps', 'finalLearningRate']);
  if (spec.type !== 'constant' && spec.type !== 'cosine') {
    throw new ValidationError(fn, `${arg}.type`, "'constant' or 'cosine'", describe(spec.type));
  }
  const lr = checkNumber(fn, `${arg}.learningRate`, spec.learningRate, { min: 0, open: true });
  const warmup = checkInt(fn, `${arg}.warmupSteps`, spec.warmupSteps ?? 0, 0);
  const warm = (step: number) => (lr * step) / warmup;
  if (spec.type === 'constant') {
    if (spec.finalLearningRate !== undefined) throw new ValidationError(fn, arg, 'no finalLearningRate with a constant schedule', describe(spec.finalLearningRate));
    return (step) => (step <= warmup ? warm(step) : lr);
  }
  const final = checkNumber(fn, `${arg}.finalLearningRate`, spec.finalLearningRate ?? 0, { min: 0 });
  if (totalSteps === null) {
    throw new ValidationError(fn, arg, "a known number of steps for a cosine schedule (pass options.steps)", 'an unknown number of steps (epochs over a stream)');
  }
  if (warmup >= totalSteps) throw new ValidationError(fn, `${arg}.warmupSteps`, `fewer than the ${totalSteps} training steps`, String(warmup));
  return (step) => (step <= warmup ? warm(step) : final + (lr - final) * 0.5 * (1 + Math.cos((Math.PI * (step - 1 - warmup)) / (totalSteps - warmup))));
}
