import { assertReady, tf } from '../backend.js';
import type { Bijector, BijectorResult } from '../bijectors/bijector.js';
import { ValidationError, describe } from '../errors.js';
import { checkBoolean, checkOptions, type MatrixLike, matrix } from '../validate.js';
import { logAbsDet } from './log-abs-det.js';

export interface CheckBijectorOptions {
  /** Context `[batch, contextDim]` for a conditional bijector. */
  context?: MatrixLike;
  /** Compare log-dets with autodiff Jacobians (default: when the dimension is at most 10). */
  jacobian?: boolean;
}

/** What `checkBijector` measured. All errors are maxima over the batch (absolute, in float32 arithmetic). */
export interface BijectorCheck {
  /** max |inverse(forward(x)) − x|, or `null` when the bijector has no inverse. */
  roundTripError: number | null;
  /** max |forward(x).logDet + inverse(forward(x)).logDet| (the two must cancel), or `null` without inverse. */
  logDetSumError: number | null;
  /** max |forward(x).logDet − log |det ∂forward/∂x|| with the Jacobian from autodiff, or `null` if skipped. */
  jacobianError: number | null;
  /** max |inverse(y).logDet − log |det ∂inverse/∂y|| at y = forward(x), or `null` if skipped or no inverse. */
  inverseJacobianError: number | null;
  /** Whether every output and log-det computed was finite. */
  finite: boolean;
}

/** Per-example log |det J| of `map` at `x` from autodiff: one gradient per output dimension. */
function autodiffLogAbsDet(map: (x: tf.Tensor2D) => tf.Tensor2D, x: tf.Tensor2D): Float64Array {
  const [batch, dim] = x.shape;
  const rows: Float32Array[] = [];
  for (let j = 0; j < dim; j++) {
    // Examples are independent, so the gradient of Σ_b y[b, j] is row j of each example's Jacobian.
    const g = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(tf.slice(map(xx as tf.Tensor2D), [0, j], [-1, 1])))(x));
    rows.push(g.dataSync() as Float32Array);
    g.dispose();
  }
  const out = new Float64Array(batch);
  const jac = new Float64Array(dim * dim);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < dim; j++) for (let i = 0; i < dim; i++) jac[j * dim + i] = rows[j][b * dim + i];
    out[b] = logAbsDet(jac, dim);
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, sign = -1): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] + sign * b[i]);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

function allFinite(...arrays: ArrayLike<number>[]): boolean {
  return arrays.every((a) => Array.prototype.every.call(a, (v: number) => Number.isFinite(v)));
}

/**
 * Check a bijector numerically at points `x` of its forward domain (`[batch, dim]`): the round trip,
 * that forward and inverse log-dets cancel, and, for small dimensions, both log-dets against the
 * log |det| of autodiff Jacobians. A correct bijector gives errors near float32 rounding (≲ 1e-4 for
 * moderate inputs). Use it on every custom bijector.
 *
 * @example
 * ```ts
 * const report = checkBijector(new Sigmoid(), [[0.3, -1.2], [2, 0.5]]);
 * // { roundTripError: 6e-8, logDetSumError: 0, jacobianError: 1e-7, inverseJacobianError: 2e-6, finite: true }
 * ```
 */
export function checkBijector(bijector: Bijector, x: MatrixLike, options: CheckBijectorOptions = {}): BijectorCheck {
  const fn = 'checkBijector';
  assertReady(fn);
  if (typeof (bijector as Bijector)?.forward !== 'function') throw new ValidationError(fn, 'bijector', 'a Bijector', describe(bijector));
  checkOptions(fn, options, ['context', 'jacobian']);
  const jacobian = checkBoolean(fn, 'options.jacobian', options.jacobian, true);
  if (options.context !== undefined && bijector.contextDim === 0) {
    throw new ValidationError(fn, 'options.context', 'absent (the bijector is unconditional)', describe(options.context));
  }
  const xt = tf.tidy(() => matrix(x, { fn, arg: 'x', cols: bijector.dim ?? undefined }));
  let ctx: tf.Tensor2D | null = null;
  try {
    if (options.context !== undefined) ctx = tf.tidy(() => matrix(options.context, { fn, arg: 'options.context', rows: xt.shape[0], cols: bijector.contextDim }));
  } catch (e) {
    xt.dispose(); // the context was bad: do not leak the converted x
    throw e;
  }
  const keep: tf.Tensor[] = [xt, ...(ctx ? [ctx] : [])];
  try {
    const fwd: BijectorResult = bijector.forward(xt, ctx);
    keep.push(fwd.output, fwd.logDet);
    const xv = xt.dataSync();
    const yv = fwd.output.dataSync();
    const fwdLd = fwd.logDet.dataSync();
    let roundTripError: number | null = null;
    let logDetSumError: number | null = null;
    let inverseJacobianError: number | null = null;
    let finite = allFinite(yv, fwdLd);
    const invertible = bijector.inverseKind !== 'none';
    if (invertible) {
      const inv = bijector.inverse(fwd.output, ctx);
      keep.push(inv.output, inv.logDet);
      const xBack = inv.output.dataSync();
      const invLd = inv.logDet.dataSync();
      finite = finite && allFinite(xBack, invLd);
      roundTripError = maxAbsDiff(xBack, xv);
      logDetSumError = maxAbsDiff(fwdLd, invLd, 1);
    }
    let jacobianError: number | null = null;
    const wantJacobian = options.jacobian === undefined ? xt.shape[1] <= 10 : jacobian;
    if (wantJacobian) {
      jacobianError = maxAbsDiff(fwdLd, autodiffLogAbsDet((v) => bijector.forward(v, ctx).output, xt));
      if (invertible) {
        const invLd = tf.tidy(() => bijector.inverse(fwd.output, ctx).logDet);
        inverseJacobianError = maxAbsDiff(invLd.dataSync(), autodiffLogAbsDet((v) => bijector.inverse(v, ctx).output, fwd.output));
        invLd.dispose();
      }
    }
    return { roundTripError, logDetSumError, jacobianError, inverseJacobianError, finite };
  } finally {
    // The caller's own tensor is never disposed.
    for (const t of keep) if (t !== x && t !== options.context) t.dispose();
  }
}
