/**
 * The fused 2-D coupling kernels (src/train/fast-step/fused-coupling.ts; affine and spline) against the
 * per-layer tape-free path they replace, which is itself tested against the tape: the same SIMD
 * functions and JavaScript arithmetic on the same values, so the loss and every gradient must be
 * equal bit for bit. Also: they run exactly where they apply, and leave nothing behind.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Flow, Rng, fit, datasets, neuralSplineFlow, realNVP, tf } from '../../src/index.js';
import { setDirectDispatch } from '../../src/kernels/dispatch.js';
import { tapeFreeStep } from '../../src/train/fast-step/training-step.js';
import { setFusedCouplingEnabled } from '../../src/train/fast-step/fused-coupling.js';
import { useBackend } from '../helpers/backends.js';
import { perturbFlow } from '../helpers/perturb-flow.js';

function batch(seed: number, n: number): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).normals(n * 2).map((z) => 0.4 + 1.5 * z), [n, 2]);
}

/** The tape-free step's loss and gradients, and whether the fused kernels ran. */
function step(flow: Flow, x: tf.Tensor2D, fused: boolean): { loss: number; grads: Record<string, number[]>; usedFused: boolean } {
  setFusedCouplingEnabled(fused);
  setDirectDispatch(false); // every kernel through the engine, where the spy sees it
  const spy = vi.spyOn(tf.engine(), 'runKernel');
  try {
    const r = tapeFreeStep(flow)!(x);
    const out = { loss: r.value.dataSync()[0], grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, Array.from(g.dataSync())])) };
    tf.dispose([r.value, ...Object.values(r.grads)]);
    return { ...out, usedFused: spy.mock.calls.some(([name]) => String(name).startsWith('TfjsFlowsCouplingInverse')) };
  } finally {
    spy.mockRestore();
    setDirectDispatch(true);
    setFusedCouplingEnabled(true);
  }
}

describe('fused 2-D coupling kernels (wasm)', () => {
  useBackend('wasm');
  afterEach(() => setFusedCouplingEnabled(true));

  const cases = [
    { name: 'RealNVP-8, hidden [64, 64], batch 256 (the benchmark)', make: () => realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 1 }), n: 256 },
    { name: 'hidden [12], batch 36', make: () => realNVP({ dim: 2, layers: 3, hidden: [12], seed: 2 }), n: 36 },
    { name: 'hidden [8, 20, 4], no clamp, batch 64', make: () => realNVP({ dim: 2, layers: 2, hidden: [8, 20, 4], clamp: null, seed: 3 }), n: 64 },
    { name: 'softplus scale, hidden [16, 16], batch 128', make: () => realNVP({ dim: 2, layers: 4, hidden: [16, 16], scale: 'softplus', seed: 4 }), n: 128 },
    { name: 'NSF-4, 8 bins, hidden [64, 64], batch 256 (the benchmark)', make: () => neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 5 }), n: 256 },
    { name: 'NSF, 3 bins (8 outputs), invert false, hidden [12], batch 40', make: () => neuralSplineFlow({ dim: 2, layers: 2, bins: 3, hidden: [12], invert: false, seed: 6 }), n: 40 },
  ];
  for (const c of cases) {
    it(`${c.name}: loss and every gradient equal the per-layer path's bit for bit`, () => {
      const flow = c.make();
      perturbFlow(flow, 5, 0.5);
      const x = batch(7, c.n);
      const before = tf.memory().numTensors;
      const fused = step(flow, x, true);
      const plain = step(flow, x, false);
      expect(tf.memory().numTensors).toBe(before);
      expect(fused.usedFused).toBe(true);
      expect(plain.usedFused).toBe(false);
      expect(fused.loss).toBe(plain.loss);
      expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(plain.grads).sort());
      for (const [name, g] of Object.entries(plain.grads)) {
        expect(g.some((v) => v !== 0), name).toBe(true);
        expect(fused.grads[name], name).toEqual(g);
      }
      x.dispose();
      flow.dispose();
    });
  }

  it('stays out where it does not apply: a batch not a multiple of 4, hidden widths not multiples of 4, tanh, a spline layer widening to its parameters, 3-D', () => {
    const runs: [Flow, number][] = [
      [neuralSplineFlow({ dim: 2, layers: 2, bins: 8, hidden: [16], seed: 10 }), 32],
      [realNVP({ dim: 2, layers: 2, hidden: [16], seed: 5 }), 30],
      [realNVP({ dim: 2, layers: 2, hidden: [10], seed: 6 }), 32],
      [realNVP({ dim: 2, layers: 2, hidden: [16], activation: 'tanh', seed: 7 }), 32],
    ];
    for (const [flow, n] of runs) {
      const x = batch(8, n);
      expect(step(flow, x, true).usedFused).toBe(false);
      x.dispose();
      flow.dispose();
    }
    const flow3 = realNVP({ dim: 3, layers: 2, hidden: [16], seed: 8 });
    const x3 = tf.tensor2d(new Rng(9).normals(32 * 3), [32, 3]);
    setFusedCouplingEnabled(true);
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    setDirectDispatch(false);
    const r = tapeFreeStep(flow3)!(x3);
    setDirectDispatch(true);
    expect(spy.mock.calls.some(([name]) => String(name).startsWith('TfjsFlowsCouplingInverse'))).toBe(false);
    spy.mockRestore();
    tf.dispose([r.value, ...Object.values(r.grads), x3]);
    flow3.dispose();
  });

  it('fit gives the same history with and without them', async () => {
    const x = datasets.moons(2000, { seed: 3 });
    const run = async (fused: boolean) => {
      setFusedCouplingEnabled(fused);
      const flow = realNVP({ dim: 2, layers: 4, hidden: [32, 32], seed: 9 });
      const h = await fit(flow, x, { steps: 30, batchSize: 128, seed: 2, progress: false });
      flow.dispose();
      return h.loss;
    };
    const plain = await run(false);
    const fused = await run(true);
    expect(fused).toEqual(plain);
    expect(plain[29]).toBeLessThan(plain[0]);
    x.dispose();
  });
});
