/**
 * The inverse temperature β of reverse-KL training, which weights the target in
 * E_q[log q(x) − β log p̃(x)]: a linear warm-up from a small β₀ to 1 (Rezende & Mohamed 2015 used
 * β_t = min(1, 0.01 + t/10000)), a constant, or any function of the step. Steps are numbered from 1.
 */
import { ValidationError, describe } from '../errors.js';
import { checkInt, checkNumber } from '../validate.js';

/** β as a function of the step (1-based) and the planned number of steps. */
export type BetaFunction = (step: number, totalSteps: number) => number;

/**
 * Linear annealing `β_t = min(1, β₀ + (1 − β₀) · t / annealSteps)`: β rises from just above β₀ at step
 * 1 to exactly 1 at step `annealSteps`, and stays at 1.
 *
 * @param step the step t (1-based)
 * @param annealSteps the step at which β reaches 1
 * @param start β₀ in [0, 1); default 0.01 (Rezende & Mohamed's)
 * @example
 * ```ts
 * linearAnneal(1, 100);    // 0.0199
 * linearAnneal(100, 100);  // 1
 * ```
 */
export function linearAnneal(step: number, annealSteps: number, start = 0.01): number {
  checkInt('linearAnneal', 'step', step, 0);
  checkInt('linearAnneal', 'annealSteps', annealSteps);
  checkNumber('linearAnneal', 'start', start, { min: 0 });
  if (start >= 1) throw new ValidationError('linearAnneal', 'start', 'a finite number ≥ 0 and < 1', describe(start));
  return Math.min(1, start + ((1 - start) * step) / annealSteps);
}

/** The annealing options as given by the user. */
export interface AnnealOptions {
  annealSteps?: unknown;
  annealStart?: unknown;
  beta?: unknown;
}

/**
 * Check the annealing options and return β of each step, or `null` when there is no annealing
 * (β = 1 throughout, and the history records no β).
 */
export function resolveBeta(fn: string, o: AnnealOptions, totalSteps: number): ((step: number) => number) | null {
  if (o.beta !== undefined && (o.annealSteps !== undefined || o.annealStart !== undefined)) {
    throw new ValidationError(fn, 'options', 'either beta or annealSteps/annealStart, not both', `beta and ${o.annealSteps !== undefined ? 'annealSteps' : 'annealStart'}`);
  }
  if (o.annealSteps !== undefined) {
    const steps = checkInt(fn, 'options.annealSteps', o.annealSteps);
    const start = checkNumber(fn, 'options.annealStart', o.annealStart ?? 0.01, { min: 0 });
    if (start >= 1) throw new ValidationError(fn, 'options.annealStart', 'a finite number ≥ 0 and < 1', describe(start));
    return (step) => linearAnneal(step, steps, start);
  }
  if (o.annealStart !== undefined) throw new ValidationError(fn, 'options.annealSteps', 'given when annealStart is', 'undefined');
  if (o.beta === undefined) return null;
  if (typeof o.beta === 'number') {
    const beta = checkNumber(fn, 'options.beta', o.beta, { min: 0 });
    return () => beta;
  }
  if (typeof o.beta === 'function') {
    const f = o.beta as BetaFunction;
    return (step) => checkNumber(fn, `options.beta(${step})`, f(step, totalSteps), { min: 0 });
  }
  throw new ValidationError(fn, 'options.beta', 'a number ≥ 0 or a function (step, totalSteps) → β', describe(o.beta));
}
