import { describe, expect, it } from 'vitest';
import { MLP, Rng, tf } from '../../src/index.js';
import { perturbed } from '../helpers/bijector-cases.js';
import { withTape } from '../../src/ops/score-ops.js';

// MLP.applyWithInputVjp's hand-written backward (activations and Wᵀ only) against TF.js autodiff.
describe.each(['relu', 'tanh', 'elu', 'silu', 'leakyRelu'] as const)('MLP.applyWithInputVjp (%s)', (activation) => {
  it.each([0, 2])('equals tf.grad of dᵀ MLP(x) with respect to x (context %i)', (contextDim) => {
    const net = perturbed(new MLP(3, 4, { hidden: [8, 5], activation, contextDim, seed: 1 }), `mlp${activation}`, 0.5);
    const rng = new Rng('vjp');
    const x = tf.tensor2d(Array.from({ length: 6 }, () => [rng.normal(), rng.normal(), rng.normal()]));
    const ctx = contextDim ? tf.tensor2d(Array.from({ length: 6 }, () => [rng.normal(), rng.normal()])) : null;
    const d = tf.tensor2d(Array.from({ length: 6 }, () => [rng.normal(), rng.normal(), rng.normal(), rng.normal()]));
    const expected = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(net.apply(v as tf.Tensor2D, ctx), d)))(x);
    const got = withTape(() => {
      const r = net.applyWithInputVjp(x, ctx);
      return { output: r.output, vjp: r.inputVjp(d) };
    });
    const plain = tf.tidy(() => net.apply(x, ctx));
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(got.vjp, expected))).dataSync()[0]);
    const outDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(got.output, plain))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    expect(outDiff).toBeLessThan(1e-5);
    tf.dispose([x, d, expected, got.output, got.vjp, plain, ...(ctx ? [ctx] : [])]);
    net.dispose();
  });
});
