/**
 * Convergence and efficiency diagnostics for any set of chains of one scalar (Vehtari, Gelman,
 * Simpson, Carpenter & Bürkner 2021, "Rank-normalization, folding, and localization", as Stan and
 * ArviZ compute them). `chains[m][i]` is draw i of chain m; all chains have the same length.
 *
 * - autocorrelation ρ̂ₜ combined over chains: ρ̂ₜ = 1 − (W − mean_m γ̂ₘ(t)) / var⁺, with W the mean
 *   within-chain variance and var⁺ = (N−1)/N W + B/N;
 * - ESS = MN / τ̂, τ̂ = −1 + 2 Σₖ Pₖ over Geyer's initial positive, monotone pair sums Pₖ = ρ̂₂ₖ + ρ̂₂ₖ₊₁;
 * - bulk ESS: ESS of the rank-normalised split chains; tail ESS: the smaller ESS of the indicators
 *   I(x ≤ q₀.₀₅), I(x ≤ q₀.₉₅) on split chains;
 * - split R̂: max of √(var⁺/W) on the rank-normalised split chains and on their folded values |x − median|;
 * - integrated autocorrelation time τ = MN / ESS (split chains, no ranks).
 */
import { ValidationError, describe } from '../errors.js';

function check(fn: string, chains: ArrayLike<number>[], minLength = 4): void {
  if (!Array.isArray(chains) || chains.length === 0) throw new ValidationError(fn, 'chains', 'a non-empty array of chains (arrays of numbers)', describe(chains));
  const n = chains[0]?.length;
  chains.forEach((c, m) => {
    if (c?.length !== n) throw new ValidationError(fn, `chains[${m}]`, `an array of ${n} numbers (as chains[0])`, describe(c));
    for (let i = 0; i < n; i++) if (!Number.isFinite(c[i])) throw new ValidationError(fn, `chains[${m}][${i}]`, 'a finite number', describe(c[i]));
  });
  if (n < minLength) throw new ValidationError(fn, 'chains', `chains of at least ${minLength} draws`, `${n}`);
}

/** Each chain cut into its first and second halves (the middle draw dropped when N is odd). */
export function splitChains(chains: ArrayLike<number>[]): number[][] {
  const half = Math.floor(chains[0].length / 2);
  return chains.flatMap((c) => {
    const a = Array.from(c);
    return [a.slice(0, half), a.slice(a.length - half)];
  });
}

const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
};

/** W, B/N and var⁺ of a set of chains. */
function variances(chains: number[][]): { w: number; varPlus: number; means: number[] } {
  const m = chains.length;
  const n = chains[0].length;
  const means = chains.map(mean);
  const w = chains.reduce((s, c, k) => s + c.reduce((t, v) => t + (v - means[k]) ** 2, 0) / (n - 1), 0) / m;
  const grand = mean(means);
  const bOverN = m > 1 ? means.reduce((s, v) => s + (v - grand) ** 2, 0) / (m - 1) : 0;
  return { w, varPlus: ((n - 1) / n) * w + bOverN, means };
}

/** ESS of chains as given (no splitting or ranks): MN / τ̂ with Geyer's truncation, at most MN log₁₀(MN). */
export function essRaw(chains: number[][]): number {
  const m = chains.length;
  const n = chains[0].length;
  const { w, varPlus, means } = variances(chains);
  if (!(varPlus > 0)) return NaN;
  const centred = chains.map((c, k) => c.map((v) => v - means[k]));
  const acov = (t: number) => {
    let s = 0;
    for (const c of centred) {
      let a = 0;
      for (let i = 0; i + t < n; i++) a += c[i] * c[i + t];
      s += a / n;
    }
    return s / m;
  };
  const wN = w; // W uses N − 1, as γ̂(0)·N/(N − 1)
  const rho = (t: number) => 1 - (wN - acov(t)) / varPlus;
  let tau = -1;
  let prevPair = Infinity;
  for (let t = 0; t + 1 < n; t += 2) {
    let pair = (t === 0 ? 1 : rho(t)) + rho(t + 1);
    if (pair < 0) break;
    pair = Math.min(pair, prevPair);
    prevPair = pair;
    tau += 2 * pair;
  }
  tau = Math.max(tau, 1 / Math.log10(m * n));
  return (m * n) / tau;
}

/** Φ⁻¹(p) (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Pooled ranks (ties averaged) mapped to normal scores Φ⁻¹((r − 3/8)/(S + 1/4)). */
export function rankNormalize(chains: number[][]): number[][] {
  const all = chains.flatMap((c, m) => c.map((v, i) => ({ v, m, i })));
  all.sort((x, y) => x.v - y.v);
  const s = all.length;
  const out = chains.map((c) => new Array<number>(c.length));
  for (let k = 0; k < s; ) {
    let j = k;
    while (j + 1 < s && all[j + 1].v === all[k].v) j++;
    const r = (k + j) / 2 + 1;
    const z = normalQuantile((r - 0.375) / (s + 0.25));
    for (let t = k; t <= j; t++) out[all[t].m][all[t].i] = z;
    k = j + 1;
  }
  return out;
}

function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

/**
 * Bulk effective sample size: ESS of the rank-normalised split chains.
 *
 * @example
 * ```ts
 * essBulk(coordinate(result, 0)); // for x₀ of an MCMC result
 * ```
 */
export function essBulk(chains: ArrayLike<number>[]): number {
  check('essBulk', chains);
  return essRaw(rankNormalize(splitChains(chains)));
}

/** Tail effective sample size: min over the 5 % and 95 % quantile indicators of the split chains' ESS. */
export function essTail(chains: ArrayLike<number>[]): number {
  check('essTail', chains);
  const split = splitChains(chains);
  const sorted = split.flat().sort((a, b) => a - b);
  const ess = (q: number) => essRaw(split.map((c) => c.map((v) => (v <= q ? 1 : 0))));
  return Math.min(ess(quantile(sorted, 0.05)), ess(quantile(sorted, 0.95)));
}

/** Split R̂ (rank-normalised, folded; the larger of bulk and tail). Near 1 (< 1.01) when the chains agree. */
export function splitRhat(chains: ArrayLike<number>[]): number {
  check('splitRhat', chains);
  const split = splitChains(chains);
  const rhat = (c: number[][]) => {
    const { w, varPlus } = variances(c);
    return Math.sqrt(varPlus / w);
  };
  const sorted = split.flat().sort((a, b) => a - b);
  const med = quantile(sorted, 0.5);
  return Math.max(rhat(rankNormalize(split)), rhat(rankNormalize(split.map((c) => c.map((v) => Math.abs(v - med))))));
}

/** Integrated autocorrelation time τ = MN / ESS (split chains, no ranks): draws per independent draw. */
export function integratedAutocorrelationTime(chains: ArrayLike<number>[]): number {
  check('integratedAutocorrelationTime', chains);
  return (chains.length * chains[0].length) / essRaw(splitChains(chains));
}

/** Autocorrelation ρ(t) of one chain for lags 0 … maxLag (for plots). */
export function autocorrelation(chain: ArrayLike<number>, maxLag = Math.min(100, chain.length - 1)): number[] {
  check('autocorrelation', [chain], 2);
  const n = chain.length;
  const m = mean(chain);
  const c = Array.from(chain, (v) => v - m);
  const g0 = c.reduce((s, v) => s + v * v, 0) / n;
  const out: number[] = [];
  for (let t = 0; t <= Math.min(maxLag, n - 1); t++) {
    let s = 0;
    for (let i = 0; i + t < n; i++) s += c[i] * c[i + t];
    out.push(g0 > 0 ? s / n / g0 : NaN);
  }
  return out;
}

/** Diagnostics of one scalar over chains. */
export interface ChainSummary {
  mean: number;
  sd: number;
  /** Monte Carlo standard error of the mean: sd / √ESS (split-chain ESS). */
  mcse: number;
  essBulk: number;
  essTail: number;
  rhat: number;
  /** Integrated autocorrelation time. */
  iat: number;
}

/** All diagnostics of one scalar. */
export function summarizeScalar(chains: ArrayLike<number>[]): ChainSummary {
  check('summarizeScalar', chains);
  const all = chains.flatMap((c) => Array.from(c));
  const mu = mean(all);
  const sd = Math.sqrt(all.reduce((s, v) => s + (v - mu) ** 2, 0) / (all.length - 1));
  const ess = essRaw(splitChains(chains));
  return { mean: mu, sd, mcse: sd / Math.sqrt(ess), essBulk: essBulk(chains), essTail: essTail(chains), rhat: splitRhat(chains), iat: all.length / ess };
}
