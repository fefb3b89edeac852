import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import type { Rng } from '../random.js';
import { acceptMask, type BlockOptions, force, type LogDensity, normals, select, StochasticBlock } from './block.js';

export interface LangevinOptions extends BlockOptions {
  /** `true` (default): Metropolis-adjusted (MALA), exact for p_λ; `false`: unadjusted Langevin (every move kept). */
  adjusted?: boolean;
}

/**
 * Overdamped Langevin moves on p_λ with step ε: `y = x + ε ∇log p_λ(x) + √(2ε) ξ`, ξ ~ N(0, I).
 * Adjusted (MALA, default): accepted with probability min(1, p_λ(y) q(y→x) / (p_λ(x) q(x→y))),
 * `log q(x→y) = −‖y − x − ε∇log p_λ(x)‖² / (4ε)`, so the block is reversible and its log weight is
 * `log p_λ(x) − log p_λ(output)`. Unadjusted: every proposal is kept and the log weight is the exact
 * path ratio `Σ_t [log q(x_{t+1}→x_t) − log q(x_t→x_{t+1})]` (Wu, Köhler & Noé 2020, eq. 12).
 *
 * @example
 * ```ts
 * const block = new LangevinBlock({ lambda: 1, steps: 10, stepSize: 0.01 });
 * ```
 */
export class LangevinBlock extends StochasticBlock {
  readonly className = 'LangevinBlock';
  readonly adjusted: boolean;

  constructor(options: LangevinOptions = {}) {
    super(options, 0.01, ['adjusted']);
    const a = options.adjusted ?? true;
    if (typeof a !== 'boolean') throw new ValidationError('new LangevinBlock', 'options.adjusted', 'true or false', describe(a));
    this.adjusted = a;
  }

  override apply(x: tf.Tensor2D, ctx: Parameters<StochasticBlock['apply']>[1]) {
    if (this.adjusted) return super.apply(x, ctx);
    this.checkInput(x);
    // Unadjusted moves do not keep p_λ: the weight is the path ratio itself.
    const logP = this.logDensity(ctx);
    return tf.tidy(() => {
      const { output, logRatio } = this.moves(x, logP, ctx.rng);
      return { output, logWeight: logRatio };
    }) as unknown as ReturnType<StochasticBlock['apply']>;
  }

  protected run(x: tf.Tensor2D, logP: LogDensity, rng: Rng): tf.Tensor2D {
    return this.moves(x, logP, rng).output;
  }

  /** The moves, with the accumulated log path ratio of the unadjusted chain. */
  private moves(x: tf.Tensor2D, logP: LogDensity, rng: Rng): { output: tf.Tensor2D; logRatio: tf.Tensor1D } {
    const [n, d] = x.shape;
    const eps = tf.exp(this.logStepSize);
    // log q(a→b) up to its constant, which cancels in every ratio.
    const logQ = (a: tf.Tensor2D, fa: tf.Tensor2D, b: tf.Tensor2D) =>
      tf.div(tf.sum(tf.square(tf.sub(tf.sub(b, a), tf.mul(eps, fa))), 1), tf.mul(-4, eps)) as tf.Tensor1D;
    let cur = x;
    let fCur = force(logP, x);
    let logPCur = logP(x);
    let logRatio = tf.zeros([n]) as tf.Tensor1D;
    let accepted: tf.Tensor = tf.scalar(0);
    for (let t = 0; t < this.steps; t++) {
      const y = tf.add(tf.add(cur, tf.mul(eps, fCur)), tf.mul(tf.sqrt(tf.mul(2, eps)), normals(rng, [n, d]))) as tf.Tensor2D;
      const fY = force(logP, y);
      const ratio = tf.sub(logQ(y, fY, cur), logQ(cur, fCur, y)) as tf.Tensor1D;
      if (!this.adjusted) {
        logRatio = tf.add(logRatio, ratio) as tf.Tensor1D;
        cur = y;
        fCur = fY;
        accepted = tf.add(accepted, 1);
        continue;
      }
      const logPY = logP(y);
      const { mask, rows, rate } = acceptMask(tf.add(tf.sub(logPY, logPCur), ratio) as tf.Tensor1D, d, rng);
      accepted = tf.add(accepted, rate);
      cur = select(mask, y, cur);
      fCur = select(mask, fY, fCur);
      logPCur = tf.where(rows, logPY, logPCur) as tf.Tensor1D;
    }
    this.recordAcceptance(tf.div(accepted, this.steps) as tf.Scalar);
    return { output: cur, logRatio };
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), adjusted: this.adjusted };
  }

  static fromConfig(c: JsonObject): LangevinBlock {
    return new LangevinBlock(c as LangevinOptions);
  }
}
