/**
 * The density of a point drawn uniformly on a circle of radius r and blurred by isotropic Gaussian
 * noise σ (the building block of `circles` and `rings`). Integrating the angle out gives
 *
 *     p(x) = exp(−(ρ² + r²) / 2σ²) · I₀(ρ r / σ²) / (2π σ²),   ρ = ‖x‖,
 *
 * computed as `−log 2πσ² − (ρ − r)²/2σ² + log I0e(ρ r/σ²)` so that large arguments do not overflow.
 */

/**
 * Exponentially scaled modified Bessel function `I0e(z) = e^{−z} I₀(z)` for z ≥ 0, by the polynomial
 * approximations 9.8.1 and 9.8.2 of Abramowitz & Stegun (relative error below 2e-7).
 */
export function besselI0e(z: number): number {
  if (z < 3.75) {
    const t = (z / 3.75) ** 2;
    const i0 = 1 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))));
    return i0 * Math.exp(-z);
  }
  const t = 3.75 / z;
  const p =
    0.39894228 +
    t * (0.01328592 + t * (0.00225319 + t * (-0.00157565 + t * (0.00916281 + t * (-0.02057706 + t * (0.02635537 + t * (-0.01647633 + t * 0.00392377)))))));
  return p / Math.sqrt(z);
}

/** log-density at `(x, y)` of a uniform circle of radius `r` blurred by N(0, σ² I). */
export function ringLogDensity(x: number, y: number, r: number, sigma: number): number {
  const rho = Math.hypot(x, y);
  const s2 = sigma * sigma;
  return -Math.log(2 * Math.PI * s2) - (rho - r) ** 2 / (2 * s2) + Math.log(besselI0e((rho * r) / s2));
}
