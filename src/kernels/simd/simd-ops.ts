/**
 * TF.js kernels (wasm backend only) around the SIMD functions of kernels.wat, and the ops that pick
 * them when they apply, else a plain path: `transpose2d(x) = xᵀ` and `denseGradSimd` (a dense layer's
 * ReLU or linear backward: `dPre`, `dPreᵀ`, `dBias`). Not differentiable (the tape-free step writes
 * its own backward pass).
 */
import { tf } from '../../backend.js';
import { runKernel } from '../dispatch.js';
import { releaseScratch, scratchMark, takeScratch } from './heap-scratch.js';
import type { KernelRegistration } from '../register-all.js';
import { type HeapKernel, type SimdExports, type WasmBackendInternals, heapOffset, simdKernels } from './simd-kernels.js';

export const TRANSPOSE_SIMD = 'TfjsFlowsTransposeSimd';
export const DENSE_GRAD_SIMD = 'TfjsFlowsDenseGradSimd';
export const DENSE_GRAD_IN1_SIMD = 'TfjsFlowsDenseGradIn1Simd';
export const DENSE_GRAD_NARROW_SIMD = 'TfjsFlowsDenseGradNarrowSimd';
export const GEMM_TN_SIMD = 'TfjsFlowsGemmTNSimd';
export const GEMM_NN_SIMD = 'TfjsFlowsGemmNNSimd';
export const GEMM_NT_SIMD = 'TfjsFlowsGemmNTSimd';
/** Widest output for which {@link denseGradNarrowSimd} beats two small matMuls (measured at 2; loops per output). */
export const NARROW_MAX_OUTPUTS = 3;

const transposeKernel: HeapKernel = ({ inputs }, b) => {
  const x = inputs.x as tf.TensorInfo;
  const [rows, cols] = x.shape;
  heapOffset(b, x); // before allocating: the lookup may move x onto the heap
  const out = b.makeOutput([cols, rows], 'float32');
  simdKernels()!.transpose(heapOffset(b, x), heapOffset(b, out), rows, cols);
  return out;
};

const denseGradKernel: HeapKernel = ({ inputs, attrs }, b) => {
  const dy = inputs.dy as tf.TensorInfo;
  const saved = inputs.saved as tf.TensorInfo;
  heapOffset(b, dy);
  heapOffset(b, saved);
  const [batch, n] = dy.shape;
  const withT = attrs?.transposed !== false;
  const outs = [b.makeOutput([batch, n], 'float32'), b.makeOutput(withT ? [n, batch] : [n, 0], 'float32'), b.makeOutput([n], 'float32')];
  // Offsets are read after every allocation (they are stable; only JS views on the heap go stale).
  simdKernels()!.denseGrad(heapOffset(b, dy), heapOffset(b, saved), heapOffset(b, outs[0]), withT ? heapOffset(b, outs[1]) : 0, heapOffset(b, outs[2]), batch, n, DENSE_GRAD_MODE[attrs?.activation as string] ?? 0);
  return outs;
};

const denseGradIn1Kernel: HeapKernel = ({ inputs, attrs }, b) => {
  const infos = ['dy', 'saved', 'x', 'w'].map((name) => inputs[name] as tf.TensorInfo);
  for (const i of infos) heapOffset(b, i);
  const [batch, n] = infos[0].shape;
  const needDx = attrs?.needDx === true;
  const outs = [b.makeOutput([n], 'float32'), b.makeOutput([1, n], 'float32'), b.makeOutput(needDx ? [batch, 1] : [0, 1], 'float32')];
  const [dy, saved, x, w] = infos.map((i) => heapOffset(b, i));
  const [db, dw, dx] = outs.map((o) => heapOffset(b, o));
  simdKernels()!.denseGradIn1(dy, saved, x, w, db, dw, dx, batch, n, attrs?.relu ? 1 : 0, needDx ? 1 : 0);
  return outs;
};

/**
 * The whole backward of a dense layer with one input (`x` `[B, 1]`, kernel `w` `[1, n]`) and a relu or
 * linear activation, in one SIMD pass: `[dBias [n], dW [1, n], dx [B, 1]]` (`dx` is `[0, 1]` when
 * `needDx` is false). `null` where it does not apply (not wasm, another activation, `n` not a
 * multiple of 4). Float32 sums.
 */
export function denseGradIn1Simd(activation: string, dy: tf.Tensor2D, saved: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D, needDx: boolean): [tf.Tensor1D, tf.Tensor2D, tf.Tensor2D] | null {
  if ((activation !== 'relu' && activation !== 'linear') || x.shape[1] !== 1 || !simdApplies(dy, dy.shape[1])) return null;
  return runKernel(DENSE_GRAD_IN1_SIMD, { dy, saved, x, w }, { relu: activation === 'relu', needDx }) as unknown as [tf.Tensor1D, tf.Tensor2D, tf.Tensor2D];
}

const denseGradNarrowKernel: HeapKernel = ({ inputs, attrs }, b) => {
  const infos = ['dy', 'x', 'w'].map((name) => inputs[name] as tf.TensorInfo);
  for (const i of infos) heapOffset(b, i);
  const [batch, n] = infos[0].shape;
  const m = infos[1].shape[1];
  const needDx = attrs?.needDx === true;
  const outs = [b.makeOutput([m, n], 'float32'), b.makeOutput([n], 'float32'), b.makeOutput(needDx ? [batch, m] : [0, m], 'float32')];
  const mark = scratchMark(b);
  const scratch = takeScratch(b, 2 * n * m);
  const [dy, x, w] = infos.map((i) => heapOffset(b, i));
  const [dw, db, dx] = outs.map((o) => heapOffset(b, o));
  simdKernels()!.denseGradNarrow(dy, x, w, dw, db, dx, scratch, batch, m, n, needDx ? 1 : 0);
  releaseScratch(b, mark);
  return outs;
};

/**
 * The whole backward of a linear dense layer with at most {@link NARROW_MAX_OUTPUTS} outputs (`dy`
 * `[B, n]`, input `x` `[B, m]`, kernel `w` `[m, n]`) in one SIMD pass: `[dW [m, n], dBias [n], dx
 * [B, m]]` (`dx` is `[0, m]` when `needDx` is false). `null` where it does not apply (not wasm, `m`
 * not a multiple of 4, more outputs). Float32 sums.
 */
export function denseGradNarrowSimd(dy: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D, needDx: boolean): [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D] | null {
  if (dy.shape[1] > NARROW_MAX_OUTPUTS || !simdApplies(x, x.shape[1])) return null;
  return runKernel(DENSE_GRAD_NARROW_SIMD, { dy, x, w }, { needDx }) as unknown as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
}

/**
 * `c = aᵀ · b` on heap offsets (`a` `[rows, m]`, `b` `[rows, n]`, `c` `[m, n]`): a ragged `n` is padded
 * to the tile width in a scratch copy. May allocate: JavaScript views on the heap go stale.
 */
export function gemmTNOnHeap(b: WasmBackendInternals, k: SimdExports, aAt: number, rows: number, m: number, bAt: number, n: number, cAt: number): void {
  const ldb = padded(n);
  const mark = scratchMark(b);
  // Long operands are packed into panels (4 columns of a, 8 of b) read contiguously; else a ragged
  // N is copied with zero columns up to a multiple of 8 (the kernel's tile width).
  const pack = packsTN(rows, m, n);
  const pad = pack || ldb !== n ? takeScratch(b, rows * ldb) : 0;
  const aPack = pack ? takeScratch(b, rows * m) : 0;
  if (pack) {
    k.packPanels(bAt, pad, rows, n, n, 8);
    k.packPanels(aAt, aPack, rows, m, m, 4);
  } else if (pad) k.padColumns(bAt, pad, rows, n, ldb);
  k.gemmTN(aPack || aAt, pad || bAt, cAt, rows, m, n, ldb, 0, pack ? 3 : 0);
  releaseScratch(b, mark);
}

const gemmTNKernel: HeapKernel = ({ inputs }, b) => {
  const a = inputs.a as tf.TensorInfo;
  const bb = inputs.b as tf.TensorInfo;
  heapOffset(b, a);
  heapOffset(b, bb);
  const [rows, m] = a.shape;
  const n = bb.shape[1];
  const out = b.makeOutput([m, n], 'float32');
  gemmTNOnHeap(b, simdKernels()!, heapOffset(b, a), rows, m, heapOffset(b, bb), n, heapOffset(b, out));
  return out;
};

/**
 * `aᵀ · b` for `a` `[R, M]`, `b` `[R, N]` (a dense layer's weight gradient `xᵀ · dPre`) by the SIMD
 * kernel when `M` is a multiple of 4 (a ragged `N` is padded to a multiple of 8 in a scratch copy):
 * about 60 µs for 256 × 64 × 64 on this machine class, where wasm's matMul takes about 130 µs, half
 * of it packing the fresh second operand. `null` where it does not apply. Float32 sums in row order.
 */
export function gemmTNSimd(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D | null {
  if (a.shape[1] % 4 !== 0 || b.shape[1] === 0 || a.shape[0] === 0 || a.dtype !== 'float32' || simdKernels() === null) return null;
  return runKernel(GEMM_TN_SIMD, { a, b }) as tf.Tensor2D;
}

/** Whether `aᵀ · b` (`a` `[rows, m]`, `b` `[rows, n]`) packs its operands (see {@link packsB}). */
export function packsTN(rows: number, m: number, n: number): boolean {
  return rows >= 128 && m >= 128 && n >= 64;
}

/** `n` rounded up to the GEMMs' tile width, 8. */
function padded(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * `c = act(a · b + bias)` on heap offsets (`a` `[m, kk]`, `b` `[kk, n]`, `bias` `[n]` or offset 0 for
 * none, `c` `[m, n]`; act relu when `relu` is 1): a ragged `n` is padded to the tile width in a scratch
 * copy of `b` and the bias, and the last `m mod 4` rows go through a zero-padded 4-row tile, so each
 * row's result depends on that row alone. May allocate: JavaScript views on the heap go stale.
 */
export function gemmNNOnHeap(b: WasmBackendInternals, k: SimdExports, aAt: number, m: number, kk: number, bAt: number, biasAt: number, n: number, relu: number, cAt: number): void {
  // One input column (a 2-D coupling's first layer): the same per-element arithmetic, row by row.
  if (kk === 1 && n % 8 === 0) {
    k.denseIn1(aAt, bAt, biasAt, cAt, m, n, relu);
    return;
  }
  const ldb = padded(n);
  const mark = scratchMark(b);
  // A wide b is packed into 8-column panels (read contiguously); a ragged narrow one padded.
  const pack = packsB(kk, n);
  const pad = pack ? takeScratch(b, kk * ldb + ldb) : ldb === n ? 0 : takeScratch(b, (kk + 1) * ldb);
  const rem = m % 4;
  const tail = rem === 0 ? 0 : takeScratch(b, 4 * kk + 4 * n);
  let wAt = bAt;
  let bsAt = biasAt;
  if (pad) {
    wAt = pad;
    if (pack) k.packPanels(bAt, wAt, kk, n, n, 8);
    else k.padColumns(bAt, wAt, kk, n, ldb);
    if (biasAt && ldb !== n) {
      bsAt = wAt + 4 * kk * ldb;
      k.padColumns(biasAt, bsAt, 1, n, ldb);
    }
  }
  const packed = pack ? 1 : 0;
  const whole = m - rem;
  // Packed, b's panels hold kk rows (the kernel's ldb is then the panel height).
  const ld = pack ? kk : ldb;
  if (whole > 0) k.gemmNN(aAt, wAt, bsAt, cAt, whole, kk, n, relu, ld, 0, packed);
  if (tail) {
    const heap = b.wasm.HEAPF32; // after every allocation
    const tAt = tail >> 2;
    heap.fill(0, tAt, tAt + 4 * kk);
    heap.copyWithin(tAt, (aAt >> 2) + whole * kk, (aAt >> 2) + m * kk);
    k.gemmNN(tAt << 2, wAt, bsAt, (tAt + 4 * kk) << 2, 4, kk, n, relu, ld, 0, packed);
    heap.copyWithin((cAt >> 2) + whole * n, tAt + 4 * kk, tAt + 4 * kk + rem * n);
  }
  releaseScratch(b, mark);
}

/**
 * Whether a GEMM packs its `[k, n]` b operand into 8-column panels: when its rows are long enough
 * for row-strided tile reads to collide in the cache (measured: 256 × 256 and 512 × 512 gain, and
 * the 64-wide layers of the 2-D flows would only pay the copy).
 */
export function packsB(k: number, n: number): boolean {
  return k >= 128 && n >= 128;
}

const gemmNNKernel: HeapKernel = ({ inputs, attrs }, b) => {
  const a = inputs.a as tf.TensorInfo;
  const bb = inputs.b as tf.TensorInfo;
  const bias = (inputs.bias as tf.TensorInfo | undefined) ?? null;
  heapOffset(b, a);
  heapOffset(b, bb);
  if (bias) heapOffset(b, bias);
  const [m, kk] = a.shape;
  const n = bb.shape[1];
  const out = b.makeOutput([m, n], 'float32');
  gemmNNOnHeap(b, simdKernels()!, heapOffset(b, a), m, kk, heapOffset(b, bb), bias ? heapOffset(b, bias) : 0, n, attrs?.relu ? 1 : 0, heapOffset(b, out));
  return out;
};

/**
 * `act(a · b + bias)` for `a` `[M, K]`, `b` `[K, N]`, `bias` `[N]` or null, act relu or linear, by the
 * SIMD kernel (a ragged `N`, such as a spline conditioner's 23 outputs, is padded to a multiple of 8
 * in a scratch copy of `b` and the bias; the last `M mod 4` rows go through a padded copy): a dense
 * layer's forward pass (training and inference), and its input gradient `dPre · Wᵀ`. Each row's
 * result depends on that row alone, whatever `M`. About 60 µs for 256 × 64 × 64, where wasm's matMul takes about
 * 90 µs with the packing of a changed weight. `null` where it does not apply. Float32 sums in `k`
 * order, started at the bias.
 */
export function gemmNNSimd(a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor1D | null, relu: boolean): tf.Tensor2D | null {
  if (a.shape[0] === 0 || a.shape[1] === 0 || b.shape[1] === 0 || a.dtype !== 'float32' || simdKernels() === null) return null;
  const inputs: tf.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  return runKernel(GEMM_NN_SIMD, inputs, { relu }) as tf.Tensor2D;
}

const gemmNTKernel: HeapKernel = ({ inputs }, b) => {
  const a = inputs.a as tf.TensorInfo;
  const w = inputs.b as tf.TensorInfo;
  heapOffset(b, a);
  heapOffset(b, w);
  const [m, kk] = a.shape;
  const n = w.shape[0];
  const out = b.makeOutput([m, n], 'float32');
  const k = simdKernels()!;
  const mark = scratchMark(b);
  // bᵀ's 8-column panels straight from b's rows: no transposed copy of b.
  const panels = takeScratch(b, padded(n) * kk);
  k.packPanelsT(heapOffset(b, w), panels, n, kk, kk);
  k.gemmNN(heapOffset(b, a), panels, 0, heapOffset(b, out), m, kk, n, 0, kk, 0, 1);
  releaseScratch(b, mark);
  return out;
};

/**
 * `a · bᵀ` for `a` `[M, K]`, `b` `[N, K]` (a dense layer's input adjoint `dPre · Wᵀ`): the SIMD GEMM
 * on `bᵀ`'s panels packed straight from `b`, without a transposed copy (and without matMul's slow
 * transpose flag). `M` a multiple of 4; `null` where it does not apply. Float32 sums in `k` order.
 */
export function gemmNTSimd(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D | null {
  if (a.shape[0] === 0 || a.shape[0] % 4 !== 0 || a.shape[1] === 0 || b.shape[0] === 0 || a.dtype !== 'float32' || simdKernels() === null) return null;
  return runKernel(GEMM_NT_SIMD, { a, b }) as tf.Tensor2D;
}

/** Whether the SIMD path applies to a `[rows, cols]` float32 matrix on the active backend. */
function simdApplies(x: tf.Tensor, ...dims: number[]): boolean {
  return x.dtype === 'float32' && dims.every((d) => d % 4 === 0 && d > 0) && simdKernels() !== null;
}

/** `xᵀ` for `x` `[rows, cols]`: the SIMD kernel on wasm when both sizes are multiples of 4, else `tf.transpose`. */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  if (!simdApplies(x, x.shape[0], x.shape[1])) return tf.transpose(x);
  return runKernel(TRANSPOSE_SIMD, { x }) as tf.Tensor2D;
}

/** The `denseGrad` kernel's activation modes (kernels.wat): the slope it multiplies `dy` by. */
export const DENSE_GRAD_MODE: Readonly<Record<string, number>> = { linear: 0, relu: 1, elu: 2 };

/**
 * `[dPre, dPreᵀ, dBias]` of a dense layer's backward for `activation` relu or ELU (`saved` is its
 * output) or linear, from `dy` `[B, n]`, by the SIMD kernel; `null` where it does not apply (another
 * backend or activation, `n` or `B` not a multiple of 4). `dBias` is summed in float32 in row order.
 * With `transposed` false, `dPreᵀ` is not written (returned as an empty `[n, 0]`).
 */
export function denseGradSimd(activation: string, dy: tf.Tensor2D, saved: tf.Tensor2D, transposed = true): [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D] | null {
  if (!(activation in DENSE_GRAD_MODE) || !simdApplies(dy, dy.shape[0], dy.shape[1])) return null;
  return runKernel(DENSE_GRAD_SIMD, { dy, saved }, { activation, transposed }) as unknown as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
}

/** The heap kernels above (wasm). */
export const simdOpKernels: KernelRegistration[] = [
  { kind: 'heap', kernelName: TRANSPOSE_SIMD, kernel: transposeKernel },
  { kind: 'heap', kernelName: DENSE_GRAD_SIMD, kernel: denseGradKernel },
  { kind: 'heap', kernelName: DENSE_GRAD_IN1_SIMD, kernel: denseGradIn1Kernel },
  { kind: 'heap', kernelName: DENSE_GRAD_NARROW_SIMD, kernel: denseGradNarrowKernel },
  { kind: 'heap', kernelName: GEMM_TN_SIMD, kernel: gemmTNKernel },
  { kind: 'heap', kernelName: GEMM_NN_SIMD, kernel: gemmNNKernel },
  { kind: 'heap', kernelName: GEMM_NT_SIMD, kernel: gemmNTKernel },
];
