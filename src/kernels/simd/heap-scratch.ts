/**
 * Scratch memory on the wasm heap for the SIMD kernels' intermediate arrays, reused between calls.
 *
 * Why: a backend allocation (`makeOutput`: malloc, the native tensor registry, the data-id map) and
 * its disposal cost about a microsecond each; the fused coupling kernels took nine per call for
 * their intermediates, about 70 µs of a RealNVP-8 training step.
 *
 * Use it as a stack: `const mark = scratchMark(b)`, then `takeScratch(b, n)` as often as needed, then
 * `releaseScratch(b, mark)` (in a `finally`). Offsets stay valid while taken; JavaScript views on
 * the heap still go stale when anything allocates. A request that does not fit the block gets its own
 * allocation (freed on release), and the block grows to fit the next time the stack is empty, up to
 * {@link MAX_KEPT_SCRATCH}.
 */
import type { tf } from '../../backend.js';
import type { WasmBackendInternals } from './simd-kernels.js';
import { heapOffset } from './simd-kernels.js';

interface Scratch {
  block: tf.TensorInfo | null;
  /** Capacity of `block` and the stack's top, in floats. */
  capacity: number;
  top: number;
  /** The highest top since the block was made (the next block's size). */
  wanted: number;
  /** Requests that did not fit: their allocation and the top they were taken at. */
  overflow: { info: tf.TensorInfo; at: number }[];
}

const scratches = new WeakMap<object, Scratch>();

function scratchOf(b: WasmBackendInternals): Scratch {
  let s = scratches.get(b);
  if (!s) {
    s = { block: null, capacity: 0, top: 0, wanted: 0, overflow: [] };
    scratches.set(b, s);
  }
  return s;
}

/** The stack's current top, to hand back to {@link releaseScratch}. */
export function scratchMark(b: WasmBackendInternals): number {
  return scratchOf(b).top;
}

/**
 * Byte offset of `floats` scratch floats (contents undefined; sizes rounded up to 4 floats) on `b`'s heap, valid
 * until the matching {@link releaseScratch}. May allocate.
 */
export function takeScratch(b: WasmBackendInternals, floats: number): number {
  const s = scratchOf(b);
  const n = Math.ceil(Math.max(floats, 1) / 4) * 4;
  // The top advances for every request, so block addresses below it are never handed out twice.
  const at = s.top;
  s.top += n;
  s.wanted = Math.max(s.wanted, s.top);
  if (s.block && s.top <= s.capacity) return heapOffset(b, s.block) + 4 * at;
  const info = b.makeOutput([n], 'float32');
  s.overflow.push({ info, at });
  return heapOffset(b, info);
}

/**
 * The largest block kept between calls, in floats (16 MB): larger needs (huge batches) get their own
 * allocations each time, whose cost is small beside their compute, instead of holding the memory.
 */
export const MAX_KEPT_SCRATCH = 4 << 20;

/** Give back everything taken since `mark`; on an empty stack, grow the block if requests overflowed it. */
export function releaseScratch(b: WasmBackendInternals, mark: number): void {
  const s = scratchOf(b);
  while (s.overflow.length > 0 && s.overflow[s.overflow.length - 1].at >= mark) b.disposeData(s.overflow.pop()!.info.dataId);
  s.top = mark;
  if (mark === 0 && s.wanted > s.capacity && s.wanted <= MAX_KEPT_SCRATCH) {
    if (s.block) b.disposeData(s.block.dataId);
    s.capacity = s.wanted;
    s.block = b.makeOutput([s.capacity], 'float32');
  }
  if (mark === 0) s.wanted = s.capacity;
}
