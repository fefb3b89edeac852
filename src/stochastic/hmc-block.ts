import { tf } from '../backend.js';
import type { JsonObject } from '../module.js';
import type { Rng } from '../random.js';
import { checkInt } from '../validate.js';
import { acceptMask, type BlockOptions, force, type LogDensity, normals, select, StochasticBlock } from './block.js';

export interface HMCBlockOptions extends BlockOptions {
  /** Leapfrog steps per move (default 10). */
  leapfrogSteps?: number;
}

/**
 * Hamiltonian Monte Carlo on p_λ: per move, a fresh momentum p ~ N(0, I), `leapfrogSteps` leapfrog
 * steps of size ε on H(x, p) = −log p_λ(x) + ½‖p‖², then Metropolis on exp(−H). Reversible for the
 * position marginal, so the log weight is `log p_λ(x) − log p_λ(output)`. ε may be trained.
 *
 * @example
 * ```ts
 * const block = new HMCBlock({ steps: 2, leapfrogSteps: 5, stepSize: 0.1, trainableStepSize: true });
 * ```
 */
export class HMCBlock extends StochasticBlock {
  readonly className = 'HMCBlock';
  readonly leapfrogSteps: number;

  constructor(options: HMCBlockOptions = {}) {
    super(options, 0.1, ['leapfrogSteps']);
    this.leapfrogSteps = checkInt('new HMCBlock', 'options.leapfrogSteps', options.leapfrogSteps ?? 10);
  }

  protected run(x: tf.Tensor2D, logP: LogDensity, rng: Rng): tf.Tensor2D {
    const [n, d] = x.shape;
    const eps = tf.exp(this.logStepSize);
    let cur = x;
    let fCur = force(logP, x);
    let logPCur = logP(x);
    let accepted: tf.Tensor = tf.scalar(0);
    for (let t = 0; t < this.steps; t++) {
      const p0 = normals(rng, [n, d]);
      let q = cur;
      let p = tf.add(p0, tf.mul(tf.mul(0.5, eps), fCur)) as tf.Tensor2D;
      let f = fCur;
      for (let l = 0; l < this.leapfrogSteps; l++) {
        q = tf.add(q, tf.mul(eps, p)) as tf.Tensor2D;
        f = force(logP, q);
        const scale = l === this.leapfrogSteps - 1 ? tf.mul(0.5, eps) : eps;
        p = tf.add(p, tf.mul(scale, f)) as tf.Tensor2D;
      }
      const logPQ = logP(q);
      const kinetic = (m: tf.Tensor2D) => tf.mul(0.5, tf.sum(tf.square(m), 1));
      const logAlpha = tf.sub(tf.sub(logPQ, kinetic(p)), tf.sub(logPCur, kinetic(p0))) as tf.Tensor1D;
      const { mask, rows, rate } = acceptMask(logAlpha, d, rng);
      accepted = tf.add(accepted, rate);
      cur = select(mask, q, cur);
      fCur = select(mask, f, fCur);
      logPCur = tf.where(rows, logPQ, logPCur) as tf.Tensor1D;
    }
    this.recordAcceptance(tf.div(accepted, this.steps) as tf.Scalar);
    return cur;
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), leapfrogSteps: this.leapfrogSteps };
  }

  static fromConfig(c: JsonObject): HMCBlock {
    return new HMCBlock(c as HMCBlockOptions);
  }
}
