/**
 * Root of an increasing scalar function on a bracket, in float64 JavaScript: Newton steps, replaced by
 * bisection whenever a step would leave the current bracket. The bracket shrinks at every iteration, so
 * the method cannot diverge; near the root it converges quadratically.
 */

/** Iteration cap. Bisection alone halves the bracket each time, so 200 steps reach float64 resolution from any finite bracket. */
export const MAX_ITERATIONS = 200;

/**
 * Solve `g(t) = 0` for `t` in `[lo, hi]` with `g` increasing, `g(lo) ≤ 0 ≤ g(hi)`. `gd(t)` returns
 * `[g(t), g'(t)]`. Stops when the step or the bracket is below `1e-15 · (1 + |t|)` or `g(t) = 0`.
 * Returns the root, or throws if the cap is hit (it cannot be with a valid bracket).
 *
 * @example
 * ```ts
 * solveIncreasing((t) => [t ** 3 - 2, 3 * t * t], 0, 2); // 1.2599210498948732
 * ```
 */
export function solveIncreasing(gd: (t: number) => [number, number], lo: number, hi: number): number {
  if (!(lo <= hi)) throw new RangeError(`solveIncreasing: empty bracket [${lo}, ${hi}]`);
  let t = 0.5 * (lo + hi);
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const [g, d] = gd(t);
    if (g === 0) return t;
    if (g > 0) hi = t;
    else lo = t;
    const tol = 1e-15 * (1 + Math.abs(t));
    if (hi - lo <= tol) return 0.5 * (lo + hi);
    let next = t - g / d;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= tol) return next;
    t = next;
  }
  throw new RangeError(`solveIncreasing: no convergence in ${MAX_ITERATIONS} iterations on [${lo}, ${hi}]`);
}
