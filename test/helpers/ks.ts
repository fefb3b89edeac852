/** Kolmogorov–Smirnov checks against a known CDF, and the standard normal CDF in float64. */

/** Φ(x), by the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - 0.5 * r : 0.5 * r;
}

/** The KS statistic sup |F_n − F| of `values` against `cdf`. */
export function ksStatistic(values: ArrayLike<number>, cdf: (x: number) => number): number {
  const v = Array.from(values).sort((a, b) => a - b);
  const n = v.length;
  let d = 0;
  v.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
  });
  return d;
}

/** The 1% critical value of the one-sample KS statistic for n samples (asymptotic). */
export const ks01 = (n: number) => 1.628 / Math.sqrt(n);
