/**
 * Float64 reference maths for planar and radial layers, written from Rezende & Mohamed (2015) and
 * independently of the library: inverses by plain bisection (no Newton, no closed form).
 */

const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Root of an increasing function on [lo, hi] by 200 bisections. */
export function bisect(g: (t: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) > 0) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

export interface Planar64 {
  u: number[];
  w: number[];
  b: number;
  act: 'tanh' | 'leaky_relu';
  slope?: number;
}

function planarParts(p: Planar64) {
  const wu = dot(p.w, p.u);
  const uHat = p.u.map((ui, i) => ui + ((softplus(wu) - 1 - wu) * p.w[i]) / dot(p.w, p.w));
  const slope = p.slope ?? 0.2;
  const h = (t: number) => (p.act === 'tanh' ? Math.tanh(t) : t < 0 ? slope * t : t);
  const dh = (t: number) => (p.act === 'tanh' ? 1 - Math.tanh(t) ** 2 : t < 0 ? slope : 1);
  return { uHat, wuHat: dot(p.w, uHat), h, dh };
}

/** f(z) = z + û h(wᵀz + b) and log |1 + h' wᵀû|. */
export function planarForward64(p: Planar64, z: number[]): { x: number[]; logDet: number } {
  const { uHat, wuHat, h, dh } = planarParts(p);
  const t = dot(p.w, z) + p.b;
  return { x: z.map((zi, i) => zi + uHat[i] * h(t)), logDet: Math.log(Math.abs(1 + dh(t) * wuHat)) };
}

/** Inverse of the planar map by bisection on t = wᵀz + b; logDet of the inverse. */
export function planarInverse64(p: Planar64, x: number[]): { z: number[]; logDet: number; uHat: number[]; wuHat: number } {
  const { uHat, wuHat, h, dh } = planarParts(p);
  const c = dot(p.w, x) + p.b;
  const t = bisect((s) => s + wuHat * h(s) - c, -1e6, 1e6);
  return { z: x.map((xi, i) => xi - uHat[i] * h(t)), logDet: -Math.log(Math.abs(1 + dh(t) * wuHat)), uHat, wuHat };
}

export interface Radial64 {
  z0: number[];
  alpha: number;
  beta: number;
}

/** f(z) = z + β/(α + r) (z − z₀) and (d − 1) log(1 + βh) + log(1 + βh + βh'r). */
export function radialForward64(p: Radial64, z: number[]): { x: number[]; logDet: number } {
  const d = z.length;
  const diff = z.map((v, i) => v - p.z0[i]);
  const r = Math.hypot(...diff);
  const h = 1 / (p.alpha + r);
  const dh = -1 / (p.alpha + r) ** 2;
  return {
    x: z.map((v, i) => v + p.beta * h * diff[i]),
    logDet: (d - 1) * Math.log(1 + p.beta * h) + Math.log(1 + p.beta * h + p.beta * dh * r),
  };
}

/** Inverse of the radial map by bisection on r (ρ = r + βr/(α + r) is increasing in r, and r ≤ ρ + |β|). */
export function radialInverse64(p: Radial64, x: number[]): { z: number[]; logDet: number } {
  const diff = x.map((v, i) => v - p.z0[i]);
  const rho = Math.hypot(...diff);
  const r = bisect((s) => s + (p.beta * s) / (p.alpha + s) - rho, 0, rho + Math.abs(p.beta) + 1);
  const z = diff.map((v, i) => p.z0[i] + (v * (p.alpha + r)) / (p.alpha + r + p.beta));
  return { z, logDet: -radialForward64(p, z).logDet };
}
