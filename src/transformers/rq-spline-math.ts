/**
 * The rational-quadratic spline (Durkan et al. 2019) as plain float64 loops over float32 arrays: the
 * bodies of the fused `cpu`/`wasm` kernels. One pass per direction, one per backward pass; every
 * element owns its own parameter row, so nothing is shared between elements.
 *
 * Conventions are nflows' (`unconstrained_rational_quadratic_spline` / `rational_quadratic_spline`):
 * bin widths `w = m_w + (1 − m_w K) softmax(u_w)`, knots `x_k = lo + (hi − lo) Σ_{j<k} w_j` with the
 * two ends forced, heights alike, derivatives `d = m_d + softplus(u_d)`. With linear tails only the
 * K − 1 interior derivatives are parameters and both boundary derivatives are exactly 1.
 *
 * Two rewritings keep all-zero parameters *exactly* the identity in floating point (the
 * mathematics is unchanged): the output is `x + (y_k − x_k) + w_k E / den` rather than
 * `y_k + h_k A / den` (E vanishes identically when δ = d_k = d_{k+1} = 1), and the derivative
 * polynomial is `δ + (d_{k+1} − δ) t² + (d_k − δ)(1 − t)²`, which is exactly 1 there.
 */

/** Everything the loops need besides the arrays. */
export interface SplineConfig {
  /** Number of bins K. */
  bins: number;
  /** `'linear'`: identity outside [−B, B], K − 1 derivative parameters. `'none'`: K + 1 of them. */
  tails: 'linear' | 'none';
  /** B: the spline acts on [−B, B] in both x and y. */
  bound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
  /**
   * Shift the derivative parameters so that u = 0 gives derivative exactly 1:
   * `d = 1 + softplus(u + c) − softplus(c)` with `c = log(expm1(1 − m_d))`, equal to
   * `m_d + softplus(u + c)`.
   */
  identityAtZero: boolean;
}

/** Parameter rows in a flat array: element i's row starts at `offset + i · stride`. */
export interface Rows {
  data: Float32Array;
  offset: number;
  stride: number;
}

/** Number of derivative parameters per element. */
export function derivativeCount(cfg: Pick<SplineConfig, 'bins' | 'tails'>): number {
  return cfg.tails === 'linear' ? cfg.bins - 1 : cfg.bins + 1;
}

/** `c` with `m_d + softplus(c) = 1`: the shift `identityAtZero` applies. */
export function identityShift(minDerivative: number): number {
  return Math.log(Math.expm1(1 - minDerivative));
}

/**
 * log(1 + eᶻ). `Math.log` rather than the ~3× slower `Math.log1p`: the absolute error stays ~1e-16,
 * and a softplus is only ever added to m_d ≥ tiny or to 1, so relative accuracy of tiny values is moot.
 */
function softplus(z: number): number {
  return z > 0 ? z + Math.log(1 + Math.exp(-z)) : Math.log(1 + Math.exp(z));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * What a forward pass hands its backward pass per element (float64, so the backward sees exactly the
 * values it would recompute): the bin `k` (−1 for an element outside the spline's interval) and the
 * softmaxes of the width and height rows (K values each). Saves the backward its 2K exponentials and
 * the bin search, most of its time; only the tape-free step passes one (see `SplineAttrs.cache`).
 */
export class SplineCache {
  readonly k: Int32Array;
  readonly sw: Float64Array;
  readonly sh: Float64Array;
  constructor(n: number, K: number) {
    this.k = new Int32Array(n).fill(-1);
    this.sw = new Float64Array(n * K);
    this.sh = new Float64Array(n * K);
  }
}

/** Scratch arrays for one kernel call (float64, sized for K bins). */
export class Workspace {
  readonly cw: Float64Array; // knots in x
  readonly ch: Float64Array; // knots in y
  readonly sw: Float64Array; // softmax of the width parameters
  readonly sh: Float64Array;
  readonly gcw: Float64Array; // adjoints of the knots
  readonly gch: Float64Array;
  readonly gd: Float64Array; // adjoints of the derivatives at the knots
  readonly g = new Float64Array(7); // adjoints of one bin: x, x_k, w_k, y_k, h_k, d_k, d_{k+1}
  // The bin of the current element, set by `locate`: index, left knot and width in x and in y.
  k = 0;
  xk = 0;
  wk = 0;
  yk = 0;
  hk = 0;
  constructor(K: number) {
    this.cw = new Float64Array(K + 1);
    this.ch = new Float64Array(K + 1);
    this.sw = new Float64Array(K);
    this.sh = new Float64Array(K);
    this.gcw = new Float64Array(K + 1);
    this.gch = new Float64Array(K + 1);
    this.gd = new Float64Array(K + 1);
  }
}

/**
 * The knots of one element (from its width and height rows) and the bin holding `v` (searched in the
 * y knots for the inverse), into `ws.cw`, `ws.ch` and `ws.k`, `ws.xk`, `ws.wk`, `ws.yk`, `ws.hk`.
 * Shared by the forward/inverse pass and the backward pass so both see the same bin.
 */
export function locate(ws: Workspace, cfg: SplineConfig, v: number, inverse: boolean, w: Float32Array, wOff: number, h: Float32Array, hOff: number): void {
  const K = cfg.bins;
  knots(w, wOff, K, cfg.minBinWidth, -cfg.bound, cfg.bound, ws.sw, ws.cw);
  knots(h, hOff, K, cfg.minBinHeight, -cfg.bound, cfg.bound, ws.sh, ws.ch);
  const k = findBin(v, inverse ? ws.ch : ws.cw, K);
  ws.k = k;
  ws.xk = ws.cw[k];
  ws.wk = ws.cw[k + 1] - ws.xk;
  ws.yk = ws.ch[k];
  ws.hk = ws.ch[k + 1] - ws.yk;
}

/**
 * {@link locate} from a forward pass's cache: element i's softmaxes into `ws.sw`/`ws.sh`, its knots
 * rebuilt from them by the same sums (so bit-identical), and its bin. `false` if the cache has no
 * entry for i.
 */
export function locateCached(ws: Workspace, cfg: SplineConfig, cache: SplineCache, i: number): boolean {
  const k = cache.k[i];
  if (k < 0) return false;
  const K = cfg.bins;
  for (let j = 0; j < K; j++) {
    ws.sw[j] = cache.sw[i * K + j];
    ws.sh[j] = cache.sh[i * K + j];
  }
  knotsFromSoftmax(ws.sw, K, cfg.minBinWidth, -cfg.bound, cfg.bound, ws.cw);
  knotsFromSoftmax(ws.sh, K, cfg.minBinHeight, -cfg.bound, cfg.bound, ws.ch);
  ws.k = k;
  ws.xk = ws.cw[k];
  ws.wk = ws.cw[k + 1] - ws.xk;
  ws.yk = ws.ch[k];
  ws.hk = ws.ch[k + 1] - ws.yk;
  return true;
}

/** The K + 1 knots on [lo, hi] from a row's softmax `sm` (the second half of {@link knots}). */
function knotsFromSoftmax(sm: Float64Array, K: number, minBin: number, lo: number, hi: number, out: Float64Array): void {
  const scale = 1 - minBin * K;
  const range = hi - lo;
  let acc = 0;
  out[0] = lo;
  for (let j = 0; j < K - 1; j++) {
    acc += minBin + scale * sm[j];
    out[j + 1] = lo + range * acc;
  }
  out[K] = hi;
}

/** Softmax of `u[off .. off+K)` into `sm`, and the K + 1 knots on [lo, hi] into `knots` (nflows). */
export function knots(u: Float32Array, off: number, K: number, minBin: number, lo: number, hi: number, sm: Float64Array, out: Float64Array): void {
  let m = -Infinity;
  for (let j = 0; j < K; j++) if (u[off + j] > m) m = u[off + j];
  let sum = 0;
  for (let j = 0; j < K; j++) {
    const e = Math.exp(u[off + j] - m);
    sm[j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  const scale = 1 - minBin * K;
  const range = hi - lo;
  let acc = 0;
  out[0] = lo;
  for (let j = 0; j < K - 1; j++) {
    sm[j] *= inv;
    acc += minBin + scale * sm[j];
    out[j + 1] = lo + range * acc;
  }
  sm[K - 1] *= inv;
  out[K] = hi;
}

/** Index k of the bin [knots[k], knots[k+1]) holding v ∈ [knots[0], knots[K]] (the last bin is closed). */
export function findBin(v: number, kn: Float64Array, K: number): number {
  let k = 0;
  while (k < K - 1 && v >= kn[k + 1]) k++;
  return k;
}

/** Derivative at knot j (0..K) of the element whose derivative row starts at `off`, and d(value)/du. */
export class Derivatives {
  private readonly linear: boolean;
  private readonly K: number;
  private readonly minD: number;
  private readonly shift: number;
  private readonly base: number;
  private readonly identity: boolean;
  constructor(cfg: SplineConfig) {
    this.linear = cfg.tails === 'linear';
    this.K = cfg.bins;
    this.minD = cfg.minDerivative;
    this.identity = cfg.identityAtZero;
    this.shift = cfg.identityAtZero ? identityShift(cfg.minDerivative) : 0;
    this.base = softplus(this.shift);
  }
  /** Parameter index of knot j within the row, or −1 for a constant boundary derivative (exactly 1). */
  index(j: number): number {
    if (!this.linear) return j;
    return j === 0 || j === this.K ? -1 : j - 1;
  }
  value(u: Float32Array, off: number, j: number): number {
    const i = this.index(j);
    if (i < 0) return 1;
    const z = u[off + i];
    // 1 + (softplus(z + c) − softplus(c)) is exactly 1 at z = 0; m_d + softplus(z + c) is not.
    return this.identity ? 1 + (softplus(z + this.shift) - this.base) : this.minD + softplus(z);
  }
  slope(u: Float32Array, off: number, j: number): number {
    const i = this.index(j);
    return i < 0 ? 0 : sigmoid(u[off + i] + this.shift);
  }
}

/** The forward derivative dy/dx = δ² P / den² at position t of a bin (δ, d_k, d_{k+1}); no transcendental. */
export function binDerivative(t: number, delta: number, dk: number, dk1: number): number {
  const s = t * (1 - t);
  const den = delta + (dk + dk1 - 2 * delta) * s;
  const p = delta + (dk1 - delta) * t * t + (dk - delta) * (1 - t) * (1 - t);
  return (delta * delta * p) / (den * den);
}

/** The forward log |dy/dx| = log(δ² P / den²) at position t of a bin (δ, d_k, d_{k+1}); one log. */
export function binLogDet(t: number, delta: number, dk: number, dk1: number): number {
  const s = t * (1 - t);
  const den = delta + (dk + dk1 - 2 * delta) * s;
  const p = delta + (dk1 - delta) * t * t + (dk - delta) * (1 - t) * (1 - t);
  return Math.log((delta * delta * p) / (den * den));
}

/**
 * Forward (latent → data) or inverse (data → latent) pass over n elements.
 * `x`: [n]; rows `w`, `h`: K values each; `d`: Kd values; writes `out` and `logDet` [n] (log |derivative|
 * of the direction applied).
 */
export function splineEval(cfg: SplineConfig, inverse: boolean, x: Float32Array, w: Rows, h: Rows, d: Rows, out: Float32Array, logDet: Float32Array, cache?: SplineCache): void {
  const K = cfg.bins;
  const lo = -cfg.bound;
  const hi = cfg.bound;
  const ws = new Workspace(K);
  const der = new Derivatives(cfg);
  const linear = cfg.tails === 'linear';
  const ud = d.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const dOff = d.offset + i * d.stride;
    if (!(v >= lo && v <= hi)) {
      if (linear || v !== v) {
        out[i] = v;
        logDet[i] = 0;
      } else {
        // Bounded spline evaluated outside its domain: continue linearly with the boundary slope.
        const edge = v < lo ? 0 : K;
        const de = der.value(ud, dOff, edge);
        const e = v < lo ? lo : hi;
        out[i] = inverse ? e + (v - e) / de : e + de * (v - e);
        logDet[i] = inverse ? -Math.log(de) : Math.log(de);
      }
      continue;
    }
    locate(ws, cfg, v, inverse, w.data, w.offset + i * w.stride, h.data, h.offset + i * h.stride);
    const { k, xk, wk, yk, hk } = ws;
    if (cache) {
      cache.k[i] = k;
      cache.sw.set(ws.sw, i * K);
      cache.sh.set(ws.sh, i * K);
    }
    const dk = der.value(ud, dOff, k);
    const dk1 = der.value(ud, dOff, k + 1);
    const delta = hk / wk;
    const c = dk + dk1 - 2 * delta;
    if (!inverse) {
      const t = (v - xk) / wk;
      const s = t * (1 - t);
      const den = delta + c * s;
      const e = delta * (delta - 1) * t + s * (delta * dk - delta * delta - t * c);
      out[i] = v + (yk - xk) + (wk * e) / den;
      logDet[i] = binLogDet(t, delta, dk, dk1);
    } else {
      // Solve a θ² + b θ + c' = 0 (c' = −δ·dv) with the root 2δ·dv / (b + √disc), free of cancellation.
      const dv = v - yk;
      const a = hk * (delta - dk) + dv * c;
      const b = hk * dk - dv * c;
      const sq = Math.sqrt(Math.max(b * b + 4 * a * delta * dv, 0));
      const root = (2 * delta * dv) / (b + sq);
      if (root >= 0 && root <= 1) {
        out[i] = v + (xk - yk) + (dv * (2 * hk - b - sq)) / (b + sq);
        logDet[i] = 0 - binLogDet(root, delta, dk, dk1); // 0 − (not −) keeps an identity bin at +0
      } else {
        // Rounding put v a hair outside the bin: clamp to the bin's edge.
        const t = root < 0 ? 0 : 1;
        out[i] = xk + wk * t;
        logDet[i] = 0 - binLogDet(t, delta, dk, dk1); // 0 − (not −) keeps an identity bin at +0
      }
    }
  }
}
