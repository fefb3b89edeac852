import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject, Module, Serialized } from '../module.js';
import type { Activation } from '../nn/activation.js';
import { MADE } from '../nn/made.js';
import { type AutoregressiveConditioner, type ConditionerOptions, type ConditionerSpec, autoregressiveConditioner, checkConditioner, conditionerConfig, isPlainMlp } from '../nn/conditioner.js';
import type { Seed } from '../random.js';
import { AffineTransformer, type AffineTransformerOptions } from '../transformers/affine.js';
import { transformerFromConfig } from '../transformers/registry.js';
import type { Transformer } from '../transformers/transformer.js';
import { checkInt, checkOptions } from '../validate.js';
import { Bijector, type BijectorResult, sumLogDet } from './bijector.js';

export interface MaskedAutoregressiveOptions {
  /** MADE hidden sizes (default `[64, 64]`); shorthand for `conditioner.hidden`. */
  hidden?: number[];
  /** MADE activation (default `relu`); shorthand for `conditioner.activation`. */
  activation?: Activation;
  /** The masked conditioner: MADE (default), masked residual or masked kernel, with dropout and normalisation (see {@link ConditionerOptions}). */
  conditioner?: ConditionerOptions;
  /** Context dimension; a conditional layer requires a context in both directions (default 0). */
  contextDim?: number;
  /** Autoregressive order of the dimensions (default `[0, 1, …, dim − 1]`). */
  ordering?: number[];
  /** Seed of the MADE's initial weights. */
  seed?: Seed;
}

/** Option keys of every masked autoregressive class (subclasses add their transformer's). */
export const MA_KEYS = ['hidden', 'activation', 'conditioner', 'contextDim', 'ordering', 'seed'] as const;

/**
 * Masked autoregressive layer (MAF, Papamakarios et al. 2017), generic over the transformer: on the
 * data side `y_i = T(z_i; θ_i(y_{<i}, context))` with θ from a {@link MADE} over `y` in `ordering`.
 *
 * - `inverse(y)` (data → latent, the density direction) is **one pass**: θ = MADE(y), `z = T⁻¹(y; θ)`.
 * - `forward(z)` (latent → data, sampling) takes **`dim` sequential passes**: each pass fixes one more
 *   dimension of `y` in the ordering; the last pass gives the output and its log-det.
 *
 * Log-det `Σ_i log |T'|`. Starts as the identity (the MADE's last layer is zero). IAF (Kingma et
 * al. 2016) is `new Invert(layer)`: one-pass sampling, `dim`-pass density.
 *
 * @example
 * ```ts
 * const layer = new MaskedAutoregressive(new AffineTransformer(), 3, { hidden: [32, 32], seed: 1 });
 * const { output: z, logDet } = layer.inverse(x); // x [batch, 3]
 * ```
 */
export class MaskedAutoregressive extends Bijector {
  readonly className: string = 'MaskedAutoregressive';
  readonly transformer: Transformer;
  /** The masked conditioner (a {@link MADE} unless `conditioner.type` says otherwise). */
  readonly made: AutoregressiveConditioner;
  /** The checked conditioner options. */
  readonly conditionerSpec: ConditionerSpec;

  constructor(transformer: Transformer, dim: number, options: MaskedAutoregressiveOptions = {}) {
    const fn = new.target.name;
    checkOptions(fn, options, MA_KEYS);
    if (typeof transformer?.forward !== 'function' || !Number.isInteger(transformer?.paramsPerDim)) {
      throw new ValidationError(fn, 'transformer', 'a Transformer (e.g. new AffineTransformer())', describe(transformer));
    }
    checkInt(fn, 'dim', dim);
    const o = options ?? {};
    const contextDim = checkInt(fn, 'options.contextDim', o.contextDim ?? 0, 0);
    const spec = checkConditioner(fn, o.conditioner, { hidden: o.hidden, activation: o.activation });
    super({ dim, contextDim });
    assertReady(`new ${fn}`);
    this.transformer = transformer;
    this.conditionerSpec = spec;
    this.made = autoregressiveConditioner(fn, spec, dim, transformer.paramsPerDim, contextDim, o.ordering, o.seed);
  }

  getConfig(): JsonObject {
    const spec = this.conditionerSpec;
    // The plain MADE is saved as it always was (hidden, activation), so older readers load it.
    const net: JsonObject = isPlainMlp(spec) ? { hidden: [...spec.hidden], activation: spec.activation } : { conditioner: conditionerConfig(spec) };
    return {
      dim: this.dim,
      ...net,
      contextDim: this.contextDim,
      ordering: [...this.made.ordering],
      transformer: { className: this.transformer.className, config: this.transformer.getConfig() },
    };
  }

  /** Options shared by every masked autoregressive class, from a saved config. */
  static optionsFromConfig(c: JsonObject): MaskedAutoregressiveOptions {
    const net = c.conditioner !== undefined ? { conditioner: c.conditioner as ConditionerOptions } : { hidden: c.hidden as number[], activation: c.activation as Activation };
    return { ...net, contextDim: c.contextDim as number, ordering: c.ordering as number[] };
  }

  static fromConfig(c: JsonObject): MaskedAutoregressive {
    return new MaskedAutoregressive(transformerFromConfig(c.transformer as unknown as Serialized), c.dim as number, MaskedAutoregressive.optionsFromConfig(c));
  }

  protected override children(): readonly Module[] {
    return [this.made];
  }

  protected _inverse(y: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    const r = this.transformer.inverse(y, this.made.apply(y, context));
    return { output: r.output, logDet: sumLogDet(r.logDet) };
  }

  protected _forward(z: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    // After pass k the first k dimensions in the ordering are final, so dim passes finish all of them.
    // Each pass but the last keeps only its output (its own tidy frees the conditioner's activations,
    // and the previous iterate is released), so memory stays that of one pass for any dim; under a
    // gradient tape the tape keeps what backprop needs.
    let y = tf.zerosLike(z) as tf.Tensor2D;
    for (let k = 0; k < (this.dim as number) - 1; k++) {
      const previous = y;
      // Pass k needs the parameters of ordering[0 … k] only (MADE.applyPass computes just those).
      y = tf.tidy(() => this.transformer.forward(z, this.made instanceof MADE ? this.made.applyPass(previous, context, k) : this.made.apply(previous, context)).output);
      previous.dispose();
    }
    const r = this.transformer.forward(z, this.made.apply(y, context));
    return { output: r.output, logDet: sumLogDet(r.logDet) };
  }
}

export type MaskedAutoregressiveAffineOptions = MaskedAutoregressiveOptions & AffineTransformerOptions;

/**
 * MAF layer (Papamakarios et al. 2017): `y_i = z_i · scale(s_i) + t_i` with
 * `(t_i, s_i) = MADE(y_{<i}, context)`; density (inverse) in one pass, sampling (forward) in `dim`
 * passes; forward log-det `Σ_i log scale(s_i)`. `new Invert(layer)` is an IAF layer.
 *
 * @example
 * ```ts
 * const maf = new MaskedAutoregressiveAffine(2, { hidden: [64, 64], seed: 3 });
 * const iaf = new Invert(maf);
 * ```
 */
export class MaskedAutoregressiveAffine extends MaskedAutoregressive {
  override readonly className: string = 'MaskedAutoregressiveAffine';

  constructor(dim: number, options: MaskedAutoregressiveAffineOptions = {}) {
    checkOptions('MaskedAutoregressiveAffine', options, [...MA_KEYS, 'scale', 'clamp']);
    const { scale, clamp, ...rest } = options ?? {};
    super(new AffineTransformer({ scale, clamp }), dim, rest);
  }

  override getConfig(): JsonObject {
    const { transformer, ...rest } = super.getConfig();
    return { ...rest, ...(transformer as { config: JsonObject }).config };
  }

  static override fromConfig(c: JsonObject): MaskedAutoregressiveAffine {
    return new MaskedAutoregressiveAffine(c.dim as number, { ...MaskedAutoregressive.optionsFromConfig(c), scale: c.scale as 'exp' | 'softplus', clamp: c.clamp as number | null });
  }
}
