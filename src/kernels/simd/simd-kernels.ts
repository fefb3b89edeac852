/**
 * Hand-written WebAssembly SIMD kernels (kernels.wat) run on the wasm backend's own heap: the module
 * imports TF.js's `WebAssembly.Memory`, so a kernel reads its inputs and writes its outputs in place at
 * the tensors' offsets, with no copy. Used by the tape-free training step where a JavaScript loop
 * over a `[256, 64]` array costs about 100 µs on this machine class (about 4 ns per element) and the
 * SIMD loop a fraction of it.
 *
 * `simdKernels()` is `null` when the backend is not wasm, or its memory cannot be reached (the
 * `asm.memory` internal of tfjs-backend-wasm 4.22, pinned), or the engine lacks SIMD: callers then run
 * their JavaScript kernels. `TFJS_FLOWS_SIMD=0` in the environment turns the kernels off.
 *
 * Where the engine has relaxed SIMD (Node 22 and later, current browsers; Node 20 after
 * `enableRelaxedSimd()` or with `--experimental-wasm-relaxed-simd`), the GEMMs accumulate with fused multiply-adds
 * (`f32x4.relaxed_madd`): about 1.3× faster on this machine class, and rounded once instead of twice
 * per term, so their sums differ from the baseline's within the same float32 summation bound (the
 * instruction's result is fixed for one machine: runs stay reproducible there).
 * `TFJS_FLOWS_RELAXED_SIMD=0` keeps the baseline module.
 */
import { tf } from '../../backend.js';
import { KERNELS_WASM_BASE64, KERNELS_WASM_RELAXED_BASE64 } from './kernels-wasm.js';

/** The exported functions of kernels.wat; pointers are byte offsets on the wasm backend's heap. */
export interface SimdExports {
  denseGrad(dy: number, saved: number, dPre: number, dPreT: number, dBias: number, batch: number, n: number, mode: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  gemmTN(a: number, b: number, c: number, rows: number, m: number, n: number, ldb: number, ranges: number, packed: number): void;
  gemmNN(a: number, b: number, bias: number, c: number, m: number, k: number, n: number, relu: number, ldb: number, ranges: number, packed: number): void;
  packPanels(src: number, dst: number, rows: number, cols: number, ld: number, w: number): void;
  packPanelsT(src: number, dst: number, rows: number, cols: number, ld: number): void;
  denseIn1(a: number, b: number, bias: number, c: number, m: number, n: number, relu: number): void;
  padColumns(src: number, dst: number, rows: number, n: number, ldd: number): void;
  elu(src: number, dst: number, n: number): void;
  denseGradNarrow(dy: number, x: number, w: number, dW: number, dBias: number, dx: number, scratch: number, batch: number, m: number, n: number, needDx: number): void;
  denseGradIn1(dy: number, saved: number, x: number, w: number, dBias: number, dW: number, dx: number, batch: number, n: number, relu: number, needDx: number): void;
  adam(w: number, g: number, m: number, v: number, out: number, n: number, b1: number, c1: number, b2: number, c2: number, d1: number, d2: number, eps: number, negLr: number): void;
  sumSquares(p: number, n: number): number;
  gatherMasked(w: number, wp: number, rowSrc: number, colSrc: number, mask: number, inputs: number, outputs: number, cols: number): void;
  scatterMasked(g: number, dw: number, rowSrc: number, colSrc: number, mask: number, inputs: number, outputs: number, cols: number): void;
}

/** The WebAssembly API (this package's TypeScript lib settings declare no `WebAssembly` global). */
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** The parts of the wasm backend used here (typed structurally). */
export interface WasmBackendInternals {
  wasm: {
    asm?: { memory?: object };
    wasmMemory?: object;
    HEAPF32: Float32Array;
    /** The native side's tensor registry (by the backend's numeric id). */
    tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, memoryOffset: number): void };
  };
  disposeData(dataId: object): boolean;
  refCount(dataId: object): number;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** A heap kernel: TF.js's kernel arguments, with the wasm backend's internals as `b`. */
export type HeapKernel = (args: { inputs: Parameters<tf.KernelFunc>[0]['inputs']; attrs: tf.NamedAttrMap }, b: WasmBackendInternals) => tf.TensorInfo | tf.TensorInfo[];

/**
 * Register `kernel` for the wasm backend under `name`, unless a kernel of that name is there already (a
 * second copy of the library, or a second call: registering again would only print TF.js's warning).
 */
export function registerHeapKernel(name: string, kernel: HeapKernel): void {
  if (tf.getKernel(name, 'wasm') !== undefined) return;
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: ({ inputs, backend, attrs }) => kernel({ inputs, attrs: attrs ?? {} }, backend as unknown as WasmBackendInternals) });
}

/** One relaxed-SIMD instruction: `(func (param v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0)))`. */
const RELAXED_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 0, 32, 0, 253, 133, 2, 11];

/** Whether this engine compiles WebAssembly relaxed SIMD (asked afresh: a V8 flag may have changed it). */
export function engineHasRelaxedSimd(): boolean {
  try {
    return WA !== undefined && new WA.Module(Uint8Array.from(RELAXED_PROBE)) !== null;
  } catch {
    return false;
  }
}

/** Which module runs: `relaxed` (fused multiply-adds) or `baseline`. */
export type SimdVariant = 'relaxed' | 'baseline';

const instances: Record<SimdVariant, WeakMap<object, SimdExports | null>> = { relaxed: new WeakMap(), baseline: new WeakMap() };
const moduleBytes: Partial<Record<SimdVariant, Uint8Array>> = {};

// Read once: `process.env` lookups are slow enough to show in a step's profile.
let disabled: boolean | undefined;
function disabledByEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return (disabled ??= env?.TFJS_FLOWS_SIMD === '0');
}

let relaxedOff: boolean | undefined;
function relaxedDisabledByEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return (relaxedOff ??= env?.TFJS_FLOWS_RELAXED_SIMD === '0');
}

/**
 * Prefer the relaxed-SIMD module (the default where the engine has it) or keep the baseline (the same
 * as `TFJS_FLOWS_RELAXED_SIMD=0` at start-up): for benchmarks and tests that compare the two.
 */
export function setRelaxedSimdEnabled(on: boolean): void {
  relaxedOff = !on;
}

/**
 * Turn the SIMD kernels on or off at run time (the same as `TFJS_FLOWS_SIMD=0` at start-up when
 * off): for benchmarks and tests that compare them with the plain paths in one process.
 */
export function setSimdKernelsEnabled(on: boolean): void {
  disabled = !on;
}

/** The wasm backend's heap, or `null` on another backend (or a build that hides it). */
export function wasmHeapMemory(backend: unknown): object | null {
  const w = (backend as Partial<WasmBackendInternals>)?.wasm;
  const memory = w?.asm?.memory ?? w?.wasmMemory;
  return WA && memory instanceof WA.Memory ? memory : null;
}

/** The SIMD kernels bound to the active wasm backend's heap, or `null` (see the file comment). */
export function simdKernels(): SimdExports | null {
  if (tf.getBackend() !== 'wasm' || disabledByEnv()) return null;
  const memory = wasmHeapMemory(tf.backend());
  if (!memory) return null;
  if (!relaxedDisabledByEnv()) {
    const relaxed = instantiate('relaxed', memory);
    if (relaxed) return relaxed;
  }
  return instantiate('baseline', memory);
}

/** Try the relaxed module again on the next call (after `enableRelaxedSimd()` changed the engine). */
export function retryRelaxedSimd(): void {
  instances.relaxed = new WeakMap();
}

/** Which module {@link simdKernels} runs now, or `null` when it runs none. */
export function simdVariant(): SimdVariant | null {
  const k = simdKernels();
  if (!k) return null;
  const memory = wasmHeapMemory(tf.backend())!;
  return instances.relaxed.get(memory) === k ? 'relaxed' : 'baseline';
}

/** The `variant` module bound to `memory`, instantiated once; `null` where the engine rejects it. */
function instantiate(variant: SimdVariant, memory: object): SimdExports | null {
  let k = instances[variant].get(memory);
  if (k === undefined) {
    try {
      const base64 = variant === 'relaxed' ? KERNELS_WASM_RELAXED_BASE64 : KERNELS_WASM_BASE64;
      const bytes = (moduleBytes[variant] ??= Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
      // Synchronous compile: the module is about 4 kB, under every engine's sync-compile limit.
      const instance = new WA!.Instance(new WA!.Module(bytes), { env: { memory } });
      k = instance.exports as unknown as SimdExports;
    } catch {
      k = null; // no (relaxed) SIMD in this engine: the other module, or the JavaScript kernels, run
    }
    instances[variant].set(memory, k);
  }
  return k;
}

/** Byte offset of tensor `t` on the wasm heap (moves it there first if it lives on another backend). */
export function heapOffset(backend: WasmBackendInternals, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}
