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

/** Sample mean and variance of each column: unbiased (n − 1) by default, biased (n) with `biased: true`. */
export function columnMoments(values: ArrayLike<number>, cols: number, { biased = false } = {}): { mean: number[]; variance: number[] } {
  const n = values.length / cols;
  const mean = new Array<number>(cols).fill(0);
  const variance = new Array<number>(cols).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) mean[j] += values[i * cols + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) variance[j] += (values[i * cols + j] - mean[j]) ** 2 / (biased ? n : n - 1);
  return { mean, variance };
}

/** Row-major n×n float64 matrix product a·b. */
export function matMul64(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
  return out;
}

/**
 * Gauss–Jordan elimination with partial pivoting on a row-major n×n matrix: log |det a| and a⁻¹, in float64.
 * (Independent of the library's own log-det code.)
 */
export function invert64(a: ArrayLike<number>, n: number): { logAbsDet: number; inverse: Float64Array } {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  let logAbsDet = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    for (const t of [m, inv]) for (let j = 0; j < n; j++) [t[c * n + j], t[p * n + j]] = [t[p * n + j], t[c * n + j]];
    const pivot = m[c * n + c];
    logAbsDet += Math.log(Math.abs(pivot));
    for (let j = 0; j < n; j++) {
      m[c * n + j] /= pivot;
      inv[c * n + j] /= pivot;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c];
      for (let j = 0; j < n; j++) {
        m[r * n + j] -= f * m[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return { logAbsDet, inverse: inv };
}

const softplus64 = (s: number) => (s > 30 ? s : Math.log1p(Math.exp(s)));

/** The affine transformer's forward log-scale in float64, for each scale map and soft clamp. */
export function affineLogScale64(map: 'exp' | 'softplus', clamp: number | null, s: number): number {
  if (map === 'softplus') return Math.log(softplus64(s) + 1e-3) - Math.log(Math.LN2 + 1e-3);
  return clamp === null ? s : clamp * Math.tanh(s / clamp);
}
