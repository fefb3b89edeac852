// The inference path of Flow.logProb / Flow.sample (fused matMul + bias + ReLU, one-pass column
// kernels), taken when no gradient tape records, against a float64 reference and against the tape
// path (the custom-gradient layers, slices and concats training differentiates).
import { describe, expect, it } from 'vitest';
import { type Flow, Rng, neuralSplineFlow, realNVP, tf } from '../../src/index.js';
import { gradientsRecorded } from '../../src/ops/tape.js';
import { perturbed } from '../helpers/bijector-cases.js';
import { couplingLayers64, forward64, logProb64 } from '../helpers/coupling-flow64.js';
import { expectNoLeak } from '../helpers/leaks.js';

const N = 400;
const FLOWS: Record<string, () => Flow> = {
  'RealNVP-8': () => realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 1 }),
  'NSF-4': () => neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 1 }),
  // Scattered masks (columns 0, 2 pass through), random permutations, a softplus-free exp scale and
  // RealNVP's ELU conditioners (its default from 3 dimensions on).
  'RealNVP-5d': () => realNVP({ dim: 5, layers: 4, hidden: [32, 32], seed: 2 }),
};

/** A flow with perturbed weights, so that every layer is far from the identity. */
function makeFlow(name: string): Flow {
  const flow = FLOWS[name]();
  perturbed(flow.bijector, `w-${name}`, 0.15);
  return flow;
}

/** `f` evaluated while a gradient tape records (the path training takes), its value kept. */
function underTape<T extends tf.Tensor>(x: tf.Tensor, f: (x: tf.Tensor) => T): T {
  let value: T | null = null;
  const g = tf.grad((xi: tf.Tensor) => {
    expect(gradientsRecorded()).toBe(true);
    value = tf.keep(f(xi));
    return tf.sum(value);
  })(x);
  g.dispose();
  return value!;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
/** max |a − b| / (1 + |b|): log-densities far out in the tails reach −5000, where float32 keeps ~4 digits after the point. */
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / (1 + Math.abs(b[i]))), 0);

describe('gradientsRecorded (the pinned TF.js internal engine.state.gradientDepth)', () => {
  it('is false outside and true inside tf.grad and tf.variableGrads', () => {
    expect(typeof (tf.engine() as unknown as { state: { gradientDepth: unknown } }).state.gradientDepth).toBe('number');
    expect(gradientsRecorded()).toBe(false);
    const v = tf.variable(tf.scalar(2));
    let inside = false;
    const { value, grads } = tf.variableGrads(() => {
      inside = gradientsRecorded();
      return tf.square(v) as tf.Scalar;
    });
    expect(inside).toBe(true);
    expect(gradientsRecorded()).toBe(false);
    tf.dispose([value, grads.variable ?? [], v, ...Object.values(grads)]);
  });
});

describe.each(Object.keys(FLOWS))('%s: inference path vs tape path vs float64', (name) => {
  it('logProb: both paths match the float64 reference within float32 error', () => {
    const flow = makeFlow(name);
    const rng = new Rng(`x-${name}`);
    const x = tf.tidy(() => tf.mul(tf.tensor2d(rng.normals(N * flow.dim), [N, flow.dim]), 1.5) as tf.Tensor2D);
    const fast = flow.logProb(x);
    const tape = underTape(x, (xi) => flow.logProbUnchecked(xi as tf.Tensor2D));
    const ref = logProb64(couplingLayers64(flow), x.arraySync());
    const errFast = maxRel(fast.dataSync(), ref);
    const errTape = maxRel(tape.dataSync(), ref);
    // float32 rounding through up to 8 layers of 64-wide matMuls: a few 1e-6 relative; the perturbed
    // splines have steep bins that amplify the conditioner's rounding to a few 1e-5 (both paths).
    expect(errTape).toBeLessThan(1e-4);
    expect(errFast).toBeLessThan(1e-4);
    expect(errFast).toBeLessThan(4 * errTape + 1e-6);
    // Not a trivially identical computation: the flow is far from the identity.
    expect(maxAbs(fast.dataSync(), logProb64([], x.arraySync()))).toBeGreaterThan(0.1);
    tf.dispose([fast, tape, x]);
    flow.dispose();
  });

  it('sample: same seed, same samples; they equal the float64 forward of the same normals', () => {
    const flow = makeFlow(name);
    const a = flow.sample(N, { seed: 11 });
    const b = flow.sample(N, { seed: 11 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const z = flow.base.sample(N, 11);
    const tape = underTape(z, (zi) => flow.bijector.forward(zi as tf.Tensor2D).output);
    const ref = forward64(couplingLayers64(flow), z.arraySync()).flat();
    const errFast = maxAbs(a.dataSync(), ref);
    const errTape = maxAbs(tape.dataSync(), ref);
    expect(errTape).toBeLessThan(2e-4);
    expect(errFast).toBeLessThan(2e-4);
    expect(errFast).toBeLessThan(4 * errTape + 2e-5);
    tf.dispose([a, b, z, tape]);
    flow.dispose();
  });

  it('sampleAndLogProb: the log-density of the samples matches logProb of them', () => {
    const flow = makeFlow(name);
    const { samples, logProb } = flow.sampleAndLogProb(N, { seed: 3 });
    const again = flow.logProb(samples);
    // Forward and inverse passes round differently (the spline's inverse solves a quadratic; steep
    // perturbed bins amplify it to ~6e-4 relative for NSF-4); a wrong path would be off by O(1).
    expect(maxRel(logProb.dataSync(), again.dataSync())).toBeLessThan(2e-3);
    tf.dispose([samples, logProb, again]);
    flow.dispose();
  });

  it('leaves no tensors behind', () => {
    const flow = makeFlow(name);
    const x = tf.tidy(() => tf.tensor2d(new Rng(1).normals(50 * flow.dim), [50, flow.dim]));
    expectNoLeak(() => flow.logProb(x));
    expectNoLeak(() => flow.sample(50, { seed: 1 }));
    tf.dispose(x);
    flow.dispose();
  });
});

describe('gradients still flow where training needs them', () => {
  it('logProbUnchecked and sampleAndLogProb under variableGrads give finite, non-zero gradients for every dense weight', () => {
    for (const name of ['RealNVP-8', 'NSF-4']) {
      const flow = makeFlow(name);
      const x = tf.tidy(() => tf.tensor2d(new Rng(5).normals(64 * 2), [64, 2]));
      for (const loss of [
        () => tf.neg(tf.mean(flow.logProbUnchecked(x))) as tf.Scalar,
        () => tf.mean(flow.sampleAndLogProb(64, { seed: 2 }).logProb) as tf.Scalar,
      ]) {
        const { value, grads } = tf.variableGrads(loss, flow.trainableVariables);
        for (const g of Object.values(grads)) {
          const v = g.dataSync();
          expect(v.every(Number.isFinite)).toBe(true);
          expect(v.some((e) => e !== 0)).toBe(true);
        }
        tf.dispose([value, ...Object.values(grads)]);
      }
      x.dispose();
      flow.dispose();
    }
  });
});
