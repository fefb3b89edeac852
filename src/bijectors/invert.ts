import { ValidationError, describe } from '../errors.js';
import type { JsonObject, Module, Serialized } from '../module.js';
import { tf } from '../backend.js';
import { Bijector, type BijectorResult, type InverseKind } from './bijector.js';

/**
 * Swap the directions of a bijector: `new Invert(b).forward = b.inverse` and vice versa, log-dets
 * included. (IAF is `Invert` of a MAF layer.) Shares `b`'s weights.
 *
 * @example
 * ```ts
 * const logit = new Invert(new Sigmoid()); // forward: (0, 1) → ℝ
 * ```
 */
export class Invert extends Bijector {
  readonly className = 'Invert';
  readonly bijector: Bijector;
  override readonly inverseKind: InverseKind;
  override readonly hasForward: boolean;

  constructor(bijector: Bijector) {
    if (!(bijector instanceof Bijector)) throw new ValidationError('Invert', 'bijector', 'a Bijector instance', describe(bijector));
    super({ dim: bijector.dim, contextDim: bijector.contextDim });
    this.bijector = bijector;
    // Our forward is its inverse: if that is missing we have no forward; our inverse is its (analytic) forward.
    this.hasForward = bijector.inverseKind !== 'none';
    this.inverseKind = bijector.hasForward ? 'analytic' : 'none';
  }

  static fromConfig(config: JsonObject, build: (s: Serialized) => Bijector): Invert {
    return new Invert(build(config.bijector as unknown as Serialized));
  }

  getConfig(): JsonObject {
    return { bijector: this.bijector.serialize() as unknown as JsonObject };
  }

  protected override children(): readonly Module[] {
    return [this.bijector];
  }

  protected _forward(x: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    return this.bijector.inverse(x, context);
  }

  protected _inverse(y: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    return this.bijector.forward(y, context);
  }
}
