import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import { checkBoolean, checkInt, checkOptions } from '../validate.js';
import { type SplinePath, rqSplinePacked, splineConfig, usesFused } from './rq-spline.js';
import { type SplineAttrs, splineFusedPackedScore } from '../kernels/rq-spline.js';
import { type SplineConfig, SplineCache } from './rq-spline-math.js';
import type { Transformer, TransformerResult } from './transformer.js';
import { gradientsRecorded } from '../ops/tape.js';

/** Options of {@link SplineTransformer}. */
export interface SplineTransformerOptions {
  /** Number of bins K (default 8). */
  bins?: number;
  /** B: the spline acts on [−B, B], identity outside (default 3). */
  tailBound?: number;
  /** Smallest bin width, default 1e-3 (K · minBinWidth ≤ 1). */
  minBinWidth?: number;
  /** Smallest bin height, default 1e-3. */
  minBinHeight?: number;
  /** Smallest knot derivative, default 1e-3. */
  minDerivative?: number;
  /**
   * Which direction applies the spline formula itself (the other one solves its quadratic).
   * `true` (default): the density direction, `inverse` (data → latent) computes `z = RQS(x; θ)`, as
   * nflows, zuko and FlowJAX do: training by maximum likelihood and `logProb` run the closed-form
   * spline, and this parameterisation is the one the published NSF results were trained with.
   * `false`: the sampling direction, `forward` (latent → data) computes `x = RQS(z; θ)`, like TFP's
   * `RationalQuadraticSpline` bijector. Both are exact, invertible and start as the identity.
   */
  invert?: boolean;
}

/** Option keys of {@link SplineTransformerOptions}, for the layers and builders that pass them on. */
export const SPLINE_TRANSFORMER_KEYS = ['bins', 'tailBound', 'minBinWidth', 'minBinHeight', 'minDerivative', 'invert'] as const;

/** The spline options among `options` (the layers and builders pass these on unchanged). */
export function pickSplineOptions(options: SplineTransformerOptions): SplineTransformerOptions {
  const { bins, tailBound, minBinWidth, minBinHeight, minDerivative, invert } = options;
  return { bins, tailBound, minBinWidth, minBinHeight, minDerivative, invert };
}

/**
 * Spline options from a saved config. Files written before `invert` existed applied the spline in
 * the sampling direction, so a missing `invert` reads as `false`.
 */
export function splineOptionsFromConfig(c: JsonObject): SplineTransformerOptions {
  return { ...pickSplineOptions(c as SplineTransformerOptions), invert: (c.invert as boolean | undefined) ?? false };
}

/** The forward kernel's cache of each taped forward pass, by output tensor (read by `scoreTerms`). */
const forwardCaches = new WeakMap<tf.Tensor, SplineCache>();

/**
 * Rational-quadratic spline transformer with linear tails, elementwise per dimension
 * (Durkan et al. 2019), the transformer of Neural Spline Flows: `paramsPerDim = 3K − 1`, laid out
 * as nflows does, `[K widths, K heights, K − 1 interior derivatives]`. By default (`invert: true`)
 * the density direction applies the spline, `z_i = RQS(x_i; θ_i)`, and the sampling direction its
 * inverse; `invert: false` swaps them.
 *
 * All-zero parameters are exactly the identity: uniform bins, and every knot derivative exactly 1,
 * the boundary ones by construction and the interior ones because the derivative parameters are
 * shifted, `d = m_d + softplus(u + c)` with `m_d + softplus(c) = 1` (this differs from nflows'
 * `m_d + softplus(u)`, which is ≈ 0.694 at zero). Computed through `rqSpline` (fused kernel on cpu
 * and wasm, stock ops elsewhere) on the packed parameters, without slicing.
 *
 * @example
 * ```ts
 * const t = new SplineTransformer({ bins: 8, tailBound: 3 });
 * const params = tf.zeros([batch, dim, t.paramsPerDim]);   // from a conditioner
 * const { output, logDet } = t.forward(x, params);          // output equals x here, logDet 0
 * ```
 */
export class SplineTransformer implements Transformer {
  readonly className = 'SplineTransformer';
  readonly paramsPerDim: number;
  readonly bins: number;
  readonly tailBound: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;
  /** Whether `inverse` (data → latent) applies the spline formula (see {@link SplineTransformerOptions.invert}). */
  readonly invert: boolean;
  /** @internal Implementation override for tests and benchmarks (`'auto'` in normal use). */
  splinePath: SplinePath = 'auto';
  private readonly config: SplineConfig;

  constructor(options: SplineTransformerOptions = {}) {
    const fn = 'new SplineTransformer';
    checkOptions(fn, options, SPLINE_TRANSFORMER_KEYS);
    const bins = checkInt(fn, 'options.bins', options.bins ?? 8, 1);
    const { inverse: _, ...config } = splineConfig(fn, bins, {
      tailBound: options.tailBound,
      minBinWidth: options.minBinWidth,
      minBinHeight: options.minBinHeight,
      minDerivative: options.minDerivative,
      tails: 'linear',
      identityAtZero: true,
    });
    this.config = config;
    this.bins = bins;
    this.tailBound = config.bound;
    this.minBinWidth = config.minBinWidth;
    this.minBinHeight = config.minBinHeight;
    this.minDerivative = config.minDerivative;
    this.invert = checkBoolean(fn, 'options.invert', options.invert, true);
    this.paramsPerDim = 3 * bins - 1;
  }

  /** latent → data (the spline's inverse when `invert`). `x`: `[batch, dim]`, `params`: `[batch, dim, 3K − 1]`. */
  forward(x: tf.Tensor2D, params: tf.Tensor3D): TransformerResult {
    return this.apply('SplineTransformer.forward', 'x', x, params, this.invert);
  }

  /** data → latent (the spline itself when `invert`). `y`: `[batch, dim]`, `params`: `[batch, dim, 3K − 1]`. */
  inverse(y: tf.Tensor2D, params: tf.Tensor3D): TransformerResult {
    return this.apply('SplineTransformer.inverse', 'y', y, params, !this.invert);
  }

  /**
   * The packed kernels' attributes for the density direction over `n` elements, with a fresh cache
   * the forward kernel fills for the gradient kernel.
   */
  densityKernelAttrs(n: number): SplineAttrs {
    return { ...this.config, inverse: !this.invert, cache: new SplineCache(n, this.bins) };
  }

  /**
   * Score terms for couplings (see {@link Transformer.scoreTerms}), in closed form in one pass of the
   * fused score kernel: with y = T(x; θ), L = log T', `scoreY = (g − ∂L/∂x) / T'` and
   * `dParams = (∂T/∂θ)ᵀ scoreY + (∂L/∂θ)ᵀ 1`, where ∂L/∂x = T''/T' comes from the spline's second
   * derivative (for the inverse map y = f⁻¹(x): scoreY = g f'(y) + f''(y)/f'(y)). Linear tails:
   * scoreY = g, zero parameter terms. `null` (the coupling reads the terms off the tape) where the
   * fused kernels do not run (backends other than cpu and wasm, or `splinePath: 'ops'`).
   */
  scoreTerms(x: tf.Tensor2D, params: tf.Tensor3D, g: tf.Tensor2D, forward: TransformerResult): { scoreY: tf.Tensor2D; dParams: tf.Tensor3D } | null {
    if (!usesFused(this.splinePath)) return null;
    const cache = forwardCaches.get(forward.output);
    const [scoreY, dParams] = splineFusedPackedScore({ ...this.config, inverse: this.invert, cache }, x, params, g);
    return { scoreY: scoreY as tf.Tensor2D, dParams: dParams as tf.Tensor3D };
  }

  getConfig(): JsonObject {
    return {
      bins: this.bins, tailBound: this.tailBound, minBinWidth: this.minBinWidth, minBinHeight: this.minBinHeight, minDerivative: this.minDerivative, invert: this.invert,
    };
  }

  /** `inverse`: whether the spline's inverse (root of its quadratic) is the map applied. */
  private apply(fn: string, arg: string, x: tf.Tensor2D, params: tf.Tensor3D, inverse: boolean): TransformerResult {
    assertReady(fn);
    if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.dtype !== 'float32') throw new ValidationError(fn, arg, 'a float32 2D tensor [batch, dim]', describe(x));
    const [batch, dim] = x.shape;
    const want = [batch, dim, this.paramsPerDim];
    if (!(params instanceof tf.Tensor) || params.dtype !== 'float32' || params.rank !== 3 || params.shape.some((s, i) => s !== want[i])) {
      throw new ValidationError(fn, 'params', `a float32 tensor [${want.join(', ')}] (3K − 1 = ${this.paramsPerDim} per dimension)`, describe(params));
    }
    // Under a tape, the fused forward kernel leaves each element's bin and softmaxes in a cache that
    // its gradient kernel and `scoreTerms` read instead of recomputing them (bit-identical results).
    const cache = gradientsRecorded() && usesFused(this.splinePath) ? new SplineCache(x.size, this.bins) : undefined;
    const [output, logDet] = rqSplinePacked({ ...this.config, inverse, cache }, x, params, this.splinePath);
    if (cache) forwardCaches.set(output, cache);
    return { output: output as tf.Tensor2D, logDet: logDet as tf.Tensor2D };
  }
}
