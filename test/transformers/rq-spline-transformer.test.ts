import { describe, expect, it } from 'vitest';
import { Rng, SplineTransformer, ValidationError, rqSpline, tf } from '../../src/index.js';
import { transformerFromConfig } from '../../src/transformers/registry.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { refSpline, row } from '../helpers/rq-spline-ref.js';
import { expectValidationError } from '../helpers/bad-input.js';

/** n normal draws with standard deviation sd, the same for the same seed whatever ran before. */
const normals = (seed: string, n: number, sd = 1) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => sd * rng.normal());
};

describe.each(KERNEL_BACKENDS)('SplineTransformer on %s', (backend) => {
  useBackend(backend);

  describe.each(['fused', 'ops'] as const)('%s path', (path) => {
    const make = (o = {}) => {
      const t = new SplineTransformer(o);
      t.splinePath = path;
      return t;
    };

    it('all-zero parameters are exactly the identity, boundary derivatives included, both directions', () => {
      for (const bins of [1, 3, 8]) {
        const t = make({ bins, tailBound: 3 });
        tf.tidy(() => {
          // Knots of uniform bins, ±B, points a float32 step either side of ±B, tails, tiny values.
          const xs = [-3, 3, -3 - 2 ** -22, 3 + 2 ** -22, -3 + 2 ** -22, 3 - 2 ** -22, -0.75, 0, 1e-30, -1e-20, 0.1, 2.9, -9, 40];
          const x = tf.tensor2d(xs, [7, 2]);
          const params = tf.zeros([7, 2, t.paramsPerDim]) as tf.Tensor3D;
          for (const dir of ['forward', 'inverse'] as const) {
            const r = t[dir](x, params);
            expect(Array.from(r.output.dataSync())).toEqual(Array.from(x.dataSync()));
            expect(Array.from(r.logDet.dataSync())).toEqual(new Array(xs.length).fill(0));
          }
        });
      }
    });

    it('boundary derivatives are 1 for any parameters (logDet 0 at ±B): the tails join smoothly', () => {
      const t = make({ bins: 8 });
      tf.tidy(() => {
        const x = tf.tensor2d([[-3, 3], [3, -3], [-3, -3]]);
        const params = tf.tensor3d(normals('boundary', 6 * t.paramsPerDim, 3), [3, 2, t.paramsPerDim]);
        for (const dir of ['forward', 'inverse'] as const) {
          const r = t[dir](x, params);
          // The knots ±B are fixed points: exactly in float64 (fused), to float32 rounding (ops).
          const out = r.output.dataSync();
          x.dataSync().forEach((v, i) => expect(Math.abs(out[i] - v)).toBeLessThanOrEqual(path === 'fused' ? 0 : 1e-6));
          // Fused: float64, ~1e-16. Ops: float32 evaluation of log(δ²P/den²) at t = 0 or 1, where P
          // = δ + (d − δ) rounds with δ up to ~100 here.
          for (const v of r.logDet.dataSync()) expect(Math.abs(v)).toBeLessThan(path === 'fused' ? 1e-6 : 1e-4);
        }
      });
    });

    it.each([false, true])('invert %s: the spline direction equals the float64 reference spline with the shifted derivatives, and the other inverts it', (invert) => {
      const K = 6;
      const t = make({ bins: K, tailBound: 2.5, invert });
      // invert: true puts the spline itself on the density path (inverse), false on the sampling path (forward).
      const [spline, solve] = invert ? (['inverse', 'forward'] as const) : (['forward', 'inverse'] as const);
      const [batch, dim] = [16, 3];
      const P = t.paramsPerDim;
      const p = normals('ref-params', batch * dim * P).map(Math.fround);
      const xs = normals('ref-x', batch * dim, 1.5).map(Math.fround);
      tf.tidy(() => {
        const x = tf.tensor2d(xs, [batch, dim]);
        const params = tf.tensor3d(p, [batch, dim, P]);
        const f = t[spline](x, params);
        const got = f.output.dataSync();
        const ld = f.logDet.dataSync();
        xs.forEach((xi, i) => {
          const r = row(p, i, P);
          const want = refSpline(xi, r.slice(0, K), r.slice(K, 2 * K), r.slice(2 * K), { tails: 'linear', bound: 2.5, identityAtZero: true });
          const tol = path === 'fused' ? 1e-6 : 2e-5;
          expect(Math.abs(got[i] - want.y)).toBeLessThan(tol);
          expect(Math.abs(ld[i] - want.ld)).toBeLessThan(tol * 10);
        });
        const b = t[solve](f.output, params);
        const back = b.output.dataSync();
        xs.forEach((xi, i) => expect(Math.abs(back[i] - xi) * Math.min(1, Math.exp(ld[i]))).toBeLessThan(path === 'fused' ? 1e-6 : 1e-5));
      });
    });

    it('gradients through the packed parameters equal those of rqSpline on the split tensors', () => {
      const K = 4;
      const t = make({ bins: K, invert: false });
      const P = t.paramsPerDim;
      tf.tidy(() => {
        const x = tf.tensor2d(normals('grad-x', 10, 2), [5, 2]);
        const params = tf.tensor3d(normals('grad-params', 10 * P), [5, 2, P]);
        const loss = (r: { out: tf.Tensor; ld: tf.Tensor }) => tf.add(tf.sum(tf.mul(r.out, tf.range(0, 10).reshape([5, 2]))), tf.sum(r.ld));
        const [gx, gp] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const r = t.forward(a as tf.Tensor2D, b as tf.Tensor3D);
          return loss({ out: r.output, ld: r.logDet });
        })([x, params]);
        const c = Math.log(Math.expm1(1 - 1e-3));
        const [gx2, gw, gh, gd] = tf.grads((a: tf.Tensor, w: tf.Tensor, h: tf.Tensor, d: tf.Tensor) => {
          const r = rqSpline(a, w, h, d, { identityAtZero: true });
          return loss({ out: r.outputs, ld: r.logDet });
        })([x, ...tf.split(params, [K, K, K - 1], 2)]);
        const tol = path === 'fused' ? 1e-6 : 1e-4; // rqSpline here runs the fused kernel
        const close = (a: tf.Tensor, b: tf.Tensor) => expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(tol);
        close(gx, gx2);
        close(gp, tf.concat([gw, gh, gd], 2));
        expect(c).toBeCloseTo(0.5397424172, 9); // nflows' boundary constant, the shift used here
      });
    });

    it('leaks no tensors', () => {
      const t = make();
      const x = tf.tensor2d(normals('leak-x', 8), [4, 2]);
      const params = tf.tensor3d(normals('leak-params', 8 * t.paramsPerDim), [4, 2, t.paramsPerDim]);
      expectNoLeak(() => t.forward(x, params));
      expectNoLeak(() => t.inverse(x, params));
      expectNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(t.forward(a as tf.Tensor2D, b as tf.Tensor3D).logDet))([x, params]));
      tf.dispose([x, params]);
    });
  });
});

describe('SplineTransformer', () => {
  it('has 3K − 1 parameters per dimension and rebuilds from its config through the registry', () => {
    const t = new SplineTransformer({ bins: 5, tailBound: 4, minDerivative: 1e-2 });
    expect(t.paramsPerDim).toBe(14);
    const copy = transformerFromConfig({ className: t.className, config: t.getConfig() });
    expect(copy).toBeInstanceOf(SplineTransformer);
    expect(copy.getConfig()).toEqual({ bins: 5, tailBound: 4, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-2, invert: true });
    expect(new SplineTransformer().getConfig()).toEqual({ bins: 8, tailBound: 3, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3, invert: true });
    const sampling = new SplineTransformer({ invert: false });
    expect((transformerFromConfig({ className: sampling.className, config: sampling.getConfig() }) as SplineTransformer).invert).toBe(false);
  });

  it('reads a config saved before `invert` existed as the sampling-direction spline it was', () => {
    const { invert: _, ...old } = new SplineTransformer({ bins: 3 }).getConfig();
    const t = transformerFromConfig({ className: 'SplineTransformer', config: old }) as SplineTransformer;
    expect(t.invert).toBe(false);
    expect(t.bins).toBe(3);
  });

  it('invert: true is invert: false with the two directions swapped, bit for bit', () => {
    const a = new SplineTransformer({ bins: 5, tailBound: 2, invert: true });
    const b = new SplineTransformer({ bins: 5, tailBound: 2, invert: false });
    tf.tidy(() => {
      const x = tf.tensor2d(normals('swap-x', 12, 1.5), [6, 2]);
      const params = tf.tensor3d(normals('swap-params', 12 * a.paramsPerDim, 2), [6, 2, a.paramsPerDim]);
      for (const [da, db] of [['forward', 'inverse'], ['inverse', 'forward']] as const) {
        const ra = a[da](x, params);
        const rb = b[db](x, params);
        expect(Array.from(ra.output.dataSync())).toEqual(Array.from(rb.output.dataSync()));
        expect(Array.from(ra.logDet.dataSync())).toEqual(Array.from(rb.logDet.dataSync()));
      }
    });
  });

  it('rejects bad options and parameter shapes with ValidationError', () => {
    const bad = expectValidationError;
    bad(() => new SplineTransformer({ bins: 0 }), 'options.bins');
    bad(() => new SplineTransformer({ bins: 2.5 }), 'options.bins');
    bad(() => new SplineTransformer({ tailBound: -1 }), 'options.tailBound');
    bad(() => new SplineTransformer({ bins: 10, minBinHeight: 0.2 }), 'options.minBinHeight');
    bad(() => new SplineTransformer({ bin: 8 } as object), 'options');
    bad(() => new SplineTransformer({ invert: 'yes' } as never), 'options.invert');
    const t = new SplineTransformer({ bins: 4 });
    tf.tidy(() => {
      bad(() => t.forward(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([3, 2, 12]) as tf.Tensor3D), 'params');
      bad(() => t.inverse(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([3, 11]) as unknown as tf.Tensor3D), 'params');
      bad(() => t.forward(tf.zeros([6]) as unknown as tf.Tensor2D, tf.zeros([3, 2, 11]) as tf.Tensor3D), 'x');
    });
  });
});
