/**
 * The heap scratch stack (src/kernels/simd/heap-scratch.ts): distinct aligned regions while taken,
 * everything given back on release, a block that grows to what was needed and no further than its cap.
 */
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { tf } from '../../src/index.js';
import { MAX_KEPT_SCRATCH, releaseScratch, scratchMark, takeScratch } from '../../src/kernels/simd/heap-scratch.js';
import type { WasmBackendInternals } from '../../src/kernels/simd/simd-kernels.js';
import { useBackend } from '../helpers/backends.js';

describe('heap scratch on wasm', () => {
  useBackend('wasm');
  const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

  it('hands out distinct regions, nested, and gives them all back', () => {
    const b = tf.backend() as unknown as WasmBackendInternals;
    const base = dataIds();
    const sizes = [5, 256, 1, 4096, 3];
    const run = () => {
      const outer = scratchMark(b);
      const regions = sizes.slice(0, 3).map((n) => [takeScratch(b, n), n] as const);
      const inner = scratchMark(b);
      regions.push(...sizes.slice(3).map((n) => [takeScratch(b, n), n] as const));
      // Each region is writable without touching the others.
      const heap = b.wasm.HEAPF32;
      regions.forEach(([at, n], i) => heap.fill(i + 1, at >> 2, (at >> 2) + n));
      regions.forEach(([at, n], i) => {
        expect(at % 4).toBe(0);
        expect(Array.from(heap.subarray(at >> 2, (at >> 2) + n)).every((v) => v === i + 1)).toBe(true);
      });
      releaseScratch(b, inner);
      expect(scratchMark(b)).toBe(inner);
      releaseScratch(b, outer);
      return regions.map(([at]) => at);
    };
    const first = run(); // overflows: the block does not exist yet
    expect(dataIds()).toBeLessThanOrEqual(base + 1); // only the block stays
    const second = run(); // now all from the block
    expect(new Set(second).size).toBe(sizes.length);
    expect(first.length).toBe(second.length);
    const afterTwo = dataIds();
    run();
    expect(dataIds()).toBe(afterTwo);
  });

  it(`keeps no block larger than ${MAX_KEPT_SCRATCH} floats`, () => {
    const b = tf.backend() as unknown as WasmBackendInternals;
    const mark = scratchMark(b);
    takeScratch(b, MAX_KEPT_SCRATCH + 4);
    releaseScratch(b, mark);
    const before = dataIds();
    const bytes = tf.memory().numBytes;
    const again = scratchMark(b);
    const at = takeScratch(b, MAX_KEPT_SCRATCH + 4); // its own allocation, freed on release
    expect(dataIds()).toBe(before + 1);
    expect(at % 4).toBe(0);
    releaseScratch(b, again);
    expect(dataIds()).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
  });
});
