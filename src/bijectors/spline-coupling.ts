import type { JsonObject } from '../module.js';
import { SplineTransformer, type SplineTransformerOptions } from '../transformers/rq-spline-transformer.js';
import { checkOptions } from '../validate.js';
import { Coupling, COUPLING_KEYS, type CouplingOptions } from './coupling.js';

export type SplineCouplingOptions = CouplingOptions & SplineTransformerOptions;

const SPLINE_KEYS = ['bins', 'tailBound', 'minBinWidth', 'minBinHeight', 'minDerivative'] as const;

/**
 * Rational-quadratic spline coupling (Durkan et al. 2019, NSF-C): `y_B = RQS(x_B; θ)` with
 * `θ = MLP(x_A, context)` (3K − 1 parameters per transformed dimension, linear tails outside
 * [−tailBound, tailBound]), `y_A = x_A`. Starts as the exact identity (zero conditioner output).
 *
 * @example
 * ```ts
 * const layer = new SplineCoupling({ mask: halfMask(2), bins: 8, tailBound: 5, hidden: [64, 64], seed: 1 });
 * ```
 */
export class SplineCoupling extends Coupling {
  override readonly className: string = 'SplineCoupling';

  constructor(options: SplineCouplingOptions) {
    checkOptions('SplineCoupling', options, [...COUPLING_KEYS, ...SPLINE_KEYS]);
    const { bins, tailBound, minBinWidth, minBinHeight, minDerivative, ...rest } = options ?? ({} as SplineCouplingOptions);
    super(new SplineTransformer({ bins, tailBound, minBinWidth, minBinHeight, minDerivative }), rest);
  }

  override getConfig(): JsonObject {
    const { transformer, ...rest } = super.getConfig();
    return { ...rest, ...(transformer as { config: JsonObject }).config };
  }

  static override fromConfig(c: JsonObject): SplineCoupling {
    const { bins, tailBound, minBinWidth, minBinHeight, minDerivative } = c as SplineTransformerOptions;
    return new SplineCoupling({ ...Coupling.optionsFromConfig(c), bins, tailBound, minBinWidth, minBinHeight, minDerivative });
  }
}
