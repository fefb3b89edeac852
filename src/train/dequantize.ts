/**
 * Uniform dequantisation for integer-valued columns (counts, ratings, pixel intensities). A discrete
 * column has no density, and a flow fitted to it piles mass onto the integers without bound. Fitting
 * `y = x + u`, `u ~ U[0, 1)` per dequantised column instead, the flow's density p gives
 *
 *     log P(x) ≥ E_u[log p(x + u)]     (Jensen; Theis et al. 2016, "A note on the evaluation of generative models")
 *
 * so the mean NLL `fit` reports on dequantised data is an upper bound on the discrete NLL (in nats per
 * row, for the dequantised columns' unit bins). Fresh noise is drawn for every batch.
 */
import { Rng } from '../random.js';

/** The columns of `values` (`[n, dim]`, row-major) whose every value is an integer. */
export function integerColumns(values: ArrayLike<number>, n: number, dim: number): number[] {
  const integral = new Array<boolean>(dim).fill(n > 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) if (integral[j] && !Number.isInteger(values[i * dim + j])) integral[j] = false;
  }
  return integral.flatMap((ok, j) => (ok ? [j] : []));
}

/** Adds `U[0, 1)` noise to `columns` of `values` (`[n, dim]`) in place, drawn from `rng`. */
export function addUniformNoise(values: Float32Array, n: number, dim: number, columns: readonly number[], rng: Rng): Float32Array {
  for (let i = 0; i < n; i++) for (const j of columns) values[i * dim + j] += rng.uniform();
  return values;
}

/**
 * Noise for the batch of step `step`, drawn from a generator of its own (`seed` and the step), so a
 * resumed run draws the same noise as an uninterrupted one.
 */
export function stepNoiseRng(seed: string, step: number): Rng {
  return new Rng(`${seed}:${step}`);
}
