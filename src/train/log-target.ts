/**
 * The user's unnormalised log-density `log p̃`, the one piece of user code reverse-KL training runs
 * inside the gradient tape: checked in full once before training (type, shape, finiteness,
 * differentiability) and cheaply at every step (type and shape; finiteness through the loss).
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';

/**
 * An unnormalised log-density: `[n, dim]` samples → `[n]` values of log p̃, built from TF.js ops on its
 * input so that it is differentiable in the samples. Called inside `tf.tidy` (its intermediate tensors
 * are freed); it must not dispose its input.
 */
export type LogTarget = (x: tf.Tensor2D) => tf.Tensor1D;

const where = (step: number | null) => (step === null ? 'on the first samples, before training' : `at step ${step}`);

/** Throw unless `out` is a float32 tensor of shape `[n]`. */
export function checkTargetOutput(fn: string, out: unknown, n: number, step: number | null): asserts out is tf.Tensor1D {
  const expected = `a function returning a float32 tensor of shape [${n}] (one log-density per row of its [${n}, dim] input)`;
  if (!(out instanceof tf.Tensor)) throw new ValidationError(fn, 'logTarget', expected, `${describe(out)} ${where(step)}`);
  if (out.isDisposed) throw new ValidationError(fn, 'logTarget', expected, `a disposed tensor ${where(step)}`);
  if (out.rank !== 1 || out.shape[0] !== n) throw new ValidationError(fn, 'logTarget', expected, `a tensor of shape [${out.shape.join(', ')}] ${where(step)}`);
  if (out.dtype !== 'float32') throw new ValidationError(fn, 'logTarget', expected, `a tensor of dtype ${out.dtype} ${where(step)}`);
}

/**
 * The first row whose log-density is not finite although its sample is, as a ValidationError naming
 * the value, the sample and the step; `null` if every non-finite value belongs to a non-finite sample
 * (then the flow, not the target, is at fault).
 */
export function nonFiniteTarget(fn: string, x: tf.Tensor2D, logP: tf.Tensor1D, step: number | null, note = ''): ValidationError | null {
  const values = logP.dataSync();
  const samples = x.dataSync();
  const dim = x.shape[1];
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) continue;
    const row = Array.from(samples.subarray(i * dim, (i + 1) * dim));
    if (!row.every(Number.isFinite)) continue;
    const shown = row.length > 8 ? `[${row.slice(0, 8).join(', ')}, …]` : `[${row.join(', ')}]`;
    return new ValidationError(fn, 'logTarget', 'a function returning finite log-densities for finite samples', `${describe(values[i])} for the sample ${shown} (row ${i} of ${values.length}) ${where(step)}${note}`);
  }
  return null;
}

/**
 * Full check on `x` (`[n, dim]`, finite samples of the flow): `logTarget(x)` is a float32 `[n]` tensor of
 * finite values, and its gradient with respect to `x` exists (the function is built from TF.js ops on
 * its input, not on values read out of it) and is finite.
 */
export function checkTargetAtStart(fn: string, logTarget: LogTarget, x: tf.Tensor2D): void {
  const n = x.shape[0];
  const out = tf.tidy(() => {
    const v = logTarget(x);
    checkTargetOutput(fn, v, n, null);
    return v;
  });
  try {
    const bad = nonFiniteTarget(fn, x, out, null);
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
  const ok = finite.dataSync()[0] === 1;
  tf.dispose([finite, grad]);
  if (!ok) throw new ValidationError(fn, 'logTarget', 'a function with a finite gradient at finite samples', `a non-finite gradient ${where(null)}`);
}
