/** Tape-free rule of `Reverse`: `z = y` with its columns reversed, log-det 0; the adjoint is reversed back. */
import { tf } from '../../backend.js';
import type { SavedInverse } from '../../train/fast-step/contract.js';

/** The density direction of a `Reverse` with its backward. Call inside `tf.tidy`, no tape. */
export function reverseInverseWithBackward(y: tf.Tensor2D): SavedInverse {
  return {
    output: tf.reverse(y, 1),
    logDet: null,
    backward: (dOutput, _dLogDet, _sink, needInput) => (needInput ? tf.reverse(dOutput, 1) : null),
  };
}
