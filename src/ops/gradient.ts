/**
 * Gradient surgery that TF.js lacks: `stopGradient` (value x, gradient 0) and `scaleGradient`
 * (value x, gradient c · dy). Both are one custom-gradient op whose forward is a copy, so a value can
 * take part in a loss without (or with a weighted) contribution to the gradient.
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { checkNumber } from '../validate.js';

/**
 * `scaleGradient(x, c)`: the identity in value, `c · ∂L/∂x` in gradient. `c = 0` is a stop-gradient.
 *
 * @param x any tensor
 * @param c the gradient factor (a finite number)
 * @example
 * ```ts
 * // value Σ (x − t)², gradient only through x:
 * const loss = tf.sum(tf.square(tf.sub(x, stopGradient(t))));
 * ```
 */
export function scaleGradient<T extends tf.Tensor>(x: T, c: number): T {
  checkTensorArg('scaleGradient', x);
  checkNumber('scaleGradient', 'c', c);
  const f = tf.customGrad(((input: tf.Tensor) => ({
    // A copy, not the input itself: the tape must see a new tensor as this op's output.
    value: tf.clone(input),
    gradFunc: (dy: tf.Tensor) => (c === 0 ? tf.zerosLike(dy) : tf.mul(dy, c)),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as T;
}

/** `stopGradient(x)`: the identity in value, zero gradient (TensorFlow's `tf.stop_gradient`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  checkTensorArg('stopGradient', x);
  return scaleGradient(x, 0);
}

function checkTensorArg(fn: string, x: unknown): void {
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw new ValidationError(fn, 'x', 'a float32 tf.Tensor', x instanceof tf.Tensor ? 'a disposed tensor' : describe(x));
  if (x.dtype !== 'float32') throw new ValidationError(fn, 'x', 'a float32 tf.Tensor', `a tensor of dtype ${x.dtype}`);
}
