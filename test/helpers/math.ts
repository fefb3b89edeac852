/** Float64 reference maths for tests, written independently of the library. */

/** log Γ(x), Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
export function lgamma64(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma64(1 - x);
  const xx = x - 1;
  let a = c[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** log N(x; mean, sd²) summed over dimensions. */
export function gaussianLogPdf(x: number[], mean: number[], sd: number[]): number {
  return x.reduce((s, xi, i) => s - 0.5 * ((xi - mean[i]) / sd[i]) ** 2 - Math.log(sd[i]) - 0.5 * Math.log(2 * Math.PI), 0);
}

/** Sample mean and (unbiased) variance of each column. */
export function columnMoments(values: ArrayLike<number>, cols: number): { mean: number[]; variance: number[] } {
  const n = values.length / cols;
  const mean = new Array<number>(cols).fill(0);
  const variance = new Array<number>(cols).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) mean[j] += values[i * cols + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) variance[j] += (values[i * cols + j] - mean[j]) ** 2 / (n - 1);
  return { mean, variance };
}
