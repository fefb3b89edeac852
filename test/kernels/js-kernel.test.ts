import '@tensorflow/tfjs-backend-wasm'; // registered even when TFJS_FLOWS_BACKEND=cpu
import { describe, expect, it } from 'vitest';
import { tf } from '../../src/index.js';
import { registerJsKernel } from '../../src/kernels/js-kernel.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';

// A toy kernel: out = 2a + b, plus a second output of `extra` zeros (large enough to grow the wasm heap).
const NAME = 'TfjsFlowsTestTwoAPlusB';
registerJsKernel({
  kernelName: NAME,
  inputNames: ['a', 'b'],
  outputShapes: ([a], attrs) => [a, [attrs.extra as number]],
  compute([a, b], [out, extra]) {
    for (let i = 0; i < a.length; i++) out[i] = 2 * a[i] + b[i];
    if (extra.length <= 1 << 20) expect(extra.every((v) => v === 0)).toBe(true);
  },
});
const run = (a: tf.Tensor, b: tf.Tensor, extra: number) => tf.engine().runKernel(NAME, { a, b }, { extra }) as tf.Tensor[];

describe('the TF.js internals the JavaScript kernels rely on (pinned: tfjs 4.22.0)', () => {
  it('exist, so a TF.js upgrade that removes them fails here first', async () => {
    expect(tf.version_core).toBe('4.22.0');
    const previous = tf.getBackend();
    for (const f of [tf.registerKernel, tf.registerGradient, tf.getKernel, tf.getGradient, tf.engine().runKernel]) expect(typeof f).toBe('function');
    await tf.setBackend('wasm');
    const wasm = tf.backend() as unknown as Record<string, unknown>;
    expect(typeof wasm.makeOutput).toBe('function');
    expect(typeof wasm.typedArrayFromHeap).toBe('function');
    expect(typeof (wasm.dataIdMap as { get?: unknown }).get).toBe('function');
    await tf.setBackend('cpu');
    const cpu = tf.backend() as unknown as Record<string, unknown>;
    expect(typeof cpu.makeTensorInfo).toBe('function');
    expect(typeof (cpu.data as { get?: unknown }).get).toBe('function');
    await tf.setBackend(previous);
  });

  it('registering a kernel name twice is a no-op (no warning, the first kernel stays)', () => {
    const before = tf.getKernel(NAME, 'wasm');
    const warn = console.warn;
    const warnings: unknown[] = [];
    console.warn = (...m: unknown[]) => warnings.push(m);
    try {
      registerJsKernel({ kernelName: NAME, inputNames: ['a'], outputShapes: () => [], compute: () => {} });
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([]);
    expect(tf.getKernel(NAME, 'wasm')).toBe(before);
  });
});

describe.each(KERNEL_BACKENDS)('registerJsKernel on %s', (backend) => {
  useBackend(backend);

  it('computes, with zeroed outputs, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const [out] = run(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30]), 5);
      expect(Array.from(out.dataSync())).toEqual([12, 24, 36]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads its inputs correctly when an output allocation grows the heap', () => {
    const heapBytes = () => ((tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength ?? 0);
    const before = heapBytes();
    tf.tidy(() => {
      const a = tf.range(0, 1000, 1, 'float32');
      // An output larger than the whole current heap: on wasm it must grow the heap mid-kernel.
      const [out] = run(a, tf.onesLike(a), Math.max(before / 4, 1 << 20) + (1 << 20));
      expect(out.dataSync()[999]).toBe(1999);
    });
    if (backend === 'wasm') expect(heapBytes()).toBeGreaterThan(before);
  });

  it('takes inputs that live on the other backend', async () => {
    const other = backend === 'wasm' ? 'cpu' : 'wasm';
    await tf.setBackend(other);
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([3, 4]);
    await tf.setBackend(backend);
    const [out, extra] = run(a, b, 1 << 22);
    expect(Array.from(out.dataSync())).toEqual([5, 8]);
    tf.dispose([a, b, out, extra]);
  });
});
