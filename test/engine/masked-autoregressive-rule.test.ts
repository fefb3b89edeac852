/**
 * The tape-free rules of the masked autoregressive layers (MAF, NSF-AR) and of `Reverse`, and the
 * general (any split) coupling path with wide conditioners, against the tape (`tf.variableGrads` on
 * `−mean flow.logProbUnchecked`): loss within 2e-6 relative, every gradient within 2e-5 of its
 * variable's largest element, in 2, 5 and 10 dimensions, with and without standardisation; nothing
 * leaks. Weights are perturbed (masked entries too, which the mask must cancel) so that no gradient
 * is trivially zero. Both paths compute the same maths in float32 but sum in other orders, so a
 * pre-activation within rounding of a ReLU kink may take the other side (seed 42 of the NSF-AR context
 * case has one at 5e-8 and a 5e-3 gradient difference in that unit): seeds are chosen clear of ties.
 */
import { describe, expect, it } from 'vitest';
import { type Flow, MaskedAutoregressiveAffine, Rng, maskedAutoregressiveFlow, neuralSplineFlow, realNVP, tf } from '../../src/index.js';
import { tapeFreeStep } from '../../src/engine/tape-free-step.js';
import { layerWithoutRule } from '../../src/engine/registry.js';
import '../../src/engine/rules/index.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';
import { perturbFlow } from '../helpers/perturb-flow.js';

const GRAD_TOL = 2e-5;
const LOSS_TOL = 2e-6;

function batch(seed: number, n: number, dim: number): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).normals(n * dim).map((z) => 0.3 + 1.2 * z), [n, dim]);
}

function read(r: { value: tf.Scalar; grads: tf.NamedTensorMap }) {
  const out = { loss: r.value.dataSync()[0], grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, Array.from(g.dataSync())])) };
  tf.dispose([r.value, ...Object.values(r.grads)]);
  return out;
}

function expectSameGradients(flow: Flow, x: tf.Tensor2D, context: tf.Tensor2D | null): void {
  const step = tapeFreeStep(flow);
  expect(step).not.toBeNull();
  const tape = read(tf.variableGrads(() => tf.neg(tf.mean(flow.logProbUnchecked(x, context))) as tf.Scalar, flow.trainableVariables));
  const before = tf.memory().numTensors;
  const fast = read(step!(x, context));
  expect(tf.memory().numTensors).toBe(before);
  expect(Math.abs(fast.loss - tape.loss)).toBeLessThanOrEqual(LOSS_TOL * Math.abs(tape.loss));
  const names = flow.trainableVariables.map((v) => v.name);
  expect(Object.keys(fast.grads).sort()).toEqual([...names].sort());
  for (const name of names) {
    const a = tape.grads[name];
    const b = fast.grads[name];
    const scale = Math.max(...a.map(Math.abs));
    expect(scale, name).toBeGreaterThan(0);
    const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    expect(worst, name).toBeLessThanOrEqual(GRAD_TOL * scale);
  }
}

const CASES: { name: string; make: () => Flow }[] = [];
for (const dim of [2, 5, 10]) {
  CASES.push(
    { name: `MAF ${dim}D`, make: () => maskedAutoregressiveFlow({ dim, layers: 3, hidden: [24, 20], seed: dim }) },
    { name: `NSF-AR ${dim}D`, make: () => neuralSplineFlow({ dim, layers: 2, bins: 5, tailBound: 3, hidden: [16, 16], autoregressive: true, seed: 10 + dim }) },
    { name: `RealNVP ${dim}D wide`, make: () => realNVP({ dim, layers: 2, hidden: [136, 128], seed: 20 + dim }) },
  );
}
CASES.push(
  { name: 'MAF 5D with a 3-D context', make: () => maskedAutoregressiveFlow({ dim: 5, layers: 2, hidden: [24, 24], contextDim: 3, seed: 41 }) },
  { name: 'NSF-AR 10D with a 2-D context, hidden 128', make: () => neuralSplineFlow({ dim: 10, layers: 2, bins: 4, tailBound: 3, hidden: [128, 128], autoregressive: true, contextDim: 2, seed: 43 }) },
  { name: 'MAF 5D tanh, softplus scale, random permutations', make: () => maskedAutoregressiveFlow({ dim: 5, layers: 2, hidden: [16], activation: 'tanh', scale: 'softplus', permutation: 'random', seed: 31 }) },
  { name: 'MAF 5D ELU (the MADE kernels with an ELU pass)', make: () => maskedAutoregressiveFlow({ dim: 5, layers: 2, hidden: [24, 20], activation: 'elu', seed: 35 }) },
  { name: 'MAF 10D ELU hidden 128 (the wide GEMMs)', make: () => maskedAutoregressiveFlow({ dim: 10, layers: 2, hidden: [128, 128], activation: 'elu', seed: 36 }) },
  { name: 'MAF 5D, a ragged batch of 67 rows', make: () => maskedAutoregressiveFlow({ dim: 5, layers: 2, hidden: [24, 24], seed: 34 }) },
  { name: 'MAF 10D hidden 128 (the wide GEMMs)', make: () => maskedAutoregressiveFlow({ dim: 10, layers: 2, hidden: [128, 128], seed: 32 }) },
  { name: 'NSF coupling 10D hidden 128', make: () => neuralSplineFlow({ dim: 10, layers: 2, bins: 4, tailBound: 3, hidden: [128, 128], seed: 33 }) },
);

for (const backend of KERNEL_BACKENDS) {
  describe(`masked autoregressive and wide coupling rules on ${backend}: loss and gradients equal the tape's`, () => {
    useBackend(backend);
    const cases = backend === 'wasm' ? CASES : CASES.filter((c) => /^(MAF 5D|NSF-AR 5D|RealNVP 5D)/.test(c.name));
    for (const c of cases) {
      for (const standardize of backend === 'wasm' ? [false, true] : [false]) {
        it(`${c.name}${standardize ? ', standardised' : ''}`, () => {
          const flow = c.make();
          perturbFlow(flow, 100);
          const d = flow.dim;
          if (standardize) flow.standardize({ mean: Array.from({ length: d }, (_, i) => 0.2 - 0.1 * i), std: Array.from({ length: d }, (_, i) => 0.6 + 0.2 * i) });
          // Wide cases at 132 rows: the GEMMs pack their operands from 128 rows on (simd-ops.ts).
          const n = /wide|128/.test(c.name) ? 132 : /ragged/.test(c.name) ? 67 : 68;
          const x = batch(200, n, d);
          const context = flow.contextDim > 0 ? batch(201, n, flow.contextDim) : null;
          expectSameGradients(flow, x, context);
          tf.dispose(context ? [x, context] : [x]);
          flow.dispose();
        });
      }
    }
  });
}

describe('masked autoregressive rule: which layers take it', () => {
  useBackend('wasm');
  it('a plain MADE, with or without context, takes it; dropout or a residual conditioner takes the tape', () => {
    const layers = [
      new MaskedAutoregressiveAffine(3, { hidden: [8], seed: 1 }),
      new MaskedAutoregressiveAffine(3, { hidden: [8], contextDim: 2, seed: 1 }),
      new MaskedAutoregressiveAffine(3, { conditioner: { hidden: [8], dropout: 0.1 }, seed: 1 }),
      new MaskedAutoregressiveAffine(3, { conditioner: { type: 'resnet', hidden: [8, 8] }, seed: 1 }),
    ];
    expect(layers.map((l) => layerWithoutRule(l) === null)).toEqual([true, true, false, false]);
    layers.forEach((l) => l.dispose());
  });
});
