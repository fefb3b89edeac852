/**
 * The elementwise rational-quadratic spline of Neural Spline Flows (Durkan et al. 2019), with
 * nflows' conventions, as a differentiable TF.js primitive.
 */
import { assertReady, tf } from '../backend.js';
import { BackendError, ValidationError, describe } from '../errors.js';
import { hasKernelForActiveBackend } from '../kernels/js-kernel.js';
import { checkNumber, checkOptions } from '../validate.js';
import { RQ_SPLINE, type SplineAttrs, splineFused, splineFusedPacked } from '../kernels/rq-spline.js';
import { type SplineConfig, derivativeCount } from './rq-spline-math.js';
import { splineOps } from './rq-spline-ops.js';

/** Options of {@link rqSpline}. */
export interface RQSplineOptions {
  /** Apply the inverse (data → latent) instead of the forward map. Default `false`. */
  inverse?: boolean;
  /**
   * B: the spline maps [−B, B] onto itself. Default 3, which holds 99.7% of a standard normal
   * latent's mass, so most points go through the spline rather than the identity tails.
   */
  tailBound?: number;
  /** Smallest bin width (fraction of 2B), default 1e-3; must satisfy K · minBinWidth ≤ 1. */
  minBinWidth?: number;
  /** Smallest bin height, default 1e-3; K · minBinHeight ≤ 1. */
  minBinHeight?: number;
  /** Smallest knot derivative, default 1e-3. */
  minDerivative?: number;
  /**
   * `'linear'` (default): identity outside [−B, B], boundary derivatives exactly 1, K − 1 derivative
   * parameters (interior knots). `'none'`: the bounded spline on [−B, B] with K + 1 derivative
   * parameters (boundaries included); inputs outside [−B, B] continue linearly with the boundary
   * derivative (nflows raises there instead), so the map stays finite and invertible.
   */
  tails?: 'linear' | 'none';
  /**
   * Shift the derivative parameters so that all-zero parameters give every derivative exactly 1
   * (`d = m_d + softplus(u + c)` with `m_d + softplus(c) = 1`), making the spline exactly the identity.
   * Default `false` (nflows' `d = m_d + softplus(u)`, which is ≈ 0.694 at u = 0).
   */
  identityAtZero?: boolean;
}

/** Result of {@link rqSpline}: both of the input's shape. */
export type RQSplineResult<R extends tf.Rank = tf.Rank> = {
  outputs: tf.Tensor<R>;
  /** Elementwise log |d outputs / d inputs| of the direction applied. */
  logDet: tf.Tensor<R>;
};

/** Which implementation runs: `'auto'` picks fused where its kernels exist (cpu, wasm), else ops. */
export type SplinePath = 'auto' | 'fused' | 'ops';

const OPTION_KEYS = ['inverse', 'tailBound', 'minBinWidth', 'minBinHeight', 'minDerivative', 'tails', 'identityAtZero'] as const;

/** Validate options for a spline with `bins` bins; returns the kernel configuration. */
export function splineConfig(fn: string, bins: number, options: RQSplineOptions | undefined): SplineConfig & { inverse: boolean } {
  checkOptions(fn, options, OPTION_KEYS);
  const o = options ?? {};
  const inverse = o.inverse ?? false;
  if (typeof inverse !== 'boolean') throw new ValidationError(fn, 'options.inverse', 'a boolean', describe(inverse));
  const identityAtZero = o.identityAtZero ?? false;
  if (typeof identityAtZero !== 'boolean') throw new ValidationError(fn, 'options.identityAtZero', 'a boolean', describe(identityAtZero));
  const tails = o.tails ?? 'linear';
  if (tails !== 'linear' && tails !== 'none') throw new ValidationError(fn, 'options.tails', "'linear' or 'none'", describe(tails));
  return {
    bins,
    tails,
    inverse,
    identityAtZero,
    bound: checkNumber(fn, 'options.tailBound', o.tailBound ?? 3, { min: 0, open: true }),
    minBinWidth: checkBinMinimum(fn, 'options.minBinWidth', o.minBinWidth, bins),
    minBinHeight: checkBinMinimum(fn, 'options.minBinHeight', o.minBinHeight, bins),
    minDerivative: checkNumber(fn, 'options.minDerivative', o.minDerivative ?? 1e-3, { min: 0, max: 1, open: true }),
  };
}

function checkBinMinimum(fn: string, arg: string, value: unknown, bins: number): number {
  const v = value ?? 1e-3;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v * bins > 1) {
    throw new ValidationError(fn, arg, `a number > 0 with ${bins} bins × it ≤ 1 (at most ${1 / bins})`, describe(v));
  }
  return v;
}

function checkTensor(fn: string, arg: string, t: unknown, shape: readonly number[] | null, what: string): tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw new ValidationError(fn, arg, `a tf.Tensor${what}`, describe(t));
  if (t.isDisposed) throw new ValidationError(fn, arg, `a tf.Tensor${what}`, 'a disposed tensor');
  if (t.dtype !== 'float32') throw new ValidationError(fn, arg, `a float32 tensor${what}`, `a tensor of dtype ${t.dtype}`);
  if (shape && (t.rank !== shape.length || t.shape.some((s: number, i: number) => s !== shape[i]))) {
    throw new ValidationError(fn, arg, `a tensor of shape [${shape.join(', ')}]${what}`, describe(t));
  }
  return t;
}

/** Whether `path` runs the fused kernels on the active backend (`'fused'` throws where they do not exist). */
export function usesFused(path: SplinePath): boolean {
  if (path === 'ops') return false;
  if (path === 'fused') {
    if (!hasKernelForActiveBackend(RQ_SPLINE)) throw new BackendError(`rqSpline: the fused spline kernels exist for cpu and wasm only; the active backend is ${tf.getBackend()}`);
    return true;
  }
  return hasKernelForActiveBackend(RQ_SPLINE);
}

/**
 * Rational-quadratic spline, elementwise: on bin k = [x_k, x_{k+1}] with t = (x − x_k)/w_k,
 * `y = y_k + h_k (δ_k t² + d_k t(1−t)) / (δ_k + (d_k + d_{k+1} − 2δ_k) t(1−t))`, δ_k = h_k / w_k
 * (Durkan et al. 2019, eq. 4), with `logDet = log(δ_k² (d_{k+1} t² + 2δ_k t(1−t) + d_k (1−t)²)) − 2 log(den)`.
 *
 * Conventions are nflows' exactly: widths `w = m_w + (1 − m_w K)·softmax(u_w)` scaled to [−B, B]
 * (knot ends forced), heights alike, derivatives `d = m_d + softplus(u_d)`. The inverse solves the
 * quadratic with the cancellation-free root `2c / (−b − √(b² − 4ac))`.
 *
 * Where it runs: on the `cpu` and `wasm` backends a fused JavaScript kernel (one pass per direction
 * and per backward pass, float64 arithmetic over float32 storage, gradients w.r.t. the inputs and all
 * three parameter tensors); on any other backend (`tensorflow` from tfjs-node, `webgl`, `webgpu`) the
 * same maths composed from stock ops in float32. Against nflows' float64 values (inputs stored in
 * float32) the fused path was measured within 5e-6 (outputs) and 8e-6 (log-dets), the op-composed
 * one within 6e-6 and 4e-5. No second derivatives on the fused path. Non-finite inputs are not
 * checked here (this is a hot path): NaN propagates.
 *
 * @param inputs any shape `S` (e.g. `[batch, dim]`), float32.
 * @param unnormalizedWidths `[...S, K]`.
 * @param unnormalizedHeights `[...S, K]`.
 * @param unnormalizedDerivatives `[...S, K − 1]` with linear tails, `[...S, K + 1]` with `tails: 'none'`.
 * @returns `{ outputs, logDet }`, both of shape `S`.
 *
 * @example
 * ```ts
 * await ready();
 * const x = tf.tensor2d([[0.5, -4]]);                 // [batch 1, dim 2]
 * const w = tf.zeros([1, 2, 8]), h = tf.zeros([1, 2, 8]), d = tf.zeros([1, 2, 7]);
 * const { outputs, logDet } = rqSpline(x, w, h, d, { tailBound: 3 });
 * const back = rqSpline(outputs, w, h, d, { inverse: true }).outputs; // ≈ x
 * ```
 */
export function rqSpline<R extends tf.Rank>(
  inputs: tf.Tensor<R>,
  unnormalizedWidths: tf.Tensor,
  unnormalizedHeights: tf.Tensor,
  unnormalizedDerivatives: tf.Tensor,
  options?: RQSplineOptions,
): RQSplineResult<R> {
  return rqSplineWithPath('auto', inputs, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives, options);
}

/**
 * {@link rqSpline} with the implementation chosen by hand (internal: tests and benchmarks).
 * `'fused'` throws on a backend without the kernels.
 */
export function rqSplineWithPath<R extends tf.Rank>(
  path: SplinePath,
  inputs: tf.Tensor<R>,
  unnormalizedWidths: tf.Tensor,
  unnormalizedHeights: tf.Tensor,
  unnormalizedDerivatives: tf.Tensor,
  options?: RQSplineOptions,
): RQSplineResult<R> {
  const fn = 'rqSpline';
  assertReady(fn);
  const x = checkTensor(fn, 'inputs', inputs, null, '');
  const w = checkTensor(fn, 'unnormalizedWidths', unnormalizedWidths, null, ' [...inputs.shape, K]');
  const bins = w.shape[w.rank - 1];
  if (w.rank !== x.rank + 1 || x.shape.some((s, i) => s !== w.shape[i]) || !(bins >= 1)) {
    throw new ValidationError(fn, 'unnormalizedWidths', `a tensor of shape [${[...x.shape, 'K'].join(', ')}] with K ≥ 1 (inputs have shape [${x.shape.join(', ')}])`, describe(w));
  }
  const cfg = splineConfig(fn, bins, options);
  const h = checkTensor(fn, 'unnormalizedHeights', unnormalizedHeights, w.shape, ' (the widths\' shape)');
  const kd = derivativeCount(cfg);
  const note = cfg.tails === 'linear' ? `, K − 1 = ${kd} interior derivatives for linear tails` : `, K + 1 = ${kd} derivatives for tails 'none'`;
  const d = checkTensor(fn, 'unnormalizedDerivatives', unnormalizedDerivatives, [...x.shape, kd], note);
  const [outputs, logDet] = usesFused(path) ? splineFused(cfg, x, w, h, d) : splineOps(cfg, cfg.inverse, x, w, h, d);
  return { outputs: outputs as tf.Tensor<R>, logDet: logDet as tf.Tensor<R> };
}

/**
 * The spline on packed parameters `[...S, 2K + Kd]` = [widths, heights, derivatives] along the last
 * axis, with the configuration already validated (internal: the transformer's hot path). A `cache`
 * in `cfg` is filled by the fused kernel (ignored by the op-composed path).
 */
export function rqSplinePacked(cfg: SplineAttrs, inputs: tf.Tensor, params: tf.Tensor, path: SplinePath = 'auto'): [tf.Tensor, tf.Tensor] {
  if (usesFused(path)) return splineFusedPacked(cfg, inputs, params);
  return tf.tidy(() => {
    const K = cfg.bins;
    const [w, h, d] = tf.split(params, [K, K, derivativeCount(cfg)], -1);
    return splineOps(cfg, cfg.inverse, inputs, w, h, d);
  });
}
