/**
 * One Adam step as kernels: a JavaScript loop per variable (cpu, wasm) and a WebAssembly SIMD kernel
 * over all variables on the wasm heap, bit-identical to each other (the optimiser around them is
 * train/fused-adam.ts).
 *
 * Every arithmetic step is rounded to float32 with `Math.fround` in the order `tf.train.adam` applies
 * its ops. A float32 add, multiply, divide or square root computed in float64 and then rounded once is
 * the correctly rounded float32 result (53 ≥ 2·24 + 2: double rounding is innocuous for these ops), so
 * the updates equal those of `tf.train.adam` on a backend with IEEE float32 kernels (wasm, cpu), bit
 * for bit, and checkpoints are interchangeable between the two.
 *
 * One deliberate difference: a new moment `m` or `v` smaller than 2⁻¹²⁶ (a float32 subnormal) is
 * stored as 0, as TensorFlow's own CPU kernels do (they run with flush-to-zero). Moments of weights
 * whose gradient stays 0 (dead ReLU units) decay through the subnormal range, and subnormal arithmetic
 * takes a slow path in x86 processors: about 1,000 such values made the benchmark RealNVP's update
 * 2.5× slower. Through `m`, a weight's update changes by at most lr·2⁻¹²⁶/((1 − β₁)·ε) (1.2e-29 at
 * the defaults and lr = 1), which moves no weight larger than about 2e-22 in magnitude; through `v`,
 * not at all for ε ≥ 1e-10 (√v̂ then stays below half an ulp of ε). Tested against `tf.train.adam`
 * through such a decay.
 */
import { tf } from '../backend.js';
import { runKernel } from './dispatch.js';
import type { KernelRegistration } from './register-all.js';
import { releaseScratch, scratchMark, takeScratch } from './simd/heap-scratch.js';
import { type HeapKernel, type WasmBackendInternals, heapOffset, simdKernels } from './simd/simd-kernels.js';

/** Kernel name of one variable's update (inputs `w`, `g`; attrs: `m`, `v` updated in place, constants). */
export const ADAM_UPDATE = 'TfjsFlowsAdamUpdate';
export const ADAM_UPDATE_SIMD = 'TfjsFlowsAdamUpdateSimd';

/** One step's float32 constants, rounded as TF.js rounds its scalars (`d1`, `d2`: the bias corrections `1 − βᵗ`). */
export interface AdamConstants {
  b1: number;
  c1: number;
  b2: number;
  c2: number;
  d1: number;
  d2: number;
  eps: number;
  negLr: number;
}

const f32 = Math.fround;

/** The smallest normal float32, 2⁻¹²⁶. */
const MIN_NORMAL = 2 ** -126;

/** `x`, or +0 where `x` is a float32 subnormal (NaN stays). */
const flushSubnormal = (x: number): number => (Math.abs(x) < MIN_NORMAL ? 0 : x);

/** Updates `m`, `v` in place and writes the new weights to `out`, in `tf.train.adam`'s op order. */
export function adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, k: AdamConstants): void {
  const { b1, c1, b2, c2, d1, d2, eps, negLr } = k;
  for (let j = 0; j < w.length; j++) {
    const gj = g[j];
    const mj = flushSubnormal(f32(f32(m[j] * b1) + f32(gj * c1)));
    const vj = flushSubnormal(f32(f32(v[j] * b2) + f32(f32(gj * gj) * c2)));
    m[j] = mj;
    v[j] = vj;
    const mHat = f32(mj / d1);
    const vHat = f32(vj / d2);
    out[j] = f32(f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + eps)) * negLr) + w[j]);
  }
}

/**
 * One variable's update by the JavaScript kernel: the new weights in a fresh tensor, `m` and `v`
 * updated in place (cpu and wasm; check `hasKernelForActiveBackend(ADAM_UPDATE)` first).
 */
export function adamUpdateKernel(w: tf.Tensor, g: tf.Tensor, m: Float32Array, v: Float32Array, k: AdamConstants): tf.Tensor {
  const attrs = { m, v, k } as unknown as tf.NamedAttrMap;
  return (runKernel(ADAM_UPDATE, { w, g }, attrs) as tf.Tensor[])[0];
}

/**
 * Adam over variables `w[i]` (gradients `g[i]`) on the heap, the new weights written at `out[i]`
 * (which may be `w[i]` itself: the kernel reads each value before it writes it). `m` and `v` live in
 * JavaScript (the optimiser's state): copied onto the heap and back, about a microsecond per thousand
 * values, where the update itself runs 4 lanes at a time. Allocates one scratch block.
 */
function adamOnHeap(b: WasmBackendInternals, w: tf.TensorInfo[], g: tf.TensorInfo[], out: tf.TensorInfo[], m: Float32Array[], v: Float32Array[], k: AdamConstants): void {
  const mark = scratchMark(b);
  const at = takeScratch(b, 2 * Math.max(...m.map((a) => a.length)));
  const heap = b.wasm.HEAPF32; // after the allocations: they may have grown the heap
  const kernels = simdKernels()!;
  for (let i = 0; i < m.length; i++) {
    const n = m[i].length;
    heap.set(m[i], at >> 2);
    heap.set(v[i], (at >> 2) + n);
    kernels.adam(heapOffset(b, w[i]), heapOffset(b, g[i]), at, at + 4 * n, heapOffset(b, out[i]), n, k.b1, k.c1, k.b2, k.c2, k.d1, k.d2, k.eps, k.negLr);
    m[i].set(heap.subarray(at >> 2, (at >> 2) + n));
    v[i].set(heap.subarray((at >> 2) + n, (at >> 2) + 2 * n));
  }
  releaseScratch(b, mark);
}

// Inputs w0, g0, w1, g1, …: every variable of one optimiser step in one dispatch; fresh outputs.
const adamKernel: HeapKernel = ({ inputs, attrs }, b) => {
  const { m, v, k } = attrs as unknown as { m: Float32Array[]; v: Float32Array[]; k: AdamConstants };
  const ws = m.map((_, i) => inputs[`w${i}`] as tf.TensorInfo);
  const gs = m.map((_, i) => inputs[`g${i}`] as tf.TensorInfo);
  for (const t of [...ws, ...gs]) heapOffset(b, t);
  const outs = ws.map((w) => b.makeOutput([...w.shape], 'float32'));
  adamOnHeap(b, ws, gs, outs, m, v, k);
  return outs;
};

/**
 * Drop what the wasm backend caches about tensor memory whose values changed in place: its native
 * side keeps per-tensor-id state (XNNPACK's matMul packs a weight matrix once per id and reuses the
 * packing until the id is disposed). Unregistering the id runs those disposal callbacks, as disposing
 * the tensor would; registering it again at the same memory keeps the tensor valid.
 */
function forgetCachedState(b: WasmBackendInternals, t: tf.TensorInfo): void {
  const data = b.dataIdMap.get(t.dataId);
  b.wasm.tfjs.disposeData(data.id);
  b.wasm.tfjs.registerTensor(data.id, t.shape.reduce((a, c) => a * c, 1), data.memoryOffset);
}

/**
 * One fused Adam step over several variables on the wasm heap by the SIMD kernel: bit-identical to
 * the JavaScript kernel, with each `m[i]` and `v[i]` updated in place. `null` when SIMD is unavailable.
 *
 * The new weights of a variable that alone references its memory (reference count 1) overwrite the
 * old ones (entry `null`): no allocation, no tensor, no assignment, which for the benchmark RealNVP's
 * 48 variables was most of the update's cost; then the backend's cached state for that memory is
 * dropped (see `forgetCachedState`). Memory that another tensor shares (a reshape of the variable, or
 * the tensor it was made from) is never written: such a variable gets a fresh tensor (entry `i`, one
 * dispatch for all of them) for the caller to assign.
 */
export function adamUpdateSimd(w: readonly tf.Tensor[], g: readonly tf.Tensor[], m: Float32Array[], v: Float32Array[], k: AdamConstants): (tf.Tensor | null)[] | null {
  if (w.length === 0 || w.some((t) => t.dtype !== 'float32') || simdKernels() === null) return null;
  const b = tf.backend() as unknown as WasmBackendInternals;
  for (const t of [...w, ...g]) heapOffset(b, t); // moves data from another backend first
  const alone = w.map((t) => b.refCount(t.dataId) === 1);
  const shared = alone.flatMap((a, i) => (a ? [] : [i]));
  const own = alone.flatMap((a, i) => (a ? [i] : []));
  const result: (tf.Tensor | null)[] = w.map(() => null);
  if (shared.length > 0) {
    const inputs: tf.NamedTensorMap = {};
    shared.forEach((i, j) => {
      inputs[`w${j}`] = w[i];
      inputs[`g${j}`] = g[i];
    });
    const attrs = { m: shared.map((i) => m[i]), v: shared.map((i) => v[i]), k };
    const fresh = runKernel(ADAM_UPDATE_SIMD, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    shared.forEach((i, j) => (result[i] = fresh[j]));
  }
  if (own.length > 0) {
    const ws = own.map((i) => w[i]);
    adamOnHeap(b, ws, own.map((i) => g[i]), ws, own.map((i) => m[i]), own.map((i) => v[i]), k);
    for (const t of ws) forgetCachedState(b, t);
  }
  return result;
}

/** The JavaScript kernel (cpu and wasm) and the SIMD kernel (wasm). */
export const adamKernels: KernelRegistration[] = [
  {
    kind: 'js',
    kernelName: ADAM_UPDATE,
    inputNames: ['w', 'g'],
    outputShapes: ([w]) => [w],
    compute: ([w, g], [out], attrs) => {
      const a = attrs as unknown as { m: Float32Array; v: Float32Array; k: AdamConstants };
      adamUpdate(w, g, a.m, a.v, out, a.k);
    },
  },
  { kind: 'heap', kernelName: ADAM_UPDATE_SIMD, kernel: adamKernel },
];
