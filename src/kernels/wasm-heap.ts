/**
 * The wasm backend's heap, seen from JavaScript: how far it may still grow, and a guard that turns a
 * failed allocation into a JavaScript error instead of a corrupt heap.
 *
 * Why the guard: TF.js's wasm backend allocates every tensor with `wasm._malloc(bytes) >>> 0` and
 * never checks the result. When the heap cannot grow any more (WebAssembly memory stops at 4 GiB),
 * `_malloc` returns 0 (measured: no abort), the tensor is registered at address 0, and the next
 * kernel writes over the allocator's own data; the process then dies later with
 * `RuntimeError: Aborted()` or "table index is out of bounds". Throwing at the failed `_malloc` keeps
 * the heap intact: nothing was registered, the caller's `tf.tidy` frees what the call made, and the
 * backend stays usable. A request above the heap's ceiling is refused before `_malloc` (TF.js
 * passes the byte count as an i32, so 4 GiB and more would wrap around to a small allocation, and a
 * kernel would then write past it). Allocations made inside C++ (XNNPACK's scratch space) are not covered; they
 * still abort the runtime, which is why the callers also bound their memory up front.
 */
import { tf } from '../backend.js';

/** Largest wasm heap the backend can reach (its `getHeapMax`: 4 GiB − 64 KiB). */
export const WASM_HEAP_MAX = 4294901760;

/** A wasm allocation that failed (the heap could not grow); the entry points turn it into an `OutOfMemoryError`. */
export class WasmAllocationError extends RangeError {
  override name = 'WasmAllocationError';
  readonly bytes: number;
  constructor(bytes: number) {
    super(`the wasm heap could not grow to allocate ${bytes} bytes (it stops at ${WASM_HEAP_MAX} bytes)`);
    this.bytes = bytes;
  }
}

interface WasmModule {
  _malloc(bytes: number): number;
  HEAPU8: Uint8Array;
}

const guarded = new WeakSet<object>();

function wasmModule(): WasmModule | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm?: WasmModule }).wasm;
  return wasm && typeof wasm._malloc === 'function' ? wasm : null;
}

/**
 * Make a failed wasm tensor allocation throw a {@link WasmAllocationError} (idempotent; nothing on
 * other backends). Emscripten's first `_malloc` call replaces `Module._malloc` by the raw export, so
 * one allocation is made (and freed) before wrapping, or the wrapper would be overwritten.
 */
export function guardWasmAllocations(): void {
  const wasm = wasmModule();
  if (!wasm || guarded.has(wasm)) return;
  const free = (wasm as unknown as { _free(p: number): void })._free;
  free(wasm._malloc(8));
  const malloc = wasm._malloc;
  wasm._malloc = (bytes: number): number => {
    // Sizes of 4 GiB and more would wrap around in the i32 argument and allocate far too little.
    if (bytes > WASM_HEAP_MAX) throw new WasmAllocationError(bytes);
    const p = malloc(bytes);
    if (p === 0 && bytes > 0) throw new WasmAllocationError(bytes);
    return p;
  };
  guarded.add(wasm);
}

/** Current wasm heap size in bytes, or `null` on another backend. */
export function wasmHeapBytes(): number | null {
  return wasmModule()?.HEAPU8.length ?? null;
}

/**
 * Bytes the wasm heap can still hold at most: its ceiling minus the bytes of live tensors (the
 * allocator may have less, fragmented); `Infinity` on other backends.
 */
export function wasmHeadroom(): number {
  if (!wasmModule()) return Infinity;
  return WASM_HEAP_MAX - tf.memory().numBytes;
}
