/**
 * Calling a user's unnormalised log-density safely: the one place that checks what `logTarget`
 * returns, shared by importance sampling and reverse-KL training.
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';

/**
 * An unnormalised log-density log p̃(x): a function of a `[n, dim]` tensor returning `[n]`.
 * It may use any TF.js ops (gradients flow through it); tensors it creates are disposed by the caller's tidy.
 */
export type LogTarget = (x: tf.Tensor2D) => tf.Tensor1D;

export interface LogTargetCheck {
  /** Allow −∞ (a point outside the target's support): true for importance sampling (weight 0). */
  allowNegativeInfinity?: boolean;
}

/** Throw a `ValidationError` naming `logTarget` unless it is a function. */
export function checkLogTarget(fn: string, logTarget: unknown): asserts logTarget is LogTarget {
  if (typeof logTarget !== 'function') throw new ValidationError(fn, 'logTarget', 'a function of a [n, dim] tensor returning a [n] tensor', describe(logTarget));
}

/**
 * `logTarget(x)` checked: a float32 tensor of shape `[n]` with no NaN and no +∞ (−∞ only if allowed).
 * Costs one read-back of the `[n]` result. Call inside `tf.tidy` (or a gradient scope); the result
 * stays on the tape, so gradients flow through it.
 */
export function callLogTarget(fn: string, logTarget: LogTarget, x: tf.Tensor2D, check: LogTargetCheck = {}): { value: tf.Tensor1D; values: Float32Array } {
  const n = x.shape[0];
  const out: unknown = logTarget(x);
  const expected = `a function returning a float32 tensor of shape [${n}] (one log-density per row of x)`;
  if (!(out instanceof tf.Tensor)) throw new ValidationError(fn, 'logTarget', expected, `it returned ${describe(out)}`);
  if (out.isDisposed) throw new ValidationError(fn, 'logTarget', expected, 'it returned a disposed tensor');
  if (out.rank !== 1 || out.shape[0] !== n) throw new ValidationError(fn, 'logTarget', expected, `it returned shape [${out.shape.join(', ')}]`);
  if (out.dtype !== 'float32') throw new ValidationError(fn, 'logTarget', expected, `it returned dtype ${out.dtype}`);
  const values = out.dataSync() as Float32Array;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v) || v === Infinity || (v === -Infinity && !check.allowNegativeInfinity)) {
      const allowed = check.allowNegativeInfinity ? 'finite values or −∞' : 'finite values';
      throw new ValidationError(fn, 'logTarget', `a function returning ${allowed}`, `${describe(v)} at row ${i} (x = [${Array.from(x.dataSync().slice(i * x.shape[1], (i + 1) * x.shape[1])).join(', ')}])`);
    }
  }
  return { value: out as tf.Tensor1D, values };
}
