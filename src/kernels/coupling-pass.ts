/**
 * The density pass of a coupling with one passed and one transformed column (every coupling of a 2-D
 * flow), an unconditional ReLU MLP conditioner and an elementwise transform, and its backward, on the
 * wasm heap: the split, the MLP, the transform and the join, then the transform's gradient, the MLP's
 * backward and the join of the adjoints.
 *
 * The bodies work on heap offsets (`couplingDensityPass`, `couplingDensityBackward`): the two kernels
 * here wrap them for one coupling, and coupling-chain-loss.ts runs them for a whole chain in one
 * kernel. They run the same SIMD functions and JavaScript arithmetic, in the same order, as the
 * per-layer path (Coupling → MLP → Dense and the transformer), so their results are bit-identical to
 * it (tested). Which couplings take them is decided in engine/fused-coupling.ts.
 */
import { tf } from '../backend.js';
import { runKernel } from './dispatch.js';
import type { KernelRegistration } from './register-all.js';
import { releaseScratch, scratchMark, takeScratch } from './simd/heap-scratch.js';
import { type HeapKernel, type WasmBackendInternals, heapOffset, simdKernels } from './simd/simd-kernels.js';
import { NARROW_MAX_OUTPUTS, gemmNNOnHeap, gemmTNOnHeap } from './simd/simd-ops.js';

export const COUPLING_INVERSE = 'TfjsFlowsCouplingInverse';
export const COUPLING_INVERSE_GRAD = 'TfjsFlowsCouplingInverseGrad';

/**
 * A transformer's elementwise density pass and its backward over one column of `n` values, with
 * `params` values per element (interleaved): the same arithmetic as its tape-free kernels.
 */
export interface ColumnTransform {
  params: number;
  forward(y: Float32Array, p: Float32Array, z: Float32Array, logDet: Float32Array): void;
  backward(y: Float32Array, p: Float32Array, dz: Float32Array, dLogDet: Float32Array, dy: Float32Array, dp: Float32Array): void;
}

/** Kernel attributes: the columns, the layer widths (input first) and the transform. */
export interface CouplingAttrs {
  pass: number;
  moved: number;
  widths: number[];
  transform: ColumnTransform;
  needInput?: boolean;
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

// Inputs y [B, 2], w0, b0, …: outputs z [B, 2], logDet [B], h0 … h_{L−2} (ReLU outputs), params [B, P].
const couplingInverseKernel: HeapKernel = ({ inputs, attrs }, b) => {
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
};

// Inputs dz [B, 2], dLogDet [B], y, params, h0 … h_{L−2}, w0 …: outputs dW0, db0, …, dy [B, 2] ([0, 2] without needInput).
const couplingInverseGradKernel: HeapKernel = ({ inputs, attrs }, b) => {
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
};

/** The density pass and backward kernels (wasm). */
export const couplingPassKernels: KernelRegistration[] = [
  { kind: 'heap', kernelName: COUPLING_INVERSE, kernel: couplingInverseKernel },
  { kind: 'heap', kernelName: COUPLING_INVERSE_GRAD, kernel: couplingInverseGradKernel },
];

/** A dense layer's weights, as the kernels read them. */
export interface DenseWeights {
  kernel: tf.Tensor;
  bias: tf.Tensor;
}

/** What one coupling's density pass returns: its output and log-det, and what its backward reads. */
export interface CouplingInverse {
  z: tf.Tensor2D;
  logDet: tf.Tensor1D;
  /** The ReLU layers' outputs. */
  hidden: tf.Tensor[];
  params: tf.Tensor;
}

/** One coupling's density pass of `y` `[B, 2]` by its kernel (`layers`: the conditioner's dense layers, first first). */
export function couplingInverse(a: CouplingAttrs, y: tf.Tensor2D, layers: readonly DenseWeights[]): CouplingInverse {
  const weights: tf.NamedTensorMap = { y };
  layers.forEach((l, i) => {
    weights[`w${i}`] = l.kernel;
    weights[`b${i}`] = l.bias;
  });
  const [z, logDet, ...rest] = runKernel<tf.Tensor[]>(COUPLING_INVERSE, weights, a as unknown as tf.NamedAttrMap);
  return { z: z as tf.Tensor2D, logDet: logDet as tf.Tensor1D, hidden: rest.slice(0, -1), params: rest[rest.length - 1] };
}

/**
 * The backward of {@link couplingInverse} from the adjoints of its outputs: `[dW0, db0, dW1, db1, …, dy]`
 * (`dy` `[B, 2]`, or `[0, 2]` without `needInput`).
 */
export function couplingInverseGrad(a: CouplingAttrs, y: tf.Tensor2D, layers: readonly DenseWeights[], pass: CouplingInverse, dz: tf.Tensor2D, dLogDet: tf.Tensor1D, needInput: boolean): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = { dz, dLogDet, y, params: pass.params };
  pass.hidden.forEach((t, i) => (inputs[`h${i}`] = t));
  layers.forEach((l, i) => (inputs[`w${i}`] = l.kernel));
  return runKernel<tf.Tensor[]>(COUPLING_INVERSE_GRAD, inputs, { ...a, needInput } as unknown as tf.NamedAttrMap);
}
