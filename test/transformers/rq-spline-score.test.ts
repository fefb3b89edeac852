/**
 * The spline transformer's closed-form score terms (one fused kernel pass) against the same terms
 * read off the autodiff tape, and the spline couplings' carried score with and without them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Rng, SplineCoupling, SplineTransformer, neuralSplineFlow, tf } from '../../src/index.js';
import type { Coupling } from '../../src/bijectors/coupling.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

/** max |a − b| / max |b| (the float32 tolerance is relative to the largest entry). */
function relToMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / Math.max(scale, 1e-30);
}

/** Float64 knots −B … B of one unnormalised row (nflows' construction). */
function knots64(u: number[], minBin: number, B: number): number[] {
  const K = u.length;
  const m = Math.max(...u);
  const e = u.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  const out = [-B];
  let acc = 0;
  for (let j = 0; j < K - 1; j++) {
    acc += minBin + (1 - minBin * K) * (e[j] / sum);
    out.push(-B + 2 * B * acc);
  }
  out.push(B);
  return out;
}

/** The score terms as the coupling's fallback reads them off the tape (two vector–Jacobian products). */
function tapeTerms(t: SplineTransformer, x: tf.Tensor2D, p: tf.Tensor3D, g: tf.Tensor2D): { scoreY: Float32Array; dParams: Float32Array } {
  return tf.tidy(() => {
    const [dLdx, dLdp] = tf.grads((xv: tf.Tensor, pv: tf.Tensor) => tf.sum(t.forward(xv as tf.Tensor2D, pv as tf.Tensor3D).logDet))([x, p]);
    const scoreY = tf.mul(tf.sub(g, dLdx), tf.exp(tf.neg(t.forward(x, p).logDet)));
    const dTdp = tf.grad((pv: tf.Tensor) => tf.sum(tf.mul(t.forward(x, pv as tf.Tensor3D).output, scoreY)))(p);
    return { scoreY: scoreY.dataSync() as Float32Array, dParams: tf.add(dTdp, dLdp).dataSync() as Float32Array };
  });
}

describe.each(KERNEL_BACKENDS)('SplineTransformer.scoreTerms on %s', (backend) => {
  useBackend(backend);

  describe.each([true, false])('invert: %s', (invert) => {
    const K = 6;
    const B = 2;
    const t = new SplineTransformer({ bins: K, tailBound: B, invert });
    const P = t.paramsPerDim;
    const batch = 40;
    const dim = 3;
    const rng = new Rng(`score-terms:${invert}`);
    const params = Array.from({ length: batch * dim * P }, () => 1.5 * rng.normal());
    // Inputs: random inside, in both tails, at ±B, and a hair either side of the knots of the map's
    // input side (height knots when the forward map is the spline's inverse).
    const xs = Array.from({ length: batch * dim }, (_, i) => {
      const row = params.slice(i * P, (i + 1) * P);
      const kn = knots64(invert ? row.slice(K, 2 * K) : row.slice(0, K), 1e-3, B);
      const j = 1 + (i % (K - 1));
      switch (i % 8) {
        case 0: return -B - 0.5 - Math.abs(rng.normal());
        case 1: return B + 0.5 + Math.abs(rng.normal());
        case 2: return kn[j] + 1e-6;
        case 3: return kn[j] - 1e-6;
        case 4: return kn[j];
        case 5: return i % 16 === 5 ? B : -B;
        default: return (2 * rng.uniform() - 1) * B;
      }
    });
    const gs = Array.from({ length: batch * dim }, () => rng.normal());

    it('equal the tape’s vector–Jacobian products (tails, knots and ±B included)', () => {
      const x = tf.tensor2d(xs, [batch, dim]);
      const p = tf.tensor3d(params, [batch, dim, P]);
      const g = tf.tensor2d(gs, [batch, dim]);
      const ref = tapeTerms(t, x, p, g);
      const f = t.forward(x, p);
      const c = t.scoreTerms(x, p, g, f)!;
      expect(c).not.toBeNull();
      const scoreY = c.scoreY.dataSync();
      const dParams = c.dParams.dataSync();
      expect(c.dParams.shape).toEqual([batch, dim, P]);
      expect(relToMax(scoreY, ref.scoreY)).toBeLessThan(2e-5);
      expect(relToMax(dParams, ref.dParams)).toBeLessThan(2e-5);
      // Linear tails: identity, so scoreY = g and no parameter terms.
      for (let i = 0; i < xs.length; i++) {
        if (Math.abs(xs[i]) <= B) continue;
        expect(scoreY[i]).toBe(Math.fround(gs[i]));
        expect(dParams.slice(i * P, (i + 1) * P).every((v) => v === 0)).toBe(true);
      }
      tf.dispose([f.output, f.logDet, c.scoreY, c.dParams]);
      expectNoLeak(() => {
        const r = t.scoreTerms(x, p, g, { output: x, logDet: x })!;
        return [r.scoreY, r.dParams];
      });
      tf.dispose([x, p, g]);
    });

    it('read the forward kernel’s cache under a tape: bit-identical to recomputing the knots', () => {
      const x = tf.tensor2d(xs, [batch, dim]);
      const p = tf.tensor3d(params, [batch, dim, P]);
      const g = tf.tensor2d(gs, [batch, dim]);
      const plain = t.scoreTerms(x, p, g, t.forward(x, p))!;
      let cached: Float32Array[] = [];
      // Under a tape the forward kernel fills a cache, and scoreTerms finds it by the output tensor.
      const dummy = tf.grad((s: tf.Tensor) => {
        const f = t.forward(x, p);
        const c = t.scoreTerms(x, p, g, f)!;
        cached = [c.scoreY.dataSync() as Float32Array, c.dParams.dataSync() as Float32Array];
        return tf.mul(s, 1);
      })(tf.scalar(0));
      expect(cached[0]).toEqual(plain.scoreY.dataSync());
      expect(cached[1]).toEqual(plain.dParams.dataSync());
      tf.dispose([x, p, g, plain.scoreY, plain.dParams, dummy]);
    });

    it('at all-zero parameters (the identity): scoreY = g', () => {
      const x = tf.tensor2d(xs, [batch, dim]);
      const p = tf.zeros([batch, dim, P]) as tf.Tensor3D;
      const g = tf.tensor2d(gs, [batch, dim]);
      const c = t.scoreTerms(x, p, g, t.forward(x, p))!;
      expect(relToMax(c.scoreY.dataSync(), Float32Array.from(gs))).toBeLessThan(1e-6);
      const ref = tapeTerms(t, x, p, g);
      expect(relToMax(c.dParams.dataSync(), ref.dParams)).toBeLessThan(2e-5);
      tf.dispose([x, p, g, c.scoreY, c.dParams]);
    });
  });

  it('is null on the op-composed path (the coupling then reads the terms off the tape)', () => {
    const t = new SplineTransformer({ bins: 4 });
    t.splinePath = 'ops';
    const x = tf.zeros([2, 1]) as tf.Tensor2D;
    const p = tf.zeros([2, 1, t.paramsPerDim]) as tf.Tensor3D;
    expect(t.scoreTerms(x, p, x, { output: x, logDet: x })).toBeNull();
    tf.dispose([x, p]);
  });
});

/** Perturb every trainable weight so the conditioners' outputs (spline parameters) are far from zero. */
function perturb(weights: { variable: tf.Variable; trainable: boolean }[], seed: string, sd: number): void {
  const rng = new Rng(seed);
  for (const w of weights) {
    if (!w.trainable) continue;
    const v = Float32Array.from(w.variable.dataSync(), (a) => a + sd * rng.normal());
    w.variable.assign(tf.tensor(v, w.variable.shape));
  }
}

describe.each(KERNEL_BACKENDS)('spline couplings’ carried score on %s', (backend) => {
  useBackend(backend);
  afterEach(() => vi.restoreAllMocks());

  it.each([true, false])('NSF (invert: %s): the closed form runs, and equals the tape fallback and autodiff', (invert) => {
    const dim = 3;
    const flow = neuralSplineFlow({ dim, layers: 3, hidden: [16], bins: 5, tailBound: 2.5, invert, seed: 4 });
    perturb(flow.bijector.weights, `nsf-score:${invert}`, 0.3);
    const rng = new Rng(`nsf-z:${invert}`);
    const n = 12;
    const z = tf.tensor2d(Array.from({ length: n * dim }, () => 1.5 * rng.normal()), [n, dim]);
    const gz = tf.neg(z) as tf.Tensor2D; // score of N(0, I)
    const spy = vi.spyOn(SplineTransformer.prototype, 'scoreTerms');
    const closed = flow.bijector.forwardWithScore(z, gz);
    const closedCalls = spy.mock.results.filter((r) => r.value !== null).length;
    expect(closedCalls).toBe(3);
    spy.mockReturnValue(null);
    const fallback = flow.bijector.forwardWithScore(z, gz);
    spy.mockRestore();
    const a = closed.score.dataSync();
    expect(relToMax(a, fallback.score.dataSync())).toBeLessThan(1e-4);
    // Autodiff: log q(x) = log N(z) − logDet(z), so ∂log q/∂x = J⁻ᵀ ∂(log N(z) − logDet(z))/∂z; check
    // instead the equivalent Jᵀ s = ∂(log N − logDet)/∂z with the autodiff Jacobian J = ∂x/∂z.
    const J = Array.from({ length: dim }, (_, k) => tf.grad((v: tf.Tensor) => tf.sum(tf.slice(flow.bijector.forward(v as tf.Tensor2D).output, [0, k], [n, 1])))(z).arraySync() as number[][]);
    const rhs = tf.grad((v: tf.Tensor) => tf.sub(tf.mul(-0.5, tf.sum(tf.square(v))), tf.sum(flow.bijector.forward(v as tf.Tensor2D).logDet)))(z).arraySync() as number[][];
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++) {
        let jts = 0; // (Jᵀ s)_j = Σ_k J[k][i][j] s_k
        for (let k = 0; k < dim; k++) jts += J[k][i][j] * a[i * dim + k];
        worst = Math.max(worst, Math.abs(jts - rhs[i][j]));
        scale = Math.max(scale, Math.abs(rhs[i][j]));
      }
    }
    // float32 Jacobians of a 3-layer flow: the bijector-case table's score tolerance (1e-3).
    expect(worst / scale).toBeLessThan(1e-3);
    tf.dispose([z, gz, closed.output, closed.logDet, closed.score, fallback.output, fallback.logDet, fallback.score]);
    flow.dispose();
  });

  it('a SplineCoupling with a scattered mask: closed form equals the tape fallback', () => {
    const layer = new SplineCoupling({ mask: [true, false, true, false, false], hidden: [8], bins: 4, tailBound: 2, seed: 3 }) as Coupling;
    perturb(layer.weights, 'scattered', 0.5);
    const rng = new Rng('scattered-z');
    const z = tf.tensor2d(Array.from({ length: 50 }, () => 1.5 * rng.normal()), [10, 5]);
    const g = tf.tensor2d(Array.from({ length: 50 }, () => rng.normal()), [10, 5]);
    const closed = layer.forwardWithScore(z, g);
    vi.spyOn(layer.transformer as SplineTransformer, 'scoreTerms').mockReturnValue(null);
    const fallback = layer.forwardWithScore(z, g);
    expect(relToMax(closed.score.dataSync(), fallback.score.dataSync())).toBeLessThan(1e-4);
    tf.dispose([z, g, closed.output, closed.logDet, closed.score, fallback.output, fallback.logDet, fallback.score]);
    layer.dispose();
  });
});
