/**
 * The tape-free pass of a coupling with one passed and one transformed column (every coupling of a
 * 2-D flow), an unconditional ReLU MLP conditioner and an affine or rational-quadratic spline
 * transformer, as two wasm kernels: the density pass (split, the MLP, the transform, join) and its
 * backward (the transform's gradient, the MLP's backward, the join of the adjoints).
 *
 * Why: the per-layer path (Coupling → MLP → Dense and the transformer, see contract.ts) dispatches
 * about twenty small kernels per coupling, and at a few µs each they were a sixth of a RealNVP-8
 * training step. These kernels run the very same SIMD functions and JavaScript arithmetic in the same
 * order on the same values, so their results are bit-identical to the per-layer path's (tested), which
 * stays the reference and the path for every other configuration.
 *
 * The two bodies work on heap offsets (`couplingDensityPass`, `couplingDensityBackward`): the kernels
 * here wrap them for one coupling, and fused-chain.ts runs them for a whole chain in one kernel.
 */
import { tf } from '../backend.js';
import type { ColumnBlocks } from '../kernels/columns.js';
import { runKernel } from '../kernels/dispatch.js';
import { releaseScratch, scratchMark, takeScratch } from '../kernels/simd/heap-scratch.js';
import { type WasmBackendInternals, heapOffset, registerHeapKernel, simdKernels } from '../kernels/simd/simd-kernels.js';
import { NARROW_MAX_OUTPUTS, gemmNNOnHeap, gemmTNOnHeap } from '../kernels/simd/simd-ops.js';
import type { Dense } from '../nn/dense.js';
import { MLP } from '../nn/mlp.js';
import { AffineTransformer } from '../transformers/affine.js';
import { affineInverseGradSaved, affineInverseValues } from '../kernels/affine.js';
import { splinePackedGradValues, splinePackedValues } from '../kernels/rq-spline.js';
import { SplineTransformer } from '../transformers/rq-spline-transformer.js';
import type { Transformer } from '../transformers/transformer.js';
import type { SavedInverse } from './contract.js';

const FORWARD = 'TfjsFlowsCouplingInverse';
const BACKWARD = 'TfjsFlowsCouplingInverseGrad';

/**
 * A transformer's elementwise density pass and its backward over one column of `n` values, with
 * `params` values per element (interleaved): the same arithmetic as its tape-free kernels.
 */
interface ColumnTransform {
  params: number;
  forward(y: Float32Array, p: Float32Array, z: Float32Array, logDet: Float32Array): void;
  backward(y: Float32Array, p: Float32Array, dz: Float32Array, dLogDet: Float32Array, dy: Float32Array, dp: Float32Array): void;
}

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

/** Kernel attributes: the columns, the layer widths (input first) and the transform. */
export interface CouplingAttrs {
  pass: number;
  moved: number;
  widths: number[];
  transform: ColumnTransform;
  needInput?: boolean;
}

let enabled = true;

/** Turn the fused kernels off or on (for tests and benchmarks that compare them with the per-layer path). */
export function setFusedCouplingEnabled(on: boolean): void {
  enabled = on;
}

/** A JavaScript scratch column, reused between calls. */
let columnScratch = new Float32Array(0);
let columnViews: Float32Array[] = [];
function scratchColumns(n: number, count: number): Float32Array[] {
  if (columnViews.length === count && columnViews[0].length === n) return columnViews; // the views of the last call
  if (columnScratch.length < n * count) columnScratch = new Float32Array(n * count);
  columnViews = Array.from({ length: count }, (_, i) => columnScratch.subarray(i * n, (i + 1) * n));
  return columnViews;
}

/** Heap byte offsets of one coupling's density pass: its input, weights and outputs. */
export interface PassOffsets {
  y: number;
  weights: number[];
  biases: number[];
  z: number;
  logDet: number;
  /** The ReLU layers' outputs, kept for the backward pass. */
  hidden: number[];
  params: number;
}

/** Heap byte offsets of one coupling's backward pass; `grads` holds dW0, db0, dW1, …; `dy` 0 without needInput. */
export interface BackwardOffsets {
  dz: number;
  dLogDet: number;
  y: number;
  params: number;
  hidden: number[];
  weights: number[];
  grads: number[];
  dy: number;
}

/** The density pass (split, the MLP, the transform, join) of a batch of `B` rows, on heap offsets. */
export function couplingDensityPass(b: WasmBackendInternals, a: CouplingAttrs, B: number, o: PassOffsets): void {
  const { widths } = a;
  const layers = widths.length - 1;
  const P = widths[layers];
  const k = simdKernels()!;
  const { pass, moved } = a; // hoisted: the loops below read them once per row otherwise
  const mark = scratchMark(b);
  const yaOffset = takeScratch(b, B);
  let heap = b.wasm.HEAPF32;
  const yAt = o.y >> 2;
  const yaAt = yaOffset >> 2;
  for (let r = 0; r < B; r++) heap[yaAt + r] = heap[yAt + 2 * r + pass];
  // The MLP: ReLU layers, then the linear output layer (may allocate scratch: views go stale).
  let input = yaOffset;
  for (let i = 0; i < layers; i++) {
    const out = i < layers - 1 ? o.hidden[i] : o.params;
    gemmNNOnHeap(b, k, input, B, widths[i], o.weights[i], o.biases[i], widths[i + 1], i < layers - 1 ? 1 : 0, out);
    input = out;
  }
  heap = b.wasm.HEAPF32;
  const [yb, zb, ld] = scratchColumns(B, 3);
  for (let r = 0; r < B; r++) yb[r] = heap[yAt + 2 * r + moved];
  const pAt = o.params >> 2;
  a.transform.forward(yb, heap.subarray(pAt, pAt + P * B), zb, ld);
  const zAt = o.z >> 2;
  const ldAt = o.logDet >> 2;
  for (let r = 0; r < B; r++) {
    heap[zAt + 2 * r + pass] = heap[yAt + 2 * r + pass];
    heap[zAt + 2 * r + moved] = zb[r];
    heap[ldAt + r] = ld[r];
  }
  releaseScratch(b, mark);
}

/** The backward of {@link couplingDensityPass}: weight gradients, and the input's adjoint when `o.dy` ≠ 0. */
export function couplingDensityBackward(b: WasmBackendInternals, a: CouplingAttrs, B: number, o: BackwardOffsets): void {
  const { widths } = a;
  const layers = widths.length - 1;
  const needInput = o.dy !== 0;
  // Scratch: the parameters' adjoint, each hidden layer's input adjoint and pre-activation adjoint,
  // a transposed kernel, the narrow layer's work space, the passed column and its adjoint.
  const widest = Math.max(...widths);
  const P = widths[layers];
  const { pass, moved } = a;
  const mark = scratchMark(b);
  const [dParams, dh, dh2, dPre, wT, narrow, ya, dya] = [B * P, B * widest, B * widest, B * widest, widest * widest, 2 * P * widths[layers - 1], B, B].map((n) => takeScratch(b, n));
  const k = simdKernels()!;
  let heap = b.wasm.HEAPF32;
  // The transform's backward, from the moved columns.
  const [yb, dzb, dyb] = scratchColumns(B, 3);
  const [y0, dz0, ya0] = [o.y >> 2, o.dz >> 2, ya >> 2];
  for (let r = 0; r < B; r++) {
    yb[r] = heap[y0 + 2 * r + moved];
    dzb[r] = heap[dz0 + 2 * r + moved];
    heap[ya0 + r] = heap[y0 + 2 * r + pass];
  }
  const [p0, dl0, dp0] = [o.params >> 2, o.dLogDet >> 2, dParams >> 2];
  a.transform.backward(yb, heap.subarray(p0, p0 + P * B), dzb, heap.subarray(dl0, dl0 + B), dyb, heap.subarray(dp0, dp0 + P * B));
  // The MLP's backward, last layer first, as Dense.applyWithBackward takes it on wasm.
  const last = layers - 1;
  const hidden = (i: number) => o.hidden[i];
  const m = widths[last];
  if (P <= NARROW_MAX_OUTPUTS) {
    // A linear output layer with few outputs: one narrow pass for dW, dBias and its input's adjoint.
    k.denseGradNarrow(dParams, hidden(last - 1), o.weights[last], o.grads[2 * last], o.grads[2 * last + 1], dh, narrow, B, m, P, 1);
  } else {
    // A narrowing linear output layer: column sums (float64), xᵀ·dOut, and dOut·Wᵀ with an exact transpose.
    heap = b.wasm.HEAPF32;
    const acc = new Float64Array(P);
    for (let i = dParams >> 2, end = i + B * P; i < end; i += P) for (let j = 0; j < P; j++) acc[j] += heap[i + j];
    heap.set(acc, o.grads[2 * last + 1] >> 2);
    const [w0, t0] = [o.weights[last] >> 2, wT >> 2];
    for (let r = 0; r < m; r++) for (let j = 0; j < P; j++) heap[t0 + j * m + r] = heap[w0 + r * P + j];
    gemmTNOnHeap(b, k, hidden(last - 1), B, m, dParams, P, o.grads[2 * last]);
    gemmNNOnHeap(b, k, dParams, B, P, wT, 0, m, 0, dh);
  }
  let dOut = dh;
  let spare = dh2;
  for (let i = last - 1; i >= 1; i--) {
    const [m, n] = [widths[i], widths[i + 1]];
    k.denseGrad(dOut, hidden(i), dPre, 0, o.grads[2 * i + 1], B, n, 1);
    gemmTNOnHeap(b, k, hidden(i - 1), B, m, dPre, n, o.grads[2 * i]);
    k.transpose(o.weights[i], wT, m, n);
    gemmNNOnHeap(b, k, dPre, B, n, wT, 0, m, 0, spare);
    [dOut, spare] = [spare, dOut];
  }
  // The first layer (one input): its whole backward in one pass.
  k.denseGradIn1(dOut, hidden(0), ya, o.weights[0], o.grads[1], o.grads[0], dya, B, widths[1], 1, needInput ? 1 : 0);
  if (needInput) {
    heap = b.wasm.HEAPF32;
    const [d0, dya0] = [o.dy >> 2, dya >> 2];
    const dz1 = o.dz >> 2;
    for (let r = 0; r < B; r++) {
      heap[d0 + 2 * r + pass] = heap[dz1 + 2 * r + pass] + heap[dya0 + r];
      heap[d0 + 2 * r + moved] = dyb[r];
    }
  }
  releaseScratch(b, mark);
}

function registerKernels(): void {
  // Inputs y [B, 2], w0, b0, …: outputs z [B, 2], logDet [B], h0 … h_{L−2} (ReLU outputs), params [B, P].
  registerHeapKernel(FORWARD, ({ inputs, attrs }, b) => {
    const a = attrs as unknown as CouplingAttrs;
    const { widths } = a;
    const layers = widths.length - 1;
    const y = inputs.y as tf.TensorInfo;
    const w = Array.from({ length: layers }, (_, i) => inputs[`w${i}`] as tf.TensorInfo);
    const bias = Array.from({ length: layers }, (_, i) => inputs[`b${i}`] as tf.TensorInfo);
    for (const t of [y, ...w, ...bias]) heapOffset(b, t);
    const B = y.shape[0];
    const z = b.makeOutput([B, 2], 'float32');
    const logDet = b.makeOutput([B], 'float32');
    const hidden = widths.slice(1, -1).map((n) => b.makeOutput([B, n], 'float32'));
    const params = b.makeOutput([B, widths[layers]], 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(b, t);
    couplingDensityPass(b, a, B, { y: at(y), weights: w.map(at), biases: bias.map(at), z: at(z), logDet: at(logDet), hidden: hidden.map(at), params: at(params) });
    return [z, logDet, ...hidden, params];
  });
  // Inputs dz [B, 2], dLogDet [B], y, params, h0 … h_{L−2}, w0 …: outputs dW0, db0, …, dy [B, 2] ([0, 2] without needInput).
  registerHeapKernel(BACKWARD, ({ inputs, attrs }, b) => {
    const a = attrs as unknown as CouplingAttrs;
    const { widths } = a;
    const layers = widths.length - 1;
    const get = (name: string) => inputs[name] as tf.TensorInfo;
    const [dz, dLogDet, y, params] = ['dz', 'dLogDet', 'y', 'params'].map(get);
    const h = Array.from({ length: layers - 1 }, (_, i) => get(`h${i}`));
    const w = Array.from({ length: layers }, (_, i) => get(`w${i}`));
    for (const t of [dz, dLogDet, y, params, ...h, ...w]) heapOffset(b, t);
    const B = y.shape[0];
    const grads = widths.slice(1).flatMap((n, i) => [b.makeOutput([widths[i], n], 'float32'), b.makeOutput([n], 'float32')]);
    const dy = b.makeOutput(a.needInput ? [B, 2] : [0, 2], 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(b, t);
    couplingDensityBackward(b, a, B, { dz: at(dz), dLogDet: at(dLogDet), y: at(y), params: at(params), hidden: h.map(at), weights: w.map(at), grads: grads.map(at), dy: a.needInput ? at(dy) : 0 });
    return [...grads, dy];
  });
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
  registerKernels();
  const { attrs, layers } = plan;
  const weights: tf.NamedTensorMap = { y };
  layers.forEach((l, i) => {
    weights[`w${i}`] = l.kernel;
    weights[`b${i}`] = l.bias;
  });
  const [z, logDet, ...rest] = runKernel<tf.Tensor[]>(FORWARD, weights, attrs as unknown as tf.NamedAttrMap);
  const params = rest[rest.length - 1];
  const hidden = rest.slice(0, -1);
  return {
    output: z as tf.Tensor2D,
    logDet: logDet as tf.Tensor1D,
    backward: (dOutput, dLogDet, sink, needInput) => {
      const inputs: tf.NamedTensorMap = { dz: dOutput, dLogDet, y, params };
      hidden.forEach((t, i) => (inputs[`h${i}`] = t));
      layers.forEach((l, i) => (inputs[`w${i}`] = l.kernel));
      const outs = runKernel<tf.Tensor[]>(BACKWARD, inputs, { ...attrs, needInput } as unknown as tf.NamedAttrMap);
      layers.forEach((l, i) => {
        sink.add(l.kernel, outs[2 * i]);
        sink.add(l.bias, outs[2 * i + 1]);
      });
      return needInput ? (outs[outs.length - 1] as tf.Tensor2D) : null;
    },
  };
}
