import { describe, expect, it } from 'vitest';
import { BackendError, Rng, ValidationError, rqSpline, tf } from '../../src/index.js';
import { RQ_SPLINE, RQ_SPLINE_GRAD, RQ_SPLINE_PACKED, RQ_SPLINE_PACKED_GRAD } from '../../src/kernels/rq-spline.js';
import { type SplinePath, rqSplineWithPath } from '../../src/transformers/rq-spline.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { refSpline } from '../helpers/rq-spline-ref.js';
import { caseName, splineVectors } from '../helpers/rq-spline-vectors.js';
import { expectValidationError } from '../helpers/bad-input.js';

// Tolerances against nflows' float64 values, with every input stored in float32.
// Fused: float64 arithmetic, so the error is the float32 rounding of inputs and outputs (measured
// ≤ 5e-6 outputs, ≤ 8e-6 log-dets): the required 1e-5 / 1e-4.
// Op-composed: float32 arithmetic throughout (measured ≤ 6e-6 outputs, ≤ 4e-5 log-dets on these
// vectors); we hold it to 2e-5 / 2e-4.
const TOL = {
  fused: { out: 1e-5, logDet: 1e-4 },
  ops: { out: 2e-5, logDet: 2e-4 },
} as const;

const usable = splineVectors.filter((c) => !c.enable_identity_init);
const optionsOf = (c: (typeof usable)[number]) => ({ tailBound: c.tail_bound, tails: c.tails === 'linear' ? ('linear' as const) : ('none' as const) });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function run(path: SplinePath, x: number[], w: number[][], h: number[][], d: number[][], opts: object) {
  return tf.tidy(() => {
    const r = rqSplineWithPath(path, tf.tensor1d(x), tf.tensor2d(w), tf.tensor2d(h), tf.tensor2d(d), opts);
    return { out: r.outputs.dataSync(), logDet: r.logDet.dataSync() };
  });
}

it('the vector file holds the 7 documented cases, 5 without identity_init', () => {
  expect(splineVectors).toHaveLength(7);
  expect(usable).toHaveLength(5);
  expect(usable.filter((c) => c.tails === null)).toHaveLength(2);
});

describe.each(KERNEL_BACKENDS)('rqSpline on %s', (backend) => {
  useBackend(backend);

  describe.each(['fused', 'ops'] as const)('%s path', (path) => {
    it.each(usable.map((c) => [caseName(c), c] as const))('matches nflows, forward and inverse: %s', (_name, c) => {
      const f = run(path, c.inputs, c.unnormalized_widths, c.unnormalized_heights, c.unnormalized_derivatives, optionsOf(c));
      const inv = run(path, c.inputs, c.unnormalized_widths, c.unnormalized_heights, c.unnormalized_derivatives, { ...optionsOf(c), inverse: true });
      expect(maxAbsDiff(f.out, c.forward_outputs)).toBeLessThan(TOL[path].out);
      expect(maxAbsDiff(f.logDet, c.forward_logabsdet)).toBeLessThan(TOL[path].logDet);
      expect(maxAbsDiff(inv.out, c.inverse_outputs)).toBeLessThan(TOL[path].out);
      expect(maxAbsDiff(inv.logDet, c.inverse_logabsdet)).toBeLessThan(TOL[path].logDet);
    });
  });

  it('the vectors cover inside, outside and exactly-at-the-bound inputs', () => {
    const linear = usable.filter((c) => c.tails === 'linear');
    const xs = linear.flatMap((c) => c.inputs.map((x) => [x, c.tail_bound]));
    expect(xs.some(([x, B]) => x === B)).toBe(true);
    expect(xs.some(([x, B]) => x === -B)).toBe(true);
    expect(xs.some(([x, B]) => Math.abs(x) > B)).toBe(true);
    expect(xs.some(([x, B]) => Math.abs(x) < B)).toBe(true);
  });

  it('fused kernel equals the float64 reference on the same float32 inputs to float32 output rounding', () => {
    // Removes input rounding from the comparison: what is left is the kernel's own arithmetic.
    for (const c of usable) {
      const o = optionsOf(c);
      const r32 = (m: number[][]) => m.map((r) => r.map(Math.fround));
      const [x, w, h, d] = [c.inputs.map(Math.fround), r32(c.unnormalized_widths), r32(c.unnormalized_heights), r32(c.unnormalized_derivatives)];
      for (const inverse of [false, true]) {
        const got = run('fused', x, w, h, d, { ...o, inverse });
        x.forEach((xi, i) => {
          const want = refSpline(xi, w[i], h[i], d[i], { tails: o.tails, bound: o.tailBound }, inverse);
          expect(Math.abs(got.out[i] - want.y)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(want.y)));
          expect(Math.abs(got.logDet[i] - want.ld)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want.ld)));
        });
      }
    }
  });

  it('fused kernel equals the float64 reference at parameters of magnitude 50 and inputs at and around ±B', () => {
    const rng = new Rng('extreme');
    const K = 8;
    const B = 3;
    const xs = [-B, B, -B - 2 ** -22, B + 2 ** -22, -B + 2 ** -22, B - 2 ** -22, 0, ...Array.from({ length: 40 }, () => (2 * rng.uniform() - 1) * B)].map(Math.fround);
    const n = xs.length;
    for (const tails of ['linear', 'none'] as const) {
      const kd = tails === 'linear' ? K - 1 : K + 1;
      const draw = (cols: number) => Array.from({ length: n }, () => Array.from({ length: cols }, () => Math.fround(50 * rng.normal())));
      const [w, h, d] = [draw(K), draw(K), draw(kd)];
      for (const inverse of [false, true]) {
        const got = run('fused', xs, w, h, d, { tails, inverse, tailBound: B });
        xs.forEach((xi, i) => {
          const want = refSpline(xi, w[i], h[i], d[i], { tails, bound: B }, inverse);
          expect(Math.abs(got.out[i] - want.y)).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(want.y)));
          expect(Math.abs(got.logDet[i] - want.ld)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want.ld)));
        });
      }
    }
  });

  describe.each(['fused', 'ops'] as const)('%s path, properties', (path) => {
    const rngValues = (n: number, scale: number, seed: number) => {
      let s = seed;
      return Array.from({ length: n }, () => {
        s = (s * 1103515245 + 12345) % 2147483648;
        return scale * (s / 2147483648 - 0.5) * 2;
      });
    };
    const K = 6;
    const n = 64;
    const params = (scale: number, seed: number, cols: number) => tf.tensor2d(rngValues(n * cols, scale, seed), [n, cols]);

    it('round trip inverse(forward(x)) = x and the log-dets cancel, both tail kinds', () => {
      // float32 storage of y = f(x) (error ≤ 2⁻²⁴|y|) comes back through f⁻¹ magnified by 1/f'(x),
      // so the round trip is checked in y units: |x' − x| · min(f'(x), 1) ≤ tol.
      for (const tails of ['linear', 'none'] as const) {
        const kd = tails === 'linear' ? K - 1 : K + 1;
        tf.tidy(() => {
          const x = tf.tensor1d(rngValues(n, 4, 7)); // some outside [−3, 3]
          const [w, h, d] = [params(2, 1, K), params(2, 2, K), params(2, 3, kd)];
          const f = rqSplineWithPath(path, x, w, h, d, { tails });
          const b = rqSplineWithPath(path, f.outputs, w, h, d, { tails, inverse: true });
          const [x0, x1, ld] = [x.dataSync(), b.outputs.dataSync(), f.logDet.dataSync()];
          const errY = Math.max(...Array.from(x0, (v, i) => Math.abs(x1[i] - v) * Math.min(Math.exp(ld[i]), 1)));
          expect(errY).toBeLessThan(path === 'fused' ? 1e-6 : 1e-5);
          expect(maxAbsDiff(tf.add(f.logDet, b.logDet).dataSync(), new Float32Array(n))).toBeLessThan(path === 'fused' ? 5e-5 : 5e-4); // measured 1.1e-5, 5.8e-5
        });
      }
    });

    it('any input shape: [batch, dim] inputs with [batch, dim, K] parameters', () => {
      tf.tidy(() => {
        const x = tf.tensor2d(rngValues(12, 3, 5), [4, 3]);
        const w = tf.tensor3d(rngValues(12 * K, 1, 6), [4, 3, K]);
        const d = tf.tensor3d(rngValues(12 * (K - 1), 1, 8), [4, 3, K - 1]);
        const r = rqSplineWithPath(path, x, w, w, d);
        expect(r.outputs.shape).toEqual([4, 3]);
        expect(r.logDet.shape).toEqual([4, 3]);
        const flat = rqSplineWithPath(path, tf.reshape(x, [12]), tf.reshape(w, [12, K]), tf.reshape(w, [12, K]), tf.reshape(d, [12, K - 1]));
        expect(Array.from(r.outputs.dataSync())).toEqual(Array.from(flat.outputs.dataSync()));
      });
    });

    it('zero parameters with identityAtZero are exactly the identity (outputs bit for bit, logDet 0), both directions', () => {
      tf.tidy(() => {
        const xs = [-5, -3, -2.9999, -1.5, -1e-30, 0, 1e-30, 1e-7, 0.3, 1.5, 2.25, 3, 3.0000002, 7];
        const x = tf.tensor1d(xs);
        const z = tf.zeros([xs.length, 8]);
        const zd = tf.zeros([xs.length, 7]);
        for (const inverse of [false, true]) {
          const r = rqSplineWithPath(path, x, z, z, zd, { identityAtZero: true, inverse });
          expect(Array.from(r.outputs.dataSync())).toEqual(Array.from(x.dataSync()));
          expect(Array.from(r.logDet.dataSync()).every((v) => v === 0)).toBe(true);
        }
        // Without the option (nflows' convention) zero parameters are not the identity inside.
        const plain = rqSplineWithPath(path, x, z, z, zd);
        expect(Math.abs(plain.outputs.dataSync()[8] - xs[8])).toBeGreaterThan(1e-3); // 0.3, not a knot
      });
    });

    it('finite outputs at ±B exactly, whole batches in the tails, parameters of magnitude 50, inverse inputs a hair outside', () => {
      const B = 3;
      const cases: [string, number[]][] = [
        ['at the bounds', [-B, B, -B, B]],
        ['all in the tails', [-1e6, -10, -3.0000002, 3.0000002, 10, 1e6]],
        // One float32 step (2⁻²² at 3) outside and inside the bounds.
        ['a hair outside', [-B - 2 ** -22, B + 2 ** -22, -B + 2 ** -22, B - 2 ** -22]],
        ['inside', [-2.5, -0.1, 0, 0.7, 2.999]],
      ];
      for (const tails of ['linear', 'none'] as const) {
        for (const [, xs] of cases) {
          for (const scale of [1, 50]) {
            tf.tidy(() => {
              const m = xs.length;
              const kd = tails === 'linear' ? K - 1 : K + 1;
              const x = tf.tensor1d(xs);
              const w = tf.tensor2d(rngValues(m * K, scale, 11), [m, K]);
              const h = tf.tensor2d(rngValues(m * K, scale, 12), [m, K]);
              const d = tf.tensor2d(rngValues(m * kd, scale, 13), [m, kd]);
              for (const inverse of [false, true]) {
                const r = rqSplineWithPath(path, x, w, h, d, { tails, inverse });
                const vals = [...r.outputs.dataSync(), ...r.logDet.dataSync()];
                expect(vals.every(Number.isFinite)).toBe(true);
                if (tails === 'linear') {
                  // Inside [−B, B] the spline maps onto [−B, B]; outside it is the identity.
                  r.outputs.dataSync().forEach((y, i) => {
                    if (Math.abs(xs[i]) <= B) expect(Math.abs(y)).toBeLessThanOrEqual(B + 1e-6);
                    else expect(y).toBe(Math.fround(xs[i]));
                  });
                }
              }
            });
          }
        }
      }
    });

    it('leaks no tensors (forward, inverse, gradients)', () => {
      const x = tf.tensor1d(rngValues(n, 4, 21));
      const [w, h, d] = [params(1, 22, K), params(1, 23, K), params(1, 24, K - 1)];
      expectNoLeak(() => rqSplineWithPath(path, x, w, h, d));
      expectNoLeak(() => rqSplineWithPath(path, x, w, h, d, { inverse: true }));
      expectNoLeak(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => {
          const r = rqSplineWithPath(path, a, b, c, e);
          return tf.add(tf.sum(r.outputs), tf.sum(r.logDet));
        })([x, w, h, d]),
      );
      tf.dispose([x, w, h, d]);
    });
  });
});

describe('rqSpline', () => {
  it('picks the fused kernels on cpu and wasm (the two agree bit for bit there)', () => {
    tf.tidy(() => {
      const c = usable[1];
      const args = [tf.tensor1d(c.inputs), tf.tensor2d(c.unnormalized_widths), tf.tensor2d(c.unnormalized_heights), tf.tensor2d(c.unnormalized_derivatives)] as const;
      const auto = rqSpline(...args);
      const fused = rqSplineWithPath('fused', ...args);
      expect(Array.from(auto.logDet.dataSync())).toEqual(Array.from(fused.logDet.dataSync()));
    });
  });

  it('on a backend without the fused kernels, picks the op-composed path automatically', async () => {
    // A copy of the cpu backend under another name, with every kernel except the spline's.
    const previous = tf.getBackend();
    const Cpu = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
    tf.registerBackend('nofused', () => new Cpu());
    rqSpline(tf.zeros([1]), tf.zeros([1, 2]), tf.zeros([1, 2]), tf.zeros([1, 1])); // registers the kernels
    tf.copyRegisteredKernels('cpu', 'nofused');
    for (const k of [RQ_SPLINE, RQ_SPLINE_GRAD, RQ_SPLINE_PACKED, RQ_SPLINE_PACKED_GRAD]) tf.unregisterKernel(k, 'nofused');
    try {
      await tf.setBackend('nofused');
      const c = usable[1];
      const args = [c.inputs, c.unnormalized_widths, c.unnormalized_heights, c.unnormalized_derivatives] as const;
      const auto = tf.tidy(() => rqSpline(tf.tensor1d(args[0]), tf.tensor2d(args[1]), tf.tensor2d(args[2]), tf.tensor2d(args[3])).logDet.dataSync());
      const ops = run('ops', ...args, {}).logDet;
      expect(Array.from(auto)).toEqual(Array.from(ops));
      expect(() => run('fused', ...args, {})).toThrow(BackendError);
    } finally {
      await tf.setBackend(previous);
      tf.removeBackend('nofused');
    }
  });

  it('rejects bad arguments with ValidationError naming the argument', () => {
    tf.tidy(() => {
      const x = tf.zeros([4, 2]);
      const w = tf.zeros([4, 2, 8]);
      const d = tf.zeros([4, 2, 7]);
      const bad = expectValidationError;
      bad(() => rqSpline([1, 2] as unknown as tf.Tensor, w, w, d), 'inputs');
      bad(() => rqSpline(x, tf.zeros([4, 3, 8]), w, d), 'unnormalizedWidths');
      bad(() => rqSpline(x, w, tf.zeros([4, 2, 7]), d), 'unnormalizedHeights');
      bad(() => rqSpline(x, w, w, tf.zeros([4, 2, 9])), 'unnormalizedDerivatives'); // K+1 needs tails 'none'
      bad(() => rqSpline(x, w, w, d, { tails: 'none' }), 'unnormalizedDerivatives');
      bad(() => rqSpline(x, w, w, d, { tailBound: 0 }), 'options.tailBound');
      bad(() => rqSpline(x, w, w, d, { minBinWidth: 0.2 }), 'options.minBinWidth'); // 8 × 0.2 > 1
      bad(() => rqSpline(x, w, w, d, { minDerivative: 0 }), 'options.minDerivative');
      bad(() => rqSpline(x, w, w, d, { tails: 'quadratic' as 'none' }), 'options.tails');
      bad(() => rqSpline(x, w, w, d, { invert: true } as object), 'options');
      bad(() => rqSpline(tf.zeros([4, 2], 'int32'), w, w, d), 'inputs');
    });
  });
});
