import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Planar, Rng, ValidationError, tf } from '../../src/index.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { type Planar64, planarForward64, planarInverse64 } from '../helpers/radial-planar64.js';

interface PlanarVectorCase {
  name: string;
  d: number;
  act: 'tanh' | 'leaky_relu';
  leaky_relu_negative_slope: number | null;
  u: number[][];
  w: number[][];
  b: number[];
  u_hat: number[][];
  w_dot_u_hat: number;
  inputs: number[][];
  forward_outputs: number[][];
  forward_log_det: number[];
  inverse_of_forward_outputs?: number[][];
  inverse_log_det?: number[];
}

const vectors = JSON.parse(readFileSync(new URL('../../../shared/testdata/planar_normflows_vectors.json', import.meta.url), 'utf8')) as { cases: PlanarVectorCase[] };

const F32 = 2 ** -24;
const make = (c: PlanarVectorCase) =>
  new Planar(c.d, { activation: c.act, ...(c.act === 'leaky_relu' ? { slope: c.leaky_relu_negative_slope! } : {}), u: c.u[0], w: c.w[0], b: c.b[0] });

/**
 * Float32 tolerance of the inverse at data point x: the inverse moves x along û by h(t), with
 * t = (wᵀx + b)/(1 + a wᵀû) in the worst (flattest) case, so the float32 rounding of x alone (relative
 * 2⁻²⁴ per value, 4× for the arithmetic) is amplified by ‖û‖ Σ|wⱼxⱼ| / (1 + a wᵀû).
 */
function inverseTolerance(uHat: number[], w: number[], b: number, wuHat: number, slopes: number[], x: number[]): number {
  const spread = x.reduce((s, v, j) => s + Math.abs(v * w[j]), Math.abs(b));
  const flattest = Math.min(...slopes.map((a) => 1 + a * wuHat), 1);
  return 1e-5 + (4 * F32 * Math.hypot(...uHat) * spread) / flattest;
}

const caseTolerance = (c: PlanarVectorCase, x: number[]) =>
  inverseTolerance(c.u_hat[0], c.w[0], c.b[0], c.w_dot_u_hat, c.act === 'tanh' ? [1] : [c.leaky_relu_negative_slope!, 1], x);

function maxAbs(a: ArrayLike<number>, b: number[]): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Planar reproduces normflows (planar_normflows_vectors.json)', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s: forward outputs and log-dets within 1e-5 (float32)', (_, c) => {
    const p = make(c);
    const r = p.forward(tf.tensor2d(c.inputs));
    expect(maxAbs(r.output.dataSync(), c.forward_outputs.flat())).toBeLessThan(1e-5);
    expect(maxAbs(r.logDet.dataSync(), c.forward_log_det)).toBeLessThan(1e-5);
    tf.dispose(r);
    p.dispose();
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s: inverse of the forward outputs (analytic for leaky ReLU, numerical for tanh)', (_, c) => {
    const p = make(c);
    expect(p.inverseKind).toBe(c.act === 'leaky_relu' ? 'analytic' : 'numerical');
    const y = tf.tensor2d(c.forward_outputs);
    const r = p.inverse(y);
    const z = r.output.arraySync();
    const ld = r.logDet.dataSync();
    // The reference inverse (normflows' closed form for leaky ReLU; the inputs themselves for tanh).
    const expected = c.inverse_of_forward_outputs ?? c.inputs;
    const expectedLogDet = c.inverse_log_det ?? c.forward_log_det.map((v) => -v);
    c.forward_outputs.forEach((x, i) => {
      const tol = caseTolerance(c, x);
      for (let j = 0; j < c.d; j++) expect(Math.abs(z[i][j] - expected[i][j])).toBeLessThan(tol);
      expect(Math.abs(ld[i] - expectedLogDet[i])).toBeLessThan(1e-5);
    });
    tf.dispose([y, r]);
    p.dispose();
  });
});

const randomPlanar = (rng: Rng, dim: number, act: 'tanh' | 'leaky_relu'): Planar64 => ({
  u: Array.from({ length: dim }, () => 1.5 * rng.normal()),
  w: Array.from({ length: dim }, () => rng.normal()),
  b: rng.normal(),
  act,
  ...(act === 'leaky_relu' ? { slope: 0.35 } : {}),
});

const toLayer = (p: Planar64) => new Planar(p.u.length, { activation: p.act, ...(p.slope ? { slope: p.slope } : {}), u: p.u, w: p.w, b: p.b });

describe('Planar against float64 maths (random parameters, bisection inverse)', () => {
  for (const act of ['tanh', 'leaky_relu'] as const) {
    it(`${act}: forward within 1e-5 and inverse of arbitrary data points within 1e-5 (more where the layer is ill-conditioned)`, () => {
      const rng = new Rng(`planar64:${act}`);
      for (let trial = 0; trial < 6; trial++) {
        const dim = 2 + (trial % 4);
        const p64 = randomPlanar(rng, dim, act);
        const layer = toLayer(p64);
        const pts = Array.from({ length: 16 }, () => Array.from({ length: dim }, () => 2 * rng.normal()));
        const xt = tf.tensor2d(pts);
        const f = layer.forward(xt);
        const inv = layer.inverse(xt);
        const [fo, fl, io, il] = [f.output.arraySync(), f.logDet.dataSync(), inv.output.arraySync(), inv.logDet.dataSync()];
        pts.forEach((x, i) => {
          const ref = planarForward64(p64, x);
          const back = planarInverse64(p64, x);
          for (let j = 0; j < dim; j++) {
            expect(Math.abs(fo[i][j] - ref.x[j])).toBeLessThan(1e-5);
            expect(Math.abs(io[i][j] - back.z[j])).toBeLessThan(inverseTolerance(back.uHat, p64.w, p64.b, back.wuHat, [p64.slope ?? 1, 1], x));
          }
          expect(Math.abs(fl[i] - ref.logDet)).toBeLessThan(1e-5);
          expect(Math.abs(il[i] - back.logDet)).toBeLessThan(1e-5);
        });
        tf.dispose([xt, f, inv]);
        layer.dispose();
      }
    });
  }

  it('tanh: the numerical inverse converges where 1 + wᵀû is tiny (wᵀu = −12: wᵀû = −1 + 6e-6)', () => {
    const p64: Planar64 = { u: [-12, 0], w: [1, 0], b: 0.1, act: 'tanh' };
    const layer = toLayer(p64);
    const pts = [[0.1, 0.3], [-0.1, 2], [0.05, -1], [1.5, 0], [-3, 0.2]];
    const r = layer.inverse(tf.tensor2d(pts));
    const z = r.output.arraySync();
    pts.forEach((x, i) => {
      const back = planarInverse64(p64, x);
      // t is determined to ~float32 rounding / (1 + wᵀû sech² t): loose where the map is flattest.
      for (let j = 0; j < 2; j++) expect(Math.abs(z[i][j] - back.z[j])).toBeLessThan(1e-2);
    });
    expect(Array.from(r.logDet.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose(r);
    layer.dispose();
  });
});

describe('Planar numerical inverse is differentiable in the weights', () => {
  it('tanh: gradient of Σ R·z + Σ logDet (inverse direction) matches float64 central differences within 1e-3 relative', () => {
    const rng = new Rng('planar-grad');
    const p64 = randomPlanar(rng, 3, 'tanh');
    const layer = toLayer(p64);
    const pts = Array.from({ length: 8 }, () => Array.from({ length: 3 }, () => 1.5 * rng.normal()));
    const R = pts.map(() => [rng.normal(), rng.normal(), rng.normal()]);
    const loss64 = (p: Planar64) =>
      pts.reduce((s, x, i) => {
        const { z, logDet } = planarInverse64(p, x);
        return s + z.reduce((a, v, j) => a + R[i][j] * v, 0) + logDet;
      }, 0);
    const xt = tf.tensor2d(pts);
    const Rt = tf.tensor2d(R);
    const { grads } = tf.variableGrads(() => {
      const r = layer.inverse(xt);
      return tf.add(tf.sum(tf.mul(r.output, Rt)), tf.sum(r.logDet)) as tf.Scalar;
    });
    const h = 1e-6;
    const fd = (key: 'u' | 'w', j: number) => {
      const up = structuredClone(p64);
      const dn = structuredClone(p64);
      up[key][j] += h;
      dn[key][j] -= h;
      return (loss64(up) - loss64(dn)) / (2 * h);
    };
    const expected = {
      u: [0, 1, 2].map((j) => fd('u', j)),
      w: [0, 1, 2].map((j) => fd('w', j)),
      b: [(loss64({ ...p64, b: p64.b + h }) - loss64({ ...p64, b: p64.b - h })) / (2 * h)],
    };
    const scale = Math.max(...Object.values(expected).flat().map(Math.abs));
    for (const key of ['u', 'w', 'b'] as const) {
      const got = grads[layer[key].name].dataSync();
      expected[key].forEach((e, j) => expect(Math.abs(got[j] - e)).toBeLessThan(1e-3 * scale));
    }
    tf.dispose([xt, Rt, ...Object.values(grads)]);
    layer.dispose();
  });

  it('leaks no tensors in the gradient of the numerical inverse', () => {
    const layer = new Planar(2, { seed: 5, initScale: 1 });
    const x = tf.tensor2d([[0.3, -0.2], [1, 2]]);
    expectNoLeak(() => tf.variableGrads(() => tf.sum(layer.inverse(x).logDet) as tf.Scalar));
    expectNoLeak(() => tf.grad((v: tf.Tensor) => tf.sum(layer.inverse(v as tf.Tensor2D).output))(x));
    x.dispose();
    layer.dispose();
  });
});

describe('Planar default initialisation', () => {
  it('is a small perturbation of the identity (‖û‖ ≈ initScale) with non-zero gradients in u, w and b', () => {
    const layer = new Planar(3, { seed: 11, initScale: 0.1 });
    const w = Array.from(layer.w.dataSync());
    expect(Math.hypot(...w)).toBeCloseTo(1, 6);
    const z = tf.tensor2d(Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(3 * i), (i % 7) - 3]));
    const r = layer.forward(z);
    const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(r.output, z))).dataSync()[0]);
    expect(moved).toBeGreaterThan(1e-3);
    expect(moved).toBeLessThan(0.5); // |h| ≤ 1 and ‖û‖ ≈ 0.1 (a 5σ draw of ε would still be < 0.5)
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(layer.forward(z).output)) as tf.Scalar);
    for (const v of [layer.u, layer.w, layer.b]) expect(tf.tidy(() => tf.max(tf.abs(grads[v.name])).dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose([z, r, ...Object.values(grads)]);
    layer.dispose();
  });

  it('u = κ w/‖w‖² with κ = log(e − 1) is exactly the identity (û = 0), while u = 0 is not', () => {
    const w = [0.6, -0.8];
    const identity = new Planar(2, { w, u: w.map((v) => Math.log(Math.E - 1) * v), b: 0.3 });
    const zeroU = new Planar(2, { w, u: [0, 0], b: 0.3 });
    const z = tf.tensor2d([[1, 2], [-0.5, 0.25]]);
    const a = identity.forward(z);
    const b = zeroU.forward(z);
    expect(maxAbs(a.output.dataSync(), [1, 2, -0.5, 0.25])).toBeLessThan(1e-6);
    expect(maxAbs(a.logDet.dataSync(), [0, 0])).toBeLessThan(1e-6);
    // u = 0: wᵀû = log 2 − 1, so the layer contracts along w.
    expect(maxAbs(b.output.dataSync(), [1, 2, -0.5, 0.25])).toBeGreaterThan(0.05);
    tf.dispose([z, a, b]);
    identity.dispose();
    zeroU.dispose();
  });

  it('same seed, same weights', () => {
    const a = new Planar(4, { seed: 'x' });
    const b = new Planar(4, { seed: 'x' });
    expect(Array.from(a.u.dataSync())).toEqual(Array.from(b.u.dataSync()));
    expect(Array.from(a.w.dataSync())).toEqual(Array.from(b.w.dataSync()));
    a.dispose();
    b.dispose();
  });
});

describe('Planar options are validated', () => {
  it.each([
    ['slope with tanh', { slope: 0.1 }, 'options.slope'],
    ['slope 0', { activation: 'leaky_relu', slope: 0 }, 'options.slope'],
    ['slope > 1 (not invertible)', { activation: 'leaky_relu', slope: 1.5 }, 'options.slope'],
    ['unknown activation', { activation: 'relu' }, 'options.activation'],
    ['w all zero', { w: [0, 0] }, 'options.w'],
    ['u of the wrong length', { u: [1, 2, 3] }, 'options.u'],
    ['unknown option', { alpha: 1 }, 'options'],
  ])('%s → ValidationError naming %s', (_, options, arg) => {
    let err: unknown;
    try {
      new Planar(2, options as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).argument).toBe(arg);
  });
});
