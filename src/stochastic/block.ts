/**
 * The base of stochastic blocks (MCMC moves inside a flow). A block acts on the interpolated log-density
 *
 *     log p_λ(x) = (1 − λ) log p_base(x) + λ log p̃(x)
 *
 * (λ = 1: the target; λ = 0: the base), runs `steps` moves of a Markov kernel in detailed balance
 * with p_λ, and returns `logWeight = log p_λ(x) − log p_λ(output)` (exact for any reversible kernel,
 * Wu, Köhler & Noé 2020). Being reversible, a block is the same kernel in both directions. Gradients
 * flow through the accepted proposals (reparameterised in the step size) and through log p_λ at the
 * output; accept/reject decisions, and the forces ∇log p_λ used inside proposals, are held constant.
 */
import { assertReady, tf } from '../backend.js';
import { untaped } from '../ops/score-ops.js';
import { ValidationError, describe } from '../errors.js';
import { type JsonObject, Module } from '../module.js';
import { stopGradient } from '../ops/gradient.js';
import type { Rng } from '../random.js';
import { checkBoolean, checkInt, checkNumber, checkOptions } from '../validate.js';
import type { LayerContext, LayerResult } from './layer.js';

/** A log-density as TF.js ops: `[n, dim]` → `[n]`. */
export type LogDensity = (x: tf.Tensor2D) => tf.Tensor1D;

/** Options shared by every block. */
export interface BlockOptions {
  /** Interpolation λ ∈ [0, 1] between base (0) and target (1); default 1. */
  lambda?: number;
  /** Markov moves per application (default 1). */
  steps?: number;
  /** Initial step size (> 0). */
  stepSize?: number;
  /** Learn the step size (as its logarithm) by gradient descent; default false. */
  trainableStepSize?: boolean;
}

export abstract class StochasticBlock extends Module {
  readonly lambda: number;
  readonly steps: number;
  readonly trainableStepSize: boolean;
  /** log of the step size: a weight (`logStepSize`), trainable or frozen. */
  protected readonly logStepSize: tf.Variable;
  /** The latest application's acceptance fraction, kept on the device (read only when asked for). */
  private acceptance: tf.Scalar | null = null;

  /** @param extraKeys the subclass's own option names (unknown names are rejected). */
  constructor(options: BlockOptions, defaultStepSize: number, extraKeys: readonly string[] = []) {
    super();
    const fn = `new ${new.target.name}`;
    if (options === null || typeof options !== 'object') throw new ValidationError(fn, 'options', 'an object', describe(options));
    checkOptions(fn, options, ['lambda', 'steps', 'stepSize', 'trainableStepSize', ...extraKeys]);
    this.lambda = checkNumber(fn, 'options.lambda', options.lambda ?? 1, { min: 0, max: 1 });
    this.steps = checkInt(fn, 'options.steps', options.steps ?? 1);
    const stepSize = checkNumber(fn, 'options.stepSize', options.stepSize ?? defaultStepSize, { min: 0, open: true });
    this.trainableStepSize = checkBoolean(fn, 'options.trainableStepSize', options.trainableStepSize, false);
    this.logStepSize = this.addWeight('logStepSize', () => tf.scalar(Math.log(stepSize)), this.trainableStepSize);
  }

  /**
   * Fraction of proposals accepted in the latest application (1 for unadjusted moves; NaN before the
   * first). A synchronous read, for inspection: the moves themselves never read back.
   */
  get lastAcceptance(): number {
    return this.acceptance && !this.acceptance.isDisposed ? this.acceptance.dataSync()[0] : NaN;
  }

  /** Keep `fraction` (a scalar computed in this application) as {@link lastAcceptance}. */
  protected recordAcceptance(fraction: tf.Scalar | number): void {
    this.acceptance?.dispose();
    this.acceptance = tf.keep(typeof fraction === 'number' ? tf.scalar(fraction) : fraction);
  }

  override dispose(): void {
    this.acceptance?.dispose();
    this.acceptance = null;
    super.dispose();
  }

  /** The current step size (read back). */
  get stepSize(): number {
    return Math.exp(this.logStepSize.dataSync()[0]);
  }

  /** Apply the block to `x` `[batch, dim]`: `{ output, logWeight = log p_λ(x) − log p_λ(output) }`. */
  apply(x: tf.Tensor2D, ctx: LayerContext): LayerResult {
    this.checkInput(x);
    const logP = this.logDensity(ctx);
    return tf.tidy(() => {
      const start = logP(x);
      const output = this.run(x, logP, ctx.rng);
      return { output, logWeight: tf.sub(start, logP(output)) as tf.Tensor1D };
    }) as unknown as LayerResult;
  }

  /** Throw a ValidationError unless `x` is a 2D tensor. */
  protected checkInput(x: unknown): void {
    const fn = `${this.className}.apply`;
    assertReady(fn);
    if (!(x instanceof tf.Tensor) || x.rank !== 2) throw new ValidationError(fn, 'x', 'a 2D tensor [batch, dim]', describe(x));
  }

  /** log p_λ = (1 − λ) log p_base + λ log p̃ (a single term at λ = 0 or 1). */
  logDensity(ctx: LayerContext): LogDensity {
    const l = this.lambda;
    if (l === 1) return ctx.logTarget;
    if (l === 0) return ctx.logBase;
    return (x) => tf.tidy(() => tf.add(tf.mul(1 - l, ctx.logBase(x)), tf.mul(l, ctx.logTarget(x))) as tf.Tensor1D);
  }

  /** `steps` Markov moves from `x`; returns the final state. Runs inside a tidy. */
  protected abstract run(x: tf.Tensor2D, logP: LogDensity, rng: Rng): tf.Tensor2D;

  getConfig(): JsonObject {
    return { lambda: this.lambda, steps: this.steps, stepSize: this.stepSize, trainableStepSize: this.trainableStepSize };
  }
}

/** `[n, d]` standard normal draws from `rng`. */
export function normals(rng: Rng, shape: [number, number]): tf.Tensor2D {
  return tf.tensor2d(rng.normals(shape[0] * shape[1]), shape);
}

/**
 * Metropolis–Hastings choice per row, on the device: accept where `log u < logAlpha` (one uniform `u`
 * per row from `rng`; NaN never accepted). Returns the boolean masks `[n, dim]` and `[n]` (constants)
 * and the acceptance fraction as a scalar tensor; nothing is read back.
 */
export function acceptMask(logAlpha: tf.Tensor1D, dim: number, rng: Rng): { mask: tf.Tensor2D; rows: tf.Tensor1D; rate: tf.Scalar } {
  const n = logAlpha.shape[0];
  const u = tf.tensor1d(rng.uniforms(n));
  // Off the tape: the decision is a constant of the step (a comparison has no gradient in TF.js).
  const accepted = untaped(() => tf.cast(tf.less(tf.log(u), logAlpha), 'float32')) as tf.Tensor1D;
  const rows = tf.cast(accepted, 'bool') as tf.Tensor1D;
  const mask = tf.tile(tf.reshape(rows, [n, 1]), [1, dim]) as tf.Tensor2D;
  return { mask, rows, rate: tf.mean(accepted) as tf.Scalar };
}

/** Rowwise `mask ? y : x` (gradients reach the chosen rows only, and a non-finite rejected y cannot leak in). */
export function select(mask: tf.Tensor2D, y: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  return tf.where(mask, y, x) as tf.Tensor2D;
}

/** ∇ₓ log p(x) at `x`, held constant: no gradient flows through it to x or to any weight. */
export function force(logP: LogDensity, x: tf.Tensor2D): tf.Tensor2D {
  const g = tf.grad((v: tf.Tensor) => tf.sum(logP(v as tf.Tensor2D)));
  return stopGradient(g(stopGradient(x)) as tf.Tensor2D);
}
