/**
 * Marginal tail estimation and tail diagnostics for tail-adaptive flows (Laszkiewicz, Lederer &
 * Fischer, "Marginal Tail-Adaptive Normalizing Flows", ICML 2022).
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { Flow } from '../flow.js';
import type { Seed } from '../random.js';
import { checkInt, checkNumber, checkOptions, type MatrixLike, toMatrix } from '../validate.js';
import { checkChoice } from '../flows/options.js';
import { median, type TailMethod, tailIndexOfTop, tailMatchedScale, tailValueAtRisk, topExcesses } from './tail-index.js';

export type { TailMethod } from './tail-index.js';

export interface EstimateTailsOptions {
  /** Estimator of the extreme-value index (default `'moments'`); see {@link tailIndexOfTop}. */
  method?: TailMethod;
  /** Order statistics used per tail (default `⌈√n⌉`, at least 10), at most n/2 − 1. */
  k?: number;
  /** A column is heavy when its tail index exceeds this (default: 0.3 for `hill` and `kernel`, 0.2 for `moments`). */
  threshold?: number;
}

/** Per-column tail estimates. */
export interface TailEstimate {
  method: TailMethod;
  /** Order statistics used per tail. */
  k: number;
  threshold: number;
  /** Extreme-value index ξ of each column's upper tail (above the median). */
  upper: number[];
  /** ... and of its lower tail (below the median, mirrored). */
  lower: number[];
  /** `max(upper, lower)`: the heavier tail decides. */
  tailIndex: number[];
  /** `tailIndex > threshold`. */
  heavy: boolean[];
  /** Indices of the heavy columns, ascending. */
  heavyColumns: number[];
  /** Initial Student-t degrees of freedom `1/ξ` for each heavy column (aligned with `heavyColumns`), clipped to [1, 30]. */
  heavyDf: number[];
  /**
   * Initial Student-t scale for each heavy column, in data units: the scale whose t_ν tail carries the
   * data's tail mass at the threshold (geometric mean over both tails; see `tailMatchedScale`).
   */
  heavyScale: number[];
}

/** Read a matrix argument into columns of float64 values. */
function columnsOf(fn: string, x: MatrixLike): Float64Array[] {
  const { tensor, owned } = toMatrix(x, { fn, arg: 'x' });
  const [n, d] = tensor.shape;
  const v = tensor.dataSync();
  if (owned) tensor.dispose();
  const cols = Array.from({ length: d }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) cols[j][i] = v[i * d + j];
  return cols;
}

function defaultK(n: number): number {
  return Math.max(10, Math.ceil(Math.sqrt(n)));
}

/** Upper and lower tail index of one column (excesses over its median), with each tail's threshold excess. */
function columnTails(fn: string, col: Float64Array, k: number, method: TailMethod, column: number): { upper: number; lower: number; thresholds: [number, number] } {
  const centre = median(col);
  const tail = (sign: 1 | -1): { index: number; threshold: number } => {
    const top = topExcesses(col, centre, k, sign);
    if (!top || !(top[k] > 0)) {
      throw new ValidationError(fn, 'x', `at least ${k + 1} distinct values on each side of the median of every column`, `too few in column ${column}`);
    }
    return { index: tailIndexOfTop(top, k, method), threshold: top[k] };
  };
  const [u, l] = [tail(1), tail(-1)];
  return { upper: u.index, lower: l.index, thresholds: [u.threshold, l.threshold] };
}

/**
 * Per-column extreme-value index ξ (both tails, excesses over the median) and a heavy/light decision
 * `max(ξ_upper, ξ_lower) > threshold`, as the first step of a tail-adaptive flow: heavy columns get a
 * Student-t base marginal with `ν = 1/ξ` initial degrees of freedom. Student-t with ν degrees of freedom
 * has ξ = 1/ν; Gaussian and bounded tails ξ ≤ 0 (the Hill estimator, defined for ξ > 0 only, reads
 * about 0.1–0.2 on Gaussian tails at n = 20,000, hence its higher default threshold).
 *
 * @param x data `[n, dim]`, n ≥ 2k + 2.
 * @example
 * ```ts
 * const tails = estimateTails(x, { method: 'moments' });
 * tails.heavyColumns; // e.g. [4, 5, 6, 7]
 * ```
 */
export function estimateTails(x: MatrixLike, options: EstimateTailsOptions = {}): TailEstimate {
  const fn = 'estimateTails';
  assertReady(fn);
  checkOptions(fn, options, ['method', 'k', 'threshold']);
  const method = checkChoice(fn, 'options.method', options.method, ['hill', 'moments', 'kernel'] as const, 'moments');
  const cols = columnsOf(fn, x);
  const n = cols[0].length;
  const k = checkInt(fn, 'options.k', options.k ?? defaultK(n), 2);
  if (2 * k + 2 > n) throw new ValidationError(fn, 'x', `a matrix with at least 2k + 2 = ${2 * k + 2} rows`, `${n} rows`);
  const threshold = checkNumber(fn, 'options.threshold', options.threshold ?? (method === 'moments' ? 0.2 : 0.3));
  const upper: number[] = [];
  const lower: number[] = [];
  const thresholds: [number, number][] = [];
  cols.forEach((col, j) => {
    const t = columnTails(fn, col, k, method, j);
    upper.push(t.upper);
    lower.push(t.lower);
    thresholds.push(t.thresholds);
  });
  const tailIndex = upper.map((u, j) => Math.max(u, lower[j]));
  const heavy = tailIndex.map((xi) => xi > threshold);
  const heavyColumns = heavy.flatMap((h, j) => (h ? [j] : []));
  const heavyDf = heavyColumns.map((j) => Math.min(30, Math.max(1, 1 / tailIndex[j])));
  const heavyScale = heavyColumns.map((j, i) => {
    const [u, l] = thresholds[j].map((t) => tailMatchedScale(t, k, n, heavyDf[i]));
    return Math.sqrt(u * l);
  });
  return { method, k, threshold, upper, lower, tailIndex, heavy, heavyColumns, heavyDf, heavyScale };
}

export interface TailDiagnosticsOptions {
  /** Model samples drawn (default 100,000). */
  samples?: number;
  /** Seed of the model samples. */
  seed?: Seed;
  /** tVaR level (default 0.99). */
  level?: number;
  /** Order statistics of the Hill index of the model samples (default `⌈√samples⌉`). */
  k?: number;
}

/** One marginal's tail, data against model. */
export interface MarginalTail {
  /** tVaR of the upper tail `E[X | X ≥ VaR]` and of the lower tail `E[−X | −X ≥ VaR(−X)]`, data and model. */
  dataTVaR: { upper: number; lower: number };
  modelTVaR: { upper: number; lower: number };
  /** Mean over both tails of `|model − data| / |data|`, tVaRs measured from the data median. */
  relativeTVaRError: number;
  /** Hill index of the model samples (max of both tails, as in `estimateTails`) and of the data. */
  modelHill: number;
  dataHill: number;
}

/**
 * Per marginal: the tail value-at-risk `tVaR_α = E[X | X ≥ VaR_α]` of both tails (measured from the
 * data median, so that the relative error does not depend on the location), data against `samples`
 * model draws, and the Hill index of the model samples against the data's.
 *
 * @example
 * ```ts
 * const d = tailDiagnostics(flow, xTest, { samples: 100000, seed: 1 });
 * d.map((m) => m.relativeTVaRError);
 * ```
 */
export function tailDiagnostics(flow: Flow, x: MatrixLike, options: TailDiagnosticsOptions = {}): MarginalTail[] {
  const fn = 'tailDiagnostics';
  assertReady(fn);
  if (typeof (flow as Flow)?.sample !== 'function') throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
  checkOptions(fn, options, ['samples', 'seed', 'level', 'k']);
  const m = checkInt(fn, 'options.samples', options.samples ?? 100000, 22);
  const level = checkNumber(fn, 'options.level', options.level ?? 0.99, { min: 0, max: 1, open: true });
  const k = checkInt(fn, 'options.k', options.k ?? defaultK(m), 2);
  const data = columnsOf(fn, x);
  if (data.length !== flow.dim) throw new ValidationError(fn, 'x', `a matrix with ${flow.dim} columns`, `${data.length} columns`);
  const s = flow.sample(m, { seed: options.seed });
  const model = columnsOf(fn, s);
  s.dispose();
  return data.map((col, j) => {
    const centre = median(col);
    const tv = (v: Float64Array, sign: 1 | -1): number => tailValueAtRisk(v.map((a) => sign * (a - centre)), level);
    const dataTVaR = { upper: tv(col, 1), lower: tv(col, -1) };
    const modelTVaR = { upper: tv(model[j], 1), lower: tv(model[j], -1) };
    const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
    const hill = (v: Float64Array, kk: number): number => {
      const t = columnTails(fn, v, kk, 'hill', j);
      return Math.max(t.upper, t.lower);
    };
    return {
      dataTVaR,
      modelTVaR,
      relativeTVaRError: 0.5 * (rel(modelTVaR.upper, dataTVaR.upper) + rel(modelTVaR.lower, dataTVaR.lower)),
      modelHill: hill(model[j], k),
      dataHill: hill(col, defaultK(col.length)),
    };
  });
}
