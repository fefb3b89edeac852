/**
 * Running out of memory in an evaluation becomes an {@link OutOfMemoryError} that says what to
 * reduce, never a dead process: calls whose results alone cannot fit are refused before anything is
 * allocated, and a failed allocation during the call (see `kernels/wasm-heap.ts`) is translated.
 */
import { OutOfMemoryError } from '../errors.js';
import { WASM_HEAP_MAX, WasmAllocationError, guardWasmAllocations, wasmHeadroom, wasmHeapBytes } from '../kernels/wasm-heap.js';
import { type EvaluationPlan, bytesPerRow, memoryBudget } from './row-chunks.js';

const GIB = 2 ** 30;
const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;

function advice(plan: EvaluationPlan): string {
  const budget = memoryBudget();
  return (
    `reduce the rows per call (${plan.rows}; evaluate them in several calls), the chunk size (${plan.chunk} rows, from setMemoryBudget, now ${Math.round(budget / 2 ** 20)} MiB)` +
    ` or the layer width (widest ${plan.widths.widest}, ${plan.widths.matrices} weight matrices)`
  );
}

/**
 * Refuse, before any allocation, a call that needs `resultBytes` for its inputs and results plus one
 * chunk's activations when that exceeds what the wasm heap can still hold (nothing on other backends).
 */
export function checkHeadroom(fn: string, plan: EvaluationPlan, resultBytes: number): void {
  const need = resultBytes + Math.min(plan.rows, plan.chunk) * bytesPerRow(plan.widths);
  const room = wasmHeadroom();
  if (need > room) {
    throw new OutOfMemoryError(fn, `${plan.rows} rows need about ${gib(need)} of WebAssembly memory, and only ${gib(room)} of its ${gib(WASM_HEAP_MAX)} are free`, advice(plan), true);
  }
}

/** Whether `e` is the backend running out of memory (a failed wasm allocation, an aborted runtime, a refused buffer). */
export function isOutOfMemory(e: unknown): boolean {
  if (e instanceof WasmAllocationError) return true;
  const message = e instanceof Error ? e.message : '';
  if (e instanceof RangeError) return /Array buffer allocation failed|Invalid typed array length|WebAssembly\.Memory|out of memory/i.test(message);
  if (e instanceof Error && e.name === 'RuntimeError') {
    // WebAssembly.RuntimeError (told by name: the DOM typings this library compiles with lack the namespace).
    // An abort or an out-of-bounds access near the heap's ceiling is the allocator failing inside C++.
    const heap = wasmHeapBytes();
    return /Aborted/.test(message) || (heap !== null && heap > 0.9 * WASM_HEAP_MAX);
  }
  return false;
}

/**
 * Run `f` (an evaluation over `plan`) with failed wasm allocations throwing, and out-of-memory
 * failures rethrown as {@link OutOfMemoryError}; other errors pass through unchanged.
 */
export function withMemoryErrors<T>(fn: string, plan: () => EvaluationPlan, f: () => T): T {
  guardWasmAllocations();
  try {
    return f();
  } catch (e) {
    if (!isOutOfMemory(e)) throw e;
    const p = plan();
    const recoverable = e instanceof WasmAllocationError || e instanceof RangeError;
    const heap = wasmHeapBytes();
    const where = heap === null ? '' : ` (heap ${gib(heap)} of at most ${gib(WASM_HEAP_MAX)})`;
    throw new OutOfMemoryError(fn, `out of memory evaluating ${p.rows} rows in chunks of ${p.chunk}${where}: ${(e as Error).message}`, advice(p), recoverable);
  }
}
