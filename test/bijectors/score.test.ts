/**
 * The law of `forwardWithScore` / `inverseWithScore` over the case table: the carried score equals
 * ∂log q/∂x computed independently, from the autodiff Jacobian J = ∂x/∂z and the autodiff gradient of
 * the log-det, solving Jᵀ s = g − ∂logDet/∂z per example in float64.
 */
import { describe, expect, it } from 'vitest';
import { Rng, tf } from '../../src/index.js';
import { bijectorCases } from '../helpers/bijector-cases.js';
import { expectNoLeak } from '../helpers/leaks.js';

/** Per-example Jacobians `[n][dim][dim]` (J[i][k][j] = ∂out_k/∂in_j) of a row-wise map, and the log-det gradient. */
function jacobians(f: (v: tf.Tensor2D) => { output: tf.Tensor2D; logDet: tf.Tensor1D }, x: tf.Tensor2D): { J: number[][][]; dLogDet: number[][] } {
  const [n, d] = x.shape;
  const J = Array.from({ length: n }, () => Array.from({ length: d }, () => new Array<number>(d)));
  for (let k = 0; k < d; k++) {
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.slice(f(v as tf.Tensor2D).output, [0, k], [n, 1])))(x);
    const gv = g.arraySync() as number[][];
    g.dispose();
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) J[i][k][j] = gv[i][j];
  }
  // + 0·Σv: a constant log-det still has a (zero) gradient.
  const gl = tf.grad((v: tf.Tensor) => tf.add(tf.sum(f(v as tf.Tensor2D).logDet), tf.mul(0, tf.sum(v))))(x);
  const dLogDet = gl.arraySync() as number[][];
  gl.dispose();
  return { J, dLogDet };
}

/** Solve A s = b by Gaussian elimination with partial pivoting (float64). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const s = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = M[r][n];
    for (let k = r + 1; k < n; k++) v -= M[r][k] * s[k];
    s[r] = v / M[r][r];
  }
  return s;
}

const transpose = (A: number[][]) => A[0].map((_, j) => A.map((row) => row[j]));
/** Relative error, scaled by the reference's size per example. */
function relError(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => {
    const scale = Math.max(1, ...b[i].map(Math.abs));
    row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j]) / scale)));
  });
  return worst;
}

// Cases whose forward score is carried by autodiff through their inverse (no closed-form rule yet).
const AUTODIFF = /^(MaskedAutoregressive|BatchNorm|IAF|Invert)/;

describe.each(bijectorCases)('$name: carried score', (c) => {
  const tol = 10 * (c.tol ?? 1e-4);
  const rng = new Rng(`score:${c.name}`);
  const n = 8;
  const z = c.domain(rng, n);
  const g = Array.from({ length: n }, () => Array.from({ length: c.dim }, () => rng.normal()));
  const context = c.contextDim ? Array.from({ length: n }, () => Array.from({ length: c.contextDim! }, () => rng.normal())) : undefined;

  it('uses the expected rule', () => {
    const b = c.make();
    expect(b.scoreRule).toBe(AUTODIFF.test(c.name) ? 'autodiff' : 'analytic');
    b.dispose();
  });

  it('forwardWithScore: score = J⁻ᵀ(g − ∂logDet/∂z), output and logDet as forward', () => {
    const b = c.make();
    const zt = tf.tensor2d(z);
    const gt = tf.tensor2d(g);
    const ct = context ? tf.tensor2d(context) : null;
    b.forward(zt, ct).output.dispose(); // ActNorm's data-dependent initialisation happens here, once
    const { J, dLogDet } = jacobians((v) => b.forward(v, ct), zt);
    const expected = J.map((Ji, i) => solve(transpose(Ji), g[i].map((gi, j) => gi - dLogDet[i][j])));
    const r = b.forwardWithScore(zt, gt, ct);
    const f = b.forward(zt, ct);
    expect(relError(r.score.arraySync(), expected)).toBeLessThan(tol);
    expect(relError(r.output.arraySync(), f.output.arraySync())).toBeLessThan(1e-5);
    expect(relError([Array.from(r.logDet.dataSync())], [Array.from(f.logDet.dataSync())])).toBeLessThan(1e-5);
    tf.dispose([r.output, r.logDet, r.score, f.output, f.logDet]);
    expectNoLeak(() => b.forwardWithScore(zt, gt, ct));
    tf.dispose([zt, gt, ...(ct ? [ct] : [])]);
    b.dispose();
  });

  it('inverseWithScore: score = Jᵀ g + ∂log|det J|/∂z at z = inverse(x)', () => {
    const b = c.make();
    const zt = tf.tensor2d(z);
    const gt = tf.tensor2d(g);
    const ct = context ? tf.tensor2d(context) : null;
    const x = tf.tidy(() => b.forward(zt, ct).output);
    const { J, dLogDet } = jacobians((v) => b.forward(v, ct), zt);
    const expected = J.map((Ji, i) => transpose(Ji).map((row, j) => row.reduce((s, v, k) => s + v * g[i][k], 0) + dLogDet[i][j]));
    const r = b.inverseWithScore(x, gt, ct);
    expect(relError(r.score.arraySync(), expected)).toBeLessThan(tol);
    expect(relError(r.output.arraySync(), z)).toBeLessThan(tol);
    tf.dispose([r.output, r.logDet, r.score, x, zt, gt, ...(ct ? [ct] : [])]);
    b.dispose();
  });
});
