/**
 * Backward pass of the fused rational-quadratic spline (see `rq-spline-math.ts`): reverse-mode
 * adjoints of one bin, written by hand, then through the knot construction and the softmax /
 * softplus parametrisation to the unnormalised parameters. One pass over the elements.
 */
import { type Rows, type SplineCache, type SplineConfig, Derivatives, Workspace, binDerivative, binLogDet, derivativeCount, locate, locateCached } from './rq-spline-math.js';

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
 * The bin position t ∈ [0, 1] whose forward image is `dv` above the bin's lower knot (`dv = y − y_k`):
 * the root 2δ·dv / (b + √disc) of the bin's quadratic (free of cancellation), clamped where rounding put
 * `dv` a hair outside the bin. Bin height `hk`, slope δ, knot derivatives `dk`, `dk1`.
 */
function binInverseT(dv: number, hk: number, delta: number, dk: number, dk1: number): number {
  const c = dk + dk1 - 2 * delta;
  const a = hk * (delta - dk) + dv * c;
  const b = hk * dk - dv * c;
  const sq = Math.sqrt(Math.max(b * b + 4 * a * delta * dv, 0));
  return Math.min(Math.max((2 * delta * dv) / (b + sq), 0), 1);
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
 * Backward pass of `splineEval` in the same direction: given the adjoints `gOut`, `gLogDet` [n] of
 * its two outputs, write the adjoints of its inputs: `gx` [n] and the rows `gw`, `gh`, `gd`. With
 * the `cache` the forward pass filled (same inputs), the knots come from it instead of being recomputed.
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
  cache?: SplineCache,
): void {
  const K = cfg.bins;
  const Kd = derivativeCount(cfg);
  const lo = -cfg.bound;
  const hi = cfg.bound;
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
    if (!(cache && locateCached(ws, cfg, cache, i))) locate(ws, cfg, v, inverse, w.data, wOff, h.data, hOff);
    const { k, xk, wk, yk, hk } = ws;
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
      const t = binInverseT(v - yk, hk, delta, dk, dk1);
      const fprime = Math.exp(binLogDet(t, delta, dk, dk1));
      const gbar = go - gl * binLogDetSlope(t, wk, delta, dk, dk1);
      gx[i] = gbar / fprime;
      binAdjoint(xk + wk * t, xk, wk, hk, dk, dk1, -gbar / fprime, -gl, g);
    }
    binParamAdjoints(ws, cfg, der, ud, dOff, gw.data, gwOff, gh.data, ghOff, gud, gdOff);
  }
}

/**
 * The bin adjoints in `ws.g` (from {@link binAdjoint}) → the adjoints of the element's unnormalised
 * width, height and derivative parameters (knot construction, softmax and softplus backward), added
 * into rows that start zeroed.
 */
function binParamAdjoints(ws: Workspace, cfg: SplineConfig, der: Derivatives, ud: Float32Array, dOff: number, gw: Float32Array, gwOff: number, gh: Float32Array, ghOff: number, gud: Float32Array, gdOff: number): void {
  const K = cfg.bins;
  const range = 2 * cfg.bound;
  const { g, gcw, gch, k } = ws;
  gcw.fill(0);
  gch.fill(0);
  gcw[k] = g[1] - g[2];
  gcw[k + 1] = g[2];
  gch[k] = g[3] - g[4];
  gch[k + 1] = g[4];
  knotsBackward(gcw, ws.sw, K, cfg.minBinWidth, range, gw, gwOff);
  knotsBackward(gch, ws.sh, K, cfg.minBinHeight, range, gh, ghOff);
  const ik = der.index(k);
  const ik1 = der.index(k + 1);
  if (ik >= 0) gud[gdOff + ik] += g[5] * der.slope(ud, dOff, k);
  if (ik1 >= 0) gud[gdOff + ik1] += g[6] * der.slope(ud, dOff, k + 1);
}

/**
 * The score terms of the map `splineEval` applies in the same direction (a coupling's closed-form
 * score rule, Vaitl et al. 2024), one pass: with y = T(v; θ), L = log |T'(v)| and `g` = ∂log q/∂v,
 * writes `scoreY = (g − ∂L/∂v) / T'` [n] and the parameter rows `dθ = (∂T/∂θ)ᵀ scoreY + (∂L/∂θ)ᵀ 1`,
 * which is {@link splineGrad} seeded with (scoreY, 1) once scoreY is known. With the `cache` the
 * forward pass filled (same inputs), the knots come from it instead of being recomputed.
 *
 * Inside a bin, with f the spline, ℓ = log f' and ℓ' its slope (second derivative over the first):
 * - forward (T = f at v): scoreY = (g − ℓ'(v)) / f'(v), bin adjoints seeded (scoreY, 1);
 * - inverse (T = f⁻¹, y = f⁻¹(v), L = −ℓ(y)): ∂L/∂v = −ℓ'(y) / f'(y) and T' = 1 / f'(y), so
 *   scoreY = g f'(y) + ℓ'(y); the implicit adjoints of {@link splineGrad} then reduce to the forward
 *   bin adjoints at y seeded (−g, −1).
 * Linear tails: identity, scoreY = g, dθ = 0. Tails `'none'` outside [−B, B]: the linear continuation
 * with the boundary derivative d_e (T' = d_e or 1/d_e, L constant in v).
 */
export function splineScore(
  cfg: SplineConfig,
  inverse: boolean,
  x: Float32Array,
  w: Rows,
  h: Rows,
  d: Rows,
  gIn: Float32Array,
  scoreY: Float32Array,
  gw: Rows,
  gh: Rows,
  gd: Rows,
  cache?: SplineCache,
): void {
  const K = cfg.bins;
  const Kd = derivativeCount(cfg);
  const lo = -cfg.bound;
  const hi = cfg.bound;
  const ws = new Workspace(K);
  const der = new Derivatives(cfg);
  const linear = cfg.tails === 'linear';
  const g = ws.g;
  const ud = d.data;
  const gud = gd.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const gv = gIn[i];
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
        scoreY[i] = gv;
      } else {
        const edge = v < lo ? 0 : K;
        const de = der.value(ud, dOff, edge);
        const e = v < lo ? lo : hi;
        // forward: y = e + d (v − e), L = log d;  inverse: y = e + (v − e)/d, L = −log d.
        const s = inverse ? gv * de : gv / de;
        const gde = inverse ? (-s * (v - e)) / (de * de) - 1 / de : s * (v - e) + 1 / de;
        scoreY[i] = s;
        gud[gdOff + der.index(edge)] = gde * der.slope(ud, dOff, edge);
      }
      continue;
    }
    if (!(cache && locateCached(ws, cfg, cache, i))) locate(ws, cfg, v, inverse, w.data, wOff, h.data, hOff);
    const { k, xk, wk, yk, hk } = ws;
    const dk = der.value(ud, dOff, k);
    const dk1 = der.value(ud, dOff, k + 1);
    const delta = hk / wk;
    if (!inverse) {
      const t = (v - xk) / wk;
      const s = (gv - binLogDetSlope(t, wk, delta, dk, dk1)) / binDerivative(t, delta, dk, dk1);
      scoreY[i] = s;
      binAdjoint(v, xk, wk, hk, dk, dk1, s, 1, g);
    } else {
      const t = binInverseT(v - yk, hk, delta, dk, dk1);
      scoreY[i] = gv * binDerivative(t, delta, dk, dk1) + binLogDetSlope(t, wk, delta, dk, dk1);
      binAdjoint(xk + wk * t, xk, wk, hk, dk, dk1, -gv, -1, g);
    }
    binParamAdjoints(ws, cfg, der, ud, dOff, gw.data, gwOff, gh.data, ghOff, gud, gdOff);
  }
}
