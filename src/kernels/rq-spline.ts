/**
 * The fused rational-quadratic spline kernels (JavaScript, `cpu` and `wasm` backends) and their
 * gradients. Two layouts share the same loops:
 *
 * - `TfjsFlowsRQSpline`: inputs, widths [..., K], heights [..., K], derivatives [..., Kd];
 * - `TfjsFlowsRQSplinePacked`: inputs, params [..., 2K + Kd] laid out as [widths, heights, derivatives]
 *   (a conditioner's output as is, so the hot path needs no slicing and its gradient no concatenation).
 *
 * Each forward kernel returns [outputs, logDet]; its gradient kernel takes the forward inputs plus
 * the two upstream gradients and returns one gradient per forward input, in one pass. The gradient
 * kernels have no gradient themselves (no second derivatives).
 */
import { tf } from '../backend.js';
import { splineGrad, splineScore } from '../transformers/rq-spline-backward.js';
import { type Rows, type SplineCache, type SplineConfig, derivativeCount, splineEval } from '../transformers/rq-spline-math.js';
import { runKernel } from './dispatch.js';
import type { KernelRegistration } from './register-all.js';

export const RQ_SPLINE = 'TfjsFlowsRQSpline';
export const RQ_SPLINE_GRAD = 'TfjsFlowsRQSplineGrad';
export const RQ_SPLINE_PACKED = 'TfjsFlowsRQSplinePacked';
export const RQ_SPLINE_PACKED_GRAD = 'TfjsFlowsRQSplinePackedGrad';
/** Score terms of the packed spline (couplings' closed-form score rule); no gradient. */
export const RQ_SPLINE_PACKED_SCORE = 'TfjsFlowsRQSplinePackedScore';

/**
 * Kernel attributes: the spline's configuration plus the direction, and optionally a cache the packed
 * forward kernel fills and its gradient kernel then reads (same inputs: the tape-free step's closure).
 */
export type SplineAttrs = SplineConfig & { inverse: boolean; cache?: SplineCache };

function config(attrs: tf.NamedAttrMap): SplineAttrs {
  return attrs as unknown as SplineAttrs;
}

const rows = (data: Float32Array, stride: number, offset = 0): Rows => ({ data, offset, stride });

/** Row views of a packed [..., 2K + Kd] array. */
function packedRows(p: Float32Array, cfg: SplineConfig): [Rows, Rows, Rows] {
  const K = cfg.bins;
  const stride = 2 * K + derivativeCount(cfg);
  return [rows(p, stride, 0), rows(p, stride, K), rows(p, stride, 2 * K)];
}

/**
 * The packed spline of `x` with per-element parameters `p` (`[n, 3K − 1]`: widths, heights,
 * derivatives): outputs and log-dets, filling `c.cache` when given. The packed kernel's arithmetic,
 * shared with the fused coupling kernels (coupling-pass.ts).
 */
export function splinePackedValues(c: SplineAttrs, x: Float32Array, p: Float32Array, out: Float32Array, logDet: Float32Array): void {
  const [w, h, d] = packedRows(p, c);
  splineEval(c, c.inverse, x, w, h, d, out, logDet, c.cache);
}

/** The adjoints `gx`, `gp` of {@link splinePackedValues} from those of its outputs (reading `c.cache` when given). */
export function splinePackedGradValues(c: SplineAttrs, x: Float32Array, p: Float32Array, gOut: Float32Array, gLd: Float32Array, gx: Float32Array, gp: Float32Array): void {
  const [w, h, d] = packedRows(p, c);
  const [gw, gh, gd] = packedRows(gp, c);
  splineGrad(c, c.inverse, x, w, h, d, gOut, gLd, gx, gw, gh, gd, c.cache);
}

/** The five kernels (cpu and wasm) and the gradients of the two forward ones. */
export const splineKernels: KernelRegistration[] = [
  {
    kind: 'js',
    kernelName: RQ_SPLINE,
    inputNames: ['inputs', 'widths', 'heights', 'derivatives'],
    outputShapes: ([x]) => [x, x],
    compute([x, w, h, d], [out, logDet], attrs) {
      const c = config(attrs);
      splineEval(c, c.inverse, x, rows(w, c.bins), rows(h, c.bins), rows(d, derivativeCount(c)), out, logDet);
    },
  },
  {
    kind: 'js',
    kernelName: RQ_SPLINE_GRAD,
    inputNames: ['inputs', 'widths', 'heights', 'derivatives', 'dOutputs', 'dLogDet'],
    outputShapes: ([x, w, h, d]) => [x, w, h, d],
    compute([x, w, h, d, gOut, gLd], [gx, gw, gh, gd], attrs) {
      const c = config(attrs);
      const Kd = derivativeCount(c);
      splineGrad(c, c.inverse, x, rows(w, c.bins), rows(h, c.bins), rows(d, Kd), gOut, gLd, gx, rows(gw, c.bins), rows(gh, c.bins), rows(gd, Kd));
    },
  },
  {
    kind: 'js',
    kernelName: RQ_SPLINE_PACKED,
    inputNames: ['inputs', 'params'],
    outputShapes: ([x]) => [x, x],
    compute([x, p], [out, logDet], attrs) {
      splinePackedValues(config(attrs), x, p, out, logDet);
    },
  },
  {
    kind: 'js',
    kernelName: RQ_SPLINE_PACKED_SCORE,
    inputNames: ['inputs', 'params', 'score'],
    outputShapes: ([x, p]) => [x, p],
    compute([x, p, g], [scoreY, gp], attrs) {
      const c = config(attrs);
      const [w, h, d] = packedRows(p, c);
      const [gw, gh, gd] = packedRows(gp, c);
      splineScore(c, c.inverse, x, w, h, d, g, scoreY, gw, gh, gd, c.cache);
    },
  },
  {
    kind: 'js',
    kernelName: RQ_SPLINE_PACKED_GRAD,
    inputNames: ['inputs', 'params', 'dOutputs', 'dLogDet'],
    outputShapes: ([x, p]) => [x, p],
    compute([x, p, gOut, gLd], [gx, gp], attrs) {
      splinePackedGradValues(config(attrs), x, p, gOut, gLd, gx, gp);
    },
  },
  // The gradient kernel runs once, eagerly, inside gradFunc: the engine calls each returned closure
  // inside its own tidy, so computing lazily per input would run the kernel once per input.
  {
    kind: 'gradient',
    kernelName: RQ_SPLINE,
    inputsToSave: ['inputs', 'widths', 'heights', 'derivatives'],
    gradFunc: (dy, saved, attrs) => {
      const [dOutputs, dLogDet] = dy as tf.Tensor[];
      const [inputs, widths, heights, derivatives] = saved;
      const [gx, gw, gh, gd] = runKernel(RQ_SPLINE_GRAD, { inputs, widths, heights, derivatives, dOutputs, dLogDet }, attrs) as tf.Tensor[];
      return { inputs: () => gx, widths: () => gw, heights: () => gh, derivatives: () => gd };
    },
  },
  {
    kind: 'gradient',
    kernelName: RQ_SPLINE_PACKED,
    inputsToSave: ['inputs', 'params'],
    gradFunc: (dy, saved, attrs) => {
      const [dOutputs, dLogDet] = dy as tf.Tensor[];
      const [inputs, params] = saved;
      const [gx, gp] = runKernel(RQ_SPLINE_PACKED_GRAD, { inputs, params, dOutputs, dLogDet }, attrs) as tf.Tensor[];
      return { inputs: () => gx, params: () => gp };
    },
  },
];

/** Run the fused spline (4-tensor layout). The kernels must exist for the active backend. */
export function splineFused(attrs: SplineAttrs, inputs: tf.Tensor, widths: tf.Tensor, heights: tf.Tensor, derivatives: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return runKernel(RQ_SPLINE, { inputs, widths, heights, derivatives }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor];
}

/** Run the fused spline on packed parameters [..., 2K + Kd]. */
export function splineFusedPacked(attrs: SplineAttrs, inputs: tf.Tensor, params: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return runKernel(RQ_SPLINE_PACKED, { inputs, params }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor];
}

/**
 * The packed spline's score terms (see `splineScore`): from inputs `[...S]`, params `[...S, 2K + Kd]`
 * and the score ∂log q/∂inputs `[...S]`, returns `[scoreY [...S], dParams [...S, 2K + Kd]]`.
 */
export function splineFusedPackedScore(attrs: SplineAttrs, inputs: tf.Tensor, params: tf.Tensor, score: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return runKernel(RQ_SPLINE_PACKED_SCORE, { inputs, params, score }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor];
}
