import { describe, expect, it } from 'vitest';
import { tf } from '../../src/index.js';
import { runKernel } from '../../src/kernels/dispatch.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { useBackend } from '../helpers/backends.js';

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`runKernel on ${backend}`, () => {
    useBackend(backend);

    it('relies on engine internals that exist in the pinned TF.js', () => {
      const engine = tf.engine() as unknown as Record<string, unknown> & { state: Record<string, unknown> };
      expect(typeof engine.state.gradientDepth).toBe('number');
      expect(typeof engine.state.profiling).toBe('boolean');
      expect(engine.backendName).toBe(backend);
      expect(typeof engine.makeTensorFromTensorInfo).toBe('function');
      expect(typeof (tf.env() as unknown as { flags: unknown }).flags).toBe('object');
    });

    it('gives the engine’s results, one tensor or several, tracked by tf.tidy', () => {
      const a = tf.tensor2d([[1, 2], [3, 4]]);
      const b = tf.tensor2d([[10, 20], [30, 40]]);
      const sum = runKernel<tf.Tensor>('Add', { a, b });
      expect(Array.from(sum.dataSync())).toEqual([11, 22, 33, 44]);
      expect(sum.shape).toEqual([2, 2]);
      const parts = runKernel<tf.Tensor[]>('SplitV', { x: a }, { numOrSizeSplits: [1, 1], axis: 1 });
      expect(parts.map((p) => Array.from(p.dataSync()))).toEqual([[1, 3], [2, 4]]);
      expectNoLeak(() => tf.tidy(() => {
        runKernel('Add', { a, b });
      }));
      tf.dispose([a, b, sum, ...parts]);
    });

    it('leaves gradients and profiles to the engine: tf.grad differentiates through it, tf.profile lists it', async () => {
      const x = tf.tensor1d([1, -2, 3]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(runKernel<tf.Tensor>('Square', { x: t })))(x);
      expect(Array.from(g.dataSync())).toEqual([2, -4, 6]);
      const profile = await tf.profile(() => tf.dispose(runKernel<tf.Tensor>('Square', { x })));
      expect(profile.kernelNames).toContain('Square');
      tf.dispose([x, g]);
    });
  });
}
