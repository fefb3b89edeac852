import { Chain } from '../bijectors/chain.js';
import { Radial } from '../bijectors/radial.js';
import { StandardNormal } from '../distributions/standard-normal.js';
import { Flow } from '../flow.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';

export interface RadialFlowOptions {
  /** Event dimension. */
  dim: number;
  /** Number of radial layers K. */
  layers: number;
  /** Seed for the initial weights (omitted: not reproducible). */
  seed?: Seed;
  /** Spread of each layer's initial β (default 0.1; see {@link Radial}). */
  initScale?: number;
}

/**
 * A radial flow (Rezende & Mohamed 2015): `x = f_K ∘ … ∘ f_1(z)`, `z ~ N(0, I)`, each
 * `f_k(z) = z + β_k (z − z₀ₖ)/(α_k + ‖z − z₀ₖ‖)`. Each layer starts near the identity: centre
 * z₀ ~ N(0, I) (where the base puts its mass), α = 1, β ≈ 0.1 · N(0, 1). Both directions are closed
 * form, so `logProb` of data is exact and differentiable.
 *
 * @example
 * ```ts
 * const flow = radialFlow({ dim: 2, layers: 16, seed: 1 });
 * const lp = flow.logProb([[0, 1], [2, -1]]); // [2]
 * ```
 */
export function radialFlow(options: RadialFlowOptions): Flow {
  const fn = 'radialFlow';
  checkOptions(fn, options, ['dim', 'layers', 'seed', 'initScale']);
  const dim = checkInt(fn, 'options.dim', options?.dim);
  const layers = checkInt(fn, 'options.layers', options.layers);
  const rng = toRng(options.seed, fn, 'options.seed');
  const bijectors = Array.from({ length: layers }, () =>
    new Radial(dim, { seed: rng.fork(), ...(options.initScale === undefined ? {} : { initScale: options.initScale }) }),
  );
  return new Flow(new StandardNormal(dim), new Chain(bijectors));
}
