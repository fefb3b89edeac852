/**
 * The fused 2-D coupling kernels (src/kernels/coupling-pass.ts, chosen by src/engine/fused-coupling.ts;
 * affine and spline) and the whole-chain kernel built from them (kernels/coupling-chain-loss.ts, chosen
 * by engine/fused-chain.ts) against the per-layer tape-free path they replace, which is itself tested against the tape: the same SIMD
 * functions and JavaScript arithmetic on the same values, so the loss and every gradient must be
 * equal bit for bit. Also: they run exactly where they apply, and leave nothing behind.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Flow, Rng, fit, datasets, neuralSplineFlow, realNVP, tf } from '../../src/index.js';
import { setDirectDispatch } from '../../src/kernels/dispatch.js';
import { tapeFreeStep } from '../../src/engine/tape-free-step.js';
import { setFusedChainEnabled } from '../../src/engine/fused-chain.js';
import { setFusedCouplingEnabled } from '../../src/engine/fused-coupling.js';
import { useBackend } from '../helpers/backends.js';
import { perturbFlow } from '../helpers/perturb-flow.js';

function batch(seed: number, n: number): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).normals(n * 2).map((z) => 0.4 + 1.5 * z), [n, 2]);
}

/** The three ways the tape-free step can run a 2-D coupling flow on wasm. */
type Path = 'chain' | 'layers' | 'plain';

function setPath(path: Path): void {
  setFusedCouplingEnabled(path !== 'plain');
  setFusedChainEnabled(path === 'chain');
}

/** The tape-free step's loss and gradients, and which fused kernels ran. */
function step(flow: Flow, x: tf.Tensor2D, path: Path): { loss: number; grads: Record<string, number[]>; kernels: string[] } {
  setPath(path);
  setDirectDispatch(false); // every kernel through the engine, where the spy sees it
  const spy = vi.spyOn(tf.engine(), 'runKernel');
  try {
    const r = tapeFreeStep(flow)!(x);
    const out = { loss: r.value.dataSync()[0], grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, Array.from(g.dataSync())])) };
    tf.dispose([r.value, ...Object.values(r.grads)]);
    const kernels = [...new Set(spy.mock.calls.map(([name]) => String(name)).filter((n) => n.startsWith('TfjsFlowsCoupling')))];
    return { ...out, kernels };
  } finally {
    spy.mockRestore();
    setDirectDispatch(true);
    setPath('chain');
  }
}

const CHAIN = ['TfjsFlowsCouplingChainLoss'];
const LAYERS = ['TfjsFlowsCouplingInverse', 'TfjsFlowsCouplingInverseGrad'];

describe('fused 2-D coupling kernels (wasm)', () => {
  useBackend('wasm');
  afterEach(() => setPath('chain'));

  const cases = [
    { name: 'RealNVP-8, hidden [64, 64], batch 256 (the benchmark)', make: () => realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 1 }), n: 256 },
    { name: 'hidden [12], batch 36', make: () => realNVP({ dim: 2, layers: 3, hidden: [12], seed: 2 }), n: 36 },
    { name: 'hidden [8, 20, 4], no clamp, batch 64', make: () => realNVP({ dim: 2, layers: 2, hidden: [8, 20, 4], clamp: null, seed: 3 }), n: 64 },
    { name: 'softplus scale, hidden [16, 16], batch 128', make: () => realNVP({ dim: 2, layers: 4, hidden: [16, 16], scale: 'softplus', seed: 4 }), n: 128 },
    { name: 'NSF-4, 8 bins, hidden [64, 64], batch 256 (the benchmark)', make: () => neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 5 }), n: 256 },
    { name: 'NSF, 3 bins (8 outputs), invert false, hidden [12], batch 40', make: () => neuralSplineFlow({ dim: 2, layers: 2, bins: 3, hidden: [12], invert: false, seed: 6 }), n: 40 },
  ];
  for (const c of cases) {
    it(`${c.name}: loss and every gradient of the whole-chain kernel and of the per-layer kernels equal the plain path's bit for bit`, () => {
      const flow = c.make();
      perturbFlow(flow, 5, 0.5);
      const x = batch(7, c.n);
      const before = tf.memory().numTensors;
      const chain = step(flow, x, 'chain');
      const layers = step(flow, x, 'layers');
      const plain = step(flow, x, 'plain');
      expect(tf.memory().numTensors).toBe(before);
      expect(chain.kernels).toEqual(CHAIN);
      expect(layers.kernels.sort()).toEqual(LAYERS);
      expect(plain.kernels).toEqual([]);
      for (const fused of [chain, layers]) {
        expect(fused.loss).toBe(plain.loss);
        expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(plain.grads).sort());
        for (const [name, g] of Object.entries(plain.grads)) {
          expect(g.some((v) => v !== 0), name).toBe(true);
          expect(fused.grads[name], name).toEqual(g);
        }
      }
      x.dispose();
      flow.dispose();
    });
  }

  it('whole-chain kernel: a single coupling, a standardised flow, a batch that is no power of 2, a frozen layer: equal to the plain path bit for bit', async () => {
    const data = datasets.moons(400, { seed: 4 });
    const flows: [string, Flow, number][] = [];
    flows.push(['one coupling (no chain)', realNVP({ dim: 2, layers: 1, hidden: [16, 16], seed: 11 }), 100]);
    const standardised = neuralSplineFlow({ dim: 2, layers: 2, bins: 5, hidden: [16], seed: 12 });
    // Sets the frozen per-column standardisation, which the kernel applies itself (a whitened flow's
    // rows are whitened before the kernel: tape-free-step.test.ts holds that path to the tape).
    await fit(standardised, data, { steps: 3, batchSize: 100, seed: 1, progress: false, standardize: 'columns' });
    flows.push(['standardised NSF', standardised, 100]);
    const frozen = realNVP({ dim: 2, layers: 3, hidden: [8], seed: 13 });
    const firstLayer = frozen.weights.find((w) => w.variable.trainable)!.variable;
    firstLayer.trainable = false;
    flows.push(['a frozen weight', frozen, 20]);
    for (const [name, flow, n] of flows) {
      perturbFlow(flow, 14, 0.3);
      const x = batch(15, n);
      const before = tf.memory().numTensors;
      const chain = step(flow, x, 'chain');
      const plain = step(flow, x, 'plain');
      expect(tf.memory().numTensors, name).toBe(before);
      expect(chain.kernels, name).toEqual(CHAIN);
      expect(chain.loss, name).toBe(plain.loss);
      expect(Object.keys(chain.grads).sort(), name).toEqual(Object.keys(plain.grads).sort());
      for (const [v, g] of Object.entries(plain.grads)) expect(chain.grads[v], `${name}: ${v}`).toEqual(g);
      if (flow === frozen) expect(Object.keys(chain.grads)).not.toContain(firstLayer.name);
      x.dispose();
      flow.dispose();
    }
    data.dispose();
  });

  it('stays out where it does not apply: a batch not a multiple of 4, hidden widths not multiples of 4, tanh, a spline layer widening to its parameters, 3-D', () => {
    const runs: [Flow, number][] = [
      [neuralSplineFlow({ dim: 2, layers: 2, bins: 8, hidden: [16], seed: 10 }), 32],
      [realNVP({ dim: 2, layers: 2, hidden: [16], seed: 5 }), 30],
      [realNVP({ dim: 2, layers: 2, hidden: [10], seed: 6 }), 32],
      [realNVP({ dim: 2, layers: 2, hidden: [16], activation: 'tanh', seed: 7 }), 32],
    ];
    for (const [flow, n] of runs) {
      const x = batch(8, n);
      expect(step(flow, x, 'chain').kernels).toEqual([]);
      x.dispose();
      flow.dispose();
    }
    const flow3 = realNVP({ dim: 3, layers: 2, hidden: [16], seed: 8 });
    const x3 = tf.tensor2d(new Rng(9).normals(32 * 3), [32, 3]);
    setPath('chain');
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    setDirectDispatch(false);
    const r = tapeFreeStep(flow3)!(x3);
    setDirectDispatch(true);
    expect(spy.mock.calls.some(([name]) => String(name).startsWith('TfjsFlowsCoupling'))).toBe(false);
    spy.mockRestore();
    tf.dispose([r.value, ...Object.values(r.grads), x3]);
    flow3.dispose();
  });

  it('fit gives the same history on all three paths', async () => {
    const x = datasets.moons(2000, { seed: 3 });
    const run = async (path: Path) => {
      setPath(path);
      const flow = realNVP({ dim: 2, layers: 4, hidden: [32, 32], seed: 9 });
      const h = await fit(flow, x, { steps: 30, batchSize: 128, seed: 2, progress: false, standardize: 'columns' });
      const weights = flow.weights.map((w) => Array.from(w.variable.dataSync()));
      flow.dispose();
      return { loss: h.loss, weights };
    };
    const plain = await run('plain');
    expect(await run('layers')).toEqual(plain);
    expect(await run('chain')).toEqual(plain);
    expect(plain.loss[29]).toBeLessThan(plain.loss[0]);
    x.dispose();
  });
});
