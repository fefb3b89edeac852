/**
 * What follows a conditioner network's hidden dense layer: `h → norm(h) → activation → dropout`.
 * Shared by {@link MLP}, {@link MADE} and the residual networks, so that the options mean the same
 * everywhere. (Weight normalisation lives in the dense layer itself, see `DenseOptions.weightNorm`.)
 */
import type { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { Module } from '../module.js';
import type { Rng } from '../random.js';
import { type Activation, activate } from './activation.js';
import { Dropout } from './dropout.js';
import { CONDITIONER_NORMS, type ConditionerNorm, type HiddenBatchNorm, type LayerNorm, hiddenNorm } from './normalization.js';

/** Check a dropout rate from user input: a number in [0, 1) (default 0). */
export function checkDropout(fn: string, arg: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new ValidationError(fn, arg, 'a number in [0, 1)', describe(value));
  return value;
}

/** Check a hidden-layer normalisation from user input (default `none`). */
export function checkNorm(fn: string, arg: string, value: unknown): ConditionerNorm {
  if (value === undefined) return 'none';
  if (typeof value !== 'string' || !(CONDITIONER_NORMS as readonly string[]).includes(value)) {
    throw new ValidationError(fn, arg, `one of ${CONDITIONER_NORMS.map((c) => JSON.stringify(c)).join(', ')}`, describe(value));
  }
  return value as ConditionerNorm;
}

/** The normalisation modules and dropout layers after each of a network's hidden layers. */
export class HiddenStages {
  private readonly norms: (LayerNorm | HiddenBatchNorm | null)[];
  private readonly drops: (Dropout | null)[];

  /** One stage per entry of `widths`; dropout seeds are drawn from `rng` only when `dropout > 0`. */
  constructor(widths: readonly number[], norm: ConditionerNorm, dropout: number, rng: Rng) {
    this.norms = widths.map((w) => hiddenNorm(norm, w));
    this.drops = widths.map(() => (dropout > 0 ? new Dropout(dropout, rng) : null));
  }

  /** The modules holding weights or a training mode, normalisations first (their order names the weights). */
  modules(): Module[] {
    return [...this.norms, ...this.drops].filter((m): m is NonNullable<typeof m> => m !== null);
  }

  /** `dropout(activation(norm(h)))` for stage `i`. */
  apply(i: number, h: tf.Tensor2D, activation: Activation): tf.Tensor2D {
    const n = this.norms[i];
    const d = this.drops[i];
    const a = activate(activation, n ? n.apply(h) : h);
    return d ? d.apply(a) : a;
  }
}
