import { describe, expect, it } from 'vitest';
import { AffineTransformer, Invert, MaskedAutoregressive, MaskedAutoregressiveAffine, Rng, ValidationError, bijectorFromConfig, tf } from '../../src/index.js';
import { perturbed } from '../helpers/bijector-cases.js';

const rows = (rng: Rng, n: number, d: number) => tf.tensor2d(rng.normals(n * d), [n, d]);
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => {
  const av = Array.from(a.dataSync());
  const bv = b.dataSync();
  return av.reduce((m, v, i) => Math.max(m, Math.abs(v - bv[i])), 0);
};

describe('MaskedAutoregressiveAffine (MAF)', () => {
  it('starts as exactly the identity', () => {
    const maf = new MaskedAutoregressiveAffine(4, { hidden: [8], contextDim: 1, seed: 0 });
    const x = rows(new Rng('i'), 5, 4);
    const c = rows(new Rng('ic'), 5, 1);
    for (const dir of ['forward', 'inverse'] as const) {
      const r = maf[dir](x, c);
      expect(Array.from(r.output.dataSync())).toEqual(Array.from(x.dataSync()));
      expect(Array.from(r.logDet.dataSync()).every((v) => v === 0)).toBe(true);
      tf.dispose(r);
    }
    tf.dispose([x, c]);
    maf.dispose();
  });

  it('has a triangular density Jacobian in its ordering: latent i depends on data j only if j = i or j comes before i', () => {
    const ordering = [2, 4, 0, 3, 1];
    const rank = new Array<number>(5);
    ordering.forEach((d, k) => (rank[d] = k));
    const maf = perturbed(new MaskedAutoregressiveAffine(5, { hidden: [16, 16], activation: 'tanh', ordering, seed: 1 }), 'tri');
    const y = rows(new Rng('tri'), 8, 5);
    for (let i = 0; i < 5; i++) {
      const g = tf.tidy(() => tf.sum(tf.abs(tf.grad((v: tf.Tensor) => tf.sum(tf.slice(maf.inverse(v as tf.Tensor2D).output, [0, i], [-1, 1])))(y)), 0));
      const gv = g.dataSync();
      for (let j = 0; j < 5; j++) {
        if (rank[j] > rank[i]) expect(gv[j]).toBe(0);
        else expect(gv[j]).toBeGreaterThan(1e-6);
      }
      g.dispose();
    }
    y.dispose();
    maf.dispose();
  });

  it('IAF = Invert(MAF): forward is the MAF inverse and vice versa, log-dets included', () => {
    const maf = perturbed(new MaskedAutoregressiveAffine(3, { hidden: [8], contextDim: 2, seed: 2 }), 'iaf');
    const iaf = new Invert(maf);
    const rng = new Rng('iafx');
    const z = rows(rng, 6, 3);
    const c = rows(rng, 6, 2);
    const a = iaf.forward(z, c);
    const b = maf.inverse(z, c);
    expect(maxDiff(a.output, b.output)).toBe(0);
    expect(maxDiff(a.logDet, b.logDet)).toBe(0);
    const back = iaf.inverse(a.output, c);
    expect(maxDiff(back.output, z)).toBeLessThan(1e-5);
    expect(Math.max(...back.logDet.dataSync().map((v, i) => Math.abs(v + a.logDet.dataSync()[i])))).toBeLessThan(1e-5);
    expect(iaf.trainableVariables).toEqual(maf.trainableVariables);
    expect(bijectorFromConfig(iaf.serialize()).serialize()).toEqual(iaf.serialize());
    tf.dispose([z, c, a, b, back]);
    maf.dispose();
  });

  it('samples (forward, dim passes) exactly what the one-pass density direction inverts', () => {
    // Each pass fixes one more coordinate; a MAF of dim 6 with random ordering round-trips to float32 precision.
    const maf = perturbed(new MaskedAutoregressiveAffine(6, { hidden: [16], ordering: new Rng('o').permutation(6), seed: 3 }), 'passes');
    const z = rows(new Rng('pz'), 20, 6);
    const y = maf.forward(z);
    const back = maf.inverse(y.output);
    expect(maxDiff(back.output, z)).toBeLessThan(1e-5);
    tf.dispose([z, y, back]);
    maf.dispose();
  });

  it.each(['relu', 'elu'] as const)('%s MADE in the natural order (the kernels\' prefix passes): sampling inverts the density direction', (activation) => {
    const maf = perturbed(new MaskedAutoregressiveAffine(9, { hidden: [24, 24], activation, seed: 5 }), `passes-${activation}`);
    const z = rows(new Rng('pz2'), 64, 9);
    const y = maf.forward(z);
    const back = maf.inverse(y.output);
    expect(maxDiff(back.output, z)).toBeLessThan(1e-4);
    expect(maxDiff(y.output, z)).toBeGreaterThan(0.1); // not the identity
    // Under a gradient tape the layer takes TF.js ops instead of the kernels: the same samples.
    let taped: tf.Tensor | null = null;
    tf.grad((zi: tf.Tensor) => {
      taped = tf.keep(maf.forward(zi as tf.Tensor2D).output);
      return tf.sum(taped);
    })(z).dispose();
    expect(maxDiff(taped!, y.output)).toBeLessThan(1e-4);
    tf.dispose([z, y, back, taped!]);
    maf.dispose();
  });

  it('generic class takes any transformer; rejects bad input', () => {
    const ma = new MaskedAutoregressive(new AffineTransformer({ scale: 'softplus' }), 3, { hidden: [6] });
    expect(ma.made.paramsPerDim).toBe(2);
    expect(ma.serialize().config.transformer).toEqual({ className: 'AffineTransformer', config: { scale: 'softplus', clamp: 3 } });
    ma.dispose();
    expect(() => new MaskedAutoregressiveAffine(0)).toThrow(ValidationError);
    expect(() => new MaskedAutoregressiveAffine(3, { ordering: [0, 1, 1] })).toThrow(/permutation/);
    expect(() => new MaskedAutoregressive(null as never, 3)).toThrow(/a Transformer/);
  });
});
