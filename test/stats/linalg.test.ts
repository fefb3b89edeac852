/** Dense float64 linear algebra: checked against hand-worked factors and the defining identities. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { cholesky, invertLower, logDetFromCholesky, matmul, solveLower, transpose } from '../../src/stats/linalg.js';

const A = [
  [4, 2, -2],
  [2, 10, 5],
  [-2, 5, 11],
];

describe('cholesky', () => {
  it('matches the hand-worked factor and reproduces A = L Lᵀ', () => {
    const L = cholesky(A);
    // L00 = 2, L10 = 1, L20 = -1, L11 = √(10 - 1) = 3, L21 = (5 + 1)/3 = 2, L22 = √(11 - 1 - 4) = √6
    const expected = [
      [2, 0, 0],
      [1, 3, 0],
      [-1, 2, Math.sqrt(6)],
    ];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(L[i][j]).toBeCloseTo(expected[i][j], 14);
    const back = matmul(L, transpose(L));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(back[i][j]).toBeCloseTo(A[i][j], 12);
  });

  it('log det from the factor equals the cofactor determinant', () => {
    const det = A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) - A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) + A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
    expect(det).toBe(216); // (2 · 3 · √6)²
    expect(logDetFromCholesky(cholesky(A))).toBeCloseTo(Math.log(216), 13);
  });

  it('names the collinear column of a singular matrix and the negative pivot of an indefinite one', () => {
    // column 2 = column 0 + column 1 of a Gram matrix → pivot 2 vanishes
    const X = [
      [1, 0, 1],
      [0, 1, 1],
      [1, 1, 2],
      [2, -1, 1],
    ];
    const G = matmul(transpose(X), X);
    expect(() => cholesky(G, { fn: 'f', argument: 'cov' })).toThrow(ValidationError);
    expect(() => cholesky(G, { fn: 'f', argument: 'cov' })).toThrow(/f: argument 'cov'.*column 2 is \(numerically\) a linear combination of columns 0\.\.1/);
    expect(() => cholesky([[1, 2], [2, 1]])).toThrow(/column 1/);
    expect(() => cholesky([[-1]])).toThrow(/column 0/);
    expect(() => cholesky([[1, 0], [0]])).toThrow(/square/);
  });
});

describe('triangular solves', () => {
  const L = cholesky(A);
  it('solveLower solves L y = b', () => {
    const b = [1, -2, 3];
    const y = solveLower(L, b);
    for (let i = 0; i < 3; i++) expect(L[i].reduce((s, v, k) => s + v * y[k], 0)).toBeCloseTo(b[i], 13);
  });
  it('invertLower gives a lower-triangular L⁻¹ with L L⁻¹ = I', () => {
    const inv = invertLower(L);
    expect(inv[0][1]).toBe(0);
    expect(inv[0][2]).toBe(0);
    expect(inv[1][2]).toBe(0);
    const I = matmul(L, inv);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(I[i][j]).toBeCloseTo(i === j ? 1 : 0, 13);
  });
});
