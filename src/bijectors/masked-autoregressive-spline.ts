import type { JsonObject } from '../module.js';
import { SplineTransformer, type SplineTransformerOptions } from '../transformers/rq-spline-transformer.js';
import { checkOptions } from '../validate.js';
import { MA_KEYS, MaskedAutoregressive, type MaskedAutoregressiveOptions } from './masked-autoregressive.js';

export type MaskedAutoregressiveSplineOptions = MaskedAutoregressiveOptions & SplineTransformerOptions;

const SPLINE_KEYS = ['bins', 'tailBound', 'minBinWidth', 'minBinHeight', 'minDerivative'] as const;

/**
 * Autoregressive rational-quadratic spline (Durkan et al. 2019, NSF-AR): `y_i = RQS(z_i; θ_i)` with
 * `θ_i = MADE(y_{<i}, context)`. Density (inverse) in one pass, sampling (forward) in `dim` passes.
 * Starts as the exact identity.
 *
 * @example
 * ```ts
 * const layer = new MaskedAutoregressiveSpline(3, { bins: 8, tailBound: 5, hidden: [64, 64], seed: 2 });
 * ```
 */
export class MaskedAutoregressiveSpline extends MaskedAutoregressive {
  override readonly className: string = 'MaskedAutoregressiveSpline';

  constructor(dim: number, options: MaskedAutoregressiveSplineOptions = {}) {
    checkOptions('MaskedAutoregressiveSpline', options, [...MA_KEYS, ...SPLINE_KEYS]);
    const { bins, tailBound, minBinWidth, minBinHeight, minDerivative, ...rest } = options ?? {};
    super(new SplineTransformer({ bins, tailBound, minBinWidth, minBinHeight, minDerivative }), dim, rest);
  }

  override getConfig(): JsonObject {
    const { transformer, ...rest } = super.getConfig();
    return { ...rest, ...(transformer as { config: JsonObject }).config };
  }

  static override fromConfig(c: JsonObject): MaskedAutoregressiveSpline {
    const { bins, tailBound, minBinWidth, minBinHeight, minDerivative } = c as SplineTransformerOptions;
    return new MaskedAutoregressiveSpline(c.dim as number, { ...MaskedAutoregressive.optionsFromConfig(c), bins, tailBound, minBinWidth, minBinHeight, minDerivative });
  }
}
