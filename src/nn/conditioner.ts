/**
 * The one conditioner option every coupling and autoregressive layer (and their builders) takes:
 * which network computes a bijector's parameters from the conditioning inputs.
 */
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import type { Seed } from '../random.js';
import { type Activation, checkActivation } from './activation.js';
import { checkDropout, checkNorm } from './hidden-stage.js';
import { KernelConditioner, MaskedKernelConditioner } from './kernel-conditioner.js';
import { MADE } from './made.js';
import { MLP, checkHidden } from './mlp.js';
import type { ConditionerNorm } from './normalization.js';
import { MaskedResidualNet, ResidualNet } from './residual.js';
import { checkInt } from '../validate.js';

export const CONDITIONER_TYPES = ['mlp', 'resnet', 'kernel'] as const;
export type ConditionerType = (typeof CONDITIONER_TYPES)[number];

/**
 * The conditioner of a coupling or autoregressive layer (see docs/conditioners.md):
 * - `mlp` (default): a multilayer perceptron ({@link MLP}; a {@link MADE} when autoregressive);
 * - `resnet`: pre-activation residual blocks ({@link ResidualNet}, {@link MaskedResidualNet}), the
 *   NSF paper's tabular network; `hidden: [H, H]` means two blocks of width H;
 * - `kernel`: an RBF kernel expansion over `points` learnable auxiliary points
 *   ({@link KernelConditioner}, {@link MaskedKernelConditioner}), for small data sets.
 * `hidden`, `activation`, `dropout` and `norm` apply to `mlp` and `resnet`; `points` to `kernel`.
 */
export interface ConditionerOptions {
  /** Network family (default `mlp`). */
  type?: ConditionerType;
  /** Hidden layer sizes (default `[64, 64]`; the flow builders widen it for more than 16 dimensions, see `defaultConditionerWidth`). */
  hidden?: number[];
  /** Hidden activation (default `relu`). */
  activation?: Activation;
  /** Dropout rate in [0, 1), applied in training mode only (default 0). */
  dropout?: number;
  /** Hidden-layer normalisation (default `none`; `layer` is refused for autoregressive layers). */
  norm?: ConditionerNorm;
  /** Auxiliary points of a `kernel` conditioner (default 32). */
  points?: number;
}

/** A checked {@link ConditionerOptions} with every default filled in. */
export interface ConditionerSpec {
  type: ConditionerType;
  hidden: number[];
  activation: Activation;
  dropout: number;
  norm: ConditionerNorm;
  points: number;
}

/** The conditioner of a coupling layer: `[batch, inputs]` (plus context) → `[batch, outputs]`. */
export type CouplingConditioner = MLP | ResidualNet | KernelConditioner;
/** The conditioner of an autoregressive layer: `[batch, dim]` (plus context) → `[batch, dim, paramsPerDim]`. */
export type AutoregressiveConditioner = MADE | MaskedResidualNet | MaskedKernelConditioner;

const KEYS = ['type', 'hidden', 'activation', 'dropout', 'norm', 'points'] as const;

/**
 * Check `conditioner` from user input. `hidden` and `activation` given beside it (the older
 * shorthand, `{ hidden, activation }` = `conditioner: { type: 'mlp', hidden, activation }`) may not
 * repeat a field it sets.
 */
export function checkConditioner(
  fn: string,
  value: unknown,
  shorthand: { hidden?: unknown; activation?: unknown } = {},
  defaultHidden: number[] = [64, 64],
  defaultActivation: Activation = 'relu',
): ConditionerSpec {
  const arg = 'options.conditioner';
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new ValidationError(fn, arg, `an object with some of ${KEYS.join(', ')}`, describe(value));
  }
  const o = (value ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(KEYS as readonly string[]).includes(k)) throw new ValidationError(fn, `${arg}.${k}`, `one of the keys ${KEYS.join(', ')}`, `unknown key '${k}'`);
  }
  for (const k of ['hidden', 'activation'] as const) {
    if (shorthand[k] !== undefined && o[k] !== undefined) throw new ValidationError(fn, `options.${k}`, `absent when options.conditioner.${k} is given`, describe(shorthand[k]));
  }
  const type = o.type ?? 'mlp';
  if (typeof type !== 'string' || !(CONDITIONER_TYPES as readonly string[]).includes(type)) {
    throw new ValidationError(fn, `${arg}.type`, `one of ${CONDITIONER_TYPES.map((t) => JSON.stringify(t)).join(', ')}`, describe(type));
  }
  const hiddenIn = o.hidden ?? shorthand.hidden;
  const activationIn = o.activation ?? shorthand.activation;
  if (type === 'kernel') {
    for (const [k, v] of [['hidden', hiddenIn], ['activation', activationIn], ['dropout', o.dropout], ['norm', o.norm]] as const) {
      if (v !== undefined) throw new ValidationError(fn, `${arg}.${k}`, "absent for type 'kernel' (it has no hidden layers; set points)", describe(v));
    }
  } else if (o.points !== undefined) {
    throw new ValidationError(fn, `${arg}.points`, "absent for type 'mlp' or 'resnet' (points belong to 'kernel')", describe(o.points));
  }
  const hidden = checkHidden(fn, o.hidden !== undefined ? `${arg}.hidden` : 'options.hidden', hiddenIn, defaultHidden);
  if (type === 'resnet' && hidden.some((h) => h !== hidden[0])) {
    throw new ValidationError(fn, `${arg}.hidden`, "equal widths for type 'resnet' (one entry per residual block)", describe(hiddenIn));
  }
  return {
    type: type as ConditionerType,
    hidden,
    activation: checkActivation(fn, o.activation !== undefined ? `${arg}.activation` : 'options.activation', activationIn, defaultActivation),
    dropout: checkDropout(fn, `${arg}.dropout`, o.dropout),
    norm: checkNorm(fn, `${arg}.norm`, o.norm),
    points: checkInt(fn, `${arg}.points`, o.points ?? 32),
  };
}

/** Whether `spec` is the MLP the `hidden`/`activation` shorthand describes (saved without a `conditioner` entry). */
export function isPlainMlp(spec: ConditionerSpec): boolean {
  return spec.type === 'mlp' && spec.dropout === 0 && spec.norm === 'none';
}

/** `spec` as saved in a layer's config (only the fields its type uses). */
export function conditionerConfig(spec: ConditionerSpec): JsonObject {
  if (spec.type === 'kernel') return { type: 'kernel', points: spec.points };
  return { type: spec.type, hidden: [...spec.hidden], activation: spec.activation, dropout: spec.dropout, norm: spec.norm };
}

/** The coupling conditioner `spec` describes, `inputs` (+ `contextDim`) → `outputs`. */
export function couplingConditioner(spec: ConditionerSpec, inputs: number, outputs: number, contextDim: number, seed: Seed | undefined): CouplingConditioner {
  const { hidden, activation, dropout, norm } = spec;
  if (spec.type === 'kernel') return new KernelConditioner(inputs, outputs, { points: spec.points, contextDim, seed });
  if (spec.type === 'resnet') return new ResidualNet(inputs, outputs, { hidden, activation, dropout, norm, contextDim, seed });
  // The plain MLP gets exactly the options it always had, so its weights and config are unchanged.
  return isPlainMlp(spec) ? new MLP(inputs, outputs, { hidden, activation, contextDim, seed }) : new MLP(inputs, outputs, { hidden, activation, dropout, norm, contextDim, seed });
}

/** The masked conditioner `spec` describes for an autoregressive layer over `dim` dimensions in `ordering`. */
export function autoregressiveConditioner(fn: string, spec: ConditionerSpec, dim: number, paramsPerDim: number, contextDim: number, ordering: number[] | undefined, seed: Seed | undefined): AutoregressiveConditioner {
  const { hidden, activation, dropout, norm } = spec;
  if (norm === 'layer') throw new ValidationError(fn, 'options.conditioner.norm', "'none', 'batch' or 'weight' for autoregressive layers (layer normalisation mixes hidden units of different degrees)", "'layer'");
  if (spec.type === 'kernel') return new MaskedKernelConditioner(dim, paramsPerDim, { points: spec.points, contextDim, ordering, seed });
  if (spec.type === 'resnet') return new MaskedResidualNet(dim, paramsPerDim, { hidden, activation, dropout, norm, contextDim, ordering, seed });
  return isPlainMlp(spec) ? new MADE(dim, paramsPerDim, { hidden, activation, contextDim, ordering, seed }) : new MADE(dim, paramsPerDim, { hidden, activation, dropout, norm, contextDim, ordering, seed });
}
