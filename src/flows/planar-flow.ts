import { Chain } from '../bijectors/chain.js';
import { Planar, type PlanarActivation } from '../bijectors/planar.js';
import { StandardNormal } from '../distributions/standard-normal.js';
import { Flow } from '../flow.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';

export interface PlanarFlowOptions {
  /** Event dimension. */
  dim: number;
  /** Number of planar layers K. */
  layers: number;
  /** Seed for the initial weights (omitted: not reproducible). */
  seed?: Seed;
  /** h of every layer: `'tanh'` (default) or `'leaky_relu'`. */
  activation?: PlanarActivation;
  /** Leaky-ReLU slope in (0, 1] (default 0.2); only with `activation: 'leaky_relu'`. */
  slope?: number;
  /** Size of each layer's initial perturbation ‖û‖ (default 0.1; see {@link Planar}). */
  initScale?: number;
}

/**
 * A planar flow (Rezende & Mohamed 2015): `x = f_K ∘ … ∘ f_1(z)`, `z ~ N(0, I)`, each
 * `f_k(z) = z + û_k h(w_kᵀz + b_k)`. Every layer starts as a small seeded perturbation of the identity
 * (unit w, b = 0, ‖û‖ ≈ `initScale`), so a deep stack starts near the base distribution yet has
 * non-zero gradients in every weight. Sampling and `sampleAndLogProb` are exact and cheap; `logProb`
 * of data goes through each layer's inverse (closed form for leaky ReLU, float64 root finding for tanh).
 *
 * @example
 * ```ts
 * const flow = planarFlow({ dim: 2, layers: 32, seed: 1 });
 * const { samples, logProb } = flow.sampleAndLogProb(512, { seed: 2 });
 * ```
 */
export function planarFlow(options: PlanarFlowOptions): Flow {
  const fn = 'planarFlow';
  checkOptions(fn, options, ['dim', 'layers', 'seed', 'activation', 'slope', 'initScale']);
  const dim = checkInt(fn, 'options.dim', options?.dim);
  const layers = checkInt(fn, 'options.layers', options.layers);
  const rng = toRng(options.seed, fn, 'options.seed');
  const { activation, slope, initScale } = options;
  const bijectors = Array.from({ length: layers }, () =>
    new Planar(dim, { seed: rng.fork(), ...(activation ? { activation } : {}), ...(slope === undefined ? {} : { slope }), ...(initScale === undefined ? {} : { initScale }) }),
  );
  return new Flow(new StandardNormal(dim), new Chain(bijectors));
}
