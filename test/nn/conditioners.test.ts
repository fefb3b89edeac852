/**
 * The conditioner networks' own laws (the bijector laws are in the case table): dropout only in
 * training mode and seeded; each normalisation's formula; the residual networks' zero start; masked
 * variants autoregressive; the kernel conditioner's formula and data-dependent initialisation.
 */
import { describe, expect, it } from 'vitest';
import {
  Dense, Dropout, HiddenBatchNorm, KernelConditioner, LayerNorm, MLP, MaskedKernelConditioner, MaskedResidualNet, ResidualNet, Rng,
  ValidationError, setTraining, tf,
} from '../../src/index.js';

const values = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

/** Add seeded N(0, sd²) noise to every trainable weight. */
function perturb<M extends { weights: { name: string; variable: tf.Variable; trainable: boolean }[]; setWeights: (v: Record<string, Float32Array>) => void }>(m: M, seed: string, sd = 0.5): M {
  const rng = new Rng(seed);
  m.setWeights(Object.fromEntries(m.weights.map((w) => [w.name, Float32Array.from(w.variable.dataSync(), (v) => (w.trainable ? v + sd * rng.normal() : v))])));
  return m;
}

/** |∂ Σ_b out[b, i, p] / ∂ in[b, j]| summed over the batch and p: [dim][inputs]. */
function dependence(f: (x: tf.Tensor2D) => tf.Tensor3D, x: tf.Tensor2D, dim: number): number[][] {
  return Array.from({ length: dim }, (_, i) =>
    values(tf.tidy(() => tf.sum(tf.abs(tf.grad((v: tf.Tensor) => tf.sum(tf.slice(f(v as tf.Tensor2D), [0, i, 0], [-1, 1, -1])))(x)), 0))),
  );
}

describe('Dropout', () => {
  it('is the identity in evaluation mode and x·m/(1 − p) with m ∈ {0, 1}, about a fraction p of zeros, in training mode', () => {
    const d = new Dropout(0.25, new Rng(1));
    const x = tf.tensor2d(new Rng(2).uniforms(400 * 10, 1, 2), [400, 10]);
    expect(d.apply(x)).toBe(x); // evaluation mode: the input itself
    d.training = true;
    const y = values(d.apply(x));
    const xv = x.dataSync();
    let zeros = 0;
    y.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(xv[i] / 0.75, 5);
    });
    // Binomial(4000, 0.25): sd ≈ 27; ±5 sd.
    expect(Math.abs(zeros - 1000)).toBeLessThan(140);
    x.dispose();
    d.dispose();
  });

  it('is seeded: same seed → same masks call by call; the next call draws a new mask', () => {
    const [a, b] = [new Dropout(0.5, new Rng(7)), new Dropout(0.5, new Rng(7))];
    a.training = b.training = true;
    const x = tf.ones([8, 16]) as tf.Tensor2D;
    const a1 = values(a.apply(x));
    expect(values(b.apply(x))).toEqual(a1);
    const a2 = values(a.apply(x));
    expect(a2).not.toEqual(a1);
    expect(values(b.apply(x))).toEqual(a2);
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });

  it('refuses a rate outside [0, 1)', () => {
    expect(() => new Dropout(1, new Rng(0))).toThrow(ValidationError);
    expect(() => new Dropout(-0.1, new Rng(0))).toThrow(ValidationError);
  });
});

describe('MLP with dropout', () => {
  it('gives the same output twice in evaluation mode, different outputs in training mode; setTraining counts its dropout layers', () => {
    const net = perturb(new MLP(3, 4, { hidden: [16, 16], dropout: 0.3, seed: 1 }), 'mlpd');
    const x = tf.tensor2d(new Rng(3).normals(5 * 3), [5, 3]);
    const e1 = values(tf.tidy(() => net.apply(x, null)));
    expect(values(tf.tidy(() => net.apply(x, null)))).toEqual(e1);
    expect(setTraining(net, true)).toBe(2);
    const t1 = values(tf.tidy(() => net.apply(x, null)));
    const t2 = values(tf.tidy(() => net.apply(x, null)));
    expect(t1).not.toEqual(t2);
    expect(t1).not.toEqual(e1);
    setTraining(net, false);
    expect(values(tf.tidy(() => net.apply(x, null)))).toEqual(e1);
    x.dispose();
    net.dispose();
  });
});

describe('normalisations', () => {
  it('weight norm: W = g · V/‖V‖ per column, and starts as the unnormalised layer', () => {
    const plain = new Dense(3, 4, new Rng(5));
    const wn = new Dense(3, 4, new Rng(5), { weightNorm: true });
    const x = tf.tensor2d(new Rng(6).normals(6), [2, 3]);
    const a = values(plain.apply(x));
    values(wn.apply(x)).forEach((v, i) => expect(v).toBeCloseTo(a[i], 5));
    // Double every gain and set V to twice its value: W doubles (the direction is unchanged).
    const v = wn.kernel.dataSync();
    const g = wn.gain!.dataSync();
    wn.setWeights({ kernel: Float32Array.from(v, (u) => 2 * u), bias: new Float32Array(4), gain: Float32Array.from(g, (u) => 2 * u) });
    const xv = x.dataSync();
    const out = values(wn.apply(x));
    for (let r = 0; r < 2; r++) for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let i = 0; i < 3; i++) s += xv[r * 3 + i] * 2 * v[i * 4 + j];
      expect(out[r * 4 + j]).toBeCloseTo(s, 4);
    }
    tf.dispose(x);
    plain.dispose();
    wn.dispose();
  });

  it('layer norm: each row standardised, then γ ⊙ · + β', () => {
    const ln = new LayerNorm(5);
    ln.setWeights({ gain: [1, 2, 1, 1, 0.5], bias: [0, 0, 1, 0, 0] });
    const row = [1, 4, -2, 0.5, 3];
    const mean = row.reduce((s, v) => s + v, 0) / 5;
    const sd = Math.sqrt(row.reduce((s, v) => s + (v - mean) ** 2, 0) / 5 + 1e-5);
    const expected = row.map((v, i) => ((v - mean) / sd) * [1, 2, 1, 1, 0.5][i] + [0, 0, 1, 0, 0][i]);
    values(tf.tidy(() => ln.apply(tf.tensor2d([row])))).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    ln.dispose();
  });

  it('hidden batch norm: batch moments and a momentum-0.9 running update in training mode, running moments in evaluation mode', () => {
    const bn = new HiddenBatchNorm(1);
    const h = tf.tensor2d([[1], [3], [8]]);
    const mean = 4;
    const variance = (9 + 1 + 16) / 3;
    expect(values(tf.tidy(() => bn.apply(h)))).toEqual([1, 3, 8].map((v) => Math.fround(v / Math.sqrt(1 + 1e-5))).map((v) => expect.closeTo(v, 5)));
    bn.training = true;
    values(tf.tidy(() => bn.apply(h))).forEach((v, i) => expect(v).toBeCloseTo(([1, 3, 8][i] - mean) / Math.sqrt(variance + 1e-5), 5));
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(0.1 * mean, 6);
    expect(bn.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * variance, 5);
    h.dispose();
    bn.dispose();
  });
});

describe('residual networks', () => {
  it('output exactly 0 at initialisation, with every norm', () => {
    for (const norm of ['none', 'batch', 'layer', 'weight'] as const) {
      const net = new ResidualNet(3, 5, { hidden: [8, 8], norm, dropout: 0.1, contextDim: 2, seed: 1 });
      const out = values(tf.tidy(() => net.apply(tf.ones([4, 3]), tf.ones([4, 2]))));
      expect(out).toEqual(new Array(20).fill(0));
      net.dispose();
    }
  });

  it('is h₀ + Σ blocks: with the block outputs zeroed it is W_L · W₀ u (a linear map)', () => {
    const net = perturb(new ResidualNet(2, 3, { hidden: [6], seed: 2 }), 'rn');
    // Zero the block's second layer: h = W₀u + b₀, out = W_L h + b_L.
    const w = Object.fromEntries(net.weights.map((x) => [x.name, Float32Array.from(x.variable.dataSync())]));
    w['2/kernel'].fill(0);
    w['2/bias'].fill(0);
    net.setWeights(w);
    const u = [0.3, -1.2];
    const h = Array.from({ length: 6 }, (_, j) => u[0] * w['0/kernel'][j] + u[1] * w['0/kernel'][6 + j] + w['0/bias'][j]);
    const expected = Array.from({ length: 3 }, (_, k) => h.reduce((s, hj, j) => s + hj * w['3/kernel'][j * 3 + k], w['3/bias'][k]));
    values(tf.tidy(() => net.apply(tf.tensor2d([u]), null))).forEach((v, k) => expect(v).toBeCloseTo(expected[k], 5));
    net.dispose();
  });

  it('masked: output i depends on exactly the inputs before i in the ordering (and on the context)', () => {
    const dim = 5;
    const ordering = [3, 0, 4, 1, 2];
    const net = perturb(new MaskedResidualNet(dim, 2, { hidden: [10, 10], activation: 'tanh', ordering, contextDim: 1, seed: 3 }), 'mrn');
    const rng = new Rng(4);
    const x = tf.tensor2d(rng.normals(8 * dim), [8, dim]);
    const ctx = tf.tensor2d(rng.normals(8), [8, 1]);
    const dep = dependence((v) => net.apply(v, ctx), x, dim);
    const rank = ordering.map((_, d) => ordering.indexOf(d));
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) {
      if (rank[j] < rank[i]) expect(dep[i][j]).toBeGreaterThan(1e-6);
      else expect(dep[i][j]).toBe(0);
    }
    expect(() => new MaskedResidualNet(3, 2, { norm: 'layer' })).toThrow(ValidationError);
    expect(() => new ResidualNet(3, 2, { hidden: [8, 16] })).toThrow(ValidationError);
    tf.dispose([x, ctx]);
    net.dispose();
  });
});

describe('kernel conditioners', () => {
  it('initialises its points from rows of the first batch and its length-scale from their median distance; output 0 at first', () => {
    const k = new KernelConditioner(1, 2, { points: 4, seed: 1 });
    const rows = [[-2], [-1], [0.5], [3], [7], [10]];
    const out = values(tf.tidy(() => k.apply(tf.tensor2d(rows), null)));
    expect(out).toEqual(new Array(12).fill(0));
    const pts = Array.from(k.centres.dataSync());
    const flat = rows.map((r) => r[0]);
    pts.forEach((p) => expect(flat).toContain(p));
    expect(new Set(pts).size).toBe(4);
    const d = [];
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) d.push(Math.abs(pts[i] - pts[j]));
    d.sort((a, b) => a - b);
    expect(Math.exp(k.logLengthScale.dataSync()[0])).toBeCloseTo(d[3], 5);
    expect(k.initialized.dataSync()[0]).toBe(1);
    // A second batch leaves the points alone.
    tf.tidy(() => k.apply(tf.tensor2d([[100], [200]]), null));
    expect(Array.from(k.centres.dataSync())).toEqual(pts);
    k.dispose();
  });

  it('computes Σᵢ exp(−‖u − ũᵢ‖² / 2ℓ²) Aᵢ (with the context appended to u)', () => {
    const k = new KernelConditioner(2, 1, { points: 2, contextDim: 1, seed: 1 });
    const centres = [[0, 1, -1], [2, 0, 0.5]];
    const A = [0.7, -1.3];
    const ell = 1.6;
    k.setWeights({ centres: centres.flat(), logLengthScale: [Math.log(ell)], coefficients: A, initialized: [1] });
    const u = [0.4, -0.2, 0.9];
    const expected = centres.reduce((s, c, i) => s + Math.exp(-c.reduce((t, ci, j) => t + (u[j] - ci) ** 2, 0) / (2 * ell * ell)) * A[i], 0);
    const out = values(tf.tidy(() => k.apply(tf.tensor2d([u.slice(0, 2)]), tf.tensor2d([[u[2]]]))));
    expect(out[0]).toBeCloseTo(expected, 5);
    k.dispose();
  });

  it('masked: output i depends on exactly the inputs before i; the first one is constant without a context', () => {
    const dim = 4;
    const ordering = [2, 0, 3, 1];
    const k = new MaskedKernelConditioner(dim, 3, { points: 6, ordering, seed: 2 });
    const rng = new Rng(5);
    const x = tf.tensor2d(rng.normals(10 * dim), [10, dim]);
    tf.tidy(() => k.apply(x, null)); // initialise the points from x
    perturb(k, 'mk', 0.5);
    const dep = dependence((v) => k.apply(v, null), x, dim);
    const rank = ordering.map((_, d) => ordering.indexOf(d));
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) {
      if (rank[j] < rank[i]) expect(dep[i][j]).toBeGreaterThan(1e-6);
      else expect(dep[i][j]).toBe(0);
    }
    x.dispose();
    k.dispose();
  });
});
