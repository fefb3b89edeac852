import { afterAll, beforeAll } from 'vitest';
import { tf } from '../../src/index.js';

/** Backends with the library's fused JavaScript kernels; tests of fast paths run on each. */
export const KERNEL_BACKENDS = ['wasm', 'cpu'] as const;

/** Inside a `describe`: switch to `name` for its tests and restore the previous backend afterwards. */
export function useBackend(name: string): void {
  let previous = '';
  beforeAll(async () => {
    // Registers the wasm backend even when TFJS_FLOWS_BACKEND made ready() skip it.
    if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    previous = tf.getBackend();
    await tf.setBackend(name);
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });
}
