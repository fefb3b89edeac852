/**
 * Calling a user's unnormalised log-density safely: the one place that checks what `logTarget`
 * returns, shared by importance sampling and reverse-KL training. Reverse-KL training runs it inside
 * the gradient tape: checked in full once before training (type, shape, finiteness,
 * differentiability) and cheaply at every step (type and shape; finiteness through the loss).
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

/** `logTarget(x)` with its type and shape checked (a float32 `[n]` tensor); no read-back. */
export function evaluateLogTarget(fn: string, logTarget: LogTarget, x: tf.Tensor2D): tf.Tensor1D {
  const out: unknown = logTarget(x);
  checkTargetOutput(fn, out, x.shape[0], '');
  return out;
}

/**
 * Throw unless the read-back `values` of `logTarget(x)` hold no NaN and no +∞ (−∞ only if allowed);
 * `row(i)` gives the sample of row i for the message (read only on failure).
 */
export function checkTargetValues(fn: string, values: ArrayLike<number>, row: (i: number) => ArrayLike<number>, check: LogTargetCheck = {}): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v) || v === Infinity || (v === -Infinity && !check.allowNegativeInfinity)) {
      const allowed = check.allowNegativeInfinity ? 'finite values or −∞' : 'finite values';
      throw new ValidationError(fn, 'logTarget', `a function returning ${allowed}`, `${describe(v)} at row ${i} (x = [${Array.from(row(i)).join(', ')}])`);
    }
  }
}

/**
 * `logTarget(x)` checked: a float32 tensor of shape `[n]` with no NaN and no +∞ (−∞ only if allowed).
 * Costs one synchronous read-back of the `[n]` result: for the stochastic flows' one-off check on
 * host-memory backends; per-chunk callers use {@link evaluateLogTarget}, `await data()` and
 * {@link checkTargetValues}. Call inside `tf.tidy`; the result stays on the tape.
 */
export function callLogTarget(fn: string, logTarget: LogTarget, x: tf.Tensor2D, check: LogTargetCheck = {}): { value: tf.Tensor1D; values: Float32Array } {
  const value = evaluateLogTarget(fn, logTarget, x);
  const values = value.dataSync() as Float32Array;
  const dim = x.shape[1];
  checkTargetValues(fn, values, (i) => x.dataSync().slice(i * dim, (i + 1) * dim), check);
  return { value, values };
}

/** Where a bad value came from: a training step, the check before training (`null`), or nothing to add (`''`). */
const where = (step: number | null | '') => (step === '' ? '' : step === null ? ' on the first samples, before training' : ` at step ${step}`);

/** Throw unless `out` is a float32 tensor of shape `[n]`. */
export function checkTargetOutput(fn: string, out: unknown, n: number, step: number | null | ''): asserts out is tf.Tensor1D {
  const expected = `a function returning a float32 tensor of shape [${n}] (one log-density per row of its [${n}, dim] input)`;
  if (!(out instanceof tf.Tensor)) throw new ValidationError(fn, 'logTarget', expected, `${describe(out)}${where(step)}`);
  if (out.isDisposed) throw new ValidationError(fn, 'logTarget', expected, `a disposed tensor${where(step)}`);
  if (out.rank !== 1 || out.shape[0] !== n) throw new ValidationError(fn, 'logTarget', expected, `a tensor of shape [${out.shape.join(', ')}]${where(step)}`);
  if (out.dtype !== 'float32') throw new ValidationError(fn, 'logTarget', expected, `a tensor of dtype ${out.dtype}${where(step)}`);
}

/**
 * The first row whose log-density is not finite although its sample is, as a ValidationError naming
 * the value, the sample and the step; `null` if every non-finite value belongs to a non-finite sample
 * (then the flow, not the target, is at fault).
 */
export async function nonFiniteTarget(fn: string, x: tf.Tensor2D, logP: tf.Tensor1D, step: number | null, note = ''): Promise<ValidationError | null> {
  const [values, samples] = await Promise.all([logP.data(), x.data()]);
  const dim = x.shape[1];
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) continue;
    const row = Array.from(samples.subarray(i * dim, (i + 1) * dim));
    if (!row.every(Number.isFinite)) continue;
    const shown = row.length > 8 ? `[${row.slice(0, 8).join(', ')}, …]` : `[${row.join(', ')}]`;
    return new ValidationError(fn, 'logTarget', 'a function returning finite log-densities for finite samples', `${describe(values[i])} for the sample ${shown} (row ${i} of ${values.length})${where(step)}${note}`);
  }
  return null;
}

/**
 * Full check on `x` (`[n, dim]`, finite samples of the flow): `logTarget(x)` is a float32 `[n]` tensor of
 * finite values, and its gradient with respect to `x` exists (the function is built from TF.js ops on
 * its input, not on values read out of it) and is finite.
 */
export async function checkTargetAtStart(fn: string, logTarget: LogTarget, x: tf.Tensor2D): Promise<void> {
  const n = x.shape[0];
  const out = tf.tidy(() => {
    const v = logTarget(x);
    checkTargetOutput(fn, v, n, null);
    return v;
  });
  try {
    const bad = await nonFiniteTarget(fn, x, out, null);
    if (bad) throw bad;
  } finally {
    out.dispose();
  }
  // `allowNoGradients`: a disconnected target yields no gradient instead of a throw, which would leave
  // the tensors TF.js saved for the backward pass alive (only a completed backward pass frees them).
  const grad = tf.tidy(() => tf.engine().gradients(() => tf.sum(logTarget(x)) as tf.Scalar, [x], undefined, true).grads[0] ?? null);
  if (grad === null) {
    const expected = 'a function differentiable in its input (built from TF.js ops on the tensor it is given)';
    throw new ValidationError(fn, 'logTarget', expected, 'one whose value does not depend on its input through TF.js ops (no gradient)');
  }
  const finite = tf.tidy(() => tf.all(tf.isFinite(grad)));
  const ok = (await finite.data())[0] === 1;
  tf.dispose([finite, grad]);
  if (!ok) throw new ValidationError(fn, 'logTarget', 'a function with a finite gradient at finite samples', `a non-finite gradient${where(null)}`);
}
