import { describe, expect, it } from 'vitest';
import { AffineTransformer, Rng, ValidationError, tf, transformerFromConfig } from '../../src/index.js';
import { affineLogScale64 as logScale64 } from '../helpers/math.js';


describe.each([
  ['exp', 3],
  ['exp', null],
  ['softplus', 3],
] as const)('AffineTransformer (scale %s, clamp %s)', (scale, clamp) => {
  const t = new AffineTransformer({ scale, clamp });

  it('is exactly the identity at zero parameters, in both directions', () => {
    const x = tf.tensor2d([[0.1, -3.7, 12345.678], [1e-7, 2, -0.5]]);
    const params = tf.zeros([2, 3, 2]) as tf.Tensor3D;
    for (const dir of ['forward', 'inverse'] as const) {
      const r = t[dir](x, params);
      expect(Array.from(r.output.dataSync())).toEqual(Array.from(x.dataSync()));
      expect(Array.from(r.logDet.dataSync()).every((v) => v === 0)).toBe(true);
      tf.dispose(r);
    }
    tf.dispose([x, params]);
  });

  it('matches y = x · scale(s) + t and its inverse in float64', () => {
    const rng = new Rng(`aff-${scale}-${clamp}`);
    const n = 40;
    const xs = rng.normals(n);
    const ts = rng.normals(n);
    const ss = Float32Array.from(rng.normals(n), (v) => 4 * v); // beyond the clamp, too
    const params = tf.tensor3d(Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? ts[i >> 1] : ss[i >> 1])), [8, 5, 2]);
    const x = tf.tensor2d(xs, [8, 5]);
    const f = t.forward(x, params);
    const back = t.inverse(f.output, params);
    const y = f.output.dataSync();
    const ld = f.logDet.dataSync();
    for (let i = 0; i < n; i++) {
      const l = logScale64(scale, clamp, ss[i]);
      expect(Math.abs(ld[i] - l)).toBeLessThan(1e-5 * Math.max(1, Math.abs(l)));
      expect(Math.abs(y[i] - (xs[i] * Math.exp(l) + ts[i]))).toBeLessThan(1e-5 * Math.max(1, Math.abs(y[i])));
    }
    const xb = back.output.dataSync();
    const ldb = back.logDet.dataSync();
    for (let i = 0; i < n; i++) {
      // float32: (y − t) loses ~1e-7 relative to |y| + |t|, and the inverse scale multiplies that error.
      const scaleInv = Math.exp(-logScale64(scale, clamp, ss[i]));
      expect(Math.abs(xb[i] - xs[i])).toBeLessThan(1e-6 * (Math.abs(y[i]) + Math.abs(ts[i])) * scaleInv + 1e-6);
      expect(ldb[i]).toBeCloseTo(-ld[i], 6);
    }
    tf.dispose([params, x, f, back]);
  });

  it('rebuilds from its config through the transformer registry', () => {
    const copy = transformerFromConfig({ className: t.className, config: t.getConfig() });
    expect(copy.getConfig()).toEqual(t.getConfig());
    expect(copy.paramsPerDim).toBe(2);
  });
});

describe('AffineTransformer options', () => {
  it('keeps the exp log-scale inside ±clamp for huge parameters and stays finite', () => {
    const t = new AffineTransformer({ clamp: 2 });
    const params = tf.tensor3d([[[0, 1e4], [0, -1e4]]]);
    const r = t.forward(tf.tensor2d([[1, 1]]), params);
    const ld = Array.from(r.logDet.dataSync());
    expect(ld[0]).toBeCloseTo(2, 5);
    expect(ld[1]).toBeCloseTo(-2, 5);
    tf.dispose([params, r]);
  });

  it('rejects bad options', () => {
    expect(() => new AffineTransformer({ scale: 'sigmoid' as never })).toThrow(ValidationError);
    expect(() => new AffineTransformer({ clamp: 0 })).toThrow(/> 0/);
    expect(() => new AffineTransformer({ clip: 1 } as never)).toThrow(/unknown option "clip"/);
  });
});
