import type { JsonObject } from '../module.js';
import { SPLINE_TRANSFORMER_KEYS, SplineTransformer, type SplineTransformerOptions, splineOptionsFromConfig } from '../transformers/rq-spline-transformer.js';
import { checkOptions } from '../validate.js';
import { MA_KEYS, MaskedAutoregressive, type MaskedAutoregressiveOptions } from './masked-autoregressive.js';

export type MaskedAutoregressiveSplineOptions = MaskedAutoregressiveOptions & SplineTransformerOptions;

/**
 * Autoregressive rational-quadratic spline (Durkan et al. 2019, NSF-AR): with `z` latent and `y` data,
 * the density direction computes `z_i = RQS(y_i; θ_i)`, `θ_i = MADE(y_{<i}, context)`, in one pass;
 * sampling inverts the spline, in `dim` passes. `invert: false` applies the spline in the sampling
 * direction instead, `y_i = RQS(z_i; θ_i)`.
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
    checkOptions('MaskedAutoregressiveSpline', options, [...MA_KEYS, ...SPLINE_TRANSFORMER_KEYS]);
    const { bins, tailBound, minBinWidth, minBinHeight, minDerivative, invert, ...rest } = options ?? {};
    super(new SplineTransformer({ bins, tailBound, minBinWidth, minBinHeight, minDerivative, invert }), dim, rest);
  }

  override getConfig(): JsonObject {
    const { transformer, ...rest } = super.getConfig();
    return { ...rest, ...(transformer as { config: JsonObject }).config };
  }

  static override fromConfig(c: JsonObject): MaskedAutoregressiveSpline {
    return new MaskedAutoregressiveSpline(c.dim as number, { ...MaskedAutoregressive.optionsFromConfig(c), ...splineOptionsFromConfig(c) });
  }
}
