/**
 * Tail-index estimators on one tail of a sample (plain float64 JavaScript, no tensors). Each takes the
 * k + 1 largest values of a sample of excesses over a centre, and estimates the extreme-value index
 * ξ (ξ = 1/ν for a Student-t with ν degrees of freedom, 0 for Gaussian-like tails, ξ > 0 means a power
 * tail P(X > x) ~ x^(−1/ξ)).
 */

/** How a tail index is estimated; see {@link tailIndexOfTop}. */
export type TailMethod = 'hill' | 'moments' | 'kernel';

/** The biweight kernel on [0, 1), the weights of the kernel estimator. */
function biweight(u: number): number {
  return u < 1 ? (1 - u * u) ** 2 : 0;
}

/**
 * The extreme-value index from the `k + 1` largest positive values `top` (descending: `top[0]` the
 * maximum, `top[k]` the threshold). With `Lᵢ = log top[i]`:
 * - `hill` (Hill 1975): `ξ = (1/k) Σ_{i<k} (Lᵢ − L_k)`, for ξ > 0 only (biased up on light tails);
 * - `moments` (Dekkers, Einmahl & de Haan 1989): with `Mⱼ = (1/k) Σ_{i<k} (Lᵢ − L_k)ʲ`,
 *   `ξ = M₁ + 1 − ½ / (1 − M₁²/M₂)`, consistent for every real ξ (about 0 on Gaussian tails);
 * - `kernel` (Csörgő, Deheuvels & Mason 1985): `ξ = Σ_{j≥1} (j/k) K(j/k) (L_{j−1} − L_j) / ((1/k) Σ_{j≥1} K(j/k))`
 *   with the biweight kernel `K(u) = (1 − u²)²` on [0, 1); with `K = 1` it is exactly Hill's.
 */
export function tailIndexOfTop(top: ArrayLike<number>, k: number, method: TailMethod): number {
  const logs = new Float64Array(k + 1);
  for (let i = 0; i <= k; i++) logs[i] = Math.log(top[i]);
  if (method === 'kernel') {
    let num = 0;
    let den = 0;
    for (let j = 1; j <= k; j++) {
      const w = biweight(j / k);
      num += (j / k) * w * (logs[j - 1] - logs[j]);
      den += w / k;
    }
    return num / den;
  }
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < k; i++) {
    const d = logs[i] - logs[k];
    m1 += d;
    m2 += d * d;
  }
  m1 /= k;
  m2 /= k;
  if (method === 'hill') return m1;
  return m1 + 1 - 0.5 / (1 - (m1 * m1) / m2);
}

/**
 * The upper tail of `values` above `centre`: the `k + 1` largest excesses `v − centre`, descending.
 * `null` when fewer than `k + 1` values exceed the centre.
 */
export function topExcesses(values: ArrayLike<number>, centre: number, k: number, sign: 1 | -1): Float64Array | null {
  const ex: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const e = sign * (values[i] - centre);
    if (e > 0) ex.push(e);
  }
  if (ex.length < k + 1) return null;
  const sorted = Float64Array.from(ex).sort();
  return sorted.subarray(sorted.length - k - 1).reverse();
}

/** The median of a sample (float64). */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * Tail value-at-risk at `level` (also called expected shortfall, CVaR):
 * `tVaR_α(X) = E[X | X ≥ VaR_α(X)]`, with `VaR_α` the empirical α-quantile: the mean of the
 * `⌈(1 − α) n⌉` largest values.
 *
 * @example
 * ```ts
 * tailValueAtRisk([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.8); // 9.5
 * ```
 */
export function tailValueAtRisk(values: ArrayLike<number>, level = 0.99): number {
  const s = Float64Array.from(values).sort();
  const m = Math.max(1, Math.ceil((1 - level) * s.length - 1e-9));
  let sum = 0;
  for (let i = s.length - m; i < s.length; i++) sum += s[i];
  return sum / m;
}

/** log Γ(x) for x > 0 in float64 (Lanczos, g = 7, 9 terms; about 1e-15 relative). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * The Student-t scale whose tail matches a sample's tail at its threshold: with `u` the k-th largest
 * excess of n values, `P(X > u) = k/n`, and the t tail `P(T_ν > u/s) ≈ A_ν (u/s)^(−ν)` with
 * `A_ν = Γ((ν+1)/2) ν^((ν−2)/2) / (√π Γ(ν/2))` (so `A₂ = ½`), `s = u · (k / (n A_ν))^(1/ν)`.
 */
export function tailMatchedScale(threshold: number, k: number, n: number, df: number): number {
  const logA = logGamma((df + 1) / 2) + ((df - 2) / 2) * Math.log(df) - 0.5 * Math.log(Math.PI) - logGamma(df / 2);
  return threshold * Math.exp((Math.log(k / n) - logA) / df);
}
