import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject, Module, Serialized } from '../module.js';
import type { Activation } from '../nn/activation.js';
import { putColumns, takeColumns } from '../kernels/columns.js';
import { type ConditionerOptions, type ConditionerSpec, type CouplingConditioner, checkConditioner, conditionerConfig, couplingConditioner, isPlainMlp } from '../nn/conditioner.js';
import { MLP } from '../nn/mlp.js';
import { gradientsRecorded } from '../ops/tape.js';
import type { Seed } from '../random.js';
import { AffineTransformer, type AffineTransformerOptions } from '../transformers/affine.js';
import { affineCouplingApply } from '../kernels/affine-coupling.js';
import { transformerFromConfig } from '../transformers/registry.js';
import type { Transformer } from '../transformers/transformer.js';
import { checkInt, checkOptions } from '../validate.js';
import { Bijector, type BijectorResult, type ScoreResult, sumLogDet } from './bijector.js';
import { untaped, vjp } from '../ops/score-ops.js';
import { permuteColumns } from './permute.js';

export interface CouplingOptions {
  /** Per dimension: `true`/1 = passed through unchanged and fed to the conditioner, `false`/0 = transformed. At least one of each. */
  mask: boolean[] | number[];
  /** Conditioner hidden sizes (default `[64, 64]`); shorthand for `conditioner.hidden`. */
  hidden?: number[];
  /** Conditioner activation (default `relu`); shorthand for `conditioner.activation`. */
  activation?: Activation;
  /** The conditioner network: MLP (default), residual or kernel, with dropout and normalisation (see {@link ConditionerOptions}). */
  conditioner?: ConditionerOptions;
  /** Context dimension; a conditional coupling requires a context in both directions (default 0). */
  contextDim?: number;
  /** Seed of the conditioner's initial weights. */
  seed?: Seed;
}

/** Option keys of every coupling class (subclasses add their transformer's). */
export const COUPLING_KEYS = ['mask', 'hidden', 'activation', 'conditioner', 'contextDim', 'seed'] as const;

/**
 * The usual coupling mask for `dim` dimensions: the first ⌈dim/2⌉ pass through (`true`), the rest
 * are transformed; `flip` gives the complement (the first ⌈dim/2⌉ transformed).
 */
export function halfMask(dim: number, flip = false): boolean[] {
  checkInt('halfMask', 'dim', dim, 2);
  const k = Math.ceil(dim / 2);
  return Array.from({ length: dim }, (_, i) => (i < k) !== flip);
}

function checkMask(fn: string, mask: unknown): boolean[] {
  const ok = Array.isArray(mask) && mask.length >= 2 && mask.every((m) => typeof m === 'boolean' || m === 0 || m === 1);
  const m = ok ? (mask as (boolean | number)[]).map(Boolean) : [];
  if (!ok || !m.includes(true) || !m.includes(false)) {
    throw new ValidationError(fn, 'options.mask', 'an array of booleans or 0/1 (length dim ≥ 2) with at least one pass-through and one transformed entry', describe(mask));
  }
  return m;
}

/**
 * Coupling layer (Dinh et al. 2017): the masked dimensions `x_A` pass through, the others are
 * transformed elementwise by `transformer` with parameters from a conditioner network,
 * `y_B = T(x_B; MLP(x_A, context))`, `y_A = x_A`; forward log-det `Σ_B log |T'|`. The conditioner's last
 * layer starts at zero and every transformer maps zero parameters to the identity, so the layer
 * starts as exactly the identity. Generic over the {@link Transformer}: RealNVP is
 * {@link AffineCoupling}; a spline coupling is this class with a spline transformer.
 *
 * @example
 * ```ts
 * const layer = new Coupling(new AffineTransformer(), { mask: [true, false, true, false], hidden: [32, 32], seed: 0 });
 * const { output, logDet } = layer.forward(z); // z [batch, 4]
 * ```
 */
export class Coupling extends Bijector {
  readonly className: string = 'Coupling';
  readonly mask: readonly boolean[];
  readonly transformer: Transformer;
  readonly conditioner: CouplingConditioner;
  /** The checked conditioner options. */
  readonly conditionerSpec: ConditionerSpec;
  private readonly nPass: number;
  /** Whether the transformed block comes first; used when both blocks are contiguous (slices, no gather). */
  private readonly movedFirst: boolean;
  /** Column order `[pass-through…, transformed…]` and its inverse; `null` when both blocks are contiguous. */
  private readonly order: { index: tf.Tensor1D; inverse: tf.Tensor1D } | null;

  constructor(transformer: Transformer, options: CouplingOptions) {
    const fn = new.target.name;
    checkOptions(fn, options, COUPLING_KEYS);
    if (typeof transformer?.forward !== 'function' || !Number.isInteger(transformer?.paramsPerDim)) {
      throw new ValidationError(fn, 'transformer', 'a Transformer (e.g. new AffineTransformer())', describe(transformer));
    }
    const o: Partial<CouplingOptions> = options ?? {};
    const mask = checkMask(fn, o.mask);
    const spec = checkConditioner(fn, o.conditioner, { hidden: o.hidden, activation: o.activation });
    const contextDim = checkInt(fn, 'options.contextDim', o.contextDim ?? 0, 0);
    super({ dim: mask.length, contextDim });
    assertReady(`new ${fn}`);
    this.mask = mask;
    this.transformer = transformer;
    const pass = mask.flatMap((m, i) => (m ? [i] : []));
    const moved = mask.flatMap((m, i) => (m ? [] : [i]));
    this.nPass = pass.length;
    this.conditionerSpec = spec;
    this.conditioner = couplingConditioner(spec, pass.length, moved.length * transformer.paramsPerDim, contextDim, o.seed);
    const index = [...pass, ...moved];
    const contiguous = (a: number[]) => a.every((v, i) => v === a[0] + i);
    this.movedFirst = moved[0] === 0;
    if (contiguous(pass) && contiguous(moved)) this.order = null;
    else {
      const inverse = new Array<number>(index.length);
      index.forEach((v, i) => (inverse[v] = i));
      this.order = { index: tf.keep(tf.tensor1d(index, 'int32')), inverse: tf.keep(tf.tensor1d(inverse, 'int32')) };
    }
  }

  getConfig(): JsonObject {
    const spec = this.conditionerSpec;
    // The plain MLP is saved as it always was (hidden, activation), so older readers load it.
    const net: JsonObject = isPlainMlp(spec) ? { hidden: [...spec.hidden], activation: spec.activation } : { conditioner: conditionerConfig(spec) };
    return {
      mask: this.mask.map((m) => (m ? 1 : 0)),
      ...net,
      contextDim: this.contextDim,
      transformer: { className: this.transformer.className, config: this.transformer.getConfig() },
    };
  }

  /** Options shared by every coupling class, from a saved config. */
  static optionsFromConfig(c: JsonObject): CouplingOptions {
    const net = c.conditioner !== undefined ? { conditioner: c.conditioner as ConditionerOptions } : { hidden: c.hidden as number[], activation: c.activation as Activation };
    return { mask: c.mask as number[], ...net, contextDim: c.contextDim as number };
  }

  static fromConfig(c: JsonObject): Coupling {
    return new Coupling(transformerFromConfig(c.transformer as unknown as Serialized), Coupling.optionsFromConfig(c));
  }

  protected override children(): readonly Module[] {
    return [this.conditioner];
  }

  override dispose(): void {
    if (this.order) tf.dispose([this.order.index, this.order.inverse]);
    super.dispose();
  }

  protected _forward(x: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    return this.apply(x, context, 'forward');
  }

  protected _inverse(y: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    return this.apply(y, context, 'inverse');
  }

  /**
   * Score rule (Vaitl et al. 2024): with y_B = T(x_B; p), p = MLP(x_A), L = Σ log T', the score is
   * s_B = (g_B − ∂L/∂x_B) / T' and s_A = g_A − (∂p/∂x_A)ᵀ (∂L/∂p + (∂T/∂p)ᵀ s_B), g = ∂log q/∂x. The
   * transformer's terms come from its `scoreTerms` (closed form) or else off the tape of this same
   * forward pass (vector–Jacobian products); the conditioner's from `MLP.applyWithInputVjp`. No second
   * forward pass either way.
   */
  protected override _forwardWithScore(x: tf.Tensor2D, score: tf.Tensor2D, context: tf.Tensor2D | null): ScoreResult {
    const [batch, dim] = x.shape;
    const nMoved = dim - this.nPass;
    const passStart = this.order || !this.movedFirst ? 0 : nMoved;
    const movedStart = passStart === 0 ? this.nPass : 0;
    const split = (t: tf.Tensor2D) => {
      const tp = this.order ? permuteColumns(t, this.order.index, this.order.inverse) : t;
      return [tf.slice(tp, [0, passStart], [batch, this.nPass]), tf.slice(tp, [0, movedStart], [batch, nMoved])] as tf.Tensor2D[];
    };
    const join = (a: tf.Tensor2D, b: tf.Tensor2D) => {
      if (this.order) return permuteColumns(tf.concat([a, b], 1), this.order.inverse, this.order.index);
      return tf.concat(this.movedFirst ? [b, a] : [a, b], 1) as tf.Tensor2D;
    };
    const [xa, xb] = split(x);
    const net = conditionerWithInputVjp(this.conditioner, xa, context);
    const ppd = this.transformer.paramsPerDim;
    const params = tf.reshape(net.output, [batch, nMoved, ppd]) as tf.Tensor3D;
    const r = this.transformer.forward(xb, params);
    const output = join(xa, r.output);
    const logDet = sumLogDet(r.logDet);
    const t = this.transformer;
    // The transformer's terms in closed form where it has them (null: read them off the tape below).
    const closedTerms = () => {
      const [ga, gb] = split(score);
      const c = t.scoreTerms ? t.scoreTerms(xb, params, gb, r) : null;
      return c ? { ga, sB: c.scoreY, dParams: tf.reshape(c.dParams, [batch, nMoved * ppd]) as tf.Tensor2D } : null;
    };
    if (t.scoreTerms && net.untapedVjp) {
      // Plain MLP conditioner: the whole rule in one untaped block (each block costs a custom-gradient call).
      const vjpOf = net.untapedVjp;
      const s = untaped(() => {
        const c = closedTerms();
        return c ? join(tf.sub(c.ga, vjpOf(c.dParams)) as tf.Tensor2D, c.sB) : [];
      });
      if (!Array.isArray(s)) return { output, logDet, score: s };
    }
    const closed = t.scoreTerms ? (untaped(() => {
      const c = closedTerms();
      return c ? [c.ga, c.sB, c.dParams] : [];
    }) as tf.Tensor2D[]) : [];
    let ga: tf.Tensor2D;
    let sB: tf.Tensor2D;
    let dParams: tf.Tensor2D;
    if (closed.length === 3) [ga, sB, dParams] = closed;
    else {
      let gb: tf.Tensor2D;
      [ga, gb] = untaped(() => split(score));
      const [dLdx, dLdp] = vjp(r.logDet, [xb, params]);
      sB = untaped(() => tf.mul(tf.sub(gb, dLdx), tf.exp(tf.neg(r.logDet))) as tf.Tensor2D);
      const [dTdp] = vjp(r.output, [params], sB);
      dParams = untaped(() => tf.reshape(tf.add(dTdp, dLdp), [batch, nMoved * ppd]) as tf.Tensor2D);
    }
    // The conditioner's VJP outside `untaped`: a taped one (non-MLP conditioners) needs the tape.
    const va = net.inputVjp(dParams);
    return { output, logDet, score: untaped(() => join(tf.sub(ga, va) as tf.Tensor2D, sB)) };
  }

  private apply(x: tf.Tensor2D, context: tf.Tensor2D | null, direction: 'forward' | 'inverse'): BijectorResult {
    if (!gradientsRecorded()) return this.applyInference(x, context, direction);
    const [batch, dim] = x.shape;
    const nMoved = dim - this.nPass;
    // Gather only for scattered masks: slices and concat are cheaper, and so are their gradients.
    const xp = this.order ? permuteColumns(x, this.order.index, this.order.inverse) : x;
    const passStart = this.order || !this.movedFirst ? 0 : nMoved;
    const movedStart = passStart === 0 ? this.nPass : 0;
    const xa = tf.slice(xp, [0, passStart], [batch, this.nPass]);
    const xb = tf.slice(xp, [0, movedStart], [batch, nMoved]);
    const raw = this.conditioner.apply(xa, context);
    const params = tf.reshape(raw, [batch, nMoved, this.transformer.paramsPerDim]) as tf.Tensor3D;
    const r = this.transformer[direction](xb, params);
    const logDet = sumLogDet(r.logDet);
    if (this.order) return { output: permuteColumns(tf.concat([xa, r.output], 1), this.order.inverse, this.order.index), logDet };
    return { output: tf.concat(this.movedFirst ? [r.output, xa] : [xa, r.output], 1), logDet };
  }

  /**
   * `apply` when no gradient is recorded (logProb, sample): the same maths with one-pass column
   * kernels instead of slices, gathers and a concat, which on wasm copy row by row (about 20 ms per
   * layer at 100,000 × 2). The tape path above keeps the ops whose gradients training relies on.
   */
  private applyInference(x: tf.Tensor2D, context: tf.Tensor2D | null, direction: 'forward' | 'inverse'): BijectorResult {
    const pass = this.mask.flatMap((m, i) => (m ? [i] : []));
    const moved = this.mask.flatMap((m, i) => (m ? [] : [i]));
    const batch = x.shape[0];
    const raw = this.conditioner.apply(takeColumns(x, pass), context);
    // Affine: the transform, the pass-through copy and the log-det in one kernel pass.
    const t = this.transformer;
    const fused = t instanceof AffineTransformer ? affineCouplingApply(t.kernelAttrs(), x, raw, moved, direction) : null;
    if (fused) return fused;
    const params = tf.reshape(raw, [batch, moved.length, this.transformer.paramsPerDim]) as tf.Tensor3D;
    const r = this.transformer[direction](takeColumns(x, moved), params);
    const logDet = moved.length === 1 ? (tf.reshape(r.logDet, [batch]) as tf.Tensor1D) : sumLogDet(r.logDet);
    return { output: putColumns(x, r.output, moved), logDet };
  }
}

export type AffineCouplingOptions = CouplingOptions & AffineTransformerOptions;

/**
 * RealNVP affine coupling (Dinh et al. 2017): `y_B = x_B · scale(s) + t` with
 * `(t, s) = MLP(x_A, context)`, `y_A = x_A`; forward log-det `Σ_B log scale(s)`. Starts as the identity.
 * `scale` / `clamp` choose the scale map (see {@link AffineTransformerOptions}; default exp of a
 * log-scale soft-clamped to ±3).
 *
 * @example
 * ```ts
 * const layer = new AffineCoupling({ mask: halfMask(4), hidden: [64, 64], contextDim: 2, seed: 7 });
 * layer.inverse(x, context); // x [batch, 4], context [batch, 2]
 * ```
 */
export class AffineCoupling extends Coupling {
  override readonly className: string = 'AffineCoupling';

  constructor(options: AffineCouplingOptions) {
    checkOptions('AffineCoupling', options, [...COUPLING_KEYS, 'scale', 'clamp']);
    const { scale, clamp, ...rest } = options ?? ({} as AffineCouplingOptions);
    super(new AffineTransformer({ scale, clamp }), rest);
  }

  override getConfig(): JsonObject {
    const { transformer, ...rest } = super.getConfig();
    return { ...rest, ...(transformer as { config: JsonObject }).config };
  }

  static override fromConfig(c: JsonObject): AffineCoupling {
    return new AffineCoupling({ ...Coupling.optionsFromConfig(c), scale: c.scale as 'exp' | 'softplus', clamp: c.clamp as number | null });
  }
}

/**
 * The conditioner's output and its input vector–Jacobian product: the hand-written one of a plain MLP,
 * else read off the tape of this same pass (residual and kernel conditioners, dropout, norms).
 * `untapedVjp` (plain MLP only) is the same product for callers already inside `untaped`.
 */
function conditionerWithInputVjp(
  net: CouplingConditioner,
  x: tf.Tensor2D,
  context: tf.Tensor2D | null,
): { output: tf.Tensor2D; inputVjp: (d: tf.Tensor2D) => tf.Tensor2D; untapedVjp: ((d: tf.Tensor2D) => tf.Tensor2D) | null } {
  if (net instanceof MLP && net.plain) {
    const m = net.applyWithInputVjp(x, context);
    return { output: m.output, inputVjp: (d) => untaped(() => m.inputVjp(d)), untapedVjp: m.inputVjp };
  }
  const output = net.apply(x, context);
  return { output, inputVjp: (d) => vjp(output, [x], d)[0] as tf.Tensor2D, untapedVjp: null };
}
