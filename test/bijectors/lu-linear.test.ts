import { describe, expect, it } from 'vitest';
import { LULinear, Rng, ValidationError, tf } from '../../src/index.js';
import { perturbed } from '../helpers/bijector-cases.js';
import { invert64, matMul64 } from '../helpers/math.js';

/** W = P L U in float64 from the layer's `lowerUpper` weight (L unit lower, U upper with positive diagonal). */
function weight64(layer: LULinear, dim: number): Float64Array {
  const lu = layer.lowerUpper.dataSync();
  const l = new Float64Array(dim * dim);
  const u = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      const v = lu[i * dim + j];
      if (j < i) l[i * dim + j] = v;
      else if (j > i) u[i * dim + j] = v;
      else {
        l[i * dim + j] = 1;
        const sp = v > 30 ? v : Math.log1p(Math.exp(v));
        u[i * dim + j] = layer.diagonal === 'exp' ? Math.exp(v) : (sp + 1e-3) / (Math.LN2 + 1e-3);
      }
    }
  }
  const p = new Float64Array(dim * dim);
  const perm = layer.permutation ?? Array.from({ length: dim }, (_, i) => i);
  perm.forEach((c, r) => (p[r * dim + c] = 1));
  return matMul64(p, matMul64(l, u, dim), dim);
}

describe.each([
  [4, 'softplus' as const, undefined],
  [6, 'exp' as const, [3, 1, 5, 0, 2, 4]],
])('LULinear %i-D (%s diagonal)', (dim, diagonal, permutation) => {
  it('starts as the identity when there is no permutation', () => {
    const layer = new LULinear(dim, { diagonal });
    const x = tf.tensor2d(new Rng('lu-id').normals(3 * dim), [3, dim]);
    const r = layer.inverse(x);
    expect(Array.from(r.output.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from(r.logDet.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([x, r]);
    layer.dispose();
  });

  it('inverse is y ↦ W y with log-det log|det W|, forward is W⁻¹ (float64 reference)', () => {
    const layer = perturbed(new LULinear(dim, { diagonal, permutation }), `lu${dim}`, 0.5);
    const w = weight64(layer, dim);
    const { logAbsDet, inverse } = invert64(w, dim);
    const n = 5;
    const yv = new Rng(`luy${dim}`).normals(n * dim);
    const y = tf.tensor2d(yv, [n, dim]);
    const inv = layer.inverse(y);
    const fwd = layer.forward(y);
    const zi = inv.output.dataSync();
    const zf = fwd.output.dataSync();
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < dim; i++) {
        let wy = 0;
        let winvy = 0;
        for (let j = 0; j < dim; j++) {
          wy += w[i * dim + j] * yv[b * dim + j];
          winvy += inverse[i * dim + j] * yv[b * dim + j];
        }
        expect(Math.abs(zi[b * dim + i] - wy)).toBeLessThan(1e-5 * (1 + Math.abs(wy)));
        expect(Math.abs(zf[b * dim + i] - winvy)).toBeLessThan(1e-4 * (1 + Math.abs(winvy)));
      }
      expect(Math.abs(inv.logDet.dataSync()[b] - logAbsDet)).toBeLessThan(1e-5);
      expect(Math.abs(fwd.logDet.dataSync()[b] + logAbsDet)).toBeLessThan(1e-5);
    }
    // A non-trivial W: far from the identity, with a non-zero log-det.
    expect(Math.max(...w.map((v, k) => Math.abs(v - (k % (dim + 1) === 0 ? 1 : 0))))).toBeGreaterThan(0.3);
    expect(Math.abs(logAbsDet)).toBeGreaterThan(0.01);
    tf.dispose([y, inv, fwd]);
    layer.dispose();
  });

  it('gives finite, non-zero gradients in both directions', () => {
    const layer = perturbed(new LULinear(dim, { diagonal, permutation }), `lug${dim}`, 0.5);
    const x = tf.tensor2d(new Rng('lug').normals(8 * dim), [8, dim]);
    for (const dir of ['forward', 'inverse'] as const) {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
        const r = layer[dir](x);
        return tf.add(tf.mean(r.logDet), tf.mean(tf.square(r.output))) as tf.Scalar;
      }));
      const g = grads[layer.lowerUpper.name].dataSync();
      expect(g.every((v) => Number.isFinite(v))).toBe(true);
      expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-4);
      tf.dispose([value, ...Object.values(grads)]);
    }
    x.dispose();
    layer.dispose();
  });
});

describe('LULinear options', () => {
  it('rejects bad options', () => {
    expect(() => new LULinear(3, { permutation: [0, 1] })).toThrow(ValidationError);
    expect(() => new LULinear(3, { diagonal: 'square' as never })).toThrow(/one of exp, softplus/);
    expect(() => new LULinear(0)).toThrow(ValidationError);
  });
});
