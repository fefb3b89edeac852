/**
 * A Gaussian mixture with full covariances fitted by expectation–maximisation: the stronger of the two
 * classical baselines (a flow should beat it on data with enough rows).
 */
import { ValidationError } from '../errors.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkNumber } from '../validate.js';
import { sampleMoments } from './gaussian.js';
import { cholesky, invertLower, logDetFromCholesky, type Matrix } from './linalg.js';
import { checkRows, meanNegative, type Rows } from './rows.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface GaussianMixtureOptions {
  /** Number of components K. Default 2. */
  components?: number;
  /** Seed of the k-means++ initialisation. Default 0. */
  seed?: Seed;
  /** Most EM iterations. Default 200. */
  maxIterations?: number;
  /** Stop when the mean NLL (nats per row) falls by less than this in one iteration. Default 1e-6. */
  tolerance?: number;
  /**
   * Added to every component covariance: `regularization · diag(column variances of all rows)`, which
   * keeps a component that collapses onto a few rows positive definite. Default 1e-6.
   */
  regularization?: number;
}

/** A fitted mixture `p(x) = Σ_k w_k N(x; μ_k, Σ_k)`. */
export interface GaussianMixture {
  dim: number;
  weights: number[];
  means: number[][];
  covs: number[][][];
  /** EM iterations run. */
  iterations: number;
  /** Whether the tolerance was reached before `maxIterations`. */
  converged: boolean;
  /** Mean training NLL (nats per row) after the initialisation and after every EM iteration. */
  history: number[];
  /** `log p(x)` of each of `n` rows (flat row-major). */
  logProb(values: Rows, n: number): Float64Array;
  /** Mean negative log-likelihood, nats per row. */
  meanNll(values: Rows, n: number): number;
}

interface Component {
  logWeight: number;
  mean: number[];
  cov: Matrix;
  /** L⁻¹, row-major flat (d × d), for the hot loop. */
  Linv: Float64Array;
  constant: number;
}

function factorise(weight: number, mean: number[], cov: Matrix, index: number): Component {
  const L = cholesky(cov, { fn: 'fitGaussianMixture', argument: `covariance of component ${index}` });
  const Linv = Float64Array.from(invertLower(L).flat());
  return { logWeight: Math.log(weight), mean, cov, Linv, constant: -0.5 * (mean.length * LOG_2PI + logDetFromCholesky(L)) };
}

/** Per-row, per-component log w_k + log N_k(x) into `out` (n × K), and each row's log-sum-exp. */
function componentLogProbs(values: Rows, n: number, dim: number, comps: Component[], out: Float64Array | null): Float64Array {
  const K = comps.length;
  const rowLog = new Float64Array(n);
  const c = new Float64Array(dim);
  const lk = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      const { mean, Linv } = comps[k];
      for (let j = 0; j < dim; j++) c[j] = values[i * dim + j] - mean[j];
      let q = 0;
      for (let a = 0, off = 0; a < dim; a++, off += dim) {
        let z = 0;
        for (let b = 0; b <= a; b++) z += Linv[off + b] * c[b];
        q += z * z;
      }
      const v = comps[k].logWeight + comps[k].constant - 0.5 * q;
      lk[k] = v;
      if (v > max) max = v;
    }
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(lk[k] - max);
    const lse = max + Math.log(s);
    rowLog[i] = lse;
    if (out) for (let k = 0; k < K; k++) out[i * K + k] = Math.exp(lk[k] - lse);
  }
  return rowLog;
}

/** k-means++ seeding (D² sampling) followed by a few Lloyd iterations; returns a hard assignment. */
function kMeansAssign(values: Rows, n: number, dim: number, K: number, seed: Seed): Int32Array {
  const rng = toRng(seed, 'fitGaussianMixture', 'options.seed');
  const centers: number[][] = [];
  const row = (i: number) => Array.from(values.subarray(i * dim, (i + 1) * dim));
  centers.push(row(Math.floor(rng.uniform() * n)));
  const d2 = new Float64Array(n).fill(Infinity);
  const dist = (i: number, c: number[]) => {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const t = values[i * dim + j] - c[j];
      s += t * t;
    }
    return s;
  };
  while (centers.length < K) {
    const last = centers[centers.length - 1];
    let total = 0;
    for (let i = 0; i < n; i++) {
      d2[i] = Math.min(d2[i], dist(i, last));
      total += d2[i];
    }
    let pick = n - 1;
    if (total > 0) {
      let u = rng.uniform() * total;
      for (let i = 0; i < n; i++) {
        u -= d2[i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = Math.floor(rng.uniform() * n);
    }
    centers.push(row(pick));
  }
  const assign = new Int32Array(n);
  for (let iter = 0; iter < 10; iter++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let k = 0; k < K; k++) {
        const dk = dist(i, centers[k]);
        if (dk < bestD) {
          bestD = dk;
          best = k;
        }
      }
      if (assign[i] !== best || iter === 0) changed++;
      assign[i] = best;
    }
    const sums = Array.from({ length: K }, () => new Array<number>(dim).fill(0));
    const counts = new Array<number>(K).fill(0);
    for (let i = 0; i < n; i++) {
      counts[assign[i]]++;
      for (let j = 0; j < dim; j++) sums[assign[i]][j] += values[i * dim + j];
    }
    for (let k = 0; k < K; k++) if (counts[k] > 0) centers[k] = sums[k].map((s) => s / counts[k]);
    if (changed === 0) break;
  }
  return assign;
}

/**
 * Fit `p(x) = Σ_k w_k N(x; μ_k, Σ_k)` by EM: responsibilities `r_ik ∝ w_k N(x_i; μ_k, Σ_k)`, then
 * `w_k = N_k / n`, `μ_k = Σ_i r_ik x_i / N_k`, `Σ_k = Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ / N_k + ε diag(v)`
 * (`N_k = Σ_i r_ik`, v the column variances of all rows, ε = `regularization`). Initialised from a
 * seeded k-means++ clustering. A component left with (almost) no rows (N_k < 1e-8 n) is dropped, so the
 * result can have fewer than K components. Float64 throughout.
 *
 * @param values n rows of `dim` numbers, flat row-major.
 * @param n rows (≥ K).
 * @param dim columns.
 * @example
 * ```ts
 * const rows = Float64Array.from({ length: 2000 }, (_, i) => (i % 4 < 2 ? -3 : 3) + Math.sin(i)); // 1000 rows × 2
 * const gmm = fitGaussianMixture(rows, 1000, 2, { components: 2, seed: 1 });
 * gmm.meanNll(rows, 1000); // nats per row
 * ```
 */
export function fitGaussianMixture(values: Rows, n: number, dim: number, options: GaussianMixtureOptions = {}): GaussianMixture {
  const fn = 'fitGaussianMixture';
  checkRows(fn, values, n, dim, 2);
  const K = checkInt(fn, 'options.components', options.components ?? 2, 1);
  if (K > n) throw new ValidationError(fn, 'options.components', `at most n = ${n} (one row per component)`, `${K}`);
  const maxIterations = checkInt(fn, 'options.maxIterations', options.maxIterations ?? 200, 0);
  const tolerance = checkNumber(fn, 'options.tolerance', options.tolerance ?? 1e-6, { min: 0 });
  const reg = checkNumber(fn, 'options.regularization', options.regularization ?? 1e-6, { min: 0 });
  const overall = sampleMoments(values, n, dim);
  for (let j = 0; j < dim; j++) {
    if (!(overall.cov[j][j] > 1e-24 * overall.mean[j] ** 2)) {
      throw new ValidationError(fn, 'values', 'columns that vary (non-zero variance)', `column ${j} constant (every row ${overall.mean[j]})`);
    }
  }
  const ridge = overall.cov.map((r, j) => reg * r[j]);

  // M-step from responsibilities (n × K, rows sum to 1).
  const mStep = (resp: Float64Array, K0: number): Component[] => {
    const comps: Component[] = [];
    for (let k = 0; k < K0; k++) {
      let Nk = 0;
      const mean = new Array<number>(dim).fill(0);
      for (let i = 0; i < n; i++) {
        const r = resp[i * K0 + k];
        Nk += r;
        for (let j = 0; j < dim; j++) mean[j] += r * values[i * dim + j];
      }
      if (Nk < 1e-8 * n) continue;
      for (let j = 0; j < dim; j++) mean[j] /= Nk;
      const acc = new Float64Array(dim * dim);
      const c = new Float64Array(dim);
      for (let i = 0; i < n; i++) {
        const r = resp[i * K0 + k];
        if (r === 0) continue;
        for (let j = 0; j < dim; j++) c[j] = values[i * dim + j] - mean[j];
        for (let a = 0, off = 0; a < dim; a++, off += dim) {
          const ra = r * c[a];
          for (let b = 0; b <= a; b++) acc[off + b] += ra * c[b];
        }
      }
      const cov: Matrix = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
      for (let a = 0; a < dim; a++) {
        for (let b = 0; b <= a; b++) {
          cov[a][b] = acc[a * dim + b] / Nk;
          cov[b][a] = cov[a][b];
        }
        cov[a][a] += ridge[a];
      }
      comps.push(factorise(Nk / n, mean, cov, k));
    }
    return comps;
  };

  // Initialisation: hard k-means assignments as responsibilities.
  const assign = K === 1 ? new Int32Array(n) : kMeansAssign(values, n, dim, K, options.seed ?? 0);
  let resp = new Float64Array(n * K);
  for (let i = 0; i < n; i++) resp[i * K + assign[i]] = 1;
  let comps = mStep(resp, K);
  const history: number[] = [];
  let iterations = 0;
  let converged = false;
  for (;;) {
    const Kc = comps.length;
    if (resp.length !== n * Kc) resp = new Float64Array(n * Kc);
    const rowLog = componentLogProbs(values, n, dim, comps, resp);
    let nll = 0;
    for (let i = 0; i < n; i++) nll -= rowLog[i];
    nll /= n;
    const previous = history.length ? history[history.length - 1] : Infinity;
    history.push(nll);
    if (previous - nll < tolerance && history.length > 1) {
      converged = true;
      break;
    }
    if (iterations >= maxIterations) break;
    comps = mStep(resp, Kc);
    iterations++;
  }
  const final = comps;
  const logProb = (x: Rows, m: number): Float64Array => {
    checkRows('GaussianMixture.logProb', x, m, dim);
    return componentLogProbs(x, m, dim, final, null);
  };
  return {
    dim,
    weights: final.map((c) => Math.exp(c.logWeight)),
    means: final.map((c) => c.mean),
    covs: final.map((c) => c.cov),
    iterations,
    converged,
    history,
    logProb,
    meanNll: (x: Rows, m: number): number => meanNegative(logProb(x, m), m),
  };
}

export interface GaussianMixtureSelection {
  /** The mixture with the lowest validation NLL. */
  best: GaussianMixture;
  /** Components of the best mixture (as requested; the fit may have dropped empty ones). */
  components: number;
  /** Every candidate: requested components, training and validation NLL (nats per row). */
  candidates: { components: number; trainNll: number; validationNll: number; iterations: number }[];
}

/**
 * Fit a mixture for every K in `grid` ({@link fitGaussianMixture}) on the training rows and keep the
 * one with the lowest mean NLL on the validation rows. K larger than the training rows is skipped.
 *
 * @example
 * ```ts
 * const rows = Float64Array.from({ length: 1800 }, (_, i) => (i % 4 < 2 ? -3 : 3) + Math.sin(i)); // 900 rows × 2
 * const { best, components } = selectGaussianMixture(rows.subarray(0, 1600), 800, rows.subarray(1600), 100, 2, { grid: [1, 2, 4] });
 * ```
 */
export function selectGaussianMixture(
  train: Rows,
  n: number,
  validation: Rows,
  nValidation: number,
  dim: number,
  options: Omit<GaussianMixtureOptions, 'components'> & { grid?: number[] } = {},
): GaussianMixtureSelection {
  const fn = 'selectGaussianMixture';
  checkRows(fn, validation, nValidation, dim);
  const grid = options.grid ?? [1, 2, 4, 8, 16];
  if (!Array.isArray(grid) || grid.length === 0) throw new ValidationError(fn, 'options.grid', 'a non-empty array of component counts', String(grid));
  const candidates: GaussianMixtureSelection['candidates'] = [];
  let best: GaussianMixture | null = null;
  let bestK = 0;
  let bestVal = Infinity;
  for (const K of grid) {
    if (K > n) continue;
    const gmm = fitGaussianMixture(train, n, dim, { ...options, components: K });
    const validationNll = gmm.meanNll(validation, nValidation);
    candidates.push({ components: K, trainNll: gmm.history[gmm.history.length - 1], validationNll, iterations: gmm.iterations });
    if (validationNll < bestVal) {
      bestVal = validationNll;
      best = gmm;
      bestK = K;
    }
  }
  if (!best) throw new ValidationError(fn, 'options.grid', `a component count ≤ the ${n} training rows`, `[${grid.join(', ')}]`);
  return { best, components: bestK, candidates };
}
