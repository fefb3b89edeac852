import { describe, expect, it } from 'vitest';
import { Invert, Rng, checkBijector, tf } from '../../src/index.js';
import { bijectorCases } from '../helpers/bijector-cases.js';
import { expectNoLeak } from '../helpers/leaks.js';

// float32 arithmetic on O(1) inputs: round trips and log-dets agree to ~1e-6; 1e-4 leaves room for
// the autodiff Jacobian, which is itself float32.
const DEFAULT_TOL = 1e-4;

describe.each(bijectorCases)('$name', (c) => {
  const TOL = c.tol ?? DEFAULT_TOL;
  const rng = new Rng(`case:${c.name}`);
  const x = c.domain(rng, 32);
  const context = c.contextDim ? Array.from({ length: 32 }, () => Array.from({ length: c.contextDim! }, () => rng.normal())) : undefined;

  it('passes checkBijector forward: round trip, cancelling log-dets, autodiff Jacobians', () => {
    const b = c.make();
    const r = checkBijector(b, x, { context });
    expect(r.finite).toBe(true);
    expect(r.roundTripError).toBeLessThan(TOL);
    expect(r.logDetSumError).toBeLessThan(TOL);
    expect(r.jacobianError).toBeLessThan(TOL);
    expect(r.inverseJacobianError).toBeLessThan(TOL);
    b.dispose();
  });

  it('passes checkBijector inverse (as Invert at forward(x))', () => {
    const b = c.make();
    const y = tf.tidy(() => b.forward(tf.tensor2d(x), context ? tf.tensor2d(context) : null).output);
    const r = checkBijector(new Invert(b), y, { context });
    expect(r.roundTripError).toBeLessThan(TOL * 10);
    expect(r.logDetSumError).toBeLessThan(TOL);
    expect(r.jacobianError).toBeLessThan(TOL * 10);
    y.dispose();
    b.dispose();
  });

  it('leaks no tensors in forward, inverse and gradients', () => {
    const b = c.make();
    const xt = tf.tensor2d(x);
    const ct = context ? tf.tensor2d(context) : null;
    expectNoLeak(() => b.forward(xt, ct));
    expectNoLeak(() => {
      const y = b.forward(xt, ct);
      const back = b.inverse(y.output, ct);
      tf.dispose(y);
      return back;
    });
    expectNoLeak(() =>
      tf.grad((v: tf.Tensor) => {
        const r = b.forward(v as tf.Tensor2D, ct);
        return tf.add(tf.sum(r.output), tf.sum(r.logDet));
      })(xt),
    );
    tf.dispose([xt, ...(ct ? [ct] : [])]);
    b.dispose();
  });

  it('rebuilds from its config', async () => {
    const { bijectorFromConfig } = await import('../../src/index.js');
    const b = c.make();
    const copy = bijectorFromConfig(b.serialize());
    copy.setWeights(Object.fromEntries(b.weights.map((w) => [w.name, w.variable])));
    const xt = tf.tensor2d(x);
    const ct = context ? tf.tensor2d(context) : null;
    const a = b.forward(xt, ct);
    const a2 = copy.forward(xt, ct);
    expect(Array.from(a2.output.dataSync())).toEqual(Array.from(a.output.dataSync()));
    expect(Array.from(a2.logDet.dataSync())).toEqual(Array.from(a.logDet.dataSync()));
    tf.dispose([xt, ...(ct ? [ct] : []), a, a2]);
    b.dispose();
    copy.dispose();
  });
});
