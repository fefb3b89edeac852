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

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Scratch arrays for one kernel call (float64, sized for K bins). */
class Workspace {
  readonly cw: Float64Array; // knots in x
  readonly ch: Float64Array; // knots in y
  readonly sw: Float64Array; // softmax of the width parameters
  readonly sh: Float64Array;
  readonly gcw: Float64Array; // adjoints of the knots
  readonly gch: Float64Array;
  readonly gd: Float64Array; // adjoints of the derivatives at the knots
  readonly g = new Float64Array(7); // adjoints of one bin: x, x_k, w_k, y_k, h_k, d_k, d_{k+1}
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

/** Softmax of `u[off .. off+K)` into `sm`, and the K + 1 knots on [lo, hi] into `knots` (nflows). */
function knots(u: Float32Array, off: number, K: number, minBin: number, lo: number, hi: number, sm: Float64Array, out: Float64Array): void {
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
function findBin(v: number, kn: Float64Array, K: number): number {
  let k = 0;
  while (k < K - 1 && v >= kn[k + 1]) k++;
  return k;
}

/** Derivative at knot j (0..K) of the element whose derivative row starts at `off`, and d(value)/du. */
class Derivatives {
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

/** The forward log |dy/dx| = log(δ² P / den²) at position t of a bin (δ, d_k, d_{k+1}); one log. */
function binLogDet(t: number, delta: number, dk: number, dk1: number): number {
  const s = t * (1 - t);
  const den = delta + (dk + dk1 - 2 * delta) * s;
  const p = delta + (dk1 - delta) * t * t + (dk - delta) * (1 - t) * (1 - t);
  return Math.log((delta * delta * p) / (den * den));
}

/**
 * Reverse-mode adjoints of one bin's forward map (y, log dy/dx) with seeds (gy, gl), written into
 * `g` = [x, x_k, w_k, y_k, h_k, d_k, d_{k+1}]. Differentiates the textbook form
 * y = y_k + h_k (δt² + d_k s) / den, log dy/dx = 2 log δ + log P − 2 log den.
 */
function binAdjoint(x: number, xk: number, wk: number, hk: number, dk: number, dk1: number, gy: number, gl: number, g: Float64Array): void {
  const iw = 1 / wk;
  const delta = hk * iw;
  const t = (x - xk) * iw;
  const omt = 1 - t;
  const s = t * omt;
  const c = dk + dk1 - 2 * delta;
  const a = delta * t * t + dk * s;
  const den = delta + c * s;
  const p = dk1 * t * t + 2 * delta * s + dk * omt * omt;

  const ghkDirect = (gy * a) / den;
  const gA = (gy * hk) / den;
  const gden = (-gy * hk * a) / (den * den) - (2 * gl) / den;
  const gP = gl / p;
  let gdelta = (2 * gl) / delta;
  let gdk1 = gP * t * t;
  let gdk = gP * omt * omt;
  gdelta += 2 * gP * s;
  let gt = gP * (2 * dk1 * t - 2 * dk * omt);
  let gs = 2 * gP * delta;
  gdelta += gden;
  const gc = gden * s;
  gs += gden * c;
  gdelta += gA * t * t;
  gt += gA * 2 * delta * t;
  gdk += gA * s;
  gs += gA * dk;
  gdk += gc;
  gdk1 += gc;
  gdelta -= 2 * gc;
  gt += gs * (1 - 2 * t);

  g[0] = gt * iw; // x
  g[1] = -gt * iw; // x_k
  g[2] = -gt * t * iw - gdelta * delta * iw; // w_k
  g[3] = gy; // y_k
  g[4] = ghkDirect + gdelta * iw; // h_k
  g[5] = gdk;
  g[6] = gdk1;
}

/** d log(dy/dx) / dx inside a bin, at position t. */
function binLogDetSlope(t: number, wk: number, delta: number, dk: number, dk1: number): number {
  const s = t * (1 - t);
  const c = dk + dk1 - 2 * delta;
  const den = delta + c * s;
  const p = dk1 * t * t + 2 * delta * s + dk * (1 - t) * (1 - t);
  const pt = 2 * dk1 * t - 2 * dk * (1 - t) + 2 * delta * (1 - 2 * t);
  return (pt / p - (2 * c * (1 - 2 * t)) / den) / wk;
}

/**
 * Adjoints of knot vectors → adjoints of the unnormalised row (softmax backward), added into
 * `gu[off .. off+K)`. Only interior knots depend on the parameters (the ends are forced).
 */
function knotsBackward(gKnots: Float64Array, sm: Float64Array, K: number, minBin: number, range: number, gu: Float32Array, off: number): void {
  // knot m (1..K−1) = lo + range Σ_{j<m} w_j, so dL/dw_j = range Σ_{m=j+1}^{K−1} dL/dknot_m.
  const scale = 1 - minBin * K;
  let suffix = 0;
  let dot = 0;
  // Reuse gKnots[j] to hold dL/dsoftmax_j while walking down.
  for (let j = K - 1; j >= 0; j--) {
    const gw = range * suffix;
    if (j >= 1) suffix += gKnots[j];
    const gsm = scale * gw;
    gKnots[j] = gsm;
    dot += gsm * sm[j];
  }
  for (let j = 0; j < K; j++) gu[off + j] = sm[j] * (gKnots[j] - dot);
}

/**
 * Forward (latent → data) or inverse (data → latent) pass over n elements.
 * `x`: [n]; rows `w`, `h`: K values each; `d`: Kd values; writes `out` and `logDet` [n] (log |derivative|
 * of the direction applied).
 */
export function splineEval(cfg: SplineConfig, inverse: boolean, x: Float32Array, w: Rows, h: Rows, d: Rows, out: Float32Array, logDet: Float32Array): void {
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
    knots(w.data, w.offset + i * w.stride, K, cfg.minBinWidth, lo, hi, ws.sw, ws.cw);
    knots(h.data, h.offset + i * h.stride, K, cfg.minBinHeight, lo, hi, ws.sh, ws.ch);
    const k = findBin(v, inverse ? ws.ch : ws.cw, K);
    const xk = ws.cw[k];
    const wk = ws.cw[k + 1] - xk;
    const yk = ws.ch[k];
    const hk = ws.ch[k + 1] - yk;
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

/**
 * Backward pass of `splineEval` in the same direction: given the adjoints `gOut`, `gLogDet` [n] of
 * its two outputs, write the adjoints of its inputs: `gx` [n] and the rows `gw`, `gh`, `gd`.
 */
export function splineGrad(
  cfg: SplineConfig,
  inverse: boolean,
  x: Float32Array,
  w: Rows,
  h: Rows,
  d: Rows,
  gOut: Float32Array,
  gLogDet: Float32Array,
  gx: Float32Array,
  gw: Rows,
  gh: Rows,
  gd: Rows,
): void {
  const K = cfg.bins;
  const Kd = derivativeCount(cfg);
  const lo = -cfg.bound;
  const hi = cfg.bound;
  const range = hi - lo;
  const ws = new Workspace(K);
  const der = new Derivatives(cfg);
  const linear = cfg.tails === 'linear';
  const g = ws.g;
  const ud = d.data;
  const gud = gd.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const go = gOut[i];
    const gl = gLogDet[i];
    const wOff = w.offset + i * w.stride;
    const hOff = h.offset + i * h.stride;
    const dOff = d.offset + i * d.stride;
    const gwOff = gw.offset + i * gw.stride;
    const ghOff = gh.offset + i * gh.stride;
    const gdOff = gd.offset + i * gd.stride;
    for (let j = 0; j < K; j++) gw.data[gwOff + j] = gh.data[ghOff + j] = 0;
    for (let j = 0; j < Kd; j++) gud[gdOff + j] = 0;
    if (!(v >= lo && v <= hi)) {
      if (linear || v !== v) {
        gx[i] = go;
      } else {
        const edge = v < lo ? 0 : K;
        const de = der.value(ud, dOff, edge);
        const e = v < lo ? lo : hi;
        // forward: y = e + d (v − e), ld = log d;  inverse: x = e + (v − e)/d, ld = −log d.
        const gde = inverse ? (-go * (v - e)) / (de * de) - gl / de : go * (v - e) + gl / de;
        gx[i] = inverse ? go / de : go * de;
        gud[gdOff + der.index(edge)] = gde * der.slope(ud, dOff, edge);
      }
      continue;
    }
    knots(w.data, wOff, K, cfg.minBinWidth, lo, hi, ws.sw, ws.cw);
    knots(h.data, hOff, K, cfg.minBinHeight, lo, hi, ws.sh, ws.ch);
    const k = findBin(v, inverse ? ws.ch : ws.cw, K);
    const xk = ws.cw[k];
    const wk = ws.cw[k + 1] - xk;
    const yk = ws.ch[k];
    const hk = ws.ch[k + 1] - yk;
    const dk = der.value(ud, dOff, k);
    const dk1 = der.value(ud, dOff, k + 1);
    const delta = hk / wk;
    if (!inverse) {
      binAdjoint(v, xk, wk, hk, dk, dk1, go, gl, g);
      gx[i] = g[0];
    } else {
      // x = f⁻¹(v; θ) and L = −ℓ(x; θ) with ℓ the forward log-derivative. Implicit differentiation:
      // with ḡ = gOut − gL ℓ'(x), dL/dv = ḡ / f'(x), and the parameters get the forward adjoints
      // seeded with (−ḡ / f'(x), −gL).
      const c = dk + dk1 - 2 * delta;
      const dv = v - yk;
      const a = hk * (delta - dk) + dv * c;
      const b = hk * dk - dv * c;
      const sq = Math.sqrt(Math.max(b * b + 4 * a * delta * dv, 0));
      const t = Math.min(Math.max((2 * delta * dv) / (b + sq), 0), 1);
      const fprime = Math.exp(binLogDet(t, delta, dk, dk1));
      const gbar = go - gl * binLogDetSlope(t, wk, delta, dk, dk1);
      gx[i] = gbar / fprime;
      binAdjoint(xk + wk * t, xk, wk, hk, dk, dk1, -gbar / fprime, -gl, g);
    }
    const gcw = ws.gcw;
    const gch = ws.gch;
    gcw.fill(0);
    gch.fill(0);
    gcw[k] = g[1] - g[2];
    gcw[k + 1] = g[2];
    gch[k] = g[3] - g[4];
    gch[k + 1] = g[4];
    knotsBackward(gcw, ws.sw, K, cfg.minBinWidth, range, gw.data, gwOff);
    knotsBackward(gch, ws.sh, K, cfg.minBinHeight, range, gh.data, ghOff);
    const ik = der.index(k);
    const ik1 = der.index(k + 1);
    if (ik >= 0) gud[gdOff + ik] += g[5] * der.slope(ud, dOff, k);
    if (ik1 >= 0) gud[gdOff + ik1] += g[6] * der.slope(ud, dOff, k + 1);
  }
}
