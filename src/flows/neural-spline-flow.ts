import { MaskedAutoregressiveSpline } from '../bijectors/masked-autoregressive-spline.js';
import { SplineCoupling } from '../bijectors/spline-coupling.js';
import type { Flow } from '../flow.js';
import { SPLINE_TRANSFORMER_KEYS, type SplineTransformerOptions, pickSplineOptions } from '../transformers/rq-spline-transformer.js';
import { checkOptions } from '../validate.js';
import { AUTOREGRESSIVE_FLOW_KEYS, type AutoregressiveFlowOptions, autoregressiveFlow } from './masked-autoregressive-flow.js';
import { checkOptionsObject } from './options.js';
import { COUPLING_FLOW_KEYS, type CouplingFlowOptions, couplingFlow } from './real-nvp.js';

/**
 * The builder's default tail bound B (the splines act on [−B, B] of the standardised data, identity
 * outside). The spline transformer's own default is 3, as in nflows; on the tabular benchmark
 * (`docs/tabular-benchmark.md`) B = 8 put NSF past a 16-component Gaussian mixture on flights and on
 * both synthetic sets (whose log-normal and sinh marginals reach far beyond ±3) and the 32-D set within
 * 0.05 nats per dimension of its true density, while every small table stayed well below the
 * Gaussian baseline.
 */
export const NSF_TAIL_BOUND = 8;

export interface NeuralSplineFlowOptions extends Omit<CouplingFlowOptions, 'permutation' | 'dim'>, SplineTransformerOptions {
  /** Data dimension (≥ 2 for coupling layers; 1 works with `autoregressive: true`). */
  dim: number;
  /** `false` (default): spline couplings (NSF-C); `true`: masked autoregressive splines (NSF-AR). */
  autoregressive?: boolean;
  /** Between layers: couplings take `random` (default) or `none`; autoregressive layers `reverse` (default) or `random`. */
  permutation?: 'random' | 'none' | 'reverse';
}

/**
 * Neural spline flow (Durkan et al. 2019): monotone rational-quadratic splines with K bins on
 * [−tailBound, tailBound] (identity outside), parameterised by coupling MLPs (default) or MADEs
 * (`autoregressive: true`), over `StandardNormal(dim)`, with the same layer layout as `realNVP` /
 * `maskedAutoregressiveFlow`. Every layer starts as the identity. Defaults: 4 layers, 8 bins, tail bound 8
 * (`NSF_TAIL_BOUND`: `fit` standardises the data, and heavy-tailed columns have much of their shape beyond ±3),
 * hidden two layers of `defaultConditionerWidth(dim)` (`[64, 64]` up to 16 dimensions), and the
 * spline applied on the density path (`invert: true`, as nflows trains NSF; `invert: false` puts it on
 * the sampling path).
 *
 * @example
 * ```ts
 * const flow = neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 0 });
 * await fit(flow, datasets.moons(20000, { seed: 1 }), { steps: 3000 });
 * ```
 */
export function neuralSplineFlow(options: NeuralSplineFlowOptions): Flow {
  const fn = 'neuralSplineFlow';
  checkOptionsObject(fn, options);
  const { bins, tailBound, minBinWidth, minBinHeight, minDerivative, invert, autoregressive, ...rest } = options;
  const spline = { ...pickSplineOptions(options), tailBound: options.tailBound ?? NSF_TAIL_BOUND };
  if (autoregressive) {
    checkOptions(fn, options, [...AUTOREGRESSIVE_FLOW_KEYS, ...SPLINE_TRANSFORMER_KEYS, 'autoregressive']);
    const o = { ...rest, layers: rest.layers ?? 4 } as AutoregressiveFlowOptions;
    return autoregressiveFlow(fn, o, (dim, layer) => new MaskedAutoregressiveSpline(dim, { ...layer, ...spline }));
  }
  checkOptions(fn, options, [...COUPLING_FLOW_KEYS, ...SPLINE_TRANSFORMER_KEYS, 'autoregressive']);
  const o = { ...rest, layers: rest.layers ?? 4 } as CouplingFlowOptions;
  return couplingFlow(fn, o, (layer) => new SplineCoupling({ ...layer, ...spline }));
}
