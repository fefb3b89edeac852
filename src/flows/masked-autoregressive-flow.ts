import type { Bijector } from '../bijectors/bijector.js';
import { Chain } from '../bijectors/chain.js';
import { type MaskedAutoregressiveOptions, MaskedAutoregressiveAffine } from '../bijectors/masked-autoregressive.js';
import { Permute } from '../bijectors/permute.js';
import { Reverse } from '../bijectors/reverse.js';
import { StandardNormal } from '../distributions/standard-normal.js';
import { Flow } from '../flow.js';
import type { Activation } from '../nn/activation.js';
import type { PositiveMap } from '../ops/positive.js';
import { toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { affineFlowActivation, builderConditioner, checkChoice, checkOptionsObject, type FlowBuilderOptions, normalizationLayer } from './options.js';

/** Options every autoregressive-flow builder shares (MAF, and the autoregressive spline flow). */
export interface AutoregressiveFlowOptions extends FlowBuilderOptions {
  /** Autoregressive layers (default 5). */
  layers?: number;
  /** Between layers: `reverse` the order (default, as in the MAF paper) or a seeded `random` permutation. */
  permutation?: 'reverse' | 'random';
}

export const AUTOREGRESSIVE_FLOW_KEYS = ['dim', 'layers', 'hidden', 'activation', 'conditioner', 'contextDim', 'seed', 'normalization', 'permutation'] as const;

export interface MaskedAutoregressiveFlowOptions extends AutoregressiveFlowOptions {
  /** Scale map (default `exp`, soft-clamped). */
  scale?: PositiveMap;
  /** Soft clamp of the log-scale (default 3; `null` for none). */
  clamp?: number | null;
}

/**
 * The autoregressive-flow skeleton shared by the builders: validates the shared options (the caller
 * has checked the option keys) and stacks `layer(dim, options)` with reversals or seeded random
 * permutations between layers, over `StandardNormal(dim)`.
 */
export function autoregressiveFlow(fn: string, options: AutoregressiveFlowOptions, layer: (dim: number, o: MaskedAutoregressiveOptions) => Bijector, defaultActivation: Activation = 'relu'): Flow {
  const dim = checkInt(fn, 'options.dim', options.dim);
  const layers = checkInt(fn, 'options.layers', options.layers ?? 5);
  const contextDim = checkInt(fn, 'options.contextDim', options.contextDim ?? 0, 0);
  const normalization = checkChoice(fn, 'options.normalization', options.normalization, ['none', 'actnorm', 'batchnorm'] as const, 'none');
  const permutation = checkChoice(fn, 'options.permutation', options.permutation, ['reverse', 'random'] as const, 'reverse');
  const conditioner = builderConditioner(fn, options, true, dim, defaultActivation);
  const rng = toRng(options.seed, fn, 'options.seed');
  const chain: Bijector[] = [];
  for (let k = 0; k < layers; k++) {
    if (k > 0 && dim > 1) chain.push(permutation === 'reverse' ? new Reverse() : Permute.random(dim, rng.fork()));
    const norm = normalizationLayer(normalization, dim);
    if (norm) chain.push(norm);
    chain.push(layer(dim, { conditioner, contextDim, seed: rng.fork() }));
  }
  return new Flow(new StandardNormal(dim), chain.length === 1 ? chain[0] : new Chain(chain));
}

/**
 * Masked autoregressive flow (Papamakarios et al. 2017): `Flow(StandardNormal(dim), Chain([...]))` of
 * MAF layers `y_i = z_i · scale(s_i) + t_i`, `(t_i, s_i) = MADE(y_{<i}, context)`, with the order
 * reversed (or randomly permuted) between layers. Density in one pass per layer, sampling in `dim`
 * passes per layer. Every layer transforms every dimension and starts as the identity. The conditioners'
 * activation defaults to ReLU up to 16 dimensions and to ELU beyond (see `affineFlowActivation`).
 *
 * @example
 * ```ts
 * const flow = maskedAutoregressiveFlow({ dim: 3, layers: 5, hidden: [64, 64], seed: 0 });
 * const x = flow.sample(100, { seed: 1 });
 * ```
 */
export function maskedAutoregressiveFlow(options: MaskedAutoregressiveFlowOptions): Flow {
  const fn = 'maskedAutoregressiveFlow';
  checkOptionsObject(fn, options);
  checkOptions(fn, options, [...AUTOREGRESSIVE_FLOW_KEYS, 'scale', 'clamp']);
  return autoregressiveFlow(fn, options, (dim, o) => new MaskedAutoregressiveAffine(dim, { ...o, scale: options.scale, clamp: options.clamp }), affineFlowActivation('autoregressive', options.dim));
}
