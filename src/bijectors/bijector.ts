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
import { detach, vjp, withTape } from '../ops/score-ops.js';

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

/** A direction's result with the score carried through it: `score` `[batch, dim]` = ∂log q/∂output. */
export type ScoreResult = BijectorResult & { score: tf.Tensor2D };

/**
 * How `forwardWithScore` carries the score: `'analytic'` (a closed-form rule of the bijector, no extra
 * pass), `'autodiff'` (the generic rule: one autodiff pass through the analytic inverse), `'none'`
 * (neither: no rule and no analytic inverse).
 */
export type ScoreRule = 'analytic' | 'autodiff' | 'none';

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

  /**
   * latent → data carrying the score (Vaitl et al. 2024): given `z` and `scoreZ = ∂log q_z/∂z`, returns
   * `x = f(z)`, `logDet = log |det ∂x/∂z|` and `score = ∂log q_x/∂x = J⁻ᵀ (scoreZ − ∂logDet/∂z)`, where
   * `q_x` is the push-forward of `q_z`. Shapes: `z`, `scoreZ` `[batch, dim]`. Uses the bijector's own
   * rule when it has one ({@link ScoreRule}), else autodiff through the inverse.
   *
   * @example
   * ```ts
   * // q_z = N(0, I) has score −z; after x = 2z + 1 the score is −(x − 1)/4.
   * const z = tf.tensor2d([[0.5, -1]]);
   * const { output, score } = new Affine(2, { shift: [1, 1], scale: [2, 2] }).forwardWithScore(z, tf.neg(z));
   * ```
   */
  forwardWithScore(z: tf.Tensor2D, scoreZ: tf.Tensor2D, context?: tf.Tensor2D | null): ScoreResult {
    const name = `${this.className}.forwardWithScore`;
    this.check(name, 'z', z, context);
    if (!(scoreZ instanceof tf.Tensor) || scoreZ.rank !== 2 || scoreZ.shape[0] !== z.shape[0] || scoreZ.shape[1] !== z.shape[1]) {
      throw new ValidationError(name, 'scoreZ', `a 2D tensor shaped like z [${z.shape.join(', ')}]`, describe(scoreZ));
    }
    if (!this.hasForward) throw new NotInvertibleError(`${name}: this bijector implements only the inverse direction`);
    const rule = this.scoreRule;
    if (rule === 'none') throw new NotInvertibleError(`${name}: no score rule and no analytic inverse to differentiate`);
    const ctx = context ?? null;
    return tidy(() => withTape(() => (this._forwardWithScore ? this._forwardWithScore(z, scoreZ, ctx) : autodiffForwardScore(this, z, scoreZ, ctx))));
  }

  /**
   * data → latent carrying the score of a density on the data side: given `x` and `scoreX = ∂log p/∂x`,
   * returns `z = f⁻¹(x)`, `logDet = log |det ∂z/∂x|` and `score = ∂log p_z/∂z = Jᵀ scoreX + ∂log|det J|/∂z`
   * (J = ∂x/∂z), where `p_z` is the pull-back of p. Used by maximum likelihood with path gradients.
   * Uses `_inverseWithScore` where a bijector has it, else autodiff through the forward pass.
   */
  inverseWithScore(x: tf.Tensor2D, scoreX: tf.Tensor2D, context?: tf.Tensor2D | null): ScoreResult {
    const name = `${this.className}.inverseWithScore`;
    this.check(name, 'x', x, context);
    if (!(scoreX instanceof tf.Tensor) || scoreX.rank !== 2 || scoreX.shape[0] !== x.shape[0] || scoreX.shape[1] !== x.shape[1]) {
      throw new ValidationError(name, 'scoreX', `a 2D tensor shaped like x [${x.shape.join(', ')}]`, describe(scoreX));
    }
    if (this.inverseKind === 'none') throw new NotInvertibleError(`${name}: this bijector has no inverse (forward only)`);
    if (!this.hasForward && !this._inverseWithScore) throw new NotInvertibleError(`${name}: no forward direction to differentiate`);
    const ctx = context ?? null;
    return tidy(() => withTape(() => (this._inverseWithScore ? this._inverseWithScore(x, scoreX, ctx) : autodiffInverseScore(this, x, scoreX, ctx))));
  }

  /** See {@link ScoreRule}: `'analytic'` when the class implements `_forwardWithScore`. */
  get scoreRule(): ScoreRule {
    if (this._forwardWithScore) return 'analytic';
    return this.inverseKind === 'analytic' ? 'autodiff' : 'none';
  }

  /** The classes whose score is carried by autodiff rather than a rule of their own (for notes in histories). */
  scoreFallbacks(): string[] {
    return this.scoreRule === 'analytic' ? [] : [this.className];
  }

  /** The closed-form score rule of `forwardWithScore`, on checked tensors, under a recording tape. */
  protected _forwardWithScore?(z: tf.Tensor2D, scoreZ: tf.Tensor2D, context: tf.Tensor2D | null): ScoreResult;
  /** The closed-form rule of `inverseWithScore` (composites only; others use autodiff). */
  protected _inverseWithScore?(x: tf.Tensor2D, scoreX: tf.Tensor2D, context: tf.Tensor2D | null): ScoreResult;

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

/**
 * The generic score rule, for either direction: with y = f(x) the map applied and g its inverse,
 * ∂log q_y/∂y = ∂/∂y [score · g(y) + log|det ∂g/∂y|] (one autodiff pass through g, score held constant).
 */
function autodiffScore(apply: BijectorMap, back: BijectorMap, x: tf.Tensor2D, score: tf.Tensor2D, context: tf.Tensor2D | null): ScoreResult {
  const { output, logDet } = apply(x, context);
  const y = detach(output);
  const g = back(y, context);
  const terms = tf.add(tf.sum(tf.mul(g.output, detach(score)), 1), g.logDet);
  return { output, logDet, score: vjp(terms, [y])[0] as tf.Tensor2D };
}

type BijectorMap = (x: tf.Tensor2D, context: tf.Tensor2D | null) => BijectorResult;

const autodiffForwardScore = (b: Bijector, z: tf.Tensor2D, scoreZ: tf.Tensor2D, context: tf.Tensor2D | null): ScoreResult =>
  autodiffScore((v, c) => b.forward(v, c), (v, c) => b.inverse(v, c), z, scoreZ, context);

const autodiffInverseScore = (b: Bijector, x: tf.Tensor2D, scoreX: tf.Tensor2D, context: tf.Tensor2D | null): ScoreResult =>
  autodiffScore((v, c) => b.inverse(v, c), (v, c) => b.forward(v, c), x, scoreX, context);

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
