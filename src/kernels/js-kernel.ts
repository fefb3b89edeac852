/**
 * JavaScript kernels for the `cpu` and `wasm` backends: one `compute` function over float32 arrays,
 * registered under one kernel name for both backends, run through `tf.engine().runKernel` so the
 * autodiff tape records it like any built-in op (its gradient comes from `tf.registerGradient`).
 *
 * Why: a fused pass in JavaScript (float64 arithmetic over float32 storage) avoids dozens of op
 * dispatches and intermediate tensors; measured ~25× faster than op-composed maths on wasm.
 *
 * The wasm trap this hides: allocating an output can grow the wasm heap and detach every typed-array
 * view taken before it, so all outputs are allocated first and views taken afterwards, per call.
 */
import { tf } from '../backend.js';
import { registerAllKernels } from './register-all.js';

/** Backends a JavaScript kernel registers for; any other backend needs an op-composed path. */
export const JS_KERNEL_BACKENDS = ['cpu', 'wasm'] as const;

export interface JsKernelSpec {
  /** Globally unique kernel name (prefixed, since TF.js's registry is shared by every library). */
  kernelName: string;
  /** Names of the float32 inputs, in the order `compute` receives them. */
  inputNames: readonly string[];
  /** Output shapes from the input shapes (same order as `inputNames`) and the attributes. */
  outputShapes(inputShapes: readonly number[][], attrs: tf.NamedAttrMap): number[][];
  /**
   * Fill `outputs` (fresh, zeroed float32 arrays) from `inputs`. Must not keep any array after it
   * returns: on wasm they are views on a heap that may move.
   */
  compute(inputs: Float32Array[], outputs: Float32Array[], attrs: tf.NamedAttrMap): void;
}

/** The parts of the cpu backend a kernel uses (typed structurally: the backend package is optional). */
interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** The parts of the wasm backend a kernel uses. */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): unknown };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function cpuKernel(spec: JsKernelSpec): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const cpu = backend as unknown as CpuBackendLike;
    const infos = spec.inputNames.map((n) => inputs[n] as tf.TensorInfo);
    const shapes = spec.outputShapes(infos.map((i) => i.shape), attrs ?? {});
    const ins = infos.map((i) => cpu.data.get(i.dataId).values as Float32Array);
    const outs = shapes.map((s) => new Float32Array(sizeOf(s)));
    spec.compute(ins, outs, attrs ?? {});
    return shapes.map((s, i) => cpu.makeTensorInfo(s, 'float32', outs[i]));
  };
}

function wasmKernel(spec: JsKernelSpec): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackendLike;
    const infos = spec.inputNames.map((n) => inputs[n] as tf.TensorInfo);
    const shapes = spec.outputShapes(infos.map((i) => i.shape), attrs ?? {});
    // Every allocation may grow (and detach) the heap: first bring inputs living on another backend
    // over (the lookup moves them), then allocate the outputs, and only then take views.
    for (const i of infos) wasm.dataIdMap.get(i.dataId);
    const outInfos = shapes.map((s) => wasm.makeOutput(s, 'float32'));
    const ins = infos.map((i) => wasm.typedArrayFromHeap(i));
    const outs = outInfos.map((i) => wasm.typedArrayFromHeap(i));
    for (const o of outs) o.fill(0); // heap memory is recycled, not zeroed
    spec.compute(ins, outs, attrs ?? {});
    return outInfos;
  };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Register `spec` for `cpu` and `wasm` unless a kernel of that name is already there (a second copy
 * of the library, or a second call): registering twice would only print TF.js's warning and replace
 * a working kernel by an identical one.
 */
export function registerJsKernel(spec: JsKernelSpec): void {
  for (const backendName of JS_KERNEL_BACKENDS) {
    if (tf.getKernel(spec.kernelName, backendName) !== undefined) continue;
    tf.registerKernel({ kernelName: spec.kernelName, backendName, kernelFunc: backendName === 'cpu' ? cpuKernel(spec) : wasmKernel(spec) });
  }
}

/** Register a gradient for `kernelName` unless one is registered already. */
export function registerJsGradient(config: tf.GradConfig): void {
  if (tf.getGradient(config.kernelName) !== undefined) return;
  tf.registerGradient(config);
}

/** Whether a kernel named `kernelName` exists for the active backend (after registering the library's kernels). */
export function hasKernelForActiveBackend(kernelName: string): boolean {
  registerAllKernels();
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * The float32 values of `t` where they live, without a copy, on `cpu` and `wasm` (`null` elsewhere or
 * for another dtype): for one-pass reductions outside any kernel. On wasm the array is a view on the
 * heap: read it at once, before anything allocates a tensor.
 */
export function float32InPlace(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32' || t.isDisposed) return null;
  const name = tf.getBackend();
  const backend = tf.backend() as unknown;
  if (name === 'cpu') {
    const values = (backend as CpuBackendLike).data.get(t.dataId)?.values;
    return values instanceof Float32Array && values.length === t.size ? values : null;
  }
  if (name === 'wasm') {
    const wasm = backend as WasmBackendLike;
    wasm.dataIdMap.get(t.dataId); // moves data from another backend first
    const view = wasm.typedArrayFromHeap({ dataId: t.dataId, shape: t.shape, dtype: 'float32' } as tf.TensorInfo);
    return view.length === t.size ? view : null;
  }
  return null;
}
