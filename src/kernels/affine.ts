/**
 * Fused JavaScript kernels (cpu, wasm) of the affine transformer's density direction and its
 * backward pass, for the tape-free training step: one pass each instead of about fifteen ops
 * (split, reshape, tanh, exp, sub, mul, … and as many again backward). Arithmetic in float64 over
 * float32 storage.
 */
import { tf } from '../backend.js';
import { SOFTPLUS_EPS, type PositiveMap } from '../ops/positive.js';
import { runKernel } from './dispatch.js';
import type { KernelRegistration } from './register-all.js';

export const AFFINE_INVERSE = 'TfjsFlowsAffineInverse';
export const AFFINE_INVERSE_GRAD = 'TfjsFlowsAffineInverseGrad';

/** Kernel attributes: the scale map and the soft clamp (0: none). */
export interface AffineAttrs {
  scale: PositiveMap;
  clamp: number;
}

const softplus = (s: number) => (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s)));
const LOG_SOFTPLUS_0 = Math.log(Math.log(2) + SOFTPLUS_EPS);

/**
 * `tanh(u)` in float64 from one `expm1` (`tanh u = −expm1(−2|u|) / (2 + expm1(−2|u|))`, signed): within
 * a few float64 ulps of `Math.tanh`, whose V8 version was about 5× slower than `Math.exp` here (about
 * 140 ns against 27 per call), the largest cost of the affine kernels.
 */
export function tanh64(u: number): number {
  const em = Math.expm1(-2 * Math.abs(u));
  const t = -em / (2 + em);
  return u < 0 ? -t : t;
}

/** log-scale of raw parameter `s` (as `AffineTransformer`), and its derivative written into `slope[0]`. */
function logScale(a: AffineAttrs, s: number, slope: Float64Array): number {
  if (a.scale === 'softplus') {
    const sp = softplus(s);
    slope[0] = 1 / (1 + Math.exp(-s)) / (sp + SOFTPLUS_EPS);
    return Math.log(sp + SOFTPLUS_EPS) - LOG_SOFTPLUS_0;
  }
  if (a.clamp > 0) {
    const th = tanh64(s / a.clamp);
    slope[0] = 1 - th * th;
    return a.clamp * th;
  }
  slope[0] = 1;
  return s;
}

const slope = new Float64Array(1);

/**
 * `z = (y − t) · exp(−ls)`, `logDet = −ls` per element of `y` (`p` interleaves `(t, s)` per element):
 * the affine kernel's arithmetic, shared with the fused coupling kernels (coupling-pass.ts).
 */
export function affineInverseValues(a: AffineAttrs, y: Float32Array, p: Float32Array, z: Float32Array, logDet: Float32Array, saved: Float64Array | null = null): void {
  if (a.scale !== 'softplus' && a.clamp > 0 && saved) {
    // The default soft clamp, logScale's arithmetic inlined (the training step's hot loop).
    const clamp = a.clamp;
    for (let i = 0; i < y.length; i++) {
      const th = tanh64(p[2 * i + 1] / clamp);
      const ls = clamp * th;
      const e = Math.exp(-ls);
      z[i] = (y[i] - p[2 * i]) * e;
      logDet[i] = -ls;
      saved[2 * i] = e;
      saved[2 * i + 1] = 1 - th * th;
    }
    return;
  }
  for (let i = 0; i < y.length; i++) {
    const ls = logScale(a, p[2 * i + 1], slope);
    const e = Math.exp(-ls);
    z[i] = (y[i] - p[2 * i]) * e;
    logDet[i] = -ls;
    // For the backward pass (affineInverseGradSaved): the values it would compute again.
    if (saved) {
      saved[2 * i] = e;
      saved[2 * i + 1] = slope[0];
    }
  }
}

/**
 * {@link affineInverseGradValues} from what {@link affineInverseValues} saved (`exp(−ls)` and
 * `dls/ds` per element): the same values without the transcendental functions.
 */
export function affineInverseGradSaved(y: Float32Array, p: Float32Array, dz: Float32Array, dl: Float32Array, saved: Float64Array, dy: Float32Array, dp: Float32Array): void {
  for (let i = 0; i < y.length; i++) {
    const e = saved[2 * i];
    const z = (y[i] - p[2 * i]) * e;
    dy[i] = dz[i] * e;
    dp[2 * i] = -dz[i] * e;
    dp[2 * i + 1] = (-dz[i] * z - dl[i]) * saved[2 * i + 1];
  }
}

/** The adjoints `dy`, `dp` of {@link affineInverseValues} from those of its outputs, `dz` and `dl`. */
export function affineInverseGradValues(a: AffineAttrs, y: Float32Array, p: Float32Array, dz: Float32Array, dl: Float32Array, dy: Float32Array, dp: Float32Array): void {
  for (let i = 0; i < y.length; i++) {
    const ls = logScale(a, p[2 * i + 1], slope);
    const e = Math.exp(-ls);
    const z = (y[i] - p[2 * i]) * e;
    dy[i] = dz[i] * e;
    dp[2 * i] = -dz[i] * e;
    dp[2 * i + 1] = (-dz[i] * z - dl[i]) * slope[0];
  }
}

/** Both kernels (cpu and wasm). */
export const affineKernels: KernelRegistration[] = [
  {
    kind: 'js',
    kernelName: AFFINE_INVERSE,
    inputNames: ['y', 'params'],
    outputShapes: ([y]) => [y, y],
    compute([y, p], [z, logDet], attrs) {
      // Keeps exp(−ls) and dls/ds per value on the call's attributes for the gradient kernel, which
      // then needs no transcendental function (the rule passes the same attributes to both).
      const a = attrs as unknown as AffineAttrs & { saved?: Float64Array };
      a.saved = new Float64Array(2 * y.length);
      affineInverseValues(a, y, p, z, logDet, a.saved);
    },
  },
  {
    kind: 'js',
    kernelName: AFFINE_INVERSE_GRAD,
    inputNames: ['y', 'params', 'dz', 'dLogDet'],
    outputShapes: ([y, p]) => [y, p],
    compute([y, p, dz, dl], [dy, dp], attrs) {
      const a = attrs as unknown as AffineAttrs & { saved?: Float64Array };
      if (a.saved?.length === 2 * y.length) affineInverseGradSaved(y, p, dz, dl, a.saved, dy, dp);
      else affineInverseGradValues(a, y, p, dz, dl, dy, dp);
    },
  },
];

/** `[z, logDet]` of `z = (y − t) · exp(−ls)`, `logDet = −ls`, from `params` `[B, d, 2]` = (t, s). */
export function affineInverse(attrs: AffineAttrs, y: tf.Tensor2D, params: tf.Tensor3D): [tf.Tensor2D, tf.Tensor2D] {
  return runKernel(AFFINE_INVERSE, { y, params }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor2D, tf.Tensor2D];
}

/** `[dy, dParams]` of {@link affineInverse} given the adjoints of its two outputs. */
export function affineInverseGrad(attrs: AffineAttrs, y: tf.Tensor2D, params: tf.Tensor3D, dz: tf.Tensor2D, dLogDet: tf.Tensor2D): [tf.Tensor2D, tf.Tensor3D] {
  return runKernel(AFFINE_INVERSE_GRAD, { y, params, dz, dLogDet }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor2D, tf.Tensor3D];
}
