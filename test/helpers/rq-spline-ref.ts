/**
 * A float64 rational-quadratic spline written straight from nflows' `rational_quadratic_spline`
 * (textbook formulas, padded boundary derivatives, searchsorted with the 1e-6 nudge), independent of
 * the library's rewritten kernels, plus central finite differences of it.
 */

export interface RefSplineOptions {
  tails: 'linear' | 'none';
  bound: number;
  minBinWidth?: number;
  minBinHeight?: number;
  minDerivative?: number;
  /** Derivatives `m_d + softplus(u + c)` with `m_d + softplus(c) = 1` (the library's identity-at-zero option). */
  identityAtZero?: boolean;
}

const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

function knotsOf(u: number[], minBin: number, lo: number, hi: number): number[] {
  const K = u.length;
  const m = Math.max(...u);
  const e = u.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  const sizes = e.map((v) => minBin + (1 - minBin * K) * (v / s));
  const cum = [0];
  for (const v of sizes) cum.push(cum[cum.length - 1] + v);
  const k = cum.map((v) => (hi - lo) * v + lo);
  k[0] = lo;
  k[K] = hi;
  return k;
}

/** Forward (`inverse` false) or inverse map of one scalar; `ld` is log |derivative| of that direction. */
export function refSpline(x: number, uw: number[], uh: number[], ud: number[], o: RefSplineOptions, inverse = false): { y: number; ld: number } {
  const K = uw.length;
  const B = o.bound;
  const minW = o.minBinWidth ?? 1e-3;
  const minH = o.minBinHeight ?? 1e-3;
  const minD = o.minDerivative ?? 1e-3;
  const c = Math.log(Math.expm1(1 - minD));
  const shift = o.identityAtZero ? c : 0;
  let d: number[];
  if (o.tails === 'linear') {
    if (x < -B || x > B) return { y: x, ld: 0 };
    d = [minD + softplus(c), ...ud.map((u) => minD + softplus(u + shift)), minD + softplus(c)];
  } else {
    d = ud.map((u) => minD + softplus(u + shift));
    if (x < -B || x > B) {
      const de = x < -B ? d[0] : d[K];
      const e = x < -B ? -B : B;
      return inverse ? { y: e + (x - e) / de, ld: -Math.log(de) } : { y: e + de * (x - e), ld: Math.log(de) };
    }
  }
  const cw = knotsOf(uw, minW, -B, B);
  const ch = knotsOf(uh, minH, -B, B);
  const search = (inverse ? ch : cw).slice();
  search[K] += 1e-6;
  const k = search.filter((v) => x >= v).length - 1;
  const xk = cw[k];
  const wk = cw[k + 1] - cw[k];
  const yk = ch[k];
  const hk = ch[k + 1] - ch[k];
  const delta = hk / wk;
  const dk = d[k];
  const dk1 = d[k + 1];
  const logDetAt = (t: number) => {
    const s = t * (1 - t);
    const den = delta + (dk + dk1 - 2 * delta) * s;
    const num = delta * delta * (dk1 * t * t + 2 * delta * s + dk * (1 - t) * (1 - t));
    return Math.log(num) - 2 * Math.log(den);
  };
  if (!inverse) {
    const t = (x - xk) / wk;
    const s = t * (1 - t);
    const y = yk + (hk * (delta * t * t + dk * s)) / (delta + (dk + dk1 - 2 * delta) * s);
    return { y, ld: logDetAt(t) };
  }
  const a = hk * (delta - dk) + (x - yk) * (dk1 + dk - 2 * delta);
  const b = hk * dk - (x - yk) * (dk1 + dk - 2 * delta);
  const cc = -delta * (x - yk);
  const root = (2 * cc) / (-b - Math.sqrt(b * b - 4 * a * cc));
  return { y: root * wk + xk, ld: -logDetAt(root) };
}

/** Row i of a flat array with `stride` values per row. */
export const row = (a: ArrayLike<number>, i: number, stride: number) => Array.from({ length: stride }, (_, j) => a[i * stride + j]);

/**
 * Central finite differences (step `h`) of L = gy·y + gl·ld for one element, w.r.t. x and each
 * parameter: `{ x, w[K], h[K], d[Kd] }`.
 */
export function refSplineGrad(
  x: number,
  uw: number[],
  uh: number[],
  ud: number[],
  o: RefSplineOptions,
  inverse: boolean,
  gy: number,
  gl: number,
  h = 1e-6,
): { x: number; w: number[]; h: number[]; d: number[] } {
  const L = (xx: number, w: number[], hh: number[], d: number[]) => {
    const r = refSpline(xx, w, hh, d, o, inverse);
    return gy * r.y + gl * r.ld;
  };
  const along = (v: number[], j: number, e: number) => v.map((u, i) => (i === j ? u + e : u));
  return {
    x: (L(x + h, uw, uh, ud) - L(x - h, uw, uh, ud)) / (2 * h),
    w: uw.map((_, j) => (L(x, along(uw, j, h), uh, ud) - L(x, along(uw, j, -h), uh, ud)) / (2 * h)),
    h: uh.map((_, j) => (L(x, uw, along(uh, j, h), ud) - L(x, uw, along(uh, j, -h), ud)) / (2 * h)),
    d: ud.map((_, j) => (L(x, uw, uh, along(ud, j, h)) - L(x, uw, uh, along(ud, j, -h))) / (2 * h)),
  };
}
