/**
 * MADE on the wasm backend's SIMD GEMMs, skipping the zero blocks of its masks.
 *
 * A MADE's hidden units, relabelled in order of degree, make every mask block-triangular: a hidden
 * unit of degree k reads the units of degree ≤ k, an output of degree k the units of degree < k. The
 * network is the same function in that basis (a permutation of hidden units), so each step gathers
 * the masked weights into it once (`W' = (W ⊙ M)[π_in, π_out]`, padded to the GEMMs' 8-wide tiles,
 * and its transpose for the input adjoint), and every GEMM then sums only over each 8-column tile's
 * nonzero rows (`ranges`): about 57 % of the dense work for a hidden layer of a MADE in 8 dimensions
 * and 50 % for its output layer, the block-triangular share, without transposed matMuls.
 *
 * Forward: `h₁ = act(x W₀' + b₀')`, `h₂ = act(h₁ W₁' + b₁')`, …, `θ = h_L W_L' + b_L` (inputs and
 * outputs in their own order; hidden activations in the degree order, padded with zero units), `act`
 * ReLU (fused into the GEMM) or ELU (a pass over its output).
 * Backward (per layer, last first): `dPre = dh ⊙ act'` (`[h > 0]`, or `min(h + 1, 1)` for ELU from its
 * output), `dW' = aᵀ dPre` on the nonzero tiles, then
 * `dW = (dW' ⊙ M')` scattered back to the stored order, `db` likewise, and `da = dPre W'ᵀ`.
 * Float32 sums, in another order than the tape's (equal within float32 rounding).
 */
import { tf } from '../backend.js';
import { runKernel } from './dispatch.js';
import type { KernelRegistration } from './register-all.js';
import { releaseScratch, scratchMark, takeScratch } from './simd/heap-scratch.js';
import { type HeapKernel, type WasmBackendInternals, heapOffset, simdKernels } from './simd/simd-kernels.js';
import { DENSE_GRAD_MODE, packsTN } from './simd/simd-ops.js';

export const MADE_FORWARD = 'TfjsFlowsMadeForward';
export const MADE_BACKWARD = 'TfjsFlowsMadeBackward';

/** One masked layer in the degree-sorted, padded basis. */
export interface MadeLayerPlan {
  /** Stored kernel shape `[inputs, outputs]`. */
  inputs: number;
  outputs: number;
  /** Rows of `W'` (the previous layer's padded width; the input dimension for the first layer). */
  rows: number;
  /** Columns of `W'`, `outputs` rounded up to 8. */
  cols: number;
  /** Per `W'` row below `inputs`: the stored kernel's row; per column below `outputs`: its column. */
  rowSource: Int32Array;
  colSource: Int32Array;
  /** The mask in the `W'` basis (0 on padding). */
  mask: Float32Array;
  /** Per `W'` column: the stored bias index, or −1. */
  biasSource: Int32Array;
  /** Per 8-column tile of `W'`: the rows `[lo, hi)` holding its nonzero entries. */
  forwardRanges: Int32Array;
  /** Per 8-column tile of `W'ᵀ` `[cols, rows8]`: the `W'` columns `[lo, hi)` nonzero in those rows. */
  backwardRanges: Int32Array;
  /** `rows` rounded up to 8 (`W'ᵀ`'s row stride). */
  rows8: number;
  /** The layer's activation: ReLU is fused into the GEMM, ELU is a pass of its own over its output. */
  activation: MadeActivation;
  /** Per `W'` column below `outputs`: its unit's MADE degree (ascending for hidden layers). */
  degrees: Int32Array;
  /** Whether `degrees` ascend (hidden layers always; the output layer for the identity ordering). */
  ascending: boolean;
}

/** A MADE's plan: its layers in the sorted basis. */
export interface MadePlan {
  layers: MadeLayerPlan[];
  dim: number;
  /**
   * The constant arrays on the wasm heap (per layer: mask, rowSource, colSource, forward and backward
   * ranges), made on first use as backend buffers that are not tensors (so a caller's tensor count
   * stays flat); freed by {@link disposeMadePlan}.
   */
  heap: { backend: WasmBackendInternals; infos: tf.TensorInfo[][] } | null;
}

/** Byte offsets of the plan's constant arrays on `b`'s heap, copied there on first use. */
function planOnHeap(b: WasmBackendInternals, plan: MadePlan): number[][] {
  if (plan.heap && plan.heap.backend !== b) disposeMadePlan(plan);
  if (!plan.heap) {
    const infos = plan.layers.map((p) => {
      const arrays = [p.mask, p.rowSource, p.colSource, p.forwardRanges, p.backwardRanges];
      const made = arrays.map((a) => b.makeOutput([Math.max(a.length, 1)], 'float32'));
      arrays.forEach((a, i) => {
        const at = heapOffset(b, made[i]);
        // Views after every allocation of this layer (an allocation may move the heap).
        if (a instanceof Float32Array) b.wasm.HEAPF32.set(a, at >> 2);
        else new Int32Array(b.wasm.HEAPF32.buffer, at, a.length).set(a);
      });
      return made;
    });
    plan.heap = { backend: b, infos };
  }
  return plan.heap.infos.map((ts) => ts.map((t) => heapOffset(b, t)));
}

/** Free the plan's heap buffers (the MADE's `dispose`). */
export function disposeMadePlan(plan: MadePlan | null): void {
  if (!plan?.heap) return;
  const { backend, infos } = plan.heap;
  plan.heap = null;
  try {
    for (const t of infos.flat()) backend.disposeData(t.dataId);
  } catch {
    // The backend was removed with its heap: nothing left to free.
  }
}

const up8 = (n: number) => Math.ceil(n / 8) * 8;
const up4 = (n: number) => Math.ceil(n / 4) * 4;

/** The stable order of `degrees` ascending (the relabelling of a hidden layer's units). */
function sortedOrder(degrees: readonly number[]): number[] {
  return degrees.map((d, i) => [d, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((p) => p[1]);
}

/** Hidden activations the MADE kernels run; a layer's activation is one of them or, for the output layer, linear. */
export type MadeHiddenActivation = 'relu' | 'elu';
export type MadeActivation = MadeHiddenActivation | 'linear';

/** `activation` as the MADE kernels' hidden activation, or `null` when they do not run it. */
export function madeHiddenActivation(activation: string): MadeHiddenActivation | null {
  return activation === 'relu' || activation === 'elu' ? activation : null;
}

/**
 * The plan of a MADE with masks `masks[l]` (`[inputs, outputs]`, row-major) whose hidden layers have
 * degrees `hiddenDegrees[l]` and activation `hidden`: hidden units sorted by degree, widths padded to 8,
 * and each tile's nonzero row range. Inputs and outputs keep their order.
 */
export function madePlan(masks: readonly Float32Array[], shapes: readonly [number, number][], hiddenDegrees: readonly number[][], outputDegrees: readonly number[], hidden: MadeHiddenActivation): MadePlan {
  const orders = hiddenDegrees.map(sortedOrder);
  const layers: MadeLayerPlan[] = shapes.map(([inputs, outputs], l) => {
    const last = l === shapes.length - 1;
    const rowOrder = l === 0 ? null : orders[l - 1];
    const colOrder = last ? null : orders[l];
    const rows = l === 0 ? inputs : up8(inputs);
    const cols = up8(outputs);
    const rowSource = Int32Array.from({ length: inputs }, (_, r) => (rowOrder ? rowOrder[r] : r));
    const colSource = Int32Array.from({ length: outputs }, (_, c) => (colOrder ? colOrder[c] : c));
    const mask = new Float32Array(rows * cols);
    const m = masks[l];
    for (let r = 0; r < inputs; r++) for (let c = 0; c < outputs; c++) mask[r * cols + c] = m[rowSource[r] * outputs + colSource[c]];
    const biasSource = new Int32Array(cols).fill(-1);
    for (let c = 0; c < outputs; c++) biasSource[c] = colOrder ? colOrder[c] : c;
    const forwardRanges = new Int32Array(2 * (cols / 8));
    for (let t = 0; t < cols / 8; t++) {
      let lo = rows;
      let hi = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 8 * t; c < 8 * t + 8; c++) {
          if (mask[r * cols + c] === 0) continue;
          lo = Math.min(lo, r);
          hi = r + 1;
        }
      }
      forwardRanges[2 * t] = lo < hi ? lo : 0;
      forwardRanges[2 * t + 1] = lo < hi ? hi : 0;
    }
    const rows8 = up8(rows);
    const backwardRanges = new Int32Array(2 * (rows8 / 8));
    for (let t = 0; t < rows8 / 8; t++) {
      let lo = cols;
      let hi = 0;
      for (let r = 8 * t; r < Math.min(rows, 8 * t + 8); r++) {
        for (let c = 0; c < cols; c++) {
          if (mask[r * cols + c] === 0) continue;
          lo = Math.min(lo, c);
          hi = Math.max(hi, c + 1);
        }
      }
      backwardRanges[2 * t] = lo < hi ? lo : 0;
      backwardRanges[2 * t + 1] = lo < hi ? hi : 0;
    }
    const unitDegrees = last ? outputDegrees : hiddenDegrees[l];
    const degrees = Int32Array.from(colSource, (sc) => unitDegrees[sc]);
    const ascending = degrees.every((d, i) => i === 0 || degrees[i - 1] <= d);
    return { inputs, outputs, rows, cols, rowSource, colSource, mask, biasSource, forwardRanges, backwardRanges, rows8, activation: last ? 'linear' : hidden, degrees, ascending };
  });
  return { layers, dim: shapes[0][0], heap: null };
}

let enabled = true;

/** Turn the MADE kernels off or on (for tests and benchmarks that compare them with the per-layer path). */
export function setMadeKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Whether the SIMD MADE kernels run for a batch of `batch` rows (wasm with SIMD, at least one row). */
export function madeKernelsApply(batch: number): boolean {
  return enabled && batch > 0 && simdKernels() !== null;
}

/**
 * `W'` of one layer in the sorted basis, packed into 8-column panels at `wpAt` (the GEMMs' packed b),
 * its bias at `bpAt`, and `W'ᵀ` packed at `wtAt` when ≠ 0 (the input adjoint's b, no transposed copy).
 * Uses `tmpAt` (`rows · cols` floats) for the row-major `W'`.
 */
function gatherWeights(b: WasmBackendInternals, p: MadeLayerPlan, c: number[], wAt: number, biasAt: number, wpAt: number, wtAt: number, bpAt: number, tmpAt: number): void {
  const { inputs, outputs, rows, cols, colSource } = p;
  const k = simdKernels()!;
  const heap = b.wasm.HEAPF32;
  heap.fill(0, tmpAt >> 2, (tmpAt >> 2) + rows * cols);
  k.gatherMasked(wAt, tmpAt, c[1], c[2], c[0], inputs, outputs, cols);
  k.packPanels(tmpAt, wpAt, rows, cols, cols, 8);
  if (wtAt) k.packPanelsT(tmpAt, wtAt, rows, cols, cols);
  const [bias0, bp0] = [biasAt >> 2, bpAt >> 2];
  heap.fill(0, bp0, bp0 + cols);
  for (let j = 0; j < outputs; j++) heap[bp0 + j] = heap[bias0 + colSource[j]];
}

interface ForwardAttrs {
  plan: MadePlan;
  /** Whether to keep `W'ᵀ` for a backward pass (training). */
  training: boolean;
  /**
   * A sampling pass (`null`: the whole network): pass `k` needs only the outputs of degree ≤ k + 1,
   * which read only hidden units of degree ≤ k, a prefix of each layer in the sorted basis.
   */
  pass: number | null;
}

/** The columns layer `p` computes in sampling pass `k` (all of them for `null`). */
function passWidth(p: MadeLayerPlan, last: boolean, k: number | null): number {
  if (k === null || !p.ascending) return last ? p.outputs : p.cols;
  let n = 0;
  while (n < p.outputs && p.degrees[n] <= (last ? k + 1 : k)) n++;
  return last ? n : Math.min(p.cols, Math.ceil(n / 8) * 8);
}

// Inputs x, w0, b0, w1, b1, …: outputs θ [B, outputs], then per hidden layer h [B, cols], then per
// layer W' [rows, cols] and, when training, W'ᵀ [cols, rows8].
const madeForwardKernel: HeapKernel = ({ inputs, attrs }, b) => {
  const { plan, training, pass } = attrs as unknown as ForwardAttrs;
  const L = plan.layers.length;
  const x = inputs.x as tf.TensorInfo;
  const w = plan.layers.map((_, l) => inputs[`w${l}`] as tf.TensorInfo);
  const bias = plan.layers.map((_, l) => inputs[`b${l}`] as tf.TensorInfo);
  for (const t of [x, ...w, ...bias]) heapOffset(b, t);
  const consts = planOnHeap(b, plan);
  const B = x.shape[0];
  const last = plan.layers[L - 1];
  const widths = plan.layers.map((p, l) => passWidth(p, l === L - 1, pass ?? null));
  const out = b.makeOutput([B, widths[L - 1]], 'float32');
  const hidden = plan.layers.slice(0, -1).map((_, l) => b.makeOutput([B, widths[l]], 'float32'));
  const wps = plan.layers.map((p) => b.makeOutput([p.rows, p.cols], 'float32'));
  const wts = training ? plan.layers.map((p) => b.makeOutput([p.cols, p.rows8], 'float32')) : [];
  const mark = scratchMark(b);
  const bps = plan.layers.map((p) => takeScratch(b, p.cols));
  const tmp = takeScratch(b, Math.max(...plan.layers.map((p) => p.rows * p.cols)));
  const k = simdKernels()!;
  const at = (t: tf.TensorInfo) => heapOffset(b, t);
  let input = at(x);
  let K = x.shape[1];
  plan.layers.forEach((p, l) => {
    const c = consts[l];
    gatherWeights(b, p, c, at(w[l]), at(bias[l]), at(wps[l]), training ? at(wts[l]) : 0, bps[l], tmp);
    const isLast = l === L - 1;
    const y = isLast ? at(out) : at(hidden[l]);
    // Hidden layers store their padded width (zero units); the last its own outputs (in a sampling
    // pass, a prefix of each: K then covers the previous layer's prefix, see passWidth).
    k.gemmNN(input, at(wps[l]), bps[l], y, B, K, widths[l], p.activation === 'relu' ? 1 : 0, p.rows, c[3], 1);
    if (p.activation === 'elu') k.elu(y, y, B * widths[l]);
    input = y;
    K = widths[l];
  });
  releaseScratch(b, mark);
  return [out, ...hidden, ...wps, ...wts];
};

// Inputs dOut [B, outputs], x, h0 …, wt0 … (W'ᵀ): outputs dW0, db0, dW1, db1, …, dx [B, dim] ([0, dim] without needInput).
const madeBackwardKernel: HeapKernel = ({ inputs, attrs }, b) => {
  const { plan, needInput } = attrs as unknown as { plan: MadePlan; needInput: boolean };
  const L = plan.layers.length;
  const get = (name: string) => inputs[name] as tf.TensorInfo;
  const dOut = get('dOut');
  const x = get('x');
  const h = plan.layers.slice(0, -1).map((_, l) => get(`h${l}`));
  const wt = plan.layers.map((_, l) => get(`wt${l}`));
  for (const t of [dOut, x, ...h, ...wt]) heapOffset(b, t);
  const consts = planOnHeap(b, plan);
  const B = x.shape[0];
  const dim = x.shape[1];
  const grads = plan.layers.flatMap((p) => [b.makeOutput([p.inputs, p.outputs], 'float32'), b.makeOutput([p.outputs], 'float32')]);
  const dx = b.makeOutput(needInput ? [B, dim] : [0, dim], 'float32');
  const at = (t: tf.TensorInfo) => heapOffset(b, t);
  const widest = Math.max(...plan.layers.map((p) => p.cols));
  const mark = scratchMark(b);
  const dim4 = up4(dim);
  const [dPre, dA, dB, gw, dBias] = [B * widest, B * widest, B * widest, Math.max(...plan.layers.map((p) => up4(p.rows) * p.cols)), widest].map((n) => takeScratch(b, n));
  const xPad = dim4 === dim ? at(x) : takeScratch(b, B * dim4);
  const [aPack, bPack] = [takeScratch(b, B * Math.max(widest, dim4)), takeScratch(b, B * widest)];
  const k = simdKernels()!;
  if (xPad !== at(x)) k.padColumns(at(x), xPad, B, dim, dim4);
  // The last layer's pre-activation adjoint is dOut, padded to its tile width.
  const lastP = plan.layers[L - 1];
  if (lastP.cols === lastP.outputs) b.wasm.HEAPF32.copyWithin(dPre >> 2, at(dOut) >> 2, (at(dOut) >> 2) + B * lastP.cols);
  else k.padColumns(at(dOut), dPre, B, lastP.outputs, lastP.cols);
  let dIn = dA;
  let spare = dB;
  for (let l = L - 1; l >= 0; l--) {
    const p = plan.layers[l];
    const c = consts[l];
    if (l === L - 1) k.denseGrad(dPre, dPre, dPre, 0, dBias, B, p.cols, 0);
    else k.denseGrad(dIn, at(h[l]), dPre, 0, dBias, B, p.cols, DENSE_GRAD_MODE[p.activation]);
    // dW' = aᵀ · dPre on the mask's nonzero tiles, a = the layer's input ([B, rows], rows a multiple of 4).
    const a = l === 0 ? xPad : at(h[l - 1]);
    const aCols = l === 0 ? dim4 : p.rows;
    if (packsTN(B, aCols, p.cols)) {
      k.packPanels(a, aPack, B, aCols, aCols, 4);
      k.packPanels(dPre, bPack, B, p.cols, p.cols, 8);
      k.gemmTN(aPack, bPack, gw, B, aCols, p.cols, p.cols, c[3], 3);
    } else k.gemmTN(a, dPre, gw, B, aCols, p.cols, p.cols, c[3], 0);
    scatterGrads(b, p, c, gw, dBias, at(grads[2 * l]), at(grads[2 * l + 1]));
    if (l > 0) {
      k.gemmNN(dPre, at(wt[l]), 0, spare, B, p.cols, p.rows, 0, p.cols, c[4], 1);
      [dIn, spare] = [spare, dIn];
    } else if (needInput) {
      k.gemmNN(dPre, at(wt[0]), 0, at(dx), B, p.cols, dim, 0, p.cols, c[4], 1);
    }
  }
  releaseScratch(b, mark);
  return [...grads, dx];
};

/** The forward and backward kernels (wasm). */
export const madeKernels: KernelRegistration[] = [
  { kind: 'heap', kernelName: MADE_FORWARD, kernel: madeForwardKernel },
  { kind: 'heap', kernelName: MADE_BACKWARD, kernel: madeBackwardKernel },
];

/** `dW = dW' ⊙ M'` and `db` back in the stored order (every stored entry is written once). */
function scatterGrads(b: WasmBackendInternals, p: MadeLayerPlan, c: number[], gwAt: number, dBiasAt: number, dwAt: number, dbAt: number): void {
  simdKernels()!.scatterMasked(gwAt, dwAt, c[1], c[2], c[0], p.inputs, p.outputs, p.cols);
  const heap = b.wasm.HEAPF32;
  const [db0, dBias0] = [dbAt >> 2, dBiasAt >> 2];
  for (let j = 0; j < p.outputs; j++) heap[db0 + p.colSource[j]] = heap[dBias0 + j];
}

/** The forward kernel's outputs: parameters `[B, outputs]`, hidden activations, `W'` and `W'ᵀ` per layer. */
export interface MadeForward {
  output: tf.Tensor2D;
  hidden: tf.Tensor2D[];
  transposed: tf.Tensor2D[];
  /** The input the kernel ran on: `x` with zero rows up to a multiple of 4 (the GEMMs' row tile). */
  input: tf.Tensor2D;
  /** How many zero rows were added. */
  pad: number;
}

/**
 * Run the forward kernel on `x` with the layers' stored weights (call only where
 * {@link madeKernelsApply}). Any number of rows: a ragged batch (a chunk of `logProb`, the last batch
 * of an epoch) runs with zero rows added up to a multiple of 4, cut from the output.
 */
export function madeForward(plan: MadePlan, x: tf.Tensor2D, weights: readonly { kernel: tf.Tensor; bias: tf.Tensor }[], training: boolean, pass: number | null = null): MadeForward {
  const rows = x.shape[0];
  const pad = (4 - (rows % 4)) % 4;
  const input = pad ? (tf.pad(x, [[0, pad], [0, 0]]) as tf.Tensor2D) : x;
  const inputs: tf.NamedTensorMap = { x: input };
  weights.forEach((w, l) => {
    inputs[`w${l}`] = w.kernel;
    inputs[`b${l}`] = w.bias;
  });
  const L = plan.layers.length;
  const outs = runKernel<tf.Tensor[]>(MADE_FORWARD, inputs, { plan, training, pass } as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
  const hidden = outs.slice(1, L);
  const wps = outs.slice(L, 2 * L);
  tf.dispose(wps); // the backward pass reads W'ᵀ only
  let output = outs[0];
  if (pad) {
    output = tf.slice(outs[0], [0, 0], [rows, outs[0].shape[1]]);
    outs[0].dispose();
  }
  return { output, hidden, transposed: outs.slice(2 * L), input, pad };
}

/** The backward kernel: `[dW0, db0, dW1, db1, …]` in the stored order and the input adjoint (or null). */
export function madeBackward(plan: MadePlan, f: MadeForward, dOut: tf.Tensor2D, needInput: boolean): { grads: tf.Tensor[]; dx: tf.Tensor2D | null } {
  // The added rows get a zero adjoint, so they add nothing to the weights' gradients.
  const d = f.pad ? (tf.pad(dOut, [[0, f.pad], [0, 0]]) as tf.Tensor2D) : dOut;
  const inputs: tf.NamedTensorMap = { dOut: d, x: f.input };
  f.hidden.forEach((t, l) => (inputs[`h${l}`] = t));
  f.transposed.forEach((t, l) => (inputs[`wt${l}`] = t));
  const outs = runKernel<tf.Tensor[]>(MADE_BACKWARD, inputs, { plan, needInput } as unknown as tf.NamedAttrMap);
  let dx = outs[outs.length - 1] as tf.Tensor2D;
  if (!needInput) dx.dispose();
  else if (f.pad) {
    const all = dx;
    dx = tf.slice(all, [0, 0], [all.shape[0] - f.pad, all.shape[1]]);
    all.dispose();
  }
  return { grads: outs.slice(0, -1), dx: needInput ? dx : null };
}
