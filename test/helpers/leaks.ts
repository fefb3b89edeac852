import { expect } from 'vitest';
import { tf } from '../../src/index.js';

/** Run `f` and assert it leaves the live tensor count unchanged (results it returns are disposed first). */
export function expectNoLeak(f: () => tf.TensorContainer | void): void {
  const before = tf.memory().numTensors;
  const out = f();
  if (out) tf.dispose(out);
  expect(tf.memory().numTensors).toBe(before);
}

/** {@link expectNoLeak} for an asynchronous `f` returning no tensors (the plot builders read back asynchronously). */
export async function expectNoLeakAsync(f: () => Promise<unknown>): Promise<void> {
  const before = tf.memory().numTensors;
  await f();
  expect(tf.memory().numTensors).toBe(before);
}
