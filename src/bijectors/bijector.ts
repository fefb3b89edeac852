/**
 * The one bijector interface. Direction convention (TensorFlow Probability's), stated once here:
 *
 * - `forward(z)`  maps **latent → data**  (the sampling direction);
 * - `inverse(x)`  maps **data → latent**  (the density direction);
 * - each returns `{ output, logDet }`, where `logDet[i]` is log |det J| of *the map it applied*, for example i.
 *
 * So `inverse(forward(z).output).logDet == −forward(z).logDet`, and a flow's density is
 * `logProb(x) = base.logProb(z) + inverse(x).logDet` with `z = inverse(x).output`.
 *
 * Subclasses implement `_forward` and `_inverse` on checked `[batch, dim]` tensors; this class checks
 * shapes and context and owns memory (`tf.tidy`), so subclass code never disposes by hand.
 */
import { assertReady, tf } from '../backend.js';
import { NotInvertibleError, ValidationError, describe } from '../errors.js';
import { Module } from '../module.js';

/** The output of one direction and the per-example log |det J| of that direction (`[batch]`). */
export type BijectorResult = {
  output: tf.Tensor2D;
  logDet: tf.Tensor1D;
};

/**
 * How the inverse is computed: `'analytic'` (closed form), `'numerical'` (root finding, accurate to a
 * stated tolerance) or `'none'` (calling `inverse` throws `NotInvertibleError`).
 */
export type InverseKind = 'analytic' | 'numerical' | 'none';

export interface BijectorShape {
  /** Event dimension, or `null` for elementwise bijectors that accept any dimension. */
  dim?: number | null;
  /** Context (conditioning) dimension; 0 for an unconditional bijector. */
  contextDim?: number;
}

export abstract class Bijector extends Module {
  readonly dim: number | null;
  readonly contextDim: number;
  /** See {@link InverseKind}. */
  readonly inverseKind: InverseKind = 'analytic';
  /** Whether the forward direction is implemented (false only for inverses of forward-only bijectors). */
  readonly hasForward: boolean = true;

  constructor(shape: BijectorShape = {}) {
    super();
    this.dim = shape.dim ?? null;
    this.contextDim = shape.contextDim ?? 0;
  }

  /** latent → data. `x`: `[batch, dim]`; `context`: `[batch, contextDim]` when conditional. */
  forward(x: tf.Tensor2D, context?: tf.Tensor2D | null): BijectorResult {
    const name = `${this.className}.forward`;
    this.check(name, 'x', x, context);
    if (!this.hasForward) throw new NotInvertibleError(`${name}: this bijector implements only the inverse direction`);
    return tidy(() => this._forward(x, context ?? null));
  }

  /** data → latent. `y`: `[batch, dim]`; `context`: `[batch, contextDim]` when conditional. */
  inverse(y: tf.Tensor2D, context?: tf.Tensor2D | null): BijectorResult {
    const name = `${this.className}.inverse`;
    this.check(name, 'y', y, context);
    if (this.inverseKind === 'none') throw new NotInvertibleError(`${name}: this bijector has no inverse (forward only)`);
    return tidy(() => this._inverse(y, context ?? null));
  }

  protected abstract _forward(x: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult;
  protected abstract _inverse(y: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult;

  private check(fn: string, arg: string, x: unknown, context: unknown): void {
    assertReady(fn);
    if (!(x instanceof tf.Tensor) || x.rank !== 2) {
      throw new ValidationError(fn, arg, `a 2D tensor [batch, ${this.dim ?? 'dim'}]`, describe(x));
    }
    const [batch, dim] = x.shape as [number, number];
    if (this.dim !== null && dim !== this.dim) {
      throw new ValidationError(fn, arg, `a 2D tensor [batch, ${this.dim}]`, `shape [${x.shape.join(', ')}]`);
    }
    if (this.contextDim > 0) {
      if (context === undefined || context === null) {
        throw new ValidationError(fn, 'context', `a 2D tensor [${batch}, ${this.contextDim}] (this bijector is conditional)`, 'none');
      }
      if (!(context instanceof tf.Tensor) || context.rank !== 2 || context.shape[0] !== batch || context.shape[1] !== this.contextDim) {
        throw new ValidationError(fn, 'context', `a 2D tensor [${batch}, ${this.contextDim}]`, describe(context));
      }
    }
  }
}

/** `tf.tidy` for functions returning an object of tensors (TF.js's types want an index signature). */
export function tidy<T extends object>(f: () => T): T {
  return tf.tidy(f as unknown as () => tf.TensorContainer) as unknown as T;
}

/** `[batch]` tensor holding the same scalar log-det for every example. */
export function perExample(logDet: tf.Scalar | number, batch: number): tf.Tensor1D {
  return tf.add(tf.zeros([batch]), logDet) as tf.Tensor1D;
}

/** Sum an elementwise log-derivative `[batch, dim]` to the per-example log-det `[batch]`. */
export function sumLogDet(elementwise: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(elementwise, 1) as tf.Tensor1D;
}
