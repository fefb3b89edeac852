/**
 * The tape-free training step against the tape (`tf.variableGrads` on `−mean flow.logProbUnchecked`),
 * which stays the reference: loss and every gradient equal within float32 rounding, for RealNVP and
 * NSF flows in 2 and 5 dimensions, with and without context, with and without standardisation, every activation, both affine
 * scale maps and both spline directions; `fit` histories agree over 50 steps; flows with a part
 * lacking the contract fall back to the tape; nothing leaks.
 *
 * Tolerance: both paths compute the same maths in float32 but round differently (the fused kernels
 * work in float64, sums run in another order), so each gradient element may differ by a few float32
 * ulps of the largest terms it sums. Measured differences are below 1e-6 of each variable's largest
 * gradient; the test allows 2e-5 of it (a relative error an indexing or sign mistake would exceed by
 * orders of magnitude, since every weight is perturbed so that no gradient is trivially zero).
 */
import { setDirectDispatch } from '../../src/kernels/dispatch.js';
import { setFusedCouplingEnabled } from '../../src/engine/fused-coupling.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AffineCoupling, Chain, Coupling, DiagNormal, Flow, Rng, SplineCoupling, SplineTransformer, StandardNormal, datasets, fit, neuralSplineFlow, realNVP, tf,
} from '../../src/index.js';
import { setSimdKernelsEnabled } from '../../src/kernels/simd/simd-kernels.js';
import { GEMM_NN_SIMD } from '../../src/kernels/simd/simd-ops.js';
import { tapeFreeStep } from '../../src/engine/tape-free-step.js';
import { chainRule } from '../../src/engine/rules/chain.js';
import { couplingRule } from '../../src/engine/rules/coupling.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';
import { perturbFlow } from '../helpers/perturb-flow.js';

const GRAD_TOL = 2e-5;
const LOSS_TOL = 2e-6;


function batch(seed: number, n: number, dim: number, scale = 1.5): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).normals(n * dim).map((z) => 0.4 + scale * z), [n, dim]);
}

/** Both paths' losses and gradients (by variable name) as plain arrays. */
function bothPaths(flow: Flow, x: tf.Tensor2D, context: tf.Tensor2D | null = null) {
  const step = tapeFreeStep(flow);
  expect(step).not.toBeNull();
  const read = (r: { value: tf.Scalar; grads: tf.NamedTensorMap }) => {
    const out = { loss: r.value.dataSync()[0], grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, Array.from(g.dataSync())])) };
    tf.dispose([r.value, ...Object.values(r.grads)]);
    return out;
  };
  const tape = read(tf.variableGrads(() => tf.neg(tf.mean(flow.logProbUnchecked(x, context))) as tf.Scalar, flow.trainableVariables));
  const fast = read(step!(x, context));
  return { tape, fast };
}

function expectSameGradients(flow: Flow, x: tf.Tensor2D, context: tf.Tensor2D | null = null): void {
  const before = tf.memory().numTensors;
  const { tape, fast } = bothPaths(flow, x, context);
  expect(tf.memory().numTensors).toBe(before);
  expect(Math.abs(fast.loss - tape.loss)).toBeLessThanOrEqual(LOSS_TOL * Math.abs(tape.loss));
  const names = flow.trainableVariables.map((v) => v.name);
  expect(Object.keys(fast.grads).sort()).toEqual([...names].sort());
  expect(Object.keys(tape.grads).sort()).toEqual([...names].sort());
  for (const name of names) {
    const a = tape.grads[name];
    const b = fast.grads[name];
    const scale = Math.max(...a.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    expect(worst, name).toBeLessThanOrEqual(GRAD_TOL * scale);
  }
}

interface Case {
  name: string;
  make: () => Flow;
}

const CASES: Case[] = [
  { name: 'RealNVP 2D relu', make: () => realNVP({ dim: 2, layers: 4, hidden: [16, 16], seed: 1 }) },
  { name: 'RealNVP 5D relu (permutations)', make: () => realNVP({ dim: 5, layers: 4, hidden: [16, 16], seed: 2 }) },
  { name: 'RealNVP 2D tanh, no clamp', make: () => realNVP({ dim: 2, layers: 2, hidden: [8], activation: 'tanh', clamp: null, seed: 3 }) },
  { name: 'RealNVP 5D elu, softplus scale', make: () => realNVP({ dim: 5, layers: 2, hidden: [8, 8], activation: 'elu', scale: 'softplus', seed: 4 }) },
  { name: 'RealNVP 2D silu', make: () => realNVP({ dim: 2, layers: 2, hidden: [8, 8], activation: 'silu', seed: 5 }) },
  { name: 'RealNVP 3D leakyRelu', make: () => realNVP({ dim: 3, layers: 3, hidden: [8], activation: 'leakyRelu', seed: 6 }) },
  { name: 'NSF 2D', make: () => neuralSplineFlow({ dim: 2, layers: 2, bins: 8, tailBound: 5, hidden: [16, 16], seed: 7 }) },
  { name: 'NSF 5D', make: () => neuralSplineFlow({ dim: 5, layers: 4, bins: 5, tailBound: 3, hidden: [16, 16], seed: 8 }) },
  { name: 'NSF 2D spline on the sampling path (invert: false)', make: () => neuralSplineFlow({ dim: 2, layers: 2, bins: 6, tailBound: 2, hidden: [8], invert: false, seed: 9 }) },
  {
    name: 'scattered masks (column gathers) in 5D',
    make: () => new Flow(new StandardNormal(5), new Chain([
      new AffineCoupling({ mask: [true, false, true, false, true], hidden: [8], seed: 10 }),
      new SplineCoupling({ mask: [false, true, true, false, false], hidden: [8], bins: 4, seed: 11 }),
      new AffineCoupling({ mask: [0, 1, 0, 1, 1], hidden: [8], seed: 12 }),
    ])),
  },
  { name: 'RealNVP 2D, context 3', make: () => realNVP({ dim: 2, layers: 3, hidden: [16, 16], contextDim: 3, seed: 14 }) },
  { name: 'NSF 5D, context 2', make: () => neuralSplineFlow({ dim: 5, layers: 3, bins: 5, tailBound: 3, hidden: [16], contextDim: 2, seed: 15 }) },
  { name: 'a single coupling as the flow\'s bijector', make: () => new Flow(new StandardNormal(3), new AffineCoupling({ mask: [true, false, false], hidden: [8], seed: 13 })) },
];

for (const backend of KERNEL_BACKENDS) {
  describe(`tape-free step on ${backend}: loss and gradients equal the tape's`, () => {
    useBackend(backend);
    // cpu's matMul is ~30× slower: a representative subset there.
    const cases = backend === 'wasm' ? CASES : CASES.filter((c) => /RealNVP 5D relu|NSF 2D$|scattered/.test(c.name));
    for (const c of cases) {
      for (const standardize of ['off', 'columns', 'whitening'] as const) {
        it(`${c.name}, standardisation ${standardize}`, () => {
          const flow = c.make();
          perturbFlow(flow, 100);
          const d = flow.dim;
          // A correlation factor: unit-norm rows, lower triangular, every entry non-zero.
          const correlationTril = Array.from({ length: d }, (_, i) => {
            const row = Array.from({ length: d }, (_, j) => (j < i ? 0.3 + 0.1 * j : j === i ? 1 : 0));
            const norm = Math.hypot(...row);
            return row.map((v) => v / norm);
          });
          if (standardize !== 'off') {
            flow.standardize({
              mean: Array.from({ length: d }, (_, i) => 0.3 - 0.2 * i),
              std: Array.from({ length: d }, (_, i) => 0.5 + 0.3 * i),
              ...(standardize === 'whitening' ? { correlationTril } : {}),
            });
          }
          const x = batch(200, 64, flow.dim);
          const context = flow.contextDim > 0 ? batch(300, 64, flow.contextDim, 1) : null;
          expectSameGradients(flow, x, context);
          tf.dispose([x, ...(context ? [context] : [])]);
          flow.dispose();
        });
      }
    }
  });
}

// The WebAssembly SIMD kernels (src/kernels/simd) run by default on wasm; their fallbacks (JavaScript
// kernels, wasm matMul) must stay exact too, and the benchmark's layer sizes must take the SIMD paths.
describe('tape-free step on wasm with the SIMD kernels off, and at the benchmark sizes', () => {
  useBackend('wasm');
  const bench = [
    { name: 'RealNVP 2D, hidden [64, 64]', make: () => realNVP({ dim: 2, layers: 2, hidden: [64, 64], seed: 11 }) },
    { name: 'NSF 2D, hidden [64, 64]', make: () => neuralSplineFlow({ dim: 2, layers: 2, bins: 8, tailBound: 5, hidden: [64, 64], seed: 12 }) },
  ];
  for (const simd of [false, true]) {
    for (const c of simd ? bench : [...CASES.filter((k) => /RealNVP 2D relu|NSF 2D$|scattered/.test(k.name)), ...bench]) {
      it(`${c.name}, SIMD ${simd ? 'on' : 'off'}`, () => {
        setSimdKernelsEnabled(simd);
        // The per-layer path (the fused 2-D coupling kernels have their own test), every kernel
        // through the engine's runKernel, where the spy sees it.
        setFusedCouplingEnabled(false);
        setDirectDispatch(false);
        const spy = vi.spyOn(tf.engine(), 'runKernel');
        try {
          const flow = c.make();
          perturbFlow(flow, 100);
          const x = batch(201, 64, flow.dim);
          expectSameGradients(flow, x);
          // The SIMD GEMM ran exactly when enabled (so both paths were the ones tested).
          expect(spy.mock.calls.some(([name]) => name === GEMM_NN_SIMD)).toBe(simd);
          x.dispose();
          flow.dispose();
        } finally {
          spy.mockRestore();
          setDirectDispatch(true);
          setFusedCouplingEnabled(true);
          setSimdKernelsEnabled(true);
        }
      });
    }
  }
});

describe('tape-free step: which flows take it', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns null when a part lacks a rule: a residual conditioner, a trainable base, the op-composed spline', () => {
    const withResnet = realNVP({ dim: 2, layers: 2, conditioner: { type: 'resnet', hidden: [8] }, seed: 1 });
    const diagBase = new Flow(new DiagNormal(2), new AffineCoupling({ mask: [true, false], hidden: [8], seed: 2 }));
    const opsSpline = neuralSplineFlow({ dim: 2, layers: 2, hidden: [8], seed: 4 });
    const first = (opsSpline.bijector as Chain).bijectors[0] as Coupling;
    expect(tapeFreeStep(opsSpline)).not.toBeNull();
    (first.transformer as SplineTransformer).splinePath = 'ops';
    for (const flow of [withResnet, diagBase, opsSpline]) {
      expect(tapeFreeStep(flow)).toBeNull();
      flow.dispose();
    }
  });

  it('fit uses it by default and the tape with gradientPath: "tape"; both histories agree over 50 steps', async () => {
    const x = datasets.moons(2000, { seed: 1 });
    // The tape-free step runs the Chain rule once per step, or (2-D fused couplings on wasm) the
    // whole-chain kernel, which makes each coupling's fused plan once per step (and once more when
    // select.ts chooses the path).
    const spy = vi.spyOn(chainRule, 'inverse');
    const planSpy = vi.spyOn(couplingRule, 'fusedPlan');
    const tapeFreeSteps = (layers: number) => spy.mock.calls.length + planSpy.mock.calls.length / layers;
    const run = async (gradientPath: 'auto' | 'tape', make: () => Flow) => {
      const flow = make();
      // Standardised as fit would (its Shift/Scale weights exist before the count is taken).
      flow.standardize({ mean: [0.5, 0.25], std: [0.87, 0.5] });
      const before = tf.memory().numTensors;
      const h = await fit(flow, x, { steps: 50, batchSize: 128, learningRate: 3e-3, seed: 5, progress: false, gradientPath });
      expect(tf.memory().numTensors).toBe(before);
      const lp = flow.logProb([[0.5, 0.25], [-1, 0.5]]);
      const out = { loss: h.loss, gradNorm: h.gradNorm, logProb: Array.from(lp.dataSync()) };
      lp.dispose();
      flow.dispose();
      return out;
    };
    for (const [layers, make, tol, logProbTol] of [
      [4, () => realNVP({ dim: 2, layers: 4, hidden: [32, 32], seed: 1 }), 1e-3, 1e-4],
      [2, () => neuralSplineFlow({ dim: 2, layers: 2, bins: 8, tailBound: 5, hidden: [32, 32], seed: 2 }), 1e-3, 1e-4],
      // ActNorm initialises from the first batch on either path; the chain then runs its rules (no
      // fused kernel). Step 0's gradient norm agrees to 5e-9 and the losses to 1e-5 throughout, but
      // the rounding differences carried through Adam grow (a ReLU kink crossed at step 11): measured
      // 1.9e-3 relative in the gradient norm by step 48 and 1.4e-3 in the final log-densities. The
      // law (tape-free-law.test.ts) checks single steps to 2e-5.
      [3, () => realNVP({ dim: 2, layers: 3, hidden: [32, 32], normalization: 'actnorm', seed: 3 }), 5e-3, 5e-3],
    ] as const) {
      spy.mockClear();
      planSpy.mockClear();
      const fast = await run('auto', make);
      expect(Math.floor(tapeFreeSteps(layers))).toBeGreaterThanOrEqual(50);
      expect(tapeFreeSteps(layers)).toBeLessThanOrEqual(51);
      spy.mockClear();
      planSpy.mockClear();
      const tape = await run('tape', make);
      expect(tapeFreeSteps(layers)).toBe(0);
      expect(fast.loss.length).toBe(50);
      // Float32 rounding differences pass through 50 Adam updates; the loss falls by ~0.5 nats meanwhile.
      expect(tape.loss[49]).toBeLessThan(tape.loss[0] - 0.1);
      for (let i = 0; i < 50; i++) {
        expect(Math.abs(fast.loss[i] - tape.loss[i])).toBeLessThan(1e-4);
        expect(Math.abs(fast.gradNorm[i] - tape.gradNorm[i])).toBeLessThan(tol * tape.gradNorm[i]);
      }
      fast.logProb.forEach((v, i) => expect(Math.abs(v - tape.logProb[i])).toBeLessThan(logProbTol));
    }
    x.dispose();
  });

  it('fit passes each batch\'s context to the tape-free step: a conditional flow\'s history equals the tape\'s', async () => {
    const rng = new Rng(7);
    const n = 600;
    const context = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
    // Data whose mean depends on the context, so the conditioner's context weights matter.
    const data = context.map(([a, b]) => [a + 0.3 * rng.normal(), a * b + 0.3 * rng.normal(), b - a + 0.3 * rng.normal()]);
    const spy = vi.spyOn(chainRule, 'inverse');
    const run = async (gradientPath: 'auto' | 'tape') => {
      const flow = realNVP({ dim: 3, layers: 4, hidden: [16, 16], contextDim: 2, seed: 6 });
      const h = await fit(flow, data, { context, steps: 20, batchSize: 100, learningRate: 3e-3, seed: 2, progress: false, gradientPath });
      flow.dispose();
      return h;
    };
    const fast = await run('auto');
    expect(spy).toHaveBeenCalledTimes(20);
    const tape = await run('tape');
    expect(spy).toHaveBeenCalledTimes(20);
    expect(tape.loss[19]).toBeLessThan(tape.loss[0] - 0.05);
    for (let i = 0; i < 20; i++) {
      expect(Math.abs(fast.loss[i] - tape.loss[i])).toBeLessThan(1e-4);
      expect(Math.abs(fast.gradNorm[i] - tape.gradNorm[i])).toBeLessThan(1e-3 * tape.gradNorm[i]);
    }
  });

  it('fit with BatchNorm (training mode) takes the rules: the first step equals the tape\'s, and so do the running statistics', async () => {
    // Only the first step is compared: BatchNorm's shift gradient is float32 noise around zero (its
    // batch-normalised output has mean exactly shift), and Adam's first update is lr · sign(g), so the
    // two paths part by lr on such weights after one step (measured 5e-4 relative in the next
    // gradient norm). The law (tape-free-law.test.ts) checks single steps in both modes.
    const x = datasets.moons(512, { seed: 3 });
    const spy = vi.spyOn(chainRule, 'inverse');
    const run = async (gradientPath: 'auto' | 'tape') => {
      const flow = realNVP({ dim: 2, layers: 3, hidden: [32, 32], normalization: 'batchnorm', seed: 4 });
      const h = await fit(flow, x, { steps: 1, batchSize: 128, seed: 5, progress: false, gradientPath });
      const stats = flow.bijector.weights.filter((w) => w.name.includes('running')).flatMap((w) => Array.from(w.variable.dataSync()));
      flow.dispose();
      return { loss: h.loss[0], gradNorm: h.gradNorm[0], stats };
    };
    const fast = await run('auto');
    expect(spy).toHaveBeenCalledTimes(1);
    const tape = await run('tape');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(Math.abs(fast.loss - tape.loss)).toBeLessThanOrEqual(2e-6 * Math.abs(tape.loss));
    expect(Math.abs(fast.gradNorm - tape.gradNorm)).toBeLessThanOrEqual(1e-5 * tape.gradNorm);
    expect(fast.stats.length).toBeGreaterThan(0);
    fast.stats.forEach((v, i) => expect(Math.abs(v - tape.stats[i])).toBeLessThanOrEqual(1e-6));
    x.dispose();
  });

  it('fit falls back to the tape for a flow with a layer without a rule (residual conditioners): the same history as gradientPath "tape"', async () => {
    const x = datasets.moons(1000, { seed: 2 });
    // The tape-free step runs the Chain rule once per step, or (2-D fused couplings on wasm) the
    // whole-chain kernel, which makes each coupling's fused plan once per step (and once more when
    // select.ts chooses the path).
    const spy = vi.spyOn(chainRule, 'inverse');
    const planSpy = vi.spyOn(couplingRule, 'fusedPlan');
    const tapeFreeSteps = (layers: number) => spy.mock.calls.length + planSpy.mock.calls.length / layers;
    const run = async (gradientPath: 'auto' | 'tape') => {
      const flow = realNVP({ dim: 2, layers: 2, conditioner: { type: 'resnet', hidden: [16] }, seed: 3 });
      const h = await fit(flow, x, { steps: 10, batchSize: 100, seed: 1, progress: false, gradientPath });
      flow.dispose();
      return h.loss;
    };
    const auto = await run('auto');
    expect(spy).not.toHaveBeenCalled();
    expect(auto).toEqual(await run('tape'));
    x.dispose();
  });

  it('fit rejects an unknown gradientPath', async () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 1 });
    await expect(fit(flow, [[0, 1], [1, 0]], { steps: 1, progress: false, gradientPath: 'fast' as 'tape' })).rejects.toThrow(/gradientPath/);
    flow.dispose();
  });
});
