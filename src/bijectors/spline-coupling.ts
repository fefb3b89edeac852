import type { JsonObject } from '../module.js';
import { SPLINE_TRANSFORMER_KEYS, SplineTransformer, type SplineTransformerOptions, splineOptionsFromConfig } from '../transformers/rq-spline-transformer.js';
import { checkOptions } from '../validate.js';
import { Coupling, COUPLING_KEYS, type CouplingOptions } from './coupling.js';

export type SplineCouplingOptions = CouplingOptions & SplineTransformerOptions;

/**
 * Rational-quadratic spline coupling (Durkan et al. 2019, NSF-C): with `x` latent and `y` data,
 * `y_A = x_A` passes through and the density direction computes `x_B = RQS(y_B; θ)`,
 * `θ = MLP(y_A, context)` (3K − 1 parameters per transformed dimension, linear tails outside
 * [−tailBound, tailBound]); sampling solves the spline's quadratic. `invert: false` applies the
 * spline in the sampling direction instead, `y_B = RQS(x_B; θ)`. Starts as the exact identity
 * (zero conditioner output).
 *
 * @example
 * ```ts
 * const layer = new SplineCoupling({ mask: halfMask(2), bins: 8, tailBound: 5, hidden: [64, 64], seed: 1 });
 * ```
 */
export class SplineCoupling extends Coupling {
  override readonly className: string = 'SplineCoupling';

  constructor(options: SplineCouplingOptions) {
    checkOptions('SplineCoupling', options, [...COUPLING_KEYS, ...SPLINE_TRANSFORMER_KEYS]);
    const { bins, tailBound, minBinWidth, minBinHeight, minDerivative, invert, ...rest } = options ?? ({} as SplineCouplingOptions);
    super(new SplineTransformer({ bins, tailBound, minBinWidth, minBinHeight, minDerivative, invert }), rest);
  }

  override getConfig(): JsonObject {
    const { transformer, ...rest } = super.getConfig();
    return { ...rest, ...(transformer as { config: JsonObject }).config };
  }

  static override fromConfig(c: JsonObject): SplineCoupling {
    return new SplineCoupling({ ...Coupling.optionsFromConfig(c), ...splineOptionsFromConfig(c) });
  }
}
