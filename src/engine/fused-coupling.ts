/**
 * Which 2-D couplings take the fused kernels of kernels/coupling-pass.ts (one passed and one
 * transformed column, an unconditional ReLU MLP conditioner, an affine or rational-quadratic spline
 * transformer), their plan, and the coupling's tape-free pass through them.
 *
 * Why: the per-layer path (Coupling → MLP → Dense and the transformer, see contract.ts) dispatches
 * about twenty small kernels per coupling, and at a few µs each they were a sixth of a RealNVP-8
 * training step. The fused kernels give bit-identical results (tested); the per-layer path stays the
 * reference and the path for every other configuration. fused-chain.ts runs a whole chain of these
 * plans in one kernel.
 */
import type { tf } from '../backend.js';
import type { ColumnBlocks } from '../kernels/columns.js';
import { affineInverseGradSaved, affineInverseValues } from '../kernels/affine.js';
import { type ColumnTransform, type CouplingAttrs, couplingInverse, couplingInverseGrad } from '../kernels/coupling-pass.js';
import { splinePackedGradValues, splinePackedValues } from '../kernels/rq-spline.js';
import { simdKernels } from '../kernels/simd/simd-kernels.js';
import { NARROW_MAX_OUTPUTS } from '../kernels/simd/simd-ops.js';
import type { Dense } from '../nn/dense.js';
import { MLP } from '../nn/mlp.js';
import { AffineTransformer } from '../transformers/affine.js';
import { SplineTransformer } from '../transformers/rq-spline-transformer.js';
import type { Transformer } from '../transformers/transformer.js';
import type { SavedInverse } from './contract.js';

/** `t`'s column transform for one call over `n` values (its per-call state inside), or `null`. */
function columnTransform(t: Transformer, n: number): ColumnTransform | null {
  if (t instanceof AffineTransformer) {
    const a = t.kernelAttrs();
    // exp(−ls) and dls/ds per value, from the density pass for its backward.
    const saved = new Float64Array(2 * n);
    return {
      params: 2,
      forward: (y, p, z, ld) => affineInverseValues(a, y, p, z, ld, saved),
      backward: (y, p, dz, dl, dy, dp) => affineInverseGradSaved(y, p, dz, dl, saved, dy, dp),
    };
  }
  if (t instanceof SplineTransformer && t.splinePath !== 'ops') {
    // The cache carries each value's bin and softmaxes from the density pass to its backward.
    const c = t.densityKernelAttrs(n);
    return {
      params: t.paramsPerDim,
      forward: (y, p, z, ld) => splinePackedValues(c, y, p, z, ld),
      backward: (y, p, dz, dl, dy, dp) => splinePackedGradValues(c, y, p, dz, dl, dy, dp),
    };
  }
  return null;
}

let enabled = true;

/** Turn the fused kernels off or on (for tests and benchmarks that compare them with the per-layer path). */
export function setFusedCouplingEnabled(on: boolean): void {
  enabled = on;
}

/** The conditioner's layer widths (input first) when the fused kernels apply, else `null`. */
function fusableWidths(columns: ColumnBlocks, conditioner: MLP, params: number): number[] | null {
  if (!(conditioner instanceof MLP) || columns.a.length !== 1 || columns.b.length !== 1) return null;
  if (conditioner.activation !== 'relu' || conditioner.contextDim !== 0) return null;
  const layers = conditioner.denseLayers();
  if (layers.length < 2 || layers.some((l) => l.masked)) return null;
  const widths = [layers[0].inputs, ...layers.map((l) => l.outputs)];
  // The per-layer path's SIMD kernels, which these replay: one input, hidden widths in fours, and an
  // output layer with few outputs (the narrow pass) or fewer outputs than inputs.
  const [m, P] = [widths[widths.length - 2], widths[widths.length - 1]];
  if (widths[0] !== 1 || P !== params || widths.slice(1, -1).some((n) => n % 4 !== 0)) return null;
  if (P > NARROW_MAX_OUTPUTS && P >= m) return null;
  return widths;
}

/** One coupling's fused configuration for a batch: the kernels' attributes and its dense layers. */
export interface CouplingPlan {
  attrs: CouplingAttrs;
  layers: readonly Dense[];
}

/**
 * The fused configuration of a coupling for a batch of `batch` rows, or `null` where the fused kernels
 * do not apply (another backend or transformer, a conditional or masked or non-ReLU conditioner, more
 * than one column on a side, hidden widths not multiples of 4, a batch not a multiple of 4, SIMD off).
 * The transform inside carries one call's state: make a plan per pass.
 */
export function fusedCouplingPlan(batch: number, columns: ColumnBlocks, conditioner: MLP, transformer: Transformer): CouplingPlan | null {
  if (!enabled || batch % 4 !== 0 || batch === 0 || simdKernels() === null) return null;
  const transform = columnTransform(transformer, batch);
  const widths = transform && fusableWidths(columns, conditioner, transform.params);
  if (!transform || !widths) return null;
  return { attrs: { pass: columns.a[0], moved: columns.b[0], widths, transform }, layers: conditioner.denseLayers() };
}

/**
 * The coupling's tape-free density pass through the fused kernels, or `null` where they do not apply
 * (see {@link fusedCouplingPlan}). Call inside `tf.tidy`, with no tape active.
 */
export function fusedCouplingInverse(y: tf.Tensor2D, columns: ColumnBlocks, conditioner: MLP, transformer: Transformer): SavedInverse | null {
  const plan = fusedCouplingPlan(y.shape[0], columns, conditioner, transformer);
  if (!plan) return null;
  const { attrs, layers } = plan;
  const pass = couplingInverse(attrs, y, layers);
  return {
    output: pass.z,
    logDet: pass.logDet,
    backward: (dOutput, dLogDet, sink, needInput) => {
      const outs = couplingInverseGrad(attrs, y, layers, pass, dOutput, dLogDet, needInput);
      layers.forEach((l, i) => {
        sink.add(l.kernel, outs[2 * i]);
        sink.add(l.bias, outs[2 * i + 1]);
      });
      return needInput ? (outs[outs.length - 1] as tf.Tensor2D) : null;
    },
  };
}
