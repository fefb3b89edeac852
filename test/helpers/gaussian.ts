/** Float64 Gaussian algebra for tests: Cholesky, KL divergence between multivariate normals. */

/** Lower Cholesky factor L of a symmetric positive-definite matrix (S = L Lᵀ). */
export function cholesky(s: number[][]): number[][] {
  const d = s.length;
  const l = s.map(() => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = s[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 0)) throw new Error('cholesky: matrix is not positive definite');
        l[i][i] = Math.sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  return l;
}

/** Solve L y = b for lower-triangular L. */
function forwardSolve(l: number[][], b: number[]): number[] {
  const y: number[] = [];
  for (let i = 0; i < b.length; i++) {
    let v = b[i];
    for (let k = 0; k < i; k++) v -= l[i][k] * y[k];
    y.push(v / l[i][i]);
  }
  return y;
}

/** The inverse of a symmetric positive-definite matrix. */
export function spdInverse(s: number[][]): number[][] {
  const d = s.length;
  const l = cholesky(s);
  // Columns of L⁻¹, then S⁻¹ = L⁻ᵀ L⁻¹.
  const linv = Array.from({ length: d }, (_, j) => forwardSolve(l, Array.from({ length: d }, (_, i) => (i === j ? 1 : 0))));
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => linv[i].reduce((acc, v, k) => acc + v * linv[j][k], 0)));
}

/**
 * KL(N(m1, S1) ‖ N(m2, S2)) = ½ [tr(S2⁻¹ S1) + (m2 − m1)ᵀ S2⁻¹ (m2 − m1) − d + log det S2 − log det S1].
 * With L2 the Cholesky factor of S2: tr(S2⁻¹S1) = ‖L2⁻¹ L1‖²_F and the quadratic form is ‖L2⁻¹(m2 − m1)‖².
 */
export function gaussianKl(m1: number[], s1: number[][], m2: number[], s2: number[][]): number {
  const d = m1.length;
  const l1 = cholesky(s1);
  const l2 = cholesky(s2);
  let trace = 0;
  for (let j = 0; j < d; j++) {
    const col = forwardSolve(l2, l1.map((row) => row[j]));
    trace += col.reduce((a, v) => a + v * v, 0);
  }
  const u = forwardSolve(l2, m2.map((v, i) => v - m1[i]));
  const quad = u.reduce((a, v) => a + v * v, 0);
  const logDet = (l: number[][]) => 2 * l.reduce((a, row, i) => a + Math.log(row[i]), 0);
  return 0.5 * (trace + quad - d + logDet(l2) - logDet(l1));
}

/** A diagonal matrix. */
export const diag = (v: number[]): number[][] => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
