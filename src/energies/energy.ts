/**
 * Two-dimensional target densities known only up to a constant, for testing variational inference
 * and importance sampling: each carries its unnormalised log-density and a reference log Z.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';

/** An axis-aligned box `[[x1min, x1max], [x2min, x2max]]`. */
export type Box = readonly [readonly [number, number], readonly [number, number]];

export interface Energy {
  /** Key in `energies`, e.g. `'u1'`. */
  readonly name: string;
  readonly dim: 2;
  /** log p̃(x) = −U(x) for each row of `x` `[n, 2]` → `[n]`; differentiable, no read-back. */
  readonly logDensity: (x: tf.Tensor2D) => tf.Tensor1D;
  /** log ∫ p̃, by float64 trapezoid quadrature over `box` on `grid` (bench/energies-logz.ts). */
  readonly logZ: number;
  /** Estimated absolute error of `logZ` (largest change from halving or doubling the spacing or growing the box by 1). */
  readonly logZError: number;
  /** The quadrature box: log p̃ on its edges is at least 50 below its maximum. Also a good plotting window. */
  readonly box: Box;
  /** Quadrature nodes per axis (spacing 0.01, endpoints included). */
  readonly grid: readonly [number, number];
}

/** Wrap a log-density in input checks and `tf.tidy`. */
export function energy(name: string, f: (z1: tf.Tensor1D, z2: tf.Tensor1D) => tf.Tensor, reference: Omit<Energy, 'name' | 'dim' | 'logDensity'>): Energy {
  const fn = `energies.${name}.logDensity`;
  const logDensity = (x: tf.Tensor2D): tf.Tensor1D => {
    assertReady(fn);
    if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.shape[1] !== 2) throw new ValidationError(fn, 'x', 'a 2D tensor [n, 2]', describe(x));
    return tf.tidy(() => {
      const z1 = tf.reshape(tf.slice(x, [0, 0], [-1, 1]), [-1]) as tf.Tensor1D;
      const z2 = tf.reshape(tf.slice(x, [0, 1], [-1, 1]), [-1]) as tf.Tensor1D;
      return f(z1, z2) as tf.Tensor1D;
    });
  };
  return Object.freeze({ name, dim: 2 as const, logDensity, ...reference });
}

/** log(eᵃ + eᵇ), elementwise. */
export function logAddExp(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.logSumExp(tf.stack([a, b], 1), 1);
}

/** −½ (v / s)². */
export function gaussianLog(v: tf.Tensor, s: number): tf.Tensor {
  return tf.mul(-0.5 / (s * s), tf.square(v));
}
