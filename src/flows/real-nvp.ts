import { AffineCoupling, type CouplingOptions, halfMask } from '../bijectors/coupling.js';
import type { Bijector } from '../bijectors/bijector.js';
import { Chain } from '../bijectors/chain.js';
import { Permute } from '../bijectors/permute.js';
import { StandardNormal } from '../distributions/standard-normal.js';
import { Flow } from '../flow.js';
import type { Activation } from '../nn/activation.js';
import type { PositiveMap } from '../ops/positive.js';
import { toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { affineFlowActivation, builderConditioner, checkChoice, checkOptionsObject, type FlowBuilderOptions, normalizationLayer } from './options.js';

/** Options every coupling-flow builder shares (RealNVP, and the spline coupling flow). */
export interface CouplingFlowOptions extends FlowBuilderOptions {
  /** Data dimension (≥ 2). */
  dim: number;
  /** Coupling layers (default 6; at least 2 for every dimension to be transformed). */
  layers?: number;
  /** `random` (default): a seeded permutation before every second coupling (from 3 dimensions on; 2D needs none); `none`: alternating masks only. */
  permutation?: 'random' | 'none';
}

export const COUPLING_FLOW_KEYS = ['dim', 'layers', 'hidden', 'activation', 'conditioner', 'contextDim', 'seed', 'normalization', 'permutation'] as const;

export interface RealNVPOptions extends CouplingFlowOptions {
  /** Scale map of the affine couplings (default `exp`, soft-clamped). */
  scale?: PositiveMap;
  /** Soft clamp of the log-scale (default 3; `null` for none). */
  clamp?: number | null;
}

/**
 * The coupling-flow skeleton shared by the builders: validates the shared options (the caller has
 * checked the option keys) and stacks `layer(options)` couplings with complementary masks in pairs
 * and seeded random permutations between pairs, over `StandardNormal(dim)`.
 */
export function couplingFlow(fn: string, options: CouplingFlowOptions, layer: (o: CouplingOptions) => Bijector, defaultActivation: Activation = 'relu'): Flow {
  const dim = checkInt(fn, 'options.dim', options.dim, 2);
  const layers = checkInt(fn, 'options.layers', options.layers ?? 6);
  const contextDim = checkInt(fn, 'options.contextDim', options.contextDim ?? 0, 0);
  const normalization = checkChoice(fn, 'options.normalization', options.normalization, ['none', 'actnorm', 'batchnorm'] as const, 'none');
  const permutation = checkChoice(fn, 'options.permutation', options.permutation, ['random', 'none'] as const, 'random');
  const conditioner = builderConditioner(fn, options, false, dim, defaultActivation);
  const rng = toRng(options.seed, fn, 'options.seed');
  // In 2D a permutation is the identity or a swap, and a swap makes the next coupling transform the
  // same coordinate as the previous one, with the same input: two layers doing the work of one.
  // Alternating masks alone already alternate the coordinates there.
  const permute = permutation === 'random' && dim > 2;
  // Listed from the data side (Chain order: the last member is applied first by forward).
  const chain: Bijector[] = [];
  for (let k = 0; k < layers; k++) {
    if (k > 0 && k % 2 === 0 && permute) chain.push(Permute.random(dim, rng.fork()));
    const norm = normalizationLayer(normalization, dim);
    if (norm) chain.push(norm);
    chain.push(layer({ mask: halfMask(dim, k % 2 === 1), conditioner, contextDim, seed: rng.fork() }));
  }
  return new Flow(new StandardNormal(dim), chain.length === 1 ? chain[0] : new Chain(chain));
}

/**
 * RealNVP (Dinh et al. 2017): `Flow(StandardNormal(dim), Chain([...]))` of affine couplings
 * `y_B = x_B · scale(s) + t`, `(t, s) = MLP(x_A, context)`.
 *
 * Couplings come in pairs with complementary masks (first ⌈dim/2⌉ pass through, then the other way
 * round), so **any two consecutive couplings transform every dimension**, in every dimension including 2
 * (alternating masks *plus* reversals would transform the same coordinate every time). Between
 * pairs, a seeded random permutation regroups which dimensions condition on which (for more than two
 * dimensions: in 2D a swap would make two consecutive couplings transform the same coordinate). Every coupling
 * starts as the identity, so a fresh flow's `logProb` is the standard normal's. The conditioners'
 * activation defaults to ELU from 3 dimensions on and to ReLU in 2D (see `affineFlowActivation`).
 *
 * @example
 * ```ts
 * const flow = realNVP({ dim: 2, layers: 6, hidden: [64, 64], seed: 0 });
 * const lp = flow.logProb([[0.5, -1]]);
 * ```
 */
export function realNVP(options: RealNVPOptions): Flow {
  const fn = 'realNVP';
  checkOptionsObject(fn, options);
  checkOptions(fn, options, [...COUPLING_FLOW_KEYS, 'scale', 'clamp']);
  return couplingFlow(fn, options, (o) => new AffineCoupling({ ...o, scale: options.scale, clamp: options.clamp }), affineFlowActivation('coupling', options.dim));
}
