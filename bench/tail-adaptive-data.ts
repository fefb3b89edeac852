/**
 * The synthetic protocol of "Marginal Tail-Adaptive Normalizing Flows" (Laszkiewicz et al., ICML 2022),
 * as used by bench/tail-adaptive.ts: 8 dimensions, a Gaussian copula with a random correlation matrix,
 * 4 light marginals (a Gaussian or a mixture of 2–3 Gaussians) and 4 heavy ones (two-component mixtures
 * of Student-t with 2 degrees of freedom, extreme-value index ξ = 1/2), at seeded random columns.
 * Float64 throughout; marginal quantiles by bisection on the CDF (on the survival function above the
 * median, so the far tails keep their precision).
 */
import { Rng } from '../src/index.js';

interface Component {
  weight: number;
  loc: number;
  scale: number;
}

export interface Marginal {
  kind: 'gaussian' | 'gaussian-mixture' | 't2-mixture';
  components: Component[];
}

/** erfc with relative error < 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(N(0,1) > z). */
const normalSurvival = (z: number): number => 0.5 * erfc(z / Math.SQRT2);

/** P(t₂ > t) = 1 / (√(2+t²) (√(2+t²) + t)) for t ≥ 0 (closed form of the 2-df Student-t; no cancellation). */
function t2Survival(t: number): number {
  if (t < 0) return 1 - t2Survival(-t);
  const r = Math.sqrt(2 + t * t);
  return 1 / (r * (r + t));
}

/** P(X > x) for a marginal. */
export function survival(m: Marginal, x: number): number {
  let s = 0;
  for (const c of m.components) {
    const u = (x - c.loc) / c.scale;
    s += c.weight * (m.kind === 't2-mixture' ? t2Survival(u) : normalSurvival(u));
  }
  return s;
}

/** P(X ≤ x), computed as a survival of the mirrored marginal (same precision in the lower tail). */
function cdf(m: Marginal, x: number): number {
  let s = 0;
  for (const c of m.components) {
    const u = (c.loc - x) / c.scale;
    s += c.weight * (m.kind === 't2-mixture' ? t2Survival(u) : normalSurvival(u));
  }
  return s;
}

/** The quantile at a latent normal value `z`: solves `Φ(z) = F(x)` (or the survivals for z > 0) by bisection. */
function quantile(m: Marginal, z: number): number {
  const upper = z > 0;
  const target = upper ? normalSurvival(z) : normalSurvival(-z);
  // Excess over target: decreasing in x for the survival, increasing for the CDF.
  const f = (x: number): number => (upper ? target - survival(m, x) : cdf(m, x) - target);
  let lo = -1;
  let hi = 1;
  while (f(lo) > 0) lo *= 2;
  while (f(hi) < 0) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(lo)); i++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

function weights(rng: Rng, n: number): number[] {
  const w = Array.from({ length: n }, () => 0.5 + rng.uniform());
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

function lightMarginal(rng: Rng): Marginal {
  const n = rng.int(3) + 1; // 1 (a Gaussian), 2 or 3 components
  const w = weights(rng, n);
  return {
    kind: n === 1 ? 'gaussian' : 'gaussian-mixture',
    components: w.map((weight) => ({ weight, loc: 6 * rng.uniform() - 3, scale: 0.5 + rng.uniform() })),
  };
}

function heavyMarginal(rng: Rng): Marginal {
  const w = weights(rng, 2);
  return { kind: 't2-mixture', components: w.map((weight) => ({ weight, loc: 6 * rng.uniform() - 3, scale: 0.5 + rng.uniform() })) };
}

/** A random correlation matrix: `C = D^{-1/2} A Aᵀ D^{-1/2}` with A a d × d standard normal matrix. */
function randomCorrelation(rng: Rng, d: number): number[][] {
  const a = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal()));
  const s = a.map((ri) => a.map((rj) => ri.reduce((acc, v, k) => acc + v * rj[k], 0)));
  return s.map((row, i) => row.map((v, j) => v / Math.sqrt(s[i][i] * s[j][j])));
}

function cholesky(c: number[][]): number[][] {
  const d = c.length;
  const l = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(s) : s / l[j][j];
    }
  }
  return l;
}

export interface SyntheticProblem {
  dim: number;
  /** Indices of the heavy columns. */
  heavy: number[];
  marginals: Marginal[];
  correlation: number[][];
  /** Rows `[n, dim]` as a flat row-major array. */
  sample(n: number, seed: number): Float32Array;
}

/** The problem of one seed: marginals, their columns and the copula's correlation. */
export function syntheticProblem(seed: number, dim = 8, heavyCount = 4): SyntheticProblem {
  const rng = new Rng(`mtaf-problem:${seed}`);
  const heavy = rng.permutation(dim).slice(0, heavyCount).sort((a, b) => a - b);
  const marginals = Array.from({ length: dim }, (_, j) => (heavy.includes(j) ? heavyMarginal(rng) : lightMarginal(rng)));
  const correlation = randomCorrelation(rng, dim);
  const l = cholesky(correlation);
  return {
    dim,
    heavy,
    marginals,
    correlation,
    sample(n, sampleSeed) {
      const r = new Rng(`mtaf-sample:${seed}:${sampleSeed}`);
      const out = new Float32Array(n * dim);
      const e = new Float64Array(dim);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < dim; j++) e[j] = r.normal();
        for (let j = 0; j < dim; j++) {
          let z = 0;
          for (let k = 0; k <= j; k++) z += l[j][k] * e[k];
          out[i * dim + j] = quantile(marginals[j], z);
        }
      }
      return out;
    },
  };
}
