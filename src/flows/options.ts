/** Option checks shared by the flow builders. */
import { ActNorm } from '../bijectors/act-norm.js';
import { BatchNorm } from '../bijectors/batch-norm.js';
import type { Bijector } from '../bijectors/bijector.js';
import { ValidationError, describe } from '../errors.js';
import type { Activation } from '../nn/activation.js';
import { type ConditionerOptions, checkConditioner, conditionerConfig } from '../nn/conditioner.js';
import type { Seed } from '../random.js';

/** Options every conditioner-based flow builder shares (coupling and autoregressive families). */
export interface FlowBuilderOptions {
  /** Data dimension. */
  dim: number;
  /** Number of flow layers. */
  layers?: number;
  /**
   * Conditioner hidden sizes (default two layers of {@link defaultConditionerWidth}`(dim)`: `[64, 64]`
   * up to 16 dimensions); shorthand for `conditioner.hidden`.
   */
  hidden?: number[];
  /**
   * Conditioner activation (default `relu`; `elu` for `realNVP` from 3 dimensions on and for
   * `maskedAutoregressiveFlow` from 17, see docs/defaults.md); shorthand for `conditioner.activation`.
   */
  activation?: Activation;
  /**
   * The conditioner network of every layer: `{ type: 'mlp' | 'resnet' | 'kernel', hidden, activation,
   * dropout, norm: 'none' | 'batch' | 'layer' | 'weight', points }` (default an MLP; see
   * {@link ConditionerOptions} and docs/conditioners.md).
   */
  conditioner?: ConditionerOptions;
  /** Context dimension for a conditional flow (default 0). */
  contextDim?: number;
  /** Seed of the initial weights and permutations. */
  seed?: Seed;
  /** Normalisation layer on the data side of every layer (default `none`). */
  normalization?: Normalization;
}

/** A normalisation layer placed on the data side of every flow layer: none (default), ActNorm or BatchNorm. */
export type Normalization = 'none' | 'actnorm' | 'batchnorm';

export function checkChoice<T extends string>(fn: string, arg: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ValidationError(fn, arg, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, describe(value));
  }
  return value as T;
}

/** The options object itself must be there (it holds the required `dim`). */
export function checkOptionsObject(fn: string, options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValidationError(fn, 'options', 'an object with at least { dim }', describe(options));
  }
}

/**
 * The builders' default conditioner width for `dim` dimensions (two hidden layers of it): 64 up to 16
 * dimensions, then `4 · dim` rounded up to a power of 2, at most 256. A fixed 64 starves wide tables: on
 * the 32-column synthetic set of `npm run bench:tabular`, MAF ended 0.066 nats per dimension above
 * the true density with `[128, 128]` against 0.071 with `[64, 64]`, RealNVP 0.073 against 0.077
 * (seed 1). docs/defaults.md lists every data- and dimension-dependent default.
 *
 * @example
 * ```ts
 * defaultConditionerWidth(8);  // 64
 * defaultConditionerWidth(32); // 128
 * ```
 */
export function defaultConditionerWidth(dim: number): number {
  return Math.min(256, Math.max(64, 2 ** Math.ceil(Math.log2(4 * dim))));
}

/**
 * The default conditioner activation of the affine families: ELU where ReLU conditioners over-fit,
 * measured on the synthetic tables of `npm run bench:tabular` (gap per dimension to the true density,
 * seeds 1–3; docs/defaults.md has every table). Affine layers compose smooth maps, and ReLU
 * conditioners' kinks let them fit the training rows' noise; with ELU the runs stop over-fitting early.
 *
 * - `coupling` (RealNVP): ELU from 3 dimensions on. 32 columns 0.068–0.071 → 0.048–0.049 (a PyTorch
 *   twin with ReLU: 0.067–0.072), 16 columns 0.038 → 0.032, 8 unchanged; better in 19 of 25
 *   small-table runs. 2D keeps ReLU: the fused 2D coupling kernels take ReLU only, and the moons
 *   benchmark was measured with it.
 * - `autoregressive` (MAF): ELU from 17 dimensions on, where its conditioners widen beyond 64 units.
 *   24 columns 0.036–0.048 → 0.030–0.032, 32 columns 0.053–0.056 → 0.048–0.050, 48 columns 0.074 →
 *   0.062; but 16 columns 0.027–0.029 → 0.029–0.033 and small tables better in only 5 of 10.
 *
 * Spline flows keep ReLU: their gaps were already within the benchmark's targets.
 */
export function affineFlowActivation(kind: 'coupling' | 'autoregressive', dim: unknown): Activation {
  if (typeof dim !== 'number') return 'relu';
  return dim > (kind === 'coupling' ? 2 : 16) ? 'elu' : 'relu';
}

/** A fresh normalisation layer, or null for `none`. */
export function normalizationLayer(kind: Normalization, dim: number): Bijector | null {
  return kind === 'actnorm' ? new ActNorm(dim) : kind === 'batchnorm' ? new BatchNorm(dim) : null;
}

/**
 * The builder's `conditioner` (with the `hidden`/`activation` shorthand folded in), checked once and
 * returned in the form every layer takes.
 */
export function builderConditioner(fn: string, options: FlowBuilderOptions, autoregressive: boolean, dim: number, defaultActivation: Activation = 'relu'): ConditionerOptions {
  const width = defaultConditionerWidth(dim);
  const spec = checkConditioner(fn, options.conditioner, { hidden: options.hidden, activation: options.activation }, [width, width], defaultActivation);
  if (autoregressive && spec.norm === 'layer') {
    throw new ValidationError(fn, 'options.conditioner.norm', "'none', 'batch' or 'weight' for autoregressive layers (layer normalisation mixes hidden units of different degrees)", "'layer'");
  }
  return conditionerConfig(spec) as ConditionerOptions;
}
