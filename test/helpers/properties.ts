/**
 * Shared machinery of the property-based tests (test/properties/*): the fast-check seed and the one
 * measurement every property case runs on a bijector.
 *
 * Reproducing a failure: fast-check prints `seed` and `path` with the counterexample. Rerun with
 * `FC_SEED=<seed> npx vitest run <file>`; add `{ path: '<path>' }` to that property's parameters to
 * replay only the failing (shrunk) case. Without FC_SEED every run uses DEFAULT_FC_SEED, so the suite
 * is deterministic.
 */
import fc from 'fast-check';
import { afterAll, expect } from 'vitest';
import { type Bijector, Rng, checkBijector, tf } from '../../src/index.js';
import { perturbed } from './bijector-cases.js';

export const DEFAULT_FC_SEED = 20250609;

/** The global fast-check seed: `FC_SEED` from the environment, else {@link DEFAULT_FC_SEED}. */
export const FC_SEED = process.env.FC_SEED === undefined ? DEFAULT_FC_SEED : Number(process.env.FC_SEED);
if (!Number.isInteger(FC_SEED)) throw new Error(`FC_SEED must be an integer; got ${process.env.FC_SEED}`);
fc.configureGlobal({ seed: FC_SEED });

/** float32 unit roundoff 2⁻²⁴. */
export const EPS32 = 2 ** -24;

/**
 * Tolerances of {@link measureBijector}, in units of EPS32 (so they read as "so many roundings").
 *
 * - `roundTrip`: |inverse(forward(x)) − x| ≤ roundTrip · EPS32 · (1 + ‖x‖∞ + κ · ‖y‖∞), κ = ‖∂inverse/∂y‖∞
 *   (autodiff). The float32 rounding of y alone moves the inverse by up to EPS32 · κ · ‖y‖∞ (first-order
 *   perturbation bound), so an absolute tolerance would fail correct maps with large y or steep inverses
 *   (spline bins with slope near minDerivative, sigmoid near saturation) and pass wrong ones near 0.
 * - `logDet`: |logDet_f + logDet_i| and |logDet − log|det J_autodiff|| ≤ logDet · EPS32 · (1 + dim · (1 + κ·‖y‖∞) + |logDet_f|):
 *   each per-dimension log-derivative is computed from the same rounded quantities.
 */
export interface PropertyTolerance {
  roundTrip: number;
  logDet: number;
}

export interface BijectorMeasurement {
  roundTripError: number;
  roundTripBound: number;
  logDetSumError: number;
  jacobianError: number;
  inverseJacobianError: number;
  logDetBound: number;
  kappa: number;
}

function maxAbs(a: ArrayLike<number>, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Largest row sum of |∂map/∂v| over the batch (the ∞-norm of each example's Jacobian), from autodiff. */
export function jacobianInfNorm(map: (v: tf.Tensor2D) => tf.Tensor2D, v: tf.Tensor2D): number {
  const [batch, dim] = v.shape;
  let norm = 0;
  for (let j = 0; j < dim; j++) {
    const g = tf.tidy(() => tf.grad((vv: tf.Tensor) => tf.sum(tf.slice(map(vv as tf.Tensor2D), [0, j], [-1, 1])))(v));
    const rows = g.dataSync();
    g.dispose();
    for (let b = 0; b < batch; b++) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += Math.abs(rows[b * dim + i]);
      norm = Math.max(norm, s);
    }
  }
  return norm;
}

/** Whether every value and every gradient (inputs and weights, both directions) is finite. */
function gradientsFinite(b: Bijector, x: tf.Tensor2D, y: tf.Tensor2D, ctx: tf.Tensor2D | null): string | null {
  const trainable = b.weights.filter((w) => w.trainable).map((w) => w.variable);
  for (const [dir, v] of [['forward', x], ['inverse', y]] as const) {
    const f = (vv: tf.Tensor2D) => {
      const r = dir === 'forward' ? b.forward(vv, ctx) : b.inverse(vv, ctx);
      return tf.add(tf.sum(r.output), tf.sum(r.logDet)) as tf.Scalar;
    };
    const gx = tf.tidy(() => tf.grad((vv: tf.Tensor) => f(vv as tf.Tensor2D))(v));
    const ok = gx.dataSync().every(Number.isFinite);
    gx.dispose();
    if (!ok) return `${dir}: non-finite gradient with respect to the input`;
    if (trainable.length > 0) {
      const { value, grads } = tf.variableGrads(() => f(v), trainable);
      const okW = Object.values(grads).every((g) => g.dataSync().every(Number.isFinite)) && Number.isFinite(value.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
      if (!okW) return `${dir}: non-finite gradient with respect to the weights`;
    }
  }
  return null;
}

/**
 * Measure one bijector at `x` (`number[][]`, forward domain) against the four properties (round trip,
 * cancelling log-dets, autodiff Jacobians via checkBijector, finite values and gradients) and assert
 * them with `tol`; also asserts that the whole measurement leaves the tensor count unchanged.
 */
export function expectBijectorProperties(b: Bijector, x: number[][], context: number[][] | undefined, tol: PropertyTolerance): BijectorMeasurement {
  const before = tf.memory().numTensors;
  const xt = tf.tensor2d(x);
  const ct = context ? tf.tensor2d(context) : null;
  const y = tf.tidy(() => b.forward(xt, ct).output);
  try {
    const check = checkBijector(b, xt, { context: ct ?? undefined, jacobian: true });
    expect(check.finite, 'outputs and log-dets finite').toBe(true);
    const gradProblem = gradientsFinite(b, xt, y, ct);
    expect(gradProblem, 'gradients finite').toBeNull();
    const kappa = jacobianInfNorm((v) => b.inverse(v, ct).output, y);
    const fwdLd = tf.tidy(() => b.forward(xt, ct).logDet);
    const ldMax = maxAbs(fwdLd.dataSync());
    fwdLd.dispose();
    const xMax = maxAbs(xt.dataSync());
    const yMax = maxAbs(y.dataSync());
    const dim = xt.shape[1];
    const m: BijectorMeasurement = {
      roundTripError: check.roundTripError ?? 0,
      roundTripBound: tol.roundTrip * EPS32 * (1 + xMax + kappa * yMax),
      logDetSumError: check.logDetSumError ?? 0,
      jacobianError: check.jacobianError ?? 0,
      inverseJacobianError: check.inverseJacobianError ?? 0,
      logDetBound: tol.logDet * EPS32 * (1 + dim * (1 + kappa * yMax) + ldMax),
      kappa,
    };
    recordRatios(m);
    expect(Number.isFinite(kappa), 'inverse Jacobian finite').toBe(true);
    expect(m.roundTripError, `round trip (κ ${kappa.toPrecision(3)}, ‖y‖ ${yMax.toPrecision(3)})`).toBeLessThanOrEqual(m.roundTripBound);
    expect(m.logDetSumError, 'forward + inverse log-det').toBeLessThanOrEqual(m.logDetBound);
    expect(m.jacobianError, 'forward log-det vs autodiff').toBeLessThanOrEqual(m.logDetBound);
    expect(m.inverseJacobianError, 'inverse log-det vs autodiff').toBeLessThanOrEqual(m.logDetBound);
    return m;
  } finally {
    tf.dispose([xt, y, ...(ct ? [ct] : [])]);
    expect(tf.memory().numTensors, 'tensor count unchanged').toBe(before);
  }
}

/** Largest error/bound ratios seen in this file (printed at exit with PROPERTY_STATS=1, to show the tolerances' margins). */
const worst = { roundTrip: 0, logDetSum: 0, jacobian: 0, inverseJacobian: 0 };
function recordRatios(m: BijectorMeasurement): void {
  worst.roundTrip = Math.max(worst.roundTrip, m.roundTripError / m.roundTripBound);
  worst.logDetSum = Math.max(worst.logDetSum, m.logDetSumError / m.logDetBound);
  worst.jacobian = Math.max(worst.jacobian, m.jacobianError / m.logDetBound);
  worst.inverseJacobian = Math.max(worst.inverseJacobian, m.inverseJacobianError / m.logDetBound);
}
if (process.env.PROPERTY_STATS) afterAll(() => console.log(`worst error/bound ratios: ${JSON.stringify(worst)}`));

/** Add seeded N(0, sd²) noise to every trainable weight (layers start as the identity). */
export function perturbWeights<B extends Pick<Bijector, 'weights' | 'setWeights'>>(b: B, seed: number, sd: number): B {
  return perturbed(b, `perturb:${seed}`, sd);
}

/** `n` rows of `dim` float32 values in [−max, max]. */
export const rows = (n: number, dim: number, max: number) =>
  fc.array(fc.array(fc.float({ min: Math.fround(-max), max: Math.fround(max), noNaN: true, noDefaultInfinity: true }), { minLength: dim, maxLength: dim }), { minLength: n, maxLength: n });

/** Seeded context rows `[n, contextDim]` (N(0, 1.5²)), or undefined for contextDim 0. */
export function contextRows(n: number, contextDim: number, seed: number): number[][] | undefined {
  if (contextDim === 0) return undefined;
  const rng = new Rng(`context:${seed}`);
  return Array.from({ length: n }, () => Array.from({ length: contextDim }, () => 1.5 * rng.normal()));
}
