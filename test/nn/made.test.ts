import { describe, expect, it } from 'vitest';
import { MADE, Rng, ValidationError, tf } from '../../src/index.js';

/** |∂ Σ_b out[b, i, p] / ∂ in[b, j]| summed over the batch, for every (i, p, j): [dim][P][inputs]. */
function connectivity(f: (x: tf.Tensor2D) => tf.Tensor3D, x: tf.Tensor2D, dim: number, P: number): number[][][] {
  const out: number[][][] = [];
  for (let i = 0; i < dim; i++) {
    out.push([]);
    for (let p = 0; p < P; p++) {
      const g = tf.tidy(() => tf.sum(tf.abs(tf.grad((v: tf.Tensor) => tf.sum(tf.slice(f(v as tf.Tensor2D), [0, i, p], [-1, 1, 1])))(x)), 0));
      out[i].push(Array.from(g.dataSync()));
      g.dispose();
    }
  }
  return out;
}

function perturb(made: MADE, seed: string): void {
  const rng = new Rng(seed);
  made.setWeights(Object.fromEntries(made.weights.map((w) => [w.name, Float32Array.from(w.variable.dataSync(), (v) => v + 0.5 * rng.normal())])));
}

describe('MADE', () => {
  it.each([
    [1, 2],
    [2, 0],
    [3, 2],
    [4, 0],
  ])('output i depends exactly on the inputs before i in a random ordering (seed %i, context %i)', (seed, contextDim) => {
    const dim = 6;
    const P = 3;
    const rng = new Rng(`made-order-${seed}`);
    const ordering = rng.permutation(dim);
    // tanh: no dead ReLU units, so every allowed path carries a non-zero derivative.
    const made = new MADE(dim, P, { hidden: [12, 12], activation: 'tanh', contextDim, ordering, seed });
    perturb(made, `w${seed}`);
    const rank = new Array<number>(dim);
    ordering.forEach((d, k) => (rank[d] = k));
    const x = tf.tensor2d(rng.normals(16 * dim), [16, dim]);
    const ctx = contextDim ? tf.tensor2d(rng.normals(16 * contextDim), [16, contextDim]) : null;
    const conn = connectivity((v) => made.apply(v, ctx), x, dim, P);
    for (let i = 0; i < dim; i++) {
      for (let p = 0; p < P; p++) {
        for (let j = 0; j < dim; j++) {
          // Masked connections are exactly zero; allowed ones are non-zero (hidden ≥ dim − 1 connects them all).
          if (rank[j] >= rank[i]) expect(conn[i][p][j]).toBe(0);
          else expect(conn[i][p][j]).toBeGreaterThan(1e-6);
        }
      }
    }
    // The context reaches every output, the first in the ordering included.
    if (ctx) {
      const ctxConn = connectivity((c) => made.apply(x, c), ctx, dim, P);
      for (let i = 0; i < dim; i++) for (let p = 0; p < P; p++) expect(Math.max(...ctxConn[i][p])).toBeGreaterThan(1e-6);
    }
    tf.dispose([x, ...(ctx ? [ctx] : [])]);
    made.dispose();
  });

  it('starts at all-zero parameters and lays outputs out as [batch, dim, paramsPerDim]', () => {
    const made = new MADE(4, 5, { hidden: [8], seed: 0 });
    const out = tf.tidy(() => made.apply(tf.ones([3, 4]) as tf.Tensor2D, null));
    expect(out.shape).toEqual([3, 4, 5]);
    expect(Array.from(out.dataSync()).every((v) => v === 0)).toBe(true);
    out.dispose();
    made.dispose();
  });

  it('with one dimension, depends on the context only', () => {
    const made = new MADE(1, 2, { hidden: [4], contextDim: 1, seed: 0 });
    perturb(made, 'one');
    const x = tf.tensor2d([[0.3], [1.2]]);
    const c = tf.tensor2d([[1], [-2]]);
    const dx = connectivity((v) => made.apply(v, c), x, 1, 2);
    const dc = connectivity((v) => made.apply(x, v), c, 1, 2);
    expect(dx[0].flat().every((v) => v === 0)).toBe(true);
    expect(Math.max(...dc[0].flat())).toBeGreaterThan(1e-6);
    tf.dispose([x, c]);
    made.dispose();
  });

  it('rejects a bad ordering', () => {
    expect(() => new MADE(3, 2, { ordering: [0, 0, 1] })).toThrow(ValidationError);
    expect(() => new MADE(3, 2, { ordering: [0, 1] })).toThrow(/permutation of 0 … 2/);
  });
});
