/** Maps from unconstrained reals to positive scales that send 0 to exactly 1 (so zero parameters are the identity). */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';

/** `exp`: e^s. `softplus`: (softplus(s) + ε) / (softplus(0) + ε), bounded below by ε / (log 2 + ε) and linear for large s. */
export const POSITIVE_MAPS = ['exp', 'softplus'] as const;
export type PositiveMap = (typeof POSITIVE_MAPS)[number];

/** Smallest softplus scale relative to 1: keeps log-scales finite when s → −∞. */
export const SOFTPLUS_EPS = 1e-3;

/**
 * log of the positive map at `s` (elementwise): exactly 0 where `s` is 0. For `softplus` the
 * normaliser softplus(0) is computed by the same kernel on zeros instead of as a JavaScript constant,
 * so that the cancellation at s = 0 is exact on every backend.
 */
export function logPositive(map: PositiveMap, s: tf.Tensor): tf.Tensor {
  if (map === 'exp') return s;
  const num = tf.log(tf.add(tf.softplus(s), SOFTPLUS_EPS));
  const den = tf.log(tf.add(tf.softplus(tf.zerosLike(s)), SOFTPLUS_EPS));
  return tf.sub(num, den);
}

/** Check a positive-map name from user input; `undefined` gives `fallback`. */
export function checkPositiveMap(fn: string, arg: string, value: unknown, fallback: PositiveMap): PositiveMap {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(POSITIVE_MAPS as readonly string[]).includes(value)) {
    throw new ValidationError(fn, arg, `one of ${POSITIVE_MAPS.join(', ')}`, describe(value));
  }
  return value as PositiveMap;
}
