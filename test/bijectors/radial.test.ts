import { describe, expect, it } from 'vitest';
import { Radial, Rng, ValidationError, tf } from '../../src/index.js';
import { type Radial64, radialForward64, radialInverse64 } from '../helpers/radial-planar64.js';

const layerOf = (p: Radial64) => new Radial(p.z0.length, { z0: p.z0, alpha: p.alpha, beta: p.beta });

function compare(p: Radial64, pts: number[][], tol: { out: number; logDet: number }): void {
  const layer = layerOf(p);
  const xt = tf.tensor2d(pts);
  const f = layer.forward(xt);
  const inv = layer.inverse(xt);
  const [fo, fl, io, il] = [f.output.arraySync(), f.logDet.dataSync(), inv.output.arraySync(), inv.logDet.dataSync()];
  pts.forEach((x, i) => {
    const ref = radialForward64(p, x);
    const back = radialInverse64(p, x);
    for (let j = 0; j < x.length; j++) {
      expect(Math.abs(fo[i][j] - ref.x[j])).toBeLessThan(tol.out);
      expect(Math.abs(io[i][j] - back.z[j])).toBeLessThan(tol.out);
    }
    expect(Math.abs(fl[i] - ref.logDet)).toBeLessThan(tol.logDet);
    expect(Math.abs(il[i] - back.logDet)).toBeLessThan(tol.logDet);
  });
  tf.dispose([xt, f, inv]);
  layer.dispose();
}

describe('Radial against float64 maths (inverse by bisection on r)', () => {
  it('random parameters, 2–5 dims: forward and closed-form inverse within 1e-5, log-dets within 1e-5', () => {
    const rng = new Rng('radial64');
    for (let trial = 0; trial < 8; trial++) {
      const dim = 2 + (trial % 4);
      const alpha = 0.1 + 2 * rng.uniform();
      const p: Radial64 = { z0: Array.from({ length: dim }, () => rng.normal()), alpha, beta: -alpha * 0.9 + 4 * rng.uniform() };
      const pts = Array.from({ length: 16 }, () => Array.from({ length: dim }, () => 2 * rng.normal()));
      compare(p, pts, { out: 1e-5, logDet: 1e-5 });
    }
  });

  it('β close to −α (α + β = 1e-3, strongly contracting near z₀): log-dets stay accurate (1e-4)', () => {
    const p: Radial64 = { z0: [0.3, -0.2, 0.1], alpha: 2, beta: -2 + 1e-3 };
    const rng = new Rng('radial-edge');
    const pts = Array.from({ length: 12 }, (_, i) => Array.from({ length: 3 }, (_, j) => p.z0[j] + 10 ** (-3 + i / 3) * rng.normal()));
    compare(p, pts, { out: 1e-5, logDet: 1e-4 });
  });

  it('matches the worked example: z₀ = 0, α = 1, β = 0.5 sends (1, 0) to (1.25, 0)', () => {
    const layer = new Radial(2, { z0: [0, 0], alpha: 1, beta: 0.5 });
    const r = layer.forward(tf.tensor2d([[1, 0]]));
    const out = r.output.dataSync();
    expect(out[0]).toBeCloseTo(1.25, 6);
    expect(out[1]).toBeCloseTo(0, 6);
    // (d − 1) log(1 + β/2) + log(1 + αβ/(α + r)²) = log 1.25 + log 1.125
    expect(r.logDet.dataSync()[0]).toBeCloseTo(Math.log(1.25) + Math.log(1.125), 6);
    tf.dispose(r);
    layer.dispose();
  });

  it('inverse gradient in the weights matches float64 central differences (1e-3 relative)', () => {
    const p: Radial64 = { z0: [0.4, -0.1], alpha: 0.8, beta: 0.6 };
    const layer = layerOf(p);
    const pts = [[1, 0.5], [-0.7, 1.2], [0.3, -2], [2, 2]];
    const R = [[0.3, -1], [1.1, 0.2], [-0.5, 0.7], [0.9, 0.4]];
    const xt = tf.tensor2d(pts);
    const Rt = tf.tensor2d(R);
    const { value, grads } = tf.variableGrads(() => {
      const r = layer.inverse(xt);
      return tf.add(tf.sum(tf.mul(r.output, Rt)), tf.sum(r.logDet)) as tf.Scalar;
    });
    const loss = (q: Radial64) => pts.reduce((s, x, i) => {
      const { z, logDet } = radialInverse64(q, x);
      return s + z[0] * R[i][0] + z[1] * R[i][1] + logDet;
    }, 0);
    const h = 1e-6;
    const dz0 = [0, 1].map((j) => {
      const up = structuredClone(p);
      const dn = structuredClone(p);
      up.z0[j] += h;
      dn.z0[j] -= h;
      return (loss(up) - loss(dn)) / (2 * h);
    });
    // Chain rule to the raw parameters: α = softplus(α̃), s = α + β = softplus(β̃), dsoftplus = sigmoid.
    const s = p.alpha + p.beta;
    const dAlphaAtS = (loss({ ...p, alpha: p.alpha + h, beta: p.beta - h }) - loss({ ...p, alpha: p.alpha - h, beta: p.beta + h })) / (2 * h);
    const dS = (loss({ ...p, beta: p.beta + h }) - loss({ ...p, beta: p.beta - h })) / (2 * h);
    const sigmoidOfSoftplusInv = (y: number) => -Math.expm1(-y); // σ(softplus⁻¹(y)) = 1 − e^{−y}
    const expected = { z0: dz0, rawAlpha: [dAlphaAtS * sigmoidOfSoftplusInv(p.alpha)], rawBeta: [dS * sigmoidOfSoftplusInv(s)] };
    const scale = Math.max(...Object.values(expected).flat().map(Math.abs));
    for (const key of ['z0', 'rawAlpha', 'rawBeta'] as const) {
      const got = grads[layer[key].name].dataSync();
      expected[key].forEach((e, j) => expect(Math.abs(got[j] - e)).toBeLessThan(1e-3 * scale));
    }
    tf.dispose([xt, Rt, value, ...Object.values(grads)]);
    layer.dispose();
  });
});

describe('Radial options', () => {
  it('rejects β ≤ −α (not invertible) and α ≤ 0 with a ValidationError naming the option', () => {
    expect(() => new Radial(2, { alpha: 1, beta: -1 })).toThrow(ValidationError);
    expect(() => new Radial(2, { alpha: 1, beta: -1 })).toThrow(/options\.beta/);
    expect(() => new Radial(2, { alpha: 0 })).toThrow(/options\.alpha/);
    expect(() => new Radial(2, { z0: [1, 2, 3] })).toThrow(/options\.z0/);
  });

  it('default initialisation: near the identity (|β| small), seeded', () => {
    const a = new Radial(3, { seed: 9 });
    const b = new Radial(3, { seed: 9 });
    expect(Array.from(a.z0.dataSync())).toEqual(Array.from(b.z0.dataSync()));
    const z = tf.tensor2d([[0, 0, 0], [1, 2, 3], [-2, 1, 0.5]]);
    const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(a.forward(z).output, z))).dataSync()[0]);
    // ‖f(z) − z‖ = |β| r/(α + r) < |β|, and |β| ≈ 0.1 · |N(0, 1)|.
    expect(moved).toBeGreaterThan(1e-4);
    expect(moved).toBeLessThan(0.5);
    z.dispose();
    a.dispose();
    b.dispose();
  });
});
